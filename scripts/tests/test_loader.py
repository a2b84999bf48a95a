#!/usr/bin/env python3
"""The one loader (barbench.load) and the one renderer (barbench.render)
under every script: the same inputs accepted everywhere (a bundle, a folder,
a variant folder of rounds), the same refusal of hostile input (exit 2 and
the cause, never a traceback), outputs that cannot be written (exit 41,
nothing left behind), runs no measurement can give refused by the gate, and
the strings the renderer makes."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import fakeruns
import runner
from barbench import load, render, status
from barbench.runs import Config
from runner import REPO, SCRIPTS

BUNDLE = os.path.join(REPO, "results", "baseline", "x86_64-stock.json")
REF = os.path.join(REPO, "results", "reference", "x86_64-stock")


def load_json(path):
    with open(path) as f:
        return json.load(f)


def run(script, *args):
    p = subprocess.run([sys.executable, os.path.join(SCRIPTS, script)] +
                       list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


class Inputs(unittest.TestCase):
    """Every script takes what the others take."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.rundir = fakeruns.rundir(os.path.join(cls.tmp.name, "rd"),
                                     extras=False)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_report_takes_a_bundle(self):
        rc, out, err = run("report", BUNDLE)
        self.assertEqual(rc, 0, err)
        runs = load_json(BUNDLE)["runs"]
        # One header per run of the bundle, each naming its device.
        self.assertEqual(out.count("\ndevice ") + out.startswith("device "),
                         len(runs))
        self.assertIn(runs[0]["device"]["address"], out)

    def test_report_takes_a_folder_and_a_variant_folder(self):
        rc, folder, err = run("report", REF)
        self.assertEqual(rc, 0, err)
        rc, rounds, err = run("report", os.path.join(self.rundir, "stock"))
        self.assertEqual(rc, 0, err)
        # Two rounds of two devices.
        self.assertEqual(rounds.count("device 0000:"), 4)

    def test_load_rounds_sets_the_round(self):
        runs = load.load(os.path.join(self.rundir, "msix-sparse"))
        self.assertEqual(sorted(r.prov["round"] for r in runs),
                         [1, 1, 2, 2])

    def test_gate_takes_variant_folders(self):
        rc, out, err = run("gate", os.path.join(self.rundir, "stock"),
                           os.path.join(self.rundir, "stock"))
        self.assertEqual(rc, 0, out + err)
        self.assertIn("0 regressed", out)
        rc, out, err = run("gate", os.path.join(self.rundir, "stock"),
                           os.path.join(self.rundir, "msix-sparse"))
        self.assertEqual(rc, 1, out + err)
        self.assertIn("no longer mappable", out)

    def test_variants_of_a_comparison(self):
        variants, warnings = load.variants(self.rundir)
        self.assertEqual(sorted(variants), ["msix-sparse", "stock"])
        self.assertEqual(warnings, [])

    def test_a_run_given_twice_is_refused(self):
        one = os.path.join(REF, "0000_00_02_0.json")
        for script, args in (("report", [REF, one]),
                             ("bundle", ["-o", os.path.join(self.tmp.name,
                                                            "b.json"),
                                         one, one])):
            rc, out, err = run(script, *args)
            self.assertEqual(rc, 2, script + err)
            self.assertIn("given twice", err)

    def test_compare_same_variant_twice(self):
        rc, out, err = run("compare-report", "--no-charts", "--baseline",
                           "stock",
                           "--candidate", "stock", self.rundir)
        self.assertEqual(rc, 2, err)
        self.assertIn("both 'stock': name two different variants", err)

    def test_a_round_missing_a_device_warns(self):
        rd = fakeruns.rundir(os.path.join(self.tmp.name, "gap"),
                             extras=False)
        os.unlink(os.path.join(rd, "stock", "round-2", "0000_00_03_0.json"))
        variants, warnings = load.variants(rd)
        self.assertEqual(len(warnings), 1, warnings)
        self.assertIn("round-2: no 0000_00_03_0.json", warnings[0])

    def test_bundle_takes_out_option_and_old_form(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b = os.path.join(tmp, "a.json"), os.path.join(tmp, "b.json")
            rc, out, err = run("bundle", "-o", a, REF)
            self.assertEqual(rc, 0, err)
            rc, out, err = run("bundle", b, REF)
            self.assertEqual(rc, 0, err)
            da, db = load_json(a), load_json(b)
            self.assertEqual(da["runs"], db["runs"])
            self.assertEqual(len(da["runs"]), 2)


class Hostile(unittest.TestCase):
    """Input Python's json cannot hold: exit 2 with the cause, in every
    script that reads runs."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def file(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def refused(self, path, cause):
        for script, args in (("report", [path]), ("gate", [BUNDLE, path]),
                             ("bundle", ["-o", path + ".b", path])):
            rc, out, err = run(script, *args)
            self.assertEqual(rc, 2, f"{script}: {out}{err}")
            self.assertIn(cause, err, script)
            self.assertNotIn("Traceback", err, script)
            self.assertFalse(os.path.exists(path + ".b"))

    def test_not_utf8(self):
        self.refused(self.file("u.json", b'{"schema": "\xff\xfe"}'),
                     "not UTF-8")

    def test_deep_nesting(self):
        self.refused(self.file("d.json", b"[" * 100000 + b"]" * 100000),
                     "nested too deeply")

    def test_huge_integer(self):
        doc = fakeruns.reference()
        text = json.dumps(doc).replace('"median_ns": ',
                                       '"median_ns": ' + "9" * 5000 + ",\"x\":", 1)
        self.refused(self.file("h.json", text.encode()), "cannot be read")

    def test_nan_and_infinity(self):
        doc = fakeruns.reference()
        for name in ("NaN", "Infinity", "-Infinity"):
            with self.subTest(name=name):
                text = json.dumps(doc).replace('"median_ns": ',
                                               f'"median_ns": {name}, "x": ', 1)
                self.refused(self.file("n.json", text.encode()),
                             f"{name} is not JSON")

    def test_a_folder_named_as_file(self):
        rc, out, err = run("overhead", os.path.join(self.dir, "nothing"))
        self.assertEqual(rc, 2, err)
        self.assertIn("no such folder", err)

    def test_overhead_bad_samples(self):
        doc = fakeruns.reference()
        doc["cases"] = [c for c in doc["cases"] if c["path"] == "fd" and
                        not c.get("skipped")][:1]
        doc["provenance"]["variant"] = "none"
        for raw, cause in (([], "no raw samples"), (None, "no raw samples"),
                           (["a"], "not a positive number"),
                           ([0, 0], "not a positive number")):
            with self.subTest(raw=raw):
                d = os.path.join(self.dir, "ov")
                shutil.rmtree(d, ignore_errors=True)
                os.makedirs(d)
                doc["cases"][0]["raw_ns"] = raw
                with open(os.path.join(d, "none-1.json"), "w") as f:
                    json.dump(doc, f)
                rc, out, err = run("overhead", d)
                self.assertEqual(rc, 2, err)
                self.assertIn(cause, err)
                self.assertNotIn("Traceback", err)


class Outputs(unittest.TestCase):
    """An --out that cannot be written: exit 41, checked before any work,
    nothing left beside it."""

    def test_out_is_a_folder_or_has_no_parent(self):
        with tempfile.TemporaryDirectory() as tmp:
            missing = os.path.join(tmp, "no", "such", "t.txt")
            for script, args in (("report", [REF]),
                                 ("bundle", [REF])):
                for out, cause in ((tmp, "is a folder"),
                                   (missing, "no folder")):
                    with self.subTest(script=script, out=out):
                        rc, stdout, err = run(script, "-o", out, *args)
                        self.assertEqual(rc, status.OUTPUT_FAILED, err)
                        self.assertIn(cause, err)
                        self.assertEqual(stdout, "")
            self.assertEqual(os.listdir(tmp), [])

    def test_compare_out_under_a_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            rd = fakeruns.rundir(os.path.join(tmp, "rd"), extras=False)
            blocker = os.path.join(tmp, "file")
            open(blocker, "w").close()
            rc, out, err = run("compare-report", "--no-charts", "-o",
                               os.path.join(blocker, "x"), rd)
            self.assertEqual(rc, status.OUTPUT_FAILED, err)
            self.assertIn("cannot make the folder", err)


class Impossible(unittest.TestCase):
    """A run no measurement can give is invalid input for the gate (2),
    never an improvement."""

    def gate_on(self, change):
        with tempfile.TemporaryDirectory() as tmp:
            doc = fakeruns.reference()
            change(doc)
            path = os.path.join(tmp, "cand.json")
            with open(path, "w") as f:
                json.dump(doc, f)
            return run("gate", "--allow-env-diff", BUNDLE, path)

    def timed(self, doc):
        return next(c for c in doc["cases"] if not c.get("skipped"))

    def test_no_cases(self):
        rc, out, err = self.gate_on(lambda d: d.update(cases=[]))
        self.assertEqual(rc, 2, out + err)
        self.assertIn("no cases", err)

    def test_negative_and_zero_times(self):
        for value in (-5, 0):
            def change(d, value=value):
                c = self.timed(d)
                c["raw_ns"] = [value] * len(c["raw_ns"])
                c["median_ns"] = value
            with self.subTest(value=value):
                rc, out, err = self.gate_on(change)
                self.assertEqual(rc, 2, out + err)
                self.assertIn("a time <= 0 ns", err)

    def test_fewer_accesses_than_samples(self):
        rc, out, err = self.gate_on(
            lambda d: self.timed(d).update(accesses=3))
        self.assertEqual(rc, 2, out + err)
        self.assertIn("fewer than one a sample", err)

    def test_more_traps_than_accesses(self):
        def change(d):
            c = self.timed(d)
            c["traps"]["bar"] = c["trap_pass_accesses"] + 1
        rc, out, err = self.gate_on(change)
        self.assertEqual(rc, 2, out + err)
        self.assertIn("not a count of trapped accesses", err)


class Clocks(unittest.TestCase):
    """provenance.clock read, labelled and never mixed."""

    def write(self, tmp, name, clock):
        doc = fakeruns.reference()
        if clock is not None:
            doc["provenance"]["clock"] = clock
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    ICOUNT = {"kind": "icount", "shift": 0, "qemu": "7.2.22",
              "unit": "guest instructions"}

    def test_clock_of(self):
        with tempfile.TemporaryDirectory() as tmp:
            old = self.write(tmp, "old.json", None)
            ic = self.write(tmp, "ic.json", self.ICOUNT)
            self.assertEqual(load.clock_of(load.load(old)[0]), "wall")
            self.assertEqual(load.clock_of(load.load(ic)[0]), "icount")
            with self.assertRaises(load.InputError):
                load.one_clock(load.load(old) + load.load(ic))

    def test_report_labels_and_refuses(self):
        with tempfile.TemporaryDirectory() as tmp:
            ic = self.write(tmp, "ic.json", self.ICOUNT)
            rc, out, err = run("report", ic)
            self.assertEqual(rc, 0, err)
            self.assertIn("medians in guest instructions per access", out)
            self.assertIn("icount shift 0", out)
            for bad, cause in ((dict(self.ICOUNT, shift=3), "shift 0 only"),
                               ({"kind": "tsc"}, "not a wall or icount")):
                path = self.write(tmp, "bad.json", bad)
                rc, out, err = run("report", path)
                self.assertEqual(rc, 2, err)
                self.assertIn(cause, err)

    def test_gate_thresholds_and_mixed_clocks(self):
        with tempfile.TemporaryDirectory() as tmp:
            a = self.write(tmp, "a.json", self.ICOUNT)
            rc, out, err = run("gate", a, a)
            self.assertEqual(rc, 0, out + err)
            self.assertIn("clock icount (guest instructions)", out)
            self.assertIn("fd 1.01x", out)
            w = self.write(tmp, "w.json", {"kind": "wall", "unit": "ns"})
            rc, out, err = run("gate", "--allow-env-diff", w, a)
            self.assertEqual(rc, 2, out + err)
            self.assertIn("clocks differ", err)

    def test_config_icount_sections(self):
        cfg = Config()
        self.assertEqual(cfg.slowdown_for("icount", "fd"), 1.01)
        self.assertEqual(cfg.slowdown_for("wall", "fd"), 4)
        self.assertEqual(cfg.icount_min_effect, 0.005)
        with tempfile.TemporaryDirectory() as tmp:
            conf = os.path.join(tmp, "g.conf")
            with open(conf, "w") as f:
                f.write("[gate.icount.fd]\nmax_slowdown = 1.02\n"
                        "[gate.icount.bogus]\nmax_slowdown = 1\n")
            with self.assertRaises(load.InputError):
                Config(conf)
            with open(conf, "w") as f:
                f.write("[gate.icount.fd]\nmax_slowdown = 1.02\n")
            cfg = Config(conf)
            self.assertEqual(cfg.slowdown_for("icount", "fd"), 1.02)
            self.assertEqual(cfg.slowdown_for("icount", "mmap"), 1.01)
            self.assertEqual(cfg.slowdown_for("wall", "fd"), 1.5)


class Render(unittest.TestCase):
    """The renderer's strings, which every report shares."""

    def test_costs(self):
        s = {"median_ns": 1101.4, "ci95_ns": [1100.6, 1102.5],
             "skipped": None}
        self.assertEqual(render.med_ci(s), "1101 [1101, 1102]")
        self.assertEqual(render.med_ci(dict(s, ci95_ns=None)), "1101")
        self.assertEqual(render.med_ci({"median_ns": None,
                                           "skipped": "EINVAL"}),
                         "not mappable")
        self.assertEqual(render.med_ci({"median_ns": None}),
                         "no samples")
        self.assertEqual(render.med_ci(dict(s, measured=False)),
                         "not measured")
        self.assertEqual(render.short_cost({"median_ns": None,
                                               "skipped": "x"}), "refused")
        self.assertEqual(render.short_cost(None), "-")

    def test_numbers(self):
        self.assertEqual(render.factor(1.234), "1.23")
        self.assertEqual(render.factor(13.46), "13.5")
        self.assertEqual(render.fraction(3, 80), "3/80")
        self.assertEqual(render.fraction(None, 80), "-")
        self.assertEqual([render.page_label(s) for s in
                          (4096, 16384, 65536, 1 << 21, 1000)],
                         ["4K", "16K", "64K", "2M", "1000"])

    def test_tables(self):
        lines = render.txt_table(["a", "bb"], [["xyz", 1]], right={1})
        self.assertEqual(lines, ["a   bb", "--- --", "xyz  1"])
        lines = render.txt_table(["a", "b"], [["x", "y"]], right=(),
                                    sep="  ", indent="  ")
        self.assertEqual(lines, ["  a  b", "  -  -", "  x  y"])
        self.assertEqual(render.md_table(["a", "b"], [["x|y", 2]],
                                            right={1}),
                         ["| a | b |", "|---|---:|", "| x\\|y | 2 |"])

    def test_wrap_keeps_words_whole(self):
        text = "see harness/tests/test-variants.sh " * 4
        lines = render.wrap(text, "  ", "  ", width=40)
        self.assertTrue(all(len(line) <= 40 or " " not in line.strip()
                            for line in lines))
        self.assertTrue(lines[1].startswith("    harness/"))


if __name__ == "__main__":
    runner.main("loader")

#!/usr/bin/env python3
"""scripts/compare-report and its statistics: the Mann-Whitney U test against
values computed by hand and by exact enumeration, the fast bootstrap of the
median against every possible resample, the ratio CI against a known
ratio, and the whole report on a fake two-variant comparison folder made
from the real reference runs (fakeruns.py): verdicts, trap fractions,
one-sided cases, environment differences, drift, hyperfine and perf
tables, charts, and exit status 2 or 40 on bad input or no gnuplot."""
import collections
import itertools
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest

import fakeruns
import runner
from barbench import extras, stats, status

COMPARE = os.path.join(runner.SCRIPTS, "compare-report")


def exact_mwu_p(x, y):
    """Two-sided exact p of U by enumerating every split of the pooled
    values into groups of len(x) and len(y) (no ties)."""
    pooled = list(x) + list(y)
    n1 = len(x)
    u = lambda xs, ys: sum((a > b) + 0.5 * (a == b) for a in xs for b in ys)
    u_obs = u(x, y)
    mean = n1 * len(y) / 2
    extreme = total = 0
    for idx in itertools.combinations(range(len(pooled)), n1):
        xs = [pooled[i] for i in idx]
        ys = [pooled[i] for i in range(len(pooled)) if i not in idx]
        total += 1
        extreme += abs(u(xs, ys) - mean) >= abs(u_obs - mean) - 1e-9
    return extreme / total


class MannWhitney(unittest.TestCase):
    def test_separated_samples_by_hand(self):
        # x = 1 2 3, y = 4 5 6: U_x = 0 (no x beats a y); mean 9/2 = 4.5;
        # var = 3*3*(6+1)/12 = 5.25; z = (4.5 - 0.5)/sqrt(5.25) = 1.745743;
        # p = 2 (1 - Phi(z)) = 0.080856.
        u, p = stats.mann_whitney_u([1, 2, 3], [4, 5, 6])
        self.assertEqual(u, 0)
        self.assertAlmostEqual(p, 0.080856, places=5)
        u, p2 = stats.mann_whitney_u([4, 5, 6], [1, 2, 3])
        self.assertEqual(u, 9)
        self.assertAlmostEqual(p2, p, places=12)

    def test_ties_by_hand(self):
        # x = 1 2 2 3, y = 2 3 4 5.  Ranks of the pooled 1 2 2 2 3 3 4 5:
        # 1, 3 3 3 (three 2s share ranks 2-4), 5.5 5.5, 7, 8.  R_x = 1 + 3
        # + 3 + 5.5 = 12.5, U_x = 12.5 - 4*5/2 = 2.5 (pairs: 0 + 0.5 + 0.5
        # + 1.5).  Ties t = 3, 2: sum(t^3 - t) = 30; n = 8;
        # var = 16/12 * (9 - 30/56) = 11.285714; z = (|2.5 - 8| - 0.5) /
        # 3.359422 = 1.488351; p = 2 (1 - Phi(z)) = 0.136658.
        u, p = stats.mann_whitney_u([1, 2, 2, 3], [2, 3, 4, 5])
        self.assertEqual(u, 2.5)
        self.assertAlmostEqual(p, 0.136658, places=5)

    def test_ranks_average_ties(self):
        r, ties = stats.ranks([10, 20, 20, 30, 20])
        self.assertEqual(r, [1, 3, 3, 5, 3])
        self.assertEqual(ties, [3])

    def test_identical_samples(self):
        self.assertEqual(stats.mann_whitney_u([5] * 4, [5] * 6)[1], 1.0)
        self.assertEqual(stats.mann_whitney_u([1, 2, 3], [1, 2, 3])[1],
                         1.0)

    def test_against_exact_enumeration(self):
        # 7 + 7 values, C(14, 7) = 3432 splits enumerated.
        rng = random.Random(4)
        for shift in (0, 0.5, 1.0, 2.0):
            x = [rng.gauss(0, 1) for _ in range(7)]
            y = [rng.gauss(shift, 1) for _ in range(7)]
            with self.subTest(shift=shift):
                exact = exact_mwu_p(x, y)
                self.assertAlmostEqual(stats.mann_whitney_u(x, y)[1],
                                       exact, delta=0.02)

    def test_large_shift_is_tiny_p(self):
        rng = random.Random(2)
        a = [rng.gauss(100, 5) for _ in range(200)]
        b = [rng.gauss(110, 5) for _ in range(200)]
        self.assertLess(stats.mann_whitney_u(a, b)[1], 1e-10)

    def test_marks(self):
        self.assertEqual([stats.mark(p) for p in (0.2, 0.04, 0.009)],
                         ["", "*", "**"])


class Bootstrap(unittest.TestCase):
    def check_exact(self, xs, draws=100000):
        """bootstrap_medians' distribution against all n^n resamples."""
        n = len(xs)
        exact = collections.Counter(stats.median(r) for r in
                                    itertools.product(xs, repeat=n))
        got = collections.Counter(stats.bootstrap_medians(
            xs, draws, random.Random(7)))
        self.assertLessEqual(set(got), set(exact))
        for m, count in exact.items():
            p = count / n ** n
            se = math.sqrt(p * (1 - p) / draws)
            self.assertAlmostEqual(got[m] / draws, p, delta=5 * se + 1e-4,
                                   msg=f"median {m}")

    def test_even_n_exact(self):
        self.check_exact([1, 2, 4, 8, 16, 32])

    def test_odd_n_exact(self):
        self.check_exact([3, 1, 4, 1, 5])

    def test_matches_naive_resampling(self):
        rng = random.Random(3)
        xs = [rng.lognormvariate(5, 0.3) for _ in range(60)]
        fast = sorted(stats.bootstrap_medians(xs, 4000, random.Random(1)))
        slow = sorted(stats.bootstrap_medians_naive(xs, 4000,
                                                       random.Random(2)))
        for q in (0.025, 0.5, 0.975):
            i = int(q * 4000)
            self.assertAlmostEqual(fast[i] / slow[i], 1, delta=0.02)

    def test_ratio_ci_covers_true_ratio(self):
        # Candidate = 3 x baseline in distribution: true ratio of medians 3.
        rng = random.Random(11)
        covered = 0
        trials = 40
        for _ in range(trials):
            base = [rng.lognormvariate(math.log(100), 0.2) for _ in range(201)]
            cand = [3 * rng.lognormvariate(math.log(100), 0.2)
                    for _ in range(201)]
            lo, hi = stats.ratio_ci(base, cand, 2000, rng)
            self.assertLess(lo, hi)
            covered += lo <= 3 <= hi
        self.assertGreaterEqual(covered, 0.85 * trials)

    def test_seeded(self):
        xs = list(range(101))
        self.assertEqual(stats.median_ci(xs, 500, stats.rng(1)),
                         stats.median_ci(xs, 500, stats.rng(1)))


class Perf(unittest.TestCase):
    def test_default_and_csv(self):
        rows = extras.parse_perf(fakeruns.PERF)
        by = {r["event"]: r for r in rows}
        self.assertEqual(by["task-clock"]["value"], 1234.56)
        self.assertEqual(by["task-clock"]["unit"], "msec")
        self.assertEqual(by["page-faults"]["value"], 4567)
        self.assertIsNone(by["cycles"]["value"])
        self.assertEqual(by["cycles"]["text"], "not supported")
        self.assertEqual(by["time elapsed"]["unit"], "seconds")
        rows = extras.parse_perf(
            "     1,000      faults    #  1 K/sec    ( +-  2.50% )\n"
            "12.5,msec,task-clock,12500,100.00,0.9,CPUs utilized\n")
        self.assertEqual(rows[0]["variance_pct"], 2.5)
        self.assertEqual(rows[0]["value"], 1000)
        self.assertEqual((rows[1]["event"], rows[1]["value"]),
                         ("task-clock", 12.5))


class Compare(unittest.TestCase):
    """The whole tool on a fake comparison folder."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.full = fakeruns.rundir(os.path.join(cls.tmp.name, "full"))
        # Without gnuplot only test_charts fails (and says why); the rest
        # of the report is still checked.
        cls.gnuplot = shutil.which("gnuplot")
        opts = [] if cls.gnuplot else ["--no-charts"]
        cls.rc, cls.out, cls.err = cls.run_compare(cls.full, *opts)
        with open(os.path.join(cls.full, "compare.json")) as f:
            cls.doc = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @staticmethod
    def run_compare(rundir, *opts, env=None):
        p = subprocess.run([sys.executable, COMPARE, *opts, rundir],
                           capture_output=True, text=True, timeout=120,
                           env=env)
        return p.returncode, p.stdout, p.stderr

    def small_rundir(self, name, **kw):
        """Only the 4-byte reads: a quick folder to change."""
        return fakeruns.rundir(os.path.join(self.tmp.name, name),
                               cases=lambda c: c["width"] == 4 and
                               c["op"] == "read", **kw)

    def case(self, place, path, width=4, op="read", dev="0000:00:02.0"):
        return next(c for c in self.doc["cases"]
                    if c["place"] == place and c["path"] == path and
                    c["width"] == width and c["op"] == op and
                    c["device"]["address"] == dev)

    def test_exit_and_files(self):
        self.assertEqual(self.rc, 0, self.err)
        names = set(os.listdir(self.full))
        self.assertLessEqual({"report.md", "report.txt", "compare.json"},
                             names)
        self.assertFalse([n for n in names if ".tmp." in n])
        self.assertEqual(self.doc["schema"], "vfio-barbench/compare/1")
        self.assertEqual((self.doc["baseline"], self.doc["candidate"]),
                         ("stock", "msix-sparse"))
        self.assertEqual(len(self.doc["cases"]), 117)

    def test_vmm_on_table_page_is_worse_and_traps(self):
        c = self.case("table-page", "vmm")
        self.assertEqual(c["verdict"], "worse")
        self.assertEqual(c["traps_change"], "up")
        self.assertGreater(c["ratio_ci95"][0], 15)
        self.assertLess(c["p"], 1e-10)
        self.assertEqual(c["mark"], "**")
        self.assertEqual(c["A"]["traps"]["bar"], 0)
        self.assertEqual(c["B"]["traps"]["bar"], c["B"]["traps"]["accesses"])
        self.assertEqual(c["B"]["routes"], ["fd"])

    def test_mmap_on_table_page_not_mappable(self):
        c = self.case("table-page", "mmap")
        self.assertEqual(c["verdict"], "not mappable under msix-sparse")
        self.assertIsNone(c["ratio"])
        # The PBA's page stays mappable on the NVMe (another page).
        self.assertEqual(self.case("msix-pba", "mmap")["status"], "compared")

    def test_unchanged_cases(self):
        for place, path in (("other", "vmm"), ("other", "fd"),
                            ("table-page", "fd")):
            with self.subTest(place=place, path=path):
                c = self.case(place, path)
                self.assertEqual(c["verdict"], "no significant change")
                self.assertLess(c["ratio_ci95"][0], 1.02)
                self.assertEqual(c["traps_change"], "same")
        self.assertEqual(self.doc["summary"]["verdicts"],
                         {"worse": 14, "no significant change": 89,
                          "not mappable under msix-sparse": 14})

    def test_rounds_and_drift(self):
        c = self.case("other", "fd")
        self.assertEqual([r["round"] for r in c["A"]["rounds"]],
                         ["r1", "r2"])
        self.assertEqual(c["A"]["samples"], 400)
        d = self.doc["summary"]["drift"]["stock"]
        self.assertAlmostEqual(d["median"], 1.05, delta=0.01)
        with open(os.path.join(self.full, "report.md")) as f:
            md = f.read()
        self.assertIn("| stock r1 | msix-sparse r1 | stock r2 | "
                      "msix-sparse r2 |", md)

    def test_report_txt(self):
        with open(os.path.join(self.full, "report.txt")) as f:
            text = f.read()
        self.assertEqual(text.strip(), self.out.strip())
        lines = text.splitlines()
        self.assertEqual([l for l in lines if len(l) > 79], [])
        row = next(l for l in lines if l.startswith("table-page") and
                   "0x2410 read  4 vmm" in l)
        self.assertTrue(row.endswith("**"), row)
        self.assertIn("x", row.split()[-2])          # a factor: "18.3x"
        self.assertIn("refused", next(
            l for l in lines if "0x2410 read  4 mmap" in l))
        row = next(l for l in lines if "0x2410 read  4 fd" in l)
        self.assertRegex(row, r" \([+-]\d+\.\d%\)")   # not significant
        self.assertIn("0/2620", next(l for l in lines if
                                     l.startswith("0000:00:02.0 table-page"
                                                  " 0x2410 read 4 vmm")))

    def test_report_md(self):
        with open(os.path.join(self.full, "report.md")) as f:
            md = f.read()
        for text in ("## Summary", "## Environment", "No differences",
                     "## 0000:00:02.0 1b36:0010", "## 0000:00:03.0 1b36:000d",
                     "| not mappable | - |", "worse, traps up",
                     "## hyperfine: stock", "12.30 ms ± 0.40 ms",
                     "| round-1 | `barbench read --offset 0x2410",
                     "## perf stat: msix-sparse",
                     "| event | unit | round-1 | round-2 |",
                     "| task-clock | msec | 1,244.56 | 1,254.56 |",
                     "| cycles | - | not supported | not supported |",
                     "vfio-pci-core taint (differs by design) | '' | OE |",
                     "| vfio-pci-core module (differs by design) | stock | "
                     "9f2c"):
            self.assertIn(text, md)
        if self.gnuplot:
            self.assertIn("![medians 0000:00:02.0](charts/medians-"
                          "0000_00_02_0.png)", md)
            self.assertIn("charts/traps-vmm.png", md)

    def test_charts(self):
        self.assertTrue(self.gnuplot, "gnuplot is missing: scripts/compare-report "
                        "needs it (Debian: apt-get install gnuplot-nox)")
        charts = os.path.join(self.full, "charts")
        for name in ("medians-0000_00_02_0", "medians-0000_00_03_0",
                     "distributions-0000_00_02_0", "traps-vmm"):
            for ext, magic in (("png", b"\x89PNG"), ("svg", b"<?xml")):
                with open(os.path.join(charts, f"{name}.{ext}"), "rb") as f:
                    self.assertTrue(f.read(8).startswith(magic), name)
        self.assertFalse([n for n in os.listdir(charts) if ".tmp." in n])

    def test_environment_differences(self):
        d = self.small_rundir("env", extras=False)
        f = os.path.join(d, "msix-sparse", "round-2", "0000_00_02_0.json")
        with open(f) as fh:
            doc = json.load(fh)
        doc["provenance"]["kernel_cmdline"] += " vfio_pci.nointxmask=1"
        doc["tool"]["version"] = "abc1234"
        with open(f, "w") as fh:
            json.dump(doc, fh)
        rc, out, err = self.run_compare(d, "--no-charts")
        self.assertEqual(rc, 0, err)
        self.assertIn("DIFFERS: kernel_cmdline", out)
        self.assertIn("DIFFERS: tool version", out)
        self.assertIn("tool version differs between msix-sparse's rounds",
                      out)
        with open(os.path.join(d, "compare.json")) as fh:
            env = {e["name"]: e for e in json.load(fh)["environment"]}
        self.assertTrue(env["kernel_cmdline"]["differs"])
        self.assertFalse(env["arch"]["differs"])

    def test_one_sided_cases_and_choice(self):
        d = self.small_rundir("onesided", extras=False)
        for r in (1, 2):
            f = os.path.join(d, "stock", f"round-{r}", "0000_00_03_0.json")
            with open(f) as fh:
                doc = json.load(fh)
            doc["cases"] = [c for c in doc["cases"]
                            if c["place"] != "msix-pba"]
            with open(f, "w") as fh:
                json.dump(doc, fh)
        rc, out, err = self.run_compare(d, "--no-charts", "--baseline",
                                        "msix-sparse", "--candidate", "stock")
        self.assertEqual(rc, 0, err)
        with open(os.path.join(d, "compare.json")) as fh:
            doc = json.load(fh)
        self.assertEqual(doc["baseline"], "msix-sparse")
        verdicts = {(c["device"]["address"], c["place"], c["path"]):
                    c["verdict"] for c in doc["cases"]}
        self.assertEqual(verdicts[("0000:00:03.0", "msix-pba", "vmm")],
                         "missing under stock")
        self.assertEqual(verdicts[("0000:00:03.0", "msix-pba", "mmap")],
                         "not mappable under msix-sparse, missing under "
                         "stock")
        self.assertEqual(verdicts[("0000:00:02.0", "table-page", "mmap")],
                         "not mappable under msix-sparse")
        self.assertEqual(verdicts[("0000:00:02.0", "table-page", "vmm")],
                         "better")
        self.assertFalse(os.path.exists(os.path.join(d, "charts")))

    def test_drift_in_one_round_is_not_a_change(self):
        # Round 2 of msix-sparse 1.7x slower everywhere (as TCG drift did
        # in a real run): the pooled test says "worse" on the untouched
        # mmap path, but the rounds disagree; the table page still counts.
        d = self.small_rundir("drift", extras=False)
        for dev in fakeruns.DEVICES:
            f = os.path.join(d, "msix-sparse", "round-2", dev + ".json")
            with open(f) as fh:
                doc = json.load(fh)
            for c in doc["cases"]:
                if c.get("raw_ns"):
                    c["raw_ns"] = [x * 1.7 for x in c["raw_ns"]]
                    fakeruns.restat(c)
            with open(f, "w") as fh:
                json.dump(doc, fh)
        conf = os.path.join(d, "no-rounds.conf")
        with open(conf, "w") as fh:
            fh.write("[compare]\nrounds_must_agree = no\n")
        for opts, mmap_verdict in (
                ([], "no significant change (rounds disagree)"),
                (["--config", conf], "worse")):
            rc, out, err = self.run_compare(d, "--no-charts", *opts)
            self.assertEqual(rc, 0, err)
            with open(os.path.join(d, "compare.json")) as fh:
                cases = json.load(fh)["cases"]
            get = lambda place, path: next(
                c for c in cases if c["place"] == place and
                c["path"] == path and c["device"]["address"] ==
                "0000:00:02.0")
            with self.subTest(opts=opts):
                self.assertEqual(get("other", "mmap")["verdict"],
                                 mmap_verdict)
                self.assertEqual(get("table-page", "vmm")["verdict"],
                                 "worse")
                self.assertEqual(get("table-page", "vmm")["rounds_agree"],
                                 True)
        row = next(l for l in out.splitlines()
                   if l.startswith("other ") and " mmap " in l)
        self.assertNotIn("(", row)

    def test_out_dir(self):
        d = self.small_rundir("outdir", extras=False)
        out = os.path.join(self.tmp.name, "elsewhere")
        rc, _, err = self.run_compare(d, "--no-charts", "--out", out)
        self.assertEqual(rc, 0, err)
        self.assertEqual(sorted(os.listdir(out)),
                         ["compare.json", "report.md", "report.txt"])
        self.assertNotIn("report.md", os.listdir(d))

    def test_bad_input(self):
        d = self.small_rundir("bad", extras=False)
        rc, _, err = self.run_compare(d, "--no-charts", "--candidate", "xyz")
        self.assertEqual(rc, 2)
        self.assertIn("no variant 'xyz'; found: msix-sparse, stock", err)
        f = os.path.join(d, "stock", "round-1", "0000_00_02_0.json")
        with open(f, "w") as fh:
            fh.write('{"schema": "vfio-barbench/run/1", "cases": [')
        rc, _, err = self.run_compare(d, "--no-charts")
        self.assertEqual(rc, 2)
        self.assertIn("round-1/0000_00_02_0.json: not valid JSON", err)
        rc, _, err = self.run_compare(os.path.join(self.tmp.name, "none"),
                                      "--no-charts")
        self.assertEqual(rc, 2)
        self.assertIn("not a folder", err)

    def test_single_variant(self):
        d = self.small_rundir("single", extras=False)
        shutil.rmtree(os.path.join(d, "msix-sparse"))
        rc, _, err = self.run_compare(d, "--no-charts")
        self.assertEqual(rc, 2)
        self.assertIn("need two variants to compare; found: stock", err)

    def test_partial_run_is_a_warning(self):
        d = self.small_rundir("partial", extras=False)
        f = os.path.join(d, "msix-sparse", "round-2", "0000_00_02_0.json")
        with open(f) as fh:
            doc = json.load(fh)
        doc["complete"] = False
        with open(f, "w") as fh:
            json.dump(doc, fh)
        rc, _, err = self.run_compare(d, "--no-charts")
        self.assertEqual(rc, 0, err)
        self.assertIn("warning: " + f + ": partial run", err)
        with open(os.path.join(d, "report.md")) as fh:
            self.assertIn("## Warnings", fh.read())

    def test_no_gnuplot(self):
        # Status 40 and why, but the reports are there, without charts.
        d = self.small_rundir("nognuplot", extras=False)
        rc, _, err = self.run_compare(d, env={"PATH": "/nonexistent"})
        self.assertEqual(rc, status.NO_CHART)
        self.assertIn("compare: gnuplot not found on PATH", err)
        self.assertIn("apt-get install gnuplot-nox", err)
        self.assertFalse(os.path.exists(os.path.join(d, "charts")))
        with open(os.path.join(d, "report.md")) as f:
            md = f.read()
        self.assertIn("gnuplot not found", md)
        self.assertNotIn("![", md)

    def vmm_rundir(self):
        """A small folder whose vmm cases are the qemu profile's
        (path vmm:qemu), and a make vmm document for the same NVMe: QEMU
        traps 0x2410 under msix-sparse only, and never the table 0x2008
        (it emulates it), where the fake msix-sparse run traps it."""
        d = self.small_rundir(os.path.basename(
            tempfile.mkdtemp(prefix="vmm.", dir=self.tmp.name)))
        for v in ("stock", "msix-sparse"):
            for r in (1, 2):
                for dev in fakeruns.DEVICES:
                    f = os.path.join(d, v, f"round-{r}", dev + ".json")
                    with open(f) as fh:
                        doc = json.load(fh)
                    for c in doc["cases"]:
                        if c["path"] == "vmm":
                            c["vmm"] = "qemu"
                    with open(f, "w") as fh:
                        json.dump(doc, fh)
        rows = [{"vmm": "qemu", "variant": v, "qemu_options": o,
                 "device": "0000:00:02.0", "device_id": "1b36:0010",
                 "bar": 0, "register": None, "offset": off,
                 "place": place, "op": "read", "width": 4,
                 "accesses": 10, "traps": t}
                for v, o, off, place, t in (
                    ("stock", None, 0x2410, "table-page", 0),
                    ("msix-sparse", None, 0x2410, "table-page", 10),
                    ("stock", None, 0x2008, "msix-table", 0),
                    ("msix-sparse", None, 0x2008, "msix-table", 0),
                    # Relocation runs are not barbench's vmm:qemu.
                    ("msix-sparse", "x-msix-relocation=bar2", 0x2008,
                     "msix-table", 10))]
        vmm = tempfile.mkdtemp(prefix="vmm-run.", dir=self.tmp.name)
        with open(os.path.join(vmm, "vmm.json"), "w") as f:
            json.dump({"schema": "vfio-barbench/vmm/1", "rows": rows,
                       "provenance": {"arch": "x86_64", "page_size": 4096,
                                      "kernel_release": "6.12-test"}}, f)
        return d, vmm

    def test_vmm_rows_beside_barbench(self):
        d, vmm = self.vmm_rundir()
        rc, out, err = self.run_compare(d, "--no-charts", "--qemu-runs", vmm)
        self.assertEqual(rc, 0, err)
        with open(os.path.join(d, "compare.json")) as f:
            rows = {r["offset"]: r for r in json.load(f)["vmm"]["rows"]}
        self.assertEqual(sorted(rows), [0x2008, 0x2410])
        r = rows[0x2410]
        self.assertEqual((r["qemu_A"]["traps"], r["qemu_B"]["traps"]),
                         (0, 10))
        self.assertEqual(r["barbench_A"]["traps"], 0)
        self.assertEqual(r["barbench_B"]["traps"],
                         r["barbench_B"]["accesses"])
        self.assertTrue(r["agree"])
        # The fake msix-sparse traps the table on vmm:qemu; QEMU did not.
        self.assertFalse(rows[0x2008]["agree"])
        self.assertEqual(rows[0x2008]["qemu_B"]["traps"], 0)
        self.assertIn("QEMU as the VFIO client (make vmm", out)
        self.assertIn("1 registers DIFFER", out)
        line = next(l for l in out.splitlines() if " 0x2008 " in l and
                    l.rstrip().endswith("DIFFER"))
        self.assertIn("0/10", line)
        with open(os.path.join(d, "report.md")) as f:
            self.assertIn("## QEMU as the VFIO client (make vmm)", f.read())
        self.assertTrue(all(len(l) < 80 for l in out.splitlines()),
                        max(out.splitlines(), key=len))

    def test_vmm_row_with_a_bad_count(self):
        d, vmm = self.vmm_rundir()
        f = os.path.join(vmm, "vmm.json")
        with open(f) as fh:
            doc = json.load(fh)
        doc["rows"][1]["traps"] = "10"
        with open(f, "w") as fh:
            json.dump(doc, fh)
        rc, _, err = self.run_compare(d, "--no-charts", "--qemu-runs", vmm)
        self.assertEqual(rc, 2)
        self.assertIn("rows[1]: 'traps' is '10', not a count", err)

    def test_vmm_bad_file(self):
        d, vmm = self.vmm_rundir()
        with open(os.path.join(vmm, "vmm.json"), "w") as f:
            f.write('{"schema": "vfio-barbench/run/1"}')
        rc, _, err = self.run_compare(d, "--no-charts", "--qemu-runs", vmm)
        self.assertEqual(rc, 2)
        self.assertIn("not scripts/qemu-client-report's vmm.json", err)
        self.assertFalse(os.path.exists(os.path.join(d, "compare.json")))

if __name__ == "__main__":
    runner.main("compare-report")

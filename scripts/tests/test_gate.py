#!/usr/bin/env python3
"""scripts/gate and scripts/bundle on copies of the real reference runs,
changed in memory: an A/A comparison passes, a real-looking regression (the
vmm path routed through the fd, every access trapping, 20x slower) fails
and names the case, and every kind of invalid or mismatched input exits 2
with a message naming the file and the cause."""
import copy
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

import fakeruns
import runner
from runner import SCRIPTS

GATE = os.path.join(SCRIPTS, "gate")
BUNDLE = os.path.join(SCRIPTS, "bundle")


def small(dev=fakeruns.DEVICES[0]):
    """The reference run of one device cut to its 4-byte reads and writes
    (about 20 cases), so that each gate run takes a fraction of a second."""
    return fakeruns.keep_cases(fakeruns.reference(dev),
                               lambda c: c["width"] == 4)


def find(doc, place, path, op="read", width=4):
    return next(c for c in doc["cases"] if c["place"] == place and
                c["path"] == path and c["op"] == op and c["width"] == width)


class Gate(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def file(self, name, doc):
        path = os.path.join(self.tmp.name, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))
        return path

    def gate(self, base, cand, *opts):
        p = subprocess.run([sys.executable, GATE, *opts, base, cand],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def conf(self, text):
        return self.file("gate.conf", text)

    # ---- passes -----------------------------------------------------------

    def test_aa_reference_folder(self):
        rc, out, err = self.gate(fakeruns.REFERENCE, fakeruns.REFERENCE)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("117 cases compared, 0 regressed, 0 improved: pass",
                      out)

    def test_aa_one_file(self):
        f = self.file("a.json", small())
        rc, out, err = self.gate(f, f)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("0 regressed", out)

    def test_aa_two_rounds_of_one_variant(self):
        # Same variant, another round: 5% drift and other noise: passes.
        ref = small()
        a = self.file("r1/d.json", fakeruns.variant(ref, "stock", 1, 1.0, 1))
        b = self.file("r2/d.json", fakeruns.variant(ref, "stock", 2, 1.05, 2))
        rc, out, err = self.gate(os.path.dirname(a), os.path.dirname(b))
        self.assertEqual(rc, 0, out + err)

    # ---- regressions ------------------------------------------------------

    def regressed(self):
        """The vmm read on the table page goes through the fd: every access
        traps, the median is 20x."""
        doc = small()
        c = find(doc, "table-page", "vmm")
        c["route"] = "fd"
        c["traps"]["bar"] = c["trap_pass_accesses"]
        c["traps"]["bar_by_place"]["table-page"] = c["trap_pass_accesses"]
        c["raw_ns"] = [x * 20 for x in c["raw_ns"]]
        fakeruns.restat(c)
        return doc

    def test_vmm_through_fd_regresses(self):
        base = self.file("base.json", small())
        cand = self.file("cand.json", self.regressed())
        rc, out, err = self.gate(base, cand)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("REGRESSED (1)", out)
        row = [l for l in out.splitlines() if "0x2410" in l][0]
        for text in ("table-page", "vmm", "read", "0/1310", "traps up",
                     "slower: CI above 4x", "20.0"):
            self.assertIn(text, row)
        self.assertIn("1 regressed, 0 improved: FAIL", out)

    def test_traps_gate_regardless_of_timing(self):
        # Timing gate off for vmm: the exact trap gate still fails it.
        conf = self.conf("[gate.vmm]\nmax_slowdown = off\n")
        base = self.file("base.json", small())
        cand = self.file("cand.json", self.regressed())
        rc, out, _ = self.gate(base, cand, "--config", conf)
        self.assertEqual(rc, 1)
        row = [l for l in out.splitlines() if "0x2410" in l][0]
        self.assertIn("traps up", row)
        self.assertNotIn("slower", row)
        self.assertIn("vmm off", out)

    def test_reverse_is_an_improvement(self):
        base = self.file("base.json", self.regressed())
        cand = self.file("cand.json", small())
        rc, out, err = self.gate(base, cand)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("improved (1)", out)
        self.assertIn("traps down, faster", out)

    def test_mmap_refused_regresses(self):
        cand = small()
        c = find(cand, "table-page", "mmap")
        for k in list(c):
            if k not in ("bar", "offset", "register", "place", "path", "op",
                         "width"):
                del c[k]
        c.update(route=None, skipped="the kernel lets no mmap cover this "
                 "offset")
        rc, out, _ = self.gate(self.file("b.json", small()),
                               self.file("c.json", cand))
        self.assertEqual(rc, 1)
        self.assertIn("no longer mappable: the kernel lets no mmap", out)

    def test_per_path_threshold(self):
        # The fd path 6x slower (no trap change): fails at the default 4,
        # passes when [gate.fd] allows 8.
        cand = small()
        for c in cand["cases"]:
            if c["path"] == "fd":
                c["raw_ns"] = [x * 6 for x in c["raw_ns"]]
                fakeruns.restat(c)
        b, c = self.file("b.json", small()), self.file("c.json", cand)
        rc, out, _ = self.gate(b, c)
        self.assertEqual(rc, 1)
        self.assertTrue(all(" fd " in l for l in out.splitlines()
                            if "slower" in l))
        rc, out, _ = self.gate(b, c, "--config",
                               self.conf("[gate]\nmax_slowdown = 4\n"
                                         "[gate.fd]\nmax_slowdown = 8\n"))
        self.assertEqual(rc, 0, out)

    # ---- invalid input: exit 2, naming file and cause ---------------------

    def invalid(self, cand_doc, expect, base_doc=None, *opts):
        base = self.file("base.json", base_doc or small())
        cand = self.file("cand.json", cand_doc)
        rc, out, err = self.gate(base, cand, *opts)
        self.assertEqual(rc, 2, out + err)
        self.assertIn(expect, err)
        return err

    def test_truncated_json(self):
        text = json.dumps(small())
        err = self.invalid(text[: len(text) // 2], "not valid JSON")
        self.assertIn("cand.json", err)

    def test_foreign_schema(self):
        doc = small()
        doc["schema"] = "vfio-barbench/info/1"
        self.invalid(doc, "cand.json: schema 'vfio-barbench/info/1'")

    def test_partial_run(self):
        doc = small()
        doc["complete"] = False
        self.invalid(doc, "cand.json: partial run")

    def test_missing_case(self):
        doc = small()
        doc["cases"] = [c for c in doc["cases"]
                        if not (c["place"] == "msix-pba" and
                                c["path"] == "vmm")]
        err = self.invalid(doc, "of the baseline is missing from the "
                           "candidate")
        self.assertIn("0x3000 vmm read w4", err)

    def test_null_median(self):
        doc = small()
        find(doc, "other", "fd")["median_ns"] = None
        self.invalid(doc, "BAR0 0x0000 fd read w4: median_ns is null")

    def test_nan_median(self):
        doc = small()
        find(doc, "other", "fd")["median_ns"] = math.nan
        self.invalid(doc, "NaN is not JSON")

    def test_zero_samples(self):
        doc = small()
        c = find(doc, "other", "mmap")
        c.update(samples=0, raw_ns=[])
        self.invalid(doc, "0x0000 mmap read w4: 0 samples")

    def test_lost_traps(self):
        doc = small()
        doc["traps"]["lost"] = 3
        self.invalid(doc, "cand.json: traps.lost = 3")

    def test_environment(self):
        for member, value in (("kernel_release", "6.13.0"),
                              ("page_size", 65536), ("arch", "aarch64"),
                              ("kernel_cmdline", "console=ttyS0")):
            with self.subTest(member=member):
                doc = small()
                doc["provenance"][member] = value
                err = self.invalid(doc, f"environment differs: {member}")
                self.assertIn("--allow-env-diff", err)
                self.assertIn(str(value), err)
                rc, out, err = self.gate(
                    self.file("base.json", small()),
                    self.file("cand.json", doc), "--allow-env-diff")
                self.assertEqual(rc, 0, out + err)
                self.assertIn(f"environment differs (allowed): {member}",
                              out)

    def test_missing_environment_member(self):
        doc = small()
        del doc["provenance"]["kernel_cmdline"]
        err = self.invalid(doc, "environment differs: kernel_cmdline: "
                           "baseline 'console=ttyS0")
        self.assertIn("candidate '-' (", err)

    def test_device_id(self):
        doc = small()
        doc["device"]["id"] = "8086:0953"
        self.invalid(doc, "environment differs: device id: baseline "
                     "'0000:00:02.0 1b36:0010'")

    def test_no_trap_counts_in_candidate(self):
        doc = small()
        for c in doc["cases"]:
            c.pop("traps", None)
            c.pop("trap_pass_accesses", None)
        self.invalid(doc, "has no trap counts")

    def test_bad_config(self):
        f = self.file("a.json", small())
        for text, expect in (("[gate]\nmax_slowdwn = 2\n", "unknown key"),
                             ("[gate]\nmax_slowdown = 0.5\n", "must be >= 1"),
                             ("[gate.dma]\nmax_slowdown = 2\n", "no such "
                              "path"),
                             ("[stats]\nresamples = many\n", "not an "
                              "integer")):
            with self.subTest(text=text):
                rc, _, err = self.gate(f, f, "--config", self.conf(text))
                self.assertEqual(rc, 2)
                self.assertIn(expect, err)
                self.assertIn("gate.conf", err)

    def test_shipped_config_is_valid(self):
        rc, out, err = self.gate(self.file("a.json", small()),
                                 self.file("b.json", small()))
        self.assertEqual(rc, 0, err)
        self.assertIn("mmap 4x, fd 4x, vmm 4x", out)

    # ---- bundles ----------------------------------------------------------

    def bundle(self, *args):
        p = subprocess.run([sys.executable, BUNDLE, *args],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def test_bundle_round_trip(self):
        out = os.path.join(self.tmp.name, "baseline.json")
        rc, text, err = self.bundle(out, fakeruns.REFERENCE)
        self.assertEqual(rc, 0, err)
        self.assertIn("2 runs", text)
        with open(out) as f:
            doc = json.load(f)
        self.assertEqual(doc["schema"], "vfio-barbench/bundle/1")
        self.assertEqual(len(doc["runs"]), 2)
        self.assertEqual(os.listdir(self.tmp.name), ["baseline.json"])
        rc, text, err = self.gate(out, fakeruns.REFERENCE)
        self.assertEqual(rc, 0, text + err)
        self.assertIn("117 cases compared", text)

    def test_bundle_refuses_partial_run(self):
        doc = small()
        doc["complete"] = False
        out = os.path.join(self.tmp.name, "b.json")
        rc, _, err = self.bundle(out, self.file("p.json", doc))
        self.assertEqual(rc, 2)
        self.assertIn("p.json: partial run", err)
        self.assertFalse(os.path.exists(out))

    def test_empty_bundle(self):
        self.invalid({"schema": "vfio-barbench/bundle/1", "runs": []},
                     "cand.json: bundle with no 'runs'")

    def test_bundle_with_a_bad_run(self):
        bad = copy.deepcopy(small())
        del bad["cases"]
        self.invalid({"schema": "vfio-barbench/bundle/1",
                      "runs": [small(), bad]},
                     "cand.json#runs[1]: no 'cases' member")


if __name__ == "__main__":
    runner.main("gate")

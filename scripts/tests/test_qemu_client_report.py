#!/usr/bin/env python3
"""scripts/qemu-client-report on a synthetic make vmm folder: one NVMe-like device under
msix-sparse at 4K, where QEMU (as measured in the x86_64 guest) traps every
read of 0x2410 (the table's page), emulates the table (0x2008: no trap)
and passes the PBA through (0x3000: direct).  Checked:
  - the right profile passes (0), with the rows' exact traps and routes;
  - a deliberately wrong profile (cloud-hypervisor's rules: without
    MSIX_MAPPABLE it maps nothing of the BAR, so it traps 0x0) fails (1)
    on exactly that row, and the run's own report is left as it was;
  - trace events and trapcount that disagree fail (1), naming the place;
  - corrupt or incomplete input exits 2 naming the file, and writes nothing.
The numbers here are fixtures for the parser; the real ones come from
harness/tests/test-drive-qemu.sh."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import runner

VMM = os.path.join(runner.SCRIPTS, "qemu-client-report")
ADDR = "0000:00:02.0"
N = 10
PLACES = [{"start": 0, "end": 8192, "place": "other"},
          {"start": 8192, "end": 9232, "place": "msix-table"},
          {"start": 9232, "end": 12288, "place": "table-page"},
          {"start": 12288, "end": 12304, "place": "msix-pba"},
          {"start": 12304, "end": 16384, "place": "table-page"}]
# (offset, place, qemu's route, cloud-hypervisor's, traps QEMU took)
REGS = [(0x0000, "other", "direct", "trapped", 0),
        (0x2008, "msix-table", "emulated", "emulated", 0),
        (0x2410, "table-page", "trapped", "trapped", N),
        (0x3000, "msix-pba", "direct", "emulated", 0)]


def drive():
    return {
        "schema": "vfio-barbench/vmmdrive/1",
        "tool": {"name": "barbench", "version": "test"},
        "provenance": {"arch": "x86_64", "kernel_release": "6.12-test",
                       "page_size": 4096, "date": "2026-12-03T00:00:00Z"},
        "device": {"address": ADDR, "id": "1b36:0010",
                   "bars": [{"index": 0, "size": 16384, "places": PLACES}]},
        "vmm": "qemu", "device_opts": None, "qemu_argv": ["qemu"],
        "complete": True,
        "registers": [
            {"bar": 0, "offset": off, "register": None, "place": place,
             "op": "read", "width": 4, "accesses": N, "reads_first": 0,
             "value": 0, "route_predicted": q, "rule": "test",
             "predictions": {"qemu": q, "cloud-hypervisor": ch}}
            for off, place, q, ch, _ in REGS],
    }


def trace_log(extra=0):
    """QEMU 7.2's log backend lines for the trapped reads."""
    lines = ["vfio_region_read  (%s:region0+0x%x, 4) = 0x0" % (ADDR, off)
             for off, _, _, _, traps in REGS for _ in range(traps)]
    lines += ["vfio_region_read  (%s:region0+0x2414, 4) = 0x0" % ADDR] * extra
    return "\n".join(["some other line"] + lines) + "\n"


def traps(count=N):
    return {"schema": "vfio-barbench/trapcount/1", "lost": {},
            "traps": [
                {"device": ADDR, "comm": "qemu-system-x86", "kind": "bar",
                 "region": 0, "place": "table-page", "op": "read",
                 "width": 4, "error": 0, "count": count},
                {"device": ADDR, "comm": "qemu-system-x86", "kind": "mmap",
                 "region": 0, "offset": 0, "size": 8192, "error": 0,
                 "count": 1},
                {"device": ADDR, "comm": "qemu-system-x86", "kind": "mmap",
                 "region": 0, "offset": 12288, "size": 4096, "error": 0,
                 "count": 1}]}


class VmmReport(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.run_dir = os.path.join(self.tmp.name, "vmm-test")
        self.write()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, d=None, log=None, tc=None, variant="msix-sparse"):
        folder = os.path.join(self.run_dir, variant)
        os.makedirs(folder, exist_ok=True)
        base = os.path.join(folder, "0000_00_02_0")
        with open(base + ".drive.json", "w") as f:
            f.write(d if isinstance(d, str) else json.dumps(d or drive()))
        with open(base + ".qemu.log", "w") as f:
            f.write(trace_log() if log is None else log)
        with open(base + ".traps.json", "w") as f:
            json.dump(tc or traps(), f)
        return base

    def vmm(self, *args):
        p = subprocess.run([sys.executable, VMM, *args, self.run_dir],
                           capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr

    def doc(self, sub=""):
        with open(os.path.join(self.run_dir, sub, "vmm.json")) as f:
            return json.load(f)

    def test_right_profile_passes_with_exact_rows(self):
        rc, out, err = self.vmm()
        self.assertEqual(rc, 0, err)
        doc = self.doc()
        self.assertEqual(doc["schema"], "vfio-barbench/vmm/1")
        self.assertEqual(doc["predictions"], {"rows": 4, "wrong": 0})
        self.assertTrue(doc["counts_agree"])
        rows = {r["offset"]: r for r in doc["rows"]}
        for key in ("vmm", "variant", "device", "offset", "place", "op",
                    "width", "accesses", "traps", "route_predicted",
                    "route_measured"):
            self.assertIn(key, rows[0x2410])
        self.assertEqual((rows[0x2410]["traps"],
                          rows[0x2410]["route_measured"]), (N, "trapped"))
        self.assertEqual((rows[0x2008]["traps"],
                          rows[0x2008]["route_measured"]), (0, "untrapped"))
        self.assertEqual(rows[0x2008]["route_predicted"], "emulated")
        self.assertEqual(rows[0x0]["variant"], "msix-sparse")
        mm = doc["checks"][0]["mmaps"]
        self.assertEqual([(m["offset"], m["size"]) for m in mm],
                         [(0, 8192), (12288, 4096)])
        self.assertIn("QEMU mmaps BAR0 0x0+8192, BAR0 0x3000+4096", out)
        self.assertIn("4 of 4 rows right", out)
        for f in ("vmm.txt", "vmm.md"):
            self.assertTrue(os.path.getsize(os.path.join(self.run_dir, f)))

    def test_wrong_profile_fails_on_the_unmapped_row(self):
        self.assertEqual(self.vmm()[0], 0)
        with open(os.path.join(self.run_dir, "vmm.json")) as f:
            before = f.read()
        rc, out, err = self.vmm("--vmm", "cloud-hypervisor")
        self.assertEqual(rc, 1, err)
        doc = self.doc("profile-cloud-hypervisor")
        wrong = [r for r in doc["rows"] if not r["prediction_ok"]]
        self.assertEqual([(r["offset"], r["route_predicted"],
                           r["route_measured"]) for r in wrong],
                         [(0x0, "trapped", "untrapped")])
        self.assertIn("3 of 4 rows right", out)
        self.assertIn("WRONG: msix-sparse 0000:00:02.0 - 0x0000 read w4: "
                      "predicted trapped, measured untrapped (0/10)", out)
        with open(os.path.join(self.run_dir, "vmm.json")) as f:
            self.assertEqual(f.read(), before,
                             "the run's own report was replaced")

    def test_a_predicted_trap_that_did_not_happen_fails(self):
        d = drive()
        d["registers"][3]["route_predicted"] = "trapped"
        self.write(d)
        rc, out, _ = self.vmm()
        self.assertEqual(rc, 1)
        self.assertIn("WRONG: msix-sparse 0000:00:02.0 - 0x3000 read w4: "
                      "predicted trapped, measured untrapped (0/10)", out)

    def test_trace_and_trapcount_disagreeing_fails(self):
        self.write(tc=traps(N - 1))
        rc, out, _ = self.vmm()
        self.assertEqual(rc, 1)
        self.assertIn("DISAGREE", out)
        diff = self.doc()["checks"][0]["differences"]
        self.assertEqual(diff, [{"bar": 0, "place": "table-page",
                                 "op": "read", "width": 4, "trace": N,
                                 "trapcount": N - 1}])

    def test_partial_traps_are_neither_route(self):
        self.write(log=trace_log().replace(
            "region0+0x2410", "region0+0x2414", 1),
            tc=traps(N))
        rc, out, _ = self.vmm()
        self.assertEqual(rc, 1)
        row = next(r for r in self.doc()["rows"] if r["offset"] == 0x2410)
        self.assertEqual((row["traps"], row["route_measured"]),
                         (N - 1, "partial"))
        self.assertEqual(self.doc()["checks"][0]["unattributed_events"],
                         [{"bar": 0, "offset": 0x2414, "op": "read",
                           "width": 4, "count": 1}])

    def bad(self, why, **files):
        base = self.write(**files)
        rc, out, err = self.vmm()
        self.assertEqual(rc, 2, (out, err))
        self.assertIn(why, err)
        self.assertFalse(os.path.exists(os.path.join(self.run_dir,
                                                     "vmm.json")))
        return base, err

    def test_corrupt_drive_file(self):
        self.bad("0000_00_02_0.drive.json", d='{"schema": "vfio-barb')

    def test_incomplete_drive_file(self):
        d = drive()
        d["complete"] = False
        self.bad("incomplete", d=d)

    def test_register_with_a_bad_field(self):
        for field, value in (("offset", "0x10"), ("accesses", -1),
                             ("op", "poke"), ("route_predicted", "fast")):
            d = drive()
            d["registers"][1][field] = value
            self.bad(f"registers[1]: '{field}'", d=d)

    def test_foreign_schema(self):
        d = drive()
        d["schema"] = "vfio-barbench/run/1"
        self.bad("expected 'vfio-barbench/vmmdrive/1'", d=d)

    def test_trapcount_with_lost_events(self):
        tc = traps()
        tc["lost"] = {"map_full": 3}
        self.bad("lost events", tc=tc)

    def test_trapcount_row_without_fields(self):
        tc = traps()
        del tc["traps"][0]["place"]
        self.bad("without place", tc=tc)

    def test_trapcount_row_with_a_bad_count(self):
        tc = traps()
        tc["traps"][0]["count"] = "10"
        self.bad("'count' is '10', not a count", tc=tc)
        tc = traps()
        tc["lost"] = [0]
        self.bad("'lost' is not an object", tc=tc)

    def test_missing_trace_log(self):
        base = self.write()
        os.unlink(base + ".qemu.log")
        rc, _, err = self.vmm()
        self.assertEqual(rc, 2)
        self.assertIn("no QEMU trace log", err)

    def test_unknown_profile(self):
        rc, _, err = self.vmm("--vmm", "bhyve")
        self.assertEqual(rc, 2)
        self.assertIn("no prediction of profile 'bhyve'", err)

    def test_output_folder_that_cannot_be_made(self):
        blocker = os.path.join(self.tmp.name, "a-file")
        open(blocker, "w").close()
        rc, _, err = self.vmm("--out", os.path.join(blocker, "sub"))
        self.assertEqual(rc, 41, err)
        self.assertIn("cannot make the folder", err)
        self.assertNotIn("Traceback", err)

    def test_empty_folder(self):
        empty = os.path.join(self.tmp.name, "empty")
        os.makedirs(empty)
        p = subprocess.run([sys.executable, VMM, empty],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no VARIANT/DEV.drive.json", p.stderr)


if __name__ == "__main__":
    runner.main("qemu-client-report")

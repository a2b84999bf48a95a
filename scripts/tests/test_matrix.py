#!/usr/bin/env python3
"""scripts/matrix: the 4K-versus-64K report, on the real 4K comparison
(scripts/tests/matrix-4k, a real make compare) and a synthetic 64K one made from it
(ppc64le() below): the headline's numbers from known counts, the tables,
"not mappable" marking, the JSON's schema and provenance, the 80-column
text, the chart, and exit status 2 with a message naming the file and the
cause, and nothing written, for each kind of bad input.

A 64K comparison to look at: test_matrix.py --make-fixture DIR"""
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest

import runner
from barbench import compare, load, matrix, status
from runner import REPO

MATRIX = os.path.join(runner.SCRIPTS, "matrix")
# A real 4K comparison (make compare, x86_64 guest, barbench ac5194b), kept
# as a fixture: results/reference/ moves on with each reference run.
REF_4K = os.path.join(REPO, "scripts", "tests", "matrix-4k")
NVME, XHCI = "1b36:0010", "1b36:000d"


# scripts/matrix as a module (it has no .py suffix): its rendering.
matrix_script = runner.load_file("matrix_script", MATRIX)


def reference():
    with open(os.path.join(REF_4K, "compare.json")) as f:
        return json.load(f)


def find(doc, dev, off, path, op="read", width=4):
    return next(c for c in doc["cases"] if c["device"]["id"] == dev and
                c["offset"] == off and c["path"] == path and
                c["op"] == op and c["width"] == width)


def ppc64le(doc):
    """What the same comparison looks like on a ppc64le guest with 64K
    pages: both devices' 16 KiB BAR0 fits in one page with the MSI-X
    table, so every "other" register becomes "table-page"; under
    msix-sparse no mmap of that page is allowed (the size-0 sparse area of
    the old quirk), so the mmap cases are refused and the vmm path goes
    through the fd, every access trapping, at about the fd's cost.  The
    devices sit at other addresses (swapped), as they would on another
    machine.  The doorbell's vmm read gets round, known numbers."""
    d = copy.deepcopy(doc)
    d["rundir"] = "results/compare-20261122T101500Z-ppc64le"
    d["created"] = "2026-11-22T10:16:40Z"
    swap = {"0000:00:02.0": "0000:00:03.0", "0000:00:03.0": "0000:00:02.0"}
    env = {"page_size": "65536", "class_page_size": "65536",
           "arch": "ppc64le", "kernel_release": "6.12.95+deb12-powerpc64le",
           "kernel_cmdline": "console=hvc0 panic=-1 quiet",
           "cpu_model": "POWER9 (architected), altivec supported"}
    for e in d["environment"]:
        if e["name"] in env:
            e["A"] = e["B"] = [env[e["name"]]]
        if e["name"] == "device id":
            for k in "AB":
                e[k] = sorted(f"{swap[v.split()[0]]} {v.split()[1]}"
                              for v in e[k])
    for dev in d["devices"]:
        dev["address"] = swap[dev["address"]]
    for c in d["cases"]:
        c["device"]["address"] = swap[c["device"]["address"]]
    fd = {(c["device"]["id"], c["offset"], c["op"], c["width"]): c
          for c in d["cases"] if c["path"] == "fd"}
    for c in d["cases"]:
        if c["bar"] != 0:
            continue
        if c["place"] == "other":
            c["place"] = "table-page"
        if c["path"] == "mmap":
            c["A"]["ci95_ns"] = None
            c["B"] = {"samples": 0, "median_ns": None, "ci95_ns": None,
                      "skipped": "the kernel lets no mmap cover this offset",
                      "routes": [], "traps": None, "rounds": [],
                      "files": c["B"]["files"]}
            c.update(ratio=None, ratio_ci95=None, change_pct=None, p=None,
                     mark="", significant=False, traps_change=None,
                     verdict="not mappable under msix-sparse",
                     status="one-sided")
            c.pop("rounds_agree", None)
        elif c["path"] == "vmm":
            f = fd[(c["device"]["id"], c["offset"], c["op"], c["width"])]
            b = copy.deepcopy(f["B"])
            b["median_ns"] *= 1.01
            b["ci95_ns"] = [x * 1.01 for x in b["ci95_ns"]]
            b["routes"] = ["fd"]
            a = c["A"]
            c["B"] = b
            c.update(ratio=b["median_ns"] / a["median_ns"],
                     ratio_ci95=[b["ci95_ns"][0] / a["ci95_ns"][1],
                                 b["ci95_ns"][1] / a["ci95_ns"][0]],
                     p=1e-50, mark="**", significant=True,
                     rounds_agree=True, verdict="worse", traps_change="up",
                     status="compared")
            c["change_pct"] = 100 * (c["ratio"] - 1)
    db = find(d, NVME, 0x1000, "vmm")
    db["A"].update(median_ns=55.0, ci95_ns=[54.5, 55.6],
                   traps={"bar": 0, "accesses": 1000})
    db["B"].update(median_ns=1850.0, ci95_ns=[1838.0, 1866.0],
                   traps={"bar": 1000, "accesses": 1000})
    db.update(ratio=1850.0 / 55.0, ratio_ci95=[33.1, 34.2])
    return d


def write_compare(folder, doc):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "compare.json"), "w") as f:
        f.write(doc if isinstance(doc, str) else json.dumps(doc, indent=1))
    return folder


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir_64k = write_compare(os.path.join(cls.tmp.name, "ppc64le"),
                                    ppc64le(reference()))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @staticmethod
    def run_matrix(*args, env=None):
        p = subprocess.run([sys.executable, MATRIX, *args],
                           capture_output=True, text=True, timeout=120,
                           env=env)
        return p.returncode, p.stdout, p.stderr

    def fresh(self, name):
        return os.path.join(self.tmp.name, name)


class Report(Base):
    """A good matrix of the reference 4K comparison and the 64K fixture."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gnuplot = shutil.which("gnuplot")
        cls.out = os.path.join(cls.tmp.name, "out")
        cls.rc, cls.stdout, cls.err = cls.run_matrix(
            "--out", cls.out, REF_4K, cls.dir_64k)
        cls.files = {}
        if cls.rc == 0:
            for n in ("matrix.md", "matrix.txt", "matrix.json"):
                with open(os.path.join(cls.out, n)) as f:
                    cls.files[n] = f.read()
            cls.doc = json.loads(cls.files["matrix.json"])

    def setUp(self):
        self.assertEqual(self.rc, 0, self.err)

    def row(self, dev, off, path, op="read", width=4):
        d = next(d for d in self.doc["devices"] if d["id"] == dev)
        return next(r for r in d["rows"] if r["offset"] == off and
                    r["path"] == path and r["op"] == op and
                    r["width"] == width)

    def test_files_and_where(self):
        names = set(os.listdir(self.out))
        self.assertLessEqual({"matrix.md", "matrix.txt", "matrix.json"},
                             names)
        self.assertIn(f"in {self.out}", self.err)
        self.assertEqual(self.stdout.strip(),
                         self.files["matrix.txt"].strip())
        parent = os.listdir(self.tmp.name)
        self.assertEqual([n for n in parent if ".tmp." in n or
                          ".old." in n], [])

    def test_headline_64k(self):
        self.assertIn(
            "At 64K pages under msix-sparse, 1000 of 1000 doorbell "
            "accesses trap (median 1850 ns each) versus 0 of 1000 under "
            "stock (55 ns): msix-sparse/stock 33.6x [95% CI 33.1, 34.2]",
            self.doc["headline"]["text"])

    def test_headline_4k(self):
        # Reference: stock 57.16 ns, 0/5180; msix-sparse 63.30 ns, 0/5910;
        # ratio 1.107 [1.090, 1.131], rounds disagree.
        self.assertIn(
            "; at 4K: 0 of 1000 under msix-sparse (63 ns) versus 0 of 1000 "
            "under stock (57 ns): 1.11x [95% CI 1.09, 1.13], not "
            "significant (rounds disagree).", self.doc["headline"]["text"])

    def test_headline_json(self):
        h = self.doc["headline"]
        self.assertEqual((h["device"], h["offset"], h["register"], h["path"],
                          h["op"], h["width"]),
                         (NVME, 0x1000, "SQ0TDBL", "vmm", "read", 4))
        by = {c["page_size"]: c for c in h["cells"]}
        self.assertEqual(by[65536]["place"], "table-page")
        self.assertEqual(by[4096]["place"], "other")
        self.assertEqual((by[65536]["B"]["traps"],
                          by[65536]["B"]["accesses"],
                          by[65536]["B"]["per_1000"]), (1000, 1000, 1000))
        self.assertEqual((by[65536]["A"]["per_1000"],
                          by[4096]["A"]["traps"], by[4096]["A"]["accesses"],
                          by[4096]["B"]["accesses"]), (0, 0, 5180, 5910))
        self.assertIn("place table-page at 64K, other at 4K", h["intro"])

    def test_txt_headline_first_and_80_columns(self):
        lines = self.files["matrix.txt"].splitlines()
        self.assertTrue(lines[0].startswith("At 64K pages under "
                                            "msix-sparse, 1000 of 1000"),
                        lines[0])
        self.assertEqual([l for l in lines if len(l) > 79], [])

    def test_txt_rows(self):
        lines = self.files["matrix.txt"].splitlines()
        i = next(i for i, l in enumerate(lines)
                 if l.split()[:3] == ["SQ0TDBL", "0x1000", "vmm"])
        self.assertEqual(lines[i].split()[3:8],
                         ["4K", "other", "57", "0/5180", "63"])
        # The 64K line of the same register and path follows, blanked.
        self.assertEqual(lines[i + 1].split()[:6],
                         ["64K", "table-page", "55", "0/1000", "1850",
                          "1000/1000"])
        mmap = next(i for i, l in enumerate(lines)
                    if l.split()[:3] == ["SQ0TDBL", "0x1000", "mmap"])
        self.assertRegex(lines[mmap + 1],
                         r"64K +table-page +\d+ +0/\d+ +(not mappable|"
                         r"refused) +-")
        self.assertNotIn("refused", lines[mmap])

    def test_md_table(self):
        md = self.files["matrix.md"]
        self.assertIn("## 1b36:0010 QEMU NVMe (4K: 0000:00:02.0, 64K: "
                      "0000:00:03.0)", md)
        self.assertLess(md.index("## 1b36:0010"), md.index("## 1b36:000d"))
        row = next(l for l in md.splitlines()
                   if l.startswith("| SQ0TDBL | 0x1000 | vmm | read | 4 |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        self.assertEqual(cells[5:], [
            "other", "57 [57, 57]", "0/5180", "63 [62, 65]", "0/5910",
            "1.11x [1.09, 1.13]",
            "table-page", "55 [54, 56]", "0/1000", "1850 [1838, 1866]",
            "1000/1000", "33.6x [33.1, 34.2]"])
        head = next(l for l in md.splitlines() if l.startswith("| register"))
        self.assertLess(head.index("place 4K"), head.index("place 64K"))
        self.assertIn("**At 64K pages under msix-sparse", md)

    def test_not_mappable(self):
        r = self.row(NVME, 0x1000, "mmap")
        c4, c64 = r["cells"]
        self.assertEqual(c4["B"]["median_ns"] is not None, True)
        self.assertIsNone(c64["B"]["median_ns"])
        self.assertEqual(c64["B"]["skipped"],
                         "the kernel lets no mmap cover this offset")
        row = next(l for l in self.files["matrix.md"].splitlines()
                   if l.startswith("| SQ0TDBL | 0x1000 | mmap |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        self.assertEqual(cells[14:16], ["not mappable", "-"])
        self.assertNotIn("not mappable", cells[:14])
        # At 4K only the table's page is refused.
        row = next(l for l in self.files["matrix.md"].splitlines()
                   if l.startswith("| - | 0x2410 | mmap |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        self.assertEqual((cells[5], cells[8]), ("table-page",
                                                "not mappable"))

    def test_default_rows_are_4_byte_reads(self):
        for d in self.doc["devices"]:
            for r in d["rows"]:
                self.assertEqual((r["op"], r["width"]), ("read", 4))
        nvme = next(d for d in self.doc["devices"] if d["id"] == NVME)
        # CAP VS CSTS AQA SQ0TDBL, the table page, the table, the PBA.
        self.assertEqual(len(nvme["rows"]), 8 * 3)
        self.assertNotIn("| write |", self.files["matrix.md"])

    def test_json_schema_and_provenance(self):
        d = self.doc
        self.assertEqual(d["schema"], "vfio-barbench/matrix/1")
        self.assertEqual(d["page_sizes"], [4096, 65536])
        self.assertEqual(d["variants"], {"A": "stock", "B": "msix-sparse"})
        self.assertEqual([x["id"] for x in d["devices"]], [NVME, XHCI])
        p4, p64 = d["inputs"]
        self.assertEqual((p4["page_size"], p4["arch"], p4["kernel_release"],
                          p4["tool_version"], p4["rundir"]),
                         (4096, "x86_64", "6.12.95+deb12-amd64", "ac5194b",
                          "results/compare-20261121T185201Z-x86_64"))
        self.assertEqual((p64["page_size"], p64["arch"],
                          p64["kernel_release"]),
                         (65536, "ppc64le", "6.12.95+deb12-powerpc64le"))
        self.assertEqual(p4["variants"], {"A": "stock", "B": "msix-sparse"})
        self.assertEqual(p4["rounds"], {"stock": ["r1", "r2", "r3"],
                                        "msix-sparse": ["r1", "r2", "r3"]})
        # Matched by id across machines, whatever the addresses.
        self.assertEqual(self.row(NVME, 0, "vmm")["cells"][1]["address"],
                         "0000:00:03.0")
        self.assertEqual(self.row(NVME, 0, "vmm")["cells"][0]["address"],
                         "0000:00:02.0")

    def test_chart(self):
        self.assertTrue(self.gnuplot, "gnuplot is missing: scripts/matrix "
                        "draws with it (Debian: apt-get install gnuplot-nox)")
        for ext, magic in (("png", b"\x89PNG"), ("svg", b"<?xml")):
            with open(os.path.join(self.out, "charts",
                                   f"vmm-1b36_0010.{ext}"), "rb") as f:
                self.assertTrue(f.read(8).startswith(magic), ext)
        self.assertIn("![vmm path](charts/vmm-1b36_0010.png)",
                      self.files["matrix.md"])
        self.assertEqual(self.doc["charts"], ["charts/vmm-1b36_0010.png",
                                              "charts/vmm-1b36_0010.svg"])


class Options(Base):
    def test_all_widths(self):
        out = self.fresh("all")
        rc, stdout, err = self.run_matrix("--no-charts", "--all-widths",
                                          "--out", out, self.dir_64k, REF_4K)
        self.assertEqual(rc, 0, err)
        with open(os.path.join(out, "matrix.json")) as f:
            doc = json.load(f)
        ops = {(r["op"], r["width"]) for d in doc["devices"]
               for r in d["rows"]}
        self.assertEqual(ops, {("read", 1), ("read", 2), ("read", 4),
                               ("read", 8), ("write", 4)})
        self.assertEqual(sum(len(d["rows"]) for d in doc["devices"]), 117)
        self.assertEqual(doc["page_sizes"], [4096, 65536])  # sorted
        with open(os.path.join(out, "matrix.txt")) as f:
            lines = f.read().splitlines()
        self.assertEqual([l for l in lines if len(l) > 79], [])
        # Narrowed to fit: ops as r/w, a column per op and width.
        self.assertIn(["AQA", "0x0024", "vmm", "w", "4", "4K", "other"],
                      [l.split()[:7] for l in lines])
        self.assertIn(["CAP", "0x0000", "fd", "r", "1", "4K", "other"],
                      [l.split()[:7] for l in lines])
        self.assertFalse(os.path.exists(os.path.join(out, "charts")))
        self.assertEqual(doc["charts"], [])

    def test_no_gnuplot_is_a_note(self):
        out = self.fresh("nognuplot")
        rc, _, err = self.run_matrix("--out", out, REF_4K, self.dir_64k,
                                     env={"PATH": "/nonexistent"})
        self.assertEqual(rc, status.NO_CHART, err)
        self.assertIn("gnuplot not found on PATH", err)
        self.assertFalse(os.path.exists(os.path.join(out, "charts")))
        with open(os.path.join(out, "matrix.md")) as f:
            md = f.read()
        self.assertIn("gnuplot not found", md)
        self.assertNotIn("![", md)

    def test_replace_earlier_report(self):
        out = self.fresh("again")
        for _ in range(2):
            rc, _, err = self.run_matrix("--no-charts", "--out", out,
                                         REF_4K, self.dir_64k)
            self.assertEqual(rc, 0, err)
        self.assertEqual(sorted(os.listdir(out)),
                         ["matrix.json", "matrix.md", "matrix.txt"])
        self.assertEqual([n for n in os.listdir(self.tmp.name)
                          if ".tmp." in n or ".old." in n], [])

    def test_headline_option(self):
        out = self.fresh("xhci")
        rc, _, err = self.run_matrix("--no-charts", "--out", out,
                                     "--headline", "1b36:000d:0x2000",
                                     REF_4K, self.dir_64k)
        self.assertEqual(rc, 0, err)
        with open(os.path.join(out, "matrix.json")) as f:
            h = json.load(f)["headline"]
        self.assertEqual((h["device"], h["register"]), (XHCI, "DB0"))
        self.assertIn("DB0 accesses trap", h["text"])
        # 64K msix-sparse: through the fd, every access trapping.
        c64 = h["cells"][1]
        self.assertEqual(c64["B"]["traps"], c64["B"]["accesses"])
        self.assertEqual(c64["B"]["per_1000"], 1000)

    def test_headline_counts_are_computed(self):
        # In process: the sentence follows the counts, rounded exactly.
        doc = ppc64le(reference())
        db = find(doc, NVME, 0x1000, "vmm")
        db["A"]["traps"] = {"bar": 1, "accesses": 5690}
        db["B"]["traps"] = {"bar": 2, "accesses": 3}
        path = write_compare(self.fresh("counts"), doc)
        inputs = matrix.check_inputs([compare.CompareDoc(path),
                                      compare.CompareDoc(REF_4K)])
        h = matrix.build(inputs, False, *matrix.HEADLINE)["headline"]
        self.assertIn("At 64K pages under msix-sparse, 667 of 1000 doorbell "
                      "accesses trap (median 1850 ns each) versus <1 of 1000 "
                      "under stock (55 ns)", h["text"])
        self.assertEqual((h["cells"][1]["B"]["per_1000"],
                          h["cells"][1]["A"]["per_1000"]), (667, 0))

    def test_warnings(self):
        def preview(doc):
            for e in doc["environment"]:
                if e["name"] == "class_page_size":
                    e["A"] = e["B"] = ["4096"]
                if e["name"] == "kernel_cmdline":
                    e["differs"] = True
        doc = ppc64le(reference())
        preview(doc)
        d = write_compare(self.fresh("preview"), doc)
        out = self.fresh("preview-out")
        rc, stdout, err = self.run_matrix("--no-charts", "--out", out,
                                          REF_4K, d)
        self.assertEqual(rc, 0, err)
        text = " ".join(stdout.split())
        self.assertIn(f"WARNING: {d}/compare.json: places were labelled at "
                      "page size 4096, but the kernel's page size is 65536",
                      text)
        self.assertIn("the variants' runs differ in kernel_cmdline", text)

    def test_unwritable_out(self):
        blocker = os.path.join(self.fresh("blocker"))
        with open(blocker, "w") as f:
            f.write("a file, not a folder\n")
        out = os.path.join(blocker, "out")
        rc, stdout, err = self.run_matrix("--no-charts", "--out", out,
                                          REF_4K, self.dir_64k)
        self.assertEqual(rc, status.OUTPUT_FAILED, err)
        self.assertIn("matrix: cannot write", err)
        self.assertNotIn("Traceback", err)
        self.assertEqual(stdout, "")

    def test_help(self):
        rc, out, _ = self.run_matrix("--help")
        self.assertEqual(rc, 0)
        for text in ("usage: scripts/matrix", "--all-widths", "--out DIR",
                     "Exit status", "matrix.txt"):
            self.assertIn(text, out)

    def test_default_out(self):
        d = matrix_script.default_out()
        self.assertEqual(os.path.dirname(d), os.path.join(REPO, "results"))
        self.assertRegex(os.path.basename(d), r"^matrix-\d{8}T\d{6}Z$")


class PerThousand(unittest.TestCase):
    def test_rounding(self):
        for (t, n), want in (((0, 5180), (0, "0")),
                             ((1000, 1000), (1000, "1000")),
                             ((270, 270), (1000, "1000")),
                             ((1, 3), (333, "333")),
                             ((2, 3), (667, "667")),
                             ((1, 8), (125, "125")),
                             # exact: 2.5 rounds to even, as round() does
                             ((1, 400), (2, "2")),
                             ((3, 400), (8, "8")),
                             # a trap or a direct access never disappears
                             ((1, 5690), (0, "<1")),
                             ((5689, 5690), (1000, ">999"))):
            with self.subTest(t=t, n=n):
                self.assertEqual(matrix.per_1000(t, n), want)

    def test_page_labels(self):
        self.assertEqual([matrix.page_label(s) for s in
                          (4096, 16384, 65536, 2 << 20, 12345)],
                         ["4K", "16K", "64K", "2M", "12345"])


class BadInput(Base):
    """Exit 2, a message naming the file and the cause, no traceback, and
    nothing written."""

    def invalid(self, folders, message, *opts):
        out = self.fresh("never")
        before = set(os.listdir(self.tmp.name))
        rc, stdout, err = self.run_matrix("--no-charts", "--out", out,
                                          *opts, *folders)
        self.assertEqual(rc, 2, err)
        self.assertIn(message, err)
        self.assertTrue(err.startswith("matrix: ") or "usage:" in err, err)
        self.assertNotIn("Traceback", err)
        self.assertEqual(stdout, "")
        self.assertFalse(os.path.exists(out))
        self.assertEqual(set(os.listdir(self.tmp.name)), before)

    def damaged(self, name, change):
        doc = ppc64le(reference())
        change(doc)
        return write_compare(self.fresh(name), doc)

    def test_folder_without_compare_json(self):
        d = self.fresh("empty")
        os.makedirs(d, exist_ok=True)
        self.invalid([REF_4K, d], f"{d}: no compare.json in it")

    def test_no_such_folder(self):
        d = self.fresh("nonexistent")
        self.invalid([REF_4K, d], f"{d}: no such folder")

    def test_truncated(self):
        with open(os.path.join(self.dir_64k, "compare.json")) as f:
            text = f.read()
        d = write_compare(self.fresh("truncated"), text[:len(text) // 2])
        self.invalid([REF_4K, d], f"{d}/compare.json: not valid JSON")
        self.invalid([REF_4K, d], "truncated or corrupt?")

    def test_corrupt(self):
        d = write_compare(self.fresh("corrupt"), "\x00\x01garbage")
        self.invalid([REF_4K, d], f"{d}/compare.json: not valid JSON")

    def test_wrong_schema(self):
        d = self.damaged("schema", lambda doc: doc.update(
            schema="vfio-barbench/run/1"))
        self.invalid([REF_4K, d], f"{d}/compare.json: schema "
                     "'vfio-barbench/run/1', expected "
                     "'vfio-barbench/compare/1'")
        d = write_compare(self.fresh("list"), "[1, 2]")
        self.invalid([REF_4K, d], f"{d}/compare.json: schema None")

    def test_same_page_size_twice(self):
        d = write_compare(self.fresh("x86-again"), reference())
        self.invalid([REF_4K, d], f"{d}/compare.json: page size 4096 again "
                     f"(also {REF_4K}/compare.json)")

    def test_missing_case_is_not_measured(self):
        # The suite's default registers follow the places (0x2410 stands
        # for the table's page only at 4K): a case one page size lacks is
        # a row marked "not measured" there, not an error.
        def drop(doc):
            doc["cases"].remove(find(doc, NVME, 0x24, "fd"))
        d = self.damaged("missing", drop)
        out = self.fresh("missing-out")
        rc, _, err = self.run_matrix("--no-charts", "--out", out, REF_4K, d)
        self.assertEqual(rc, 0, err)
        with open(os.path.join(out, "matrix.json")) as f:
            doc = json.load(f)
        rows = [r for dev in doc["devices"] for r in dev["rows"]
                if r["device"] == NVME and r["offset"] == 0x24 and
                r["path"] == "fd"]
        self.assertEqual(len(rows), 1)
        c4k, c64k = rows[0]["cells"]
        self.assertEqual(c64k["verdict"], "not measured")
        self.assertIsNone(c64k["A"]["median_ns"])
        self.assertEqual(c64k["place"], "table-page")
        self.assertNotEqual(c4k["verdict"], "not measured")
        with open(os.path.join(out, "matrix.md")) as f:
            self.assertIn("not measured", f.read())

    def test_missing_under_a_variant(self):
        def drop(doc):
            c = find(doc, XHCI, 0x4, "mmap")
            c["B"] = None
            c["verdict"] = "missing under msix-sparse"
        d = self.damaged("one-sided", drop)
        self.invalid([REF_4K, d], f"{d}/compare.json: case 1b36:000d BAR0 "
                     "0x0004 mmap read w4 is missing under msix-sparse")

    def test_missing_headline(self):
        def drop(doc):
            doc["cases"] = [c for c in doc["cases"]
                            if not (c["device"]["id"] == NVME and
                                    c["offset"] == 0x1000)]
        d = self.damaged("no-doorbell", drop)
        self.invalid([REF_4K, d], f"{d}/compare.json: no headline case "
                     "1b36:0010 BAR0 0x1000 vmm read w4")
        self.invalid([REF_4K, self.dir_64k], "no input has the headline "
                     "case 1b36:0010 0x1004", "--headline", "1b36:0010:0x1004")
        self.invalid([REF_4K, self.dir_64k], "--headline 'doorbell': "
                     "expected ID:OFFSET", "--headline", "doorbell")

    def test_page_size_missing_or_ambiguous(self):
        d = self.damaged("no-page-size", lambda doc: doc.update(
            environment=[e for e in doc["environment"]
                         if e["name"] != "page_size"]))
        self.invalid([REF_4K, d], f"{d}/compare.json: no 'page_size' in "
                     "its environment")

        def split(doc):
            e = next(e for e in doc["environment"]
                     if e["name"] == "page_size")
            e["B"] = ["4096"]
        d = self.damaged("split-page-size", split)
        self.invalid([REF_4K, d], f"{d}/compare.json: page_size is not one "
                     "value: stock 65536, msix-sparse 4096")

        def text(doc):
            e = next(e for e in doc["environment"]
                     if e["name"] == "page_size")
            e["A"] = e["B"] = ["64K"]
        d = self.damaged("text-page-size", text)
        self.invalid([REF_4K, d], f"{d}/compare.json: page_size is '64K', "
                     "not a positive integer")

    def test_different_variants(self):
        d = self.damaged("variants", lambda doc: doc.update(
            candidate="my-variant"))
        self.invalid([REF_4K, d], f"{d}/compare.json: compares my-variant "
                     "against stock, but")

    def test_damaged_members(self):
        for name, change, message in (
                ("traps-text",
                 lambda doc: find(doc, NVME, 0x1000, "vmm")["B"]["traps"]
                 .update(bar="x"),
                 "traps.bar is \"x\", not an integer"),
                ("traps-over",
                 lambda doc: find(doc, NVME, 0x1000, "vmm")["B"]["traps"]
                 .update(bar=2000),
                 "traps is 2000/1000: not a count"),
                ("median-text",
                 lambda doc: find(doc, NVME, 0x8, "fd")["A"]
                 .update(median_ns="fast"),
                 "A.median_ns is \"fast\", not a number or null"),
                ("no-cases", lambda doc: doc.update(cases=[]), "no cases"),
                ("no-offset",
                 lambda doc: find(doc, NVME, 0x8, "fd").pop("offset"),
                 "has no 'offset'"),
                ("ratio-ci",
                 lambda doc: find(doc, NVME, 0x8, "fd")
                 .update(ratio_ci95=[1]),
                 "ratio_ci95 is [1], not two numbers")):
            with self.subTest(name=name):
                d = self.damaged(name, change)
                self.invalid([REF_4K, d], f"{d}/compare.json: ")
                self.invalid([REF_4K, d], message)

    def test_out_is_not_a_matrix(self):
        out = self.fresh("someones")
        os.makedirs(out)
        with open(os.path.join(out, "notes.txt"), "w") as f:
            f.write("keep me\n")
        rc, _, err = self.run_matrix("--no-charts", "--out", out, REF_4K,
                                     self.dir_64k)
        self.assertEqual(rc, 2)
        self.assertIn(f"--out {out}: exists and is not a matrix report", err)
        self.assertEqual(os.listdir(out), ["notes.txt"])

    def test_one_input(self):
        self.invalid([REF_4K], "needs two or more comparison folders")

    def test_random_damage(self):
        """Members deleted or given other types at random: an InputError
        or a report, never another exception."""
        rng = random.Random(5)
        good = compare.CompareDoc(REF_4K)
        base = ppc64le(reference())
        path = os.path.join(self.fresh("random"), "compare.json")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        junk = [None, "x", -1, 0, 1.5, [], {}, [1, 2], True, float("nan")]
        outcomes = {"refused": 0, "built": 0}
        for _ in range(300):
            doc = copy.deepcopy(base)
            for _ in range(rng.randint(1, 3)):
                node = doc
                for _ in range(rng.randint(1, 5)):
                    if isinstance(node, dict) and node:
                        k = rng.choice(list(node))
                    elif isinstance(node, list) and node:
                        k = rng.randrange(len(node))
                    else:
                        break
                    if not isinstance(node[k], (dict, list)) or \
                            rng.random() < 0.3:
                        if isinstance(node, dict) and rng.random() < 0.3:
                            del node[k]
                        else:
                            node[k] = rng.choice(junk)
                        break
                    node = node[k]
            with open(path, "w") as f:
                json.dump(doc, f)
            try:
                inputs = matrix.check_inputs([good,
                                              compare.CompareDoc(path)])
                doc = matrix.build(inputs, rng.random() < 0.5,
                                   *matrix.HEADLINE)
                matrix_script.report_txt(doc, [])
                matrix_script.report_md(doc, [], [])
                json.dumps(doc)
                outcomes["built"] += 1
            except load.InputError as e:
                self.assertTrue(str(e).startswith(path) or
                                REF_4K in str(e) or
                                "headline" in str(e), str(e))
                outcomes["refused"] += 1
        self.assertGreater(outcomes["refused"], 50)


def make_fixture(folder):
    """The synthetic 64K comparison folder, to run scripts/matrix on."""
    return write_compare(folder, ppc64le(reference()))


class VmmRows(Base):
    """--qemu-runs: QEMU's measured rows at each page size beside barbench's
    vmm:qemu.  The fixtures' vmm cases are relabelled vmm:qemu (as the
    qemu profile writes them); QEMU's rows are made to agree with the 4K
    doorbell and to differ on the 64K one."""

    def inputs(self):
        def relabel(doc):
            for c in doc["cases"]:
                if c["path"] == "vmm":
                    c["path"] = "vmm:qemu"
            return doc
        d4 = write_compare(self.fresh("vmm-4k"), relabel(reference()))
        d64 = write_compare(self.fresh("vmm-64k"),
                            relabel(ppc64le(reference())))
        return d4, d64

    def vmm(self, name, page, traps_b):
        folder = self.fresh(name)
        os.makedirs(folder, exist_ok=True)
        rows = [{"vmm": "qemu", "variant": v, "qemu_options": None,
                 "device": "0000:00:02.0", "device_id": NVME, "bar": 0,
                 "register": "SQ0TDBL", "offset": 0x1000,
                 "place": "other", "op": "read", "width": 4,
                 "accesses": 10, "traps": t}
                for v, t in (("stock", 0), ("msix-sparse", traps_b))]
        with open(os.path.join(folder, "vmm.json"), "w") as f:
            json.dump({"schema": "vfio-barbench/vmm/1", "rows": rows,
                       "provenance": {"page_size": page, "arch": "x"}}, f)
        return folder

    def test_rows_at_each_page_size(self):
        d4, d64 = self.inputs()
        out = self.fresh("vmm-out")
        rc, stdout, err = self.run_matrix(
            "--no-charts", "--out", out, "--qemu-runs", self.vmm("q64", 65536, 0),
            "--qemu-runs", self.vmm("q4", 4096, 0), d4, d64)
        self.assertEqual(rc, 0, err)
        with open(os.path.join(out, "matrix.json")) as f:
            vmm = json.load(f)["vmm"]
        self.assertEqual([v["page_size"] for v in vmm], [4096, 65536])
        r4, r64 = vmm[0]["rows"][0], vmm[1]["rows"][0]
        # 4K: the doorbell has its own page: mapped under both, like QEMU.
        self.assertEqual(r4["offset"], 0x1000)
        self.assertTrue(r4["agree"], r4)
        # 64K: barbench's vmm:qemu traps it under msix-sparse; these
        # QEMU rows say it did not: DIFFER.
        self.assertEqual(r64["barbench_B"]["traps"],
                         r64["barbench_B"]["accesses"])
        self.assertFalse(r64["agree"])
        self.assertIn("QEMU as the VFIO client at 64K", stdout)
        self.assertIn("Debian's QEMU as the VFIO client (make vmm) trapped "
                      "these reads at 64K 0 of 10 under msix-sparse, 0 of "
                      "10 under stock; at 4K 0 of 10 under msix-sparse",
                      " ".join(stdout.split()))
        self.assertIn("1 registers DIFFER", stdout)
        self.assertTrue(all(len(l) < 80 for l in stdout.splitlines()))
        with open(os.path.join(out, "matrix.md")) as f:
            self.assertIn("## QEMU as the VFIO client, 4K", f.read())

    def test_page_size_of_no_input(self):
        d4, d64 = self.inputs()
        rc, _, err = self.run_matrix("--no-charts", "--out",
                                     self.fresh("vmm-bad"), "--qemu-runs",
                                     self.vmm("q16", 16384, 0), d4, d64)
        self.assertEqual(rc, 2)
        self.assertIn("page size 16384, which no comparison has", err)
        self.assertFalse(os.path.exists(self.fresh("vmm-bad")))

if __name__ == "__main__":
    if sys.argv[1:2] == ["--make-fixture"] and len(sys.argv) == 3:
        print(make_fixture(sys.argv[2]))
        sys.exit(0)
    runner.main("matrix")

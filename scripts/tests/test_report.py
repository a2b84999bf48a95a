#!/usr/bin/env python3
"""scripts/report on saved results: the table it prints, and a clear error
with exit status 2 for every kind of bad input file."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import runner

REPORT = os.path.join(runner.SCRIPTS, "report")


def case(path, median, route=None, **extra):
    c = {"bar": 0, "offset": 0, "register": "CAP", "place": "other",
         "path": path, "op": "read", "width": 4, "route": route or path}
    if median is not None:
        c.update({"median_ns": median, "ci95_lo_ns": median - 1,
                  "ci95_hi_ns": median + 1, "timer_fraction": 0.004})
    c.update(extra)
    return c


def results(cases):
    return {"schema": "vfio-barbench/run/1", "complete": True,
            "tool": {"version": "test"},
            "provenance": {"kernel_release": "6.12.0", "arch": "x86_64",
                           "page_size": 4096, "class_page_size": 65536,
                           "variant": "stock", "date": "2026-01-01"},
            "device": {"address": "0000:00:02.0", "id": "1b36:0010",
                       "iommu": "type1v2", "bars": []},
            "timer": {"source": "tsc", "overhead_ns": 40.0},
            "settings": {"samples": 200},
            "cases": cases}


class Report(unittest.TestCase):
    def run_report(self, content, name="r.json"):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(content if isinstance(content, str)
                        else json.dumps(content))
            p = subprocess.run([sys.executable, REPORT, path],
                               capture_output=True, text=True)
            return p.returncode, p.stdout, p.stderr

    def test_table_row_and_ratio(self):
        rc, out, _ = self.run_report(results([
            case("mmap", 100), case("fd", 2500), case("vmm", 101)]))
        self.assertEqual(rc, 0)
        row = [l for l in out.splitlines() if l.startswith("other")][0]
        self.assertIn("100 [99, 101]", row)
        self.assertIn("2500 [2499, 2501]", row)
        self.assertIn("101 [100, 102] vmm", row)
        self.assertEqual(row.split()[-2:], ["25.0x", "-"])
        self.assertIn("places at 65536", out)
        self.assertIn("at most 0.40%", out)

    def test_skipped_mmap_has_no_ratio(self):
        rc, out, _ = self.run_report(results([
            case("mmap", None, skipped="no mmap"), case("fd", 2500)]))
        self.assertEqual(rc, 0)
        row = [l for l in out.splitlines() if l.startswith("other")][0]
        self.assertIn("not mappable", row)
        self.assertEqual(row.split()[-2:], ["-", "-"])

    def test_case_without_samples(self):
        # An interrupted run saves cases that never got a sample: nulls.
        rc, out, _ = self.run_report(results([
            case("mmap", 100), case("fd", None, median_ns=None,
                                    ci95_lo_ns=None, ci95_hi_ns=None)]))
        self.assertEqual(rc, 0)
        row = [l for l in out.splitlines() if l.startswith("other")][0]
        self.assertIn("no samples", row)
        self.assertTrue(row.endswith("-"))

    def test_vmm_traps_column(self):
        # msix-sparse: the vmm path goes through the fd, every access traps.
        traps = {"bar": 1200, "config": 0, "other": 0, "mmap": 0,
                 "fault": 0, "bar_by_place": {}}
        doc = results([case("fd", 2500),
                       case("vmm", 2510, route="fd", accesses=99999,
                            trap_pass_accesses=1200, traps=traps)])
        doc["traps"] = {"mode": "fentry/fexit", "lost": 0}
        rc, out, _ = self.run_report(doc)
        self.assertEqual(rc, 0)
        row = [l for l in out.splitlines() if l.startswith("other")][0]
        self.assertEqual(row.split()[-1], "1200/1200")
        self.assertIn("counted by BPF (fentry/fexit) in a pass after the "
                      "timing, lost 0", out)

    def test_partial_run_is_marked(self):
        doc = results([case("fd", 2500)])
        doc["complete"] = False
        rc, out, _ = self.run_report(doc)
        self.assertEqual(rc, 0)
        self.assertIn("PARTIAL RUN", out)

    def test_truncated_file(self):
        text = json.dumps(results([case("fd", 2500)]))
        rc, _, err = self.run_report(text[: len(text) // 2])
        self.assertEqual(rc, 2)
        self.assertIn("not valid JSON", err)

    def test_foreign_schema(self):
        doc = results([])
        doc["schema"] = "something/else"
        rc, _, err = self.run_report(doc)
        self.assertEqual(rc, 2)
        self.assertIn("schema 'something/else'", err)

    def test_missing_member(self):
        doc = results([])
        del doc["cases"]
        rc, _, err = self.run_report(doc)
        self.assertEqual(rc, 2)
        self.assertIn("no 'cases' member", err)

    def test_missing_file(self):
        p = subprocess.run([sys.executable, REPORT, "/nonexistent/x.json"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("/nonexistent/x.json: no such file", p.stderr)


if __name__ == "__main__":
    runner.main("report")

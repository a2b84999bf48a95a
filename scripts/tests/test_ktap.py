#!/usr/bin/env python3
"""KTAP, for kselftest-style runners: KTAP=1 makes tests/check.h (the C
self-checks: test_units, test_vfio_facts, test_trapcount) and tests/lib.sh (the
shell ones) print KTAP that parses, and their output without it is what
tests/run-all has always read; lava/report-cases --ktap prints a run's
exact facts as KTAP.  Prints "ktap: N passed, M failed[, K skipped]"."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import lavacheck  # parse_ktap, expected_facts
import runner
from runner import REPO

REF = os.path.join(REPO, "results", "reference", "x86_64-stock")


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True,
                       env=dict(os.environ, **(env or {})))
    return p.returncode, p.stdout, p.stderr


CHECK_C = r"""
#include "check.h"
static int calls;
static int once(void) { return ++calls == 1; }
int main(void)
{
	CHECK(once());
	CHECK_EQ(calls, 1);
	CHECK(1 == 2 /* # not a directive */);
	return check_summary("demo");
}
"""

LIB_SH = """. "$1"
check "passes" true
check "fails #1" false
skip "no device" "BARBENCH_NVME not set"
expect 0 "" true
summary demo
"""


class KTAP(unittest.TestCase):
    """KTAP=1 makes tests/check.h and tests/lib.sh print KTAP that parses;
    without it their output is what tests/run-all has always read."""

    def test_check_h(self):
        cc = shutil.which("cc")
        if not cc:
            self.skipTest("no C compiler")
        with tempfile.TemporaryDirectory() as tmp:
            src, exe = os.path.join(tmp, "t.c"), os.path.join(tmp, "t")
            with open(src, "w") as f:
                f.write(CHECK_C)
            rc, _, err = run([cc, "-Wall", "-Wextra", "-Werror", "-I",
                              os.path.join(REPO, "tests"), src, "-o", exe])
            self.assertEqual(rc, 0, err)
            rc, out, err = run([exe], env={"KTAP": ""})
            self.assertEqual((rc, out), (1, "demo: 2 passed, 1 failed\n"))
            self.assertIn("FAIL", err)
            rc, out, _ = run([exe], env={"KTAP": "1"})
        self.assertEqual(rc, 1)
        plan, results = lavacheck.parse_ktap(out)
        self.assertEqual(plan, 3)
        self.assertEqual([ok for ok, _, _, _ in results], [True, True, False])
        self.assertNotIn("#", results[2][2])
        self.assertTrue(out.endswith("# Totals: pass:2 fail:1 xfail:0 "
                                     "xpass:0 skip:0 error:0\n"
                                     "demo: 2 passed, 1 failed\n"))

    def test_lib_sh(self):
        with tempfile.TemporaryDirectory() as tmp:
            t = os.path.join(tmp, "t.sh")
            with open(t, "w") as f:
                f.write(LIB_SH)
            lib = os.path.join(REPO, "tests", "lib.sh")
            rc, out, _ = run(["sh", t, lib], env={"KTAP": "", "TMPDIR": tmp})
            self.assertEqual((rc, out), (1, "FAIL: fails #1\nSKIP: no device:"
                                         " BARBENCH_NVME not set\ndemo: 2 "
                                         "passed, 1 failed, 1 skipped\n"))
            rc, out, _ = run(["sh", t, lib], env={"KTAP": "1", "TMPDIR": tmp})
        plan, results = lavacheck.parse_ktap(out)
        self.assertEqual(plan, 4)
        self.assertEqual([(ok, skip) for ok, _, _, skip in results],
                         [(True, False), (False, False), (True, True),
                          (True, False)])
        self.assertIn("ok 3 no device # SKIP BARBENCH_NVME not set", out)
        self.assertTrue(out.endswith("demo: 2 passed, 1 failed, 1 skipped\n"))

    def test_parser_refuses_broken_ktap(self):
        for text in ("1..1\nok 1 a\n", "KTAP version 1\nok 1 a\n",
                     "KTAP version 1\n1..2\nok 1 a\n",
                     "KTAP version 1\n1..2\nok 1 a\nok 3 b\n"):
            with self.assertRaises(ValueError):
                lavacheck.parse_ktap(text)


    def test_report_cases_ktap(self):
        rc, out, err = run([os.path.join(REPO, "lava", "report-cases"),
                            "--ktap", REF])
        self.assertEqual(rc, 0, err)
        plan, results = lavacheck.parse_ktap(out)
        want = 0
        for name in sorted(os.listdir(REF)):
            if name.endswith(".json") and not name.endswith(".info.json"):
                with open(os.path.join(REF, name)) as f:
                    want += len(lavacheck.expected_facts(json.load(f)))
        self.assertEqual(plan, want)
        self.assertTrue(all(ok for ok, _, _, _ in results))
        self.assertIn("ok 1 0000_00_02_0.results-file", out)


if __name__ == "__main__":
    runner.main("ktap")

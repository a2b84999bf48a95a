#!/usr/bin/env python3
"""lava/ and scripts/lava-import on runs kept from real ones (scripts/
tests/lava/: a lava-run job of lava/jobs/qemu.yaml, and the embedded guest
running both test definitions' steps under lava/tests/bin's stand-ins;
harness/tests/test-lava-guest.sh BUILD KEEP_DIR makes them again): the job
templates valid for LAVA, the test definitions well formed, lavasim.py
reading signals as lava-dispatcher does, report-cases' cases and KTAP, and
the importer's round trip from each of LAVA's forms and its refusal of bad
input.  Prints "lava: N passed, M failed"."""
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import lavacheck
import runner
import yaml
from barbench import lava, status
from runner import HERE, REPO, SCRIPTS

lavasim = runner.lavasim()
LAVA = os.path.join(REPO, "lava")

# libyaml where there is one: the exports are thousands of lines.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
JOB_LOG = os.path.join(HERE, "lava", "qemu-job.log.gz")
STANDIN = os.path.join(HERE, "lava", "standin-console.txt.gz")
# Debian's python3, which has lava-common (the first python3 on PATH may
# be another one).
DEBIAN_PY = "/usr/bin/python3"
EXAMPLE = {
    "qemu.yaml": dict(KERNEL_URL="https://storage.example/vmlinuz",
                      KERNEL_SHA256="0" * 64, INITRD_SHA256="1" * 64,
                      INITRD_URL="https://storage.example/initrd.cpio.gz",
                      BARBENCH_GIT="https://git.example/vfio-barbench.git",
                      BARBENCH_REVISION="main", SAMPLES="20", ROUNDS="1"),
    "board.yaml": dict(DEVICE_TYPE="bcm2711-rpi-4-b", KERNEL_NAME="v6.12",
                       KERNEL_URL="https://s.example/Image", DTB_URL="",
                       MODULES_URL="https://s.example/modules.tar.xz",
                       ROOTFS_URL="https://s.example/rootfs.tar.xz",
                       PROMPT="root@debian:~#", BARBENCH_REVISION="main",
                       BARBENCH_GIT="https://git.example/vfio-barbench.git",
                       BARBENCH_URL="https://s.example/barbench",
                       BARBENCH_SHA256="2" * 64, DEVICES="0000:01:00.0",
                       SAMPLES="200", ROUNDS="3", VARIANTS="stock msix-sparse",
                       MODULES="msix-sparse=https://s.example/m.ko",
                       KSRC_URL=""),
}


def run(cmd, env=None, cwd=None):
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd,
                       env=dict(os.environ, **(env or {})))
    return p.returncode, p.stdout, p.stderr


def debian_python(code, *args):
    """(ok, message) of code run by Debian's python3 with lava-common."""
    if not os.path.exists(DEBIAN_PY):
        return None, "no /usr/bin/python3"
    rc, out, err = run([DEBIAN_PY, "-c", code] + list(args))
    if rc == 3:
        return None, err.strip()
    return rc == 0, out + err


VALIDATE_JOB = """import sys, yaml
try:
    from lava_common.schemas import validate
except ImportError:
    print("lava-common not installed (apt-get install lava-common)")
    sys.exit(3)
validate(yaml.safe_load(open(sys.argv[1])), strict=True)
"""

VALIDATE_TESTDEF = """import sys, yaml
try:
    from voluptuous import Schema
    from lava_common.schemas.test.testdef import testdef
except ImportError:
    print("lava-common not installed (apt-get install lava-common)")
    sys.exit(3)
Schema(testdef())(yaml.safe_load(open(sys.argv[1])))
"""


def render(name, values):
    args = [f"{k}={v}" for k, v in values.items()]
    return run([os.path.join(LAVA, "render-job"),
                os.path.join(LAVA, "jobs", name)] + args)


class Jobs(unittest.TestCase):
    """The job templates are jobs LAVA takes, raw and filled in."""

    def test_templates_validate(self):
        with tempfile.TemporaryDirectory() as tmp:
            for name, values in EXAMPLE.items():
                rc, out, err = render(name, values)
                self.assertEqual(rc, 0, err)
                job = os.path.join(tmp, name)
                with open(job, "w") as f:
                    f.write(out)
                for path in (os.path.join(LAVA, "jobs", name), job):
                    ok, msg = debian_python(VALIDATE_JOB, path)
                    if ok is None:
                        self.skipTest(msg)
                    self.assertTrue(ok, f"{path}: {msg}")

    def test_render_job_refuses_holes_and_typos(self):
        values = dict(EXAMPLE["qemu.yaml"])
        del values["SAMPLES"]
        rc, out, err = render("qemu.yaml", values)
        self.assertEqual((rc, out), (2, ""))
        self.assertIn("no value for {{ SAMPLES }}", err)
        rc, out, err = render("qemu.yaml", dict(EXAMPLE["qemu.yaml"],
                                                SAMPLE="1"))
        self.assertEqual((rc, out), (2, ""))
        self.assertIn("has no {{ SAMPLE }}", err)
        rc, _, err = render("qemu.yaml", {"bad-name": "x"})
        self.assertEqual(rc, 2)
        self.assertIn("a NAME is A-Z", err)

    def test_optional_lines(self):
        rc, out, _ = render("board.yaml", EXAMPLE["board.yaml"])
        self.assertNotIn("dtb:", out)
        rc, out, _ = render("board.yaml", dict(EXAMPLE["board.yaml"],
                                               DTB_URL="https://s/x.dtb"))
        self.assertIn('dtb: {url: "https://s/x.dtb"}', out)

    def test_templates_are_plain_placeholders(self):
        # Nothing of jinja2 but {{ NAME }}: any lab's renderer gives the
        # job render-job gives.
        for name in EXAMPLE:
            with open(os.path.join(LAVA, "jobs", name)) as f:
                text = f.read()
            self.assertNotRegex(text, r"\{%|\{#")
            names = set(re.findall(r"\{\{ *([A-Z0-9_]+) *\}\}", text))
            self.assertEqual(names, set(EXAMPLE[name]), name)


class Definitions(unittest.TestCase):
    """The test definitions are Lava-Test Test Definition 1.0, and their
    steps are this checkout's scripts, given every parameter."""

    DEFS = ("barbench-suite.yaml", "barbench-compare.yaml")

    def test_metadata_and_steps(self):
        for name in self.DEFS:
            path = os.path.join(LAVA, name)
            with open(path) as f:
                d = yaml.safe_load(f)
            meta = d["metadata"]
            self.assertEqual(meta["format"], "Lava-Test Test Definition 1.0")
            self.assertEqual(meta["name"], name[:-len(".yaml")])
            self.assertGreater(len(meta["description"]), 80)
            params = d["params"]
            self.assertTrue(all(re.fullmatch(r"[A-Z][A-Z0-9_]*", k) and
                                isinstance(v, str) for k, v in
                                params.items()), params)
            steps = d["run"]["steps"]
            # LAVA makes parameters shell variables: all exported first.
            self.assertEqual(steps[0].split(), ["export"] + list(params))
            for step in steps[1:]:
                script = os.path.join(REPO, step.split()[0])
                self.assertTrue(os.access(script, os.X_OK), step)
            ok, msg = debian_python(VALIDATE_TESTDEF, path)
            if ok is None:
                self.skipTest(msg)
            self.assertTrue(ok, f"{path}: {msg}")

    def test_every_script_has_help(self):
        for script in ("report-cases", "step-suite", "step-compare-variants",
                       "find-barbench", "bind-vfio", "render-job",
                       "make-qemu-images"):
            rc, out, err = run([os.path.join(LAVA, script), "--help"])
            self.assertEqual(rc, 0, script + err)
            self.assertIn("usage: lava/" + script, out)
            self.assertIn("Exit status", out)
        rc, out, _ = run([sys.executable, os.path.join(SCRIPTS,
                                                       "lava-import"), "-h"])
        self.assertEqual(rc, 0)
        self.assertIn("Exit status: 0 written; 2 invalid input", out)


def fixture_lines(path):
    with gzip.open(path, "rt") as f:
        return f.read().splitlines()


KEPT = {}


def tearDownModule():
    if "tmp" in KEPT:
        KEPT["tmp"].cleanup()


class Kept(unittest.TestCase):
    """The kept runs, unpacked once for every class of tests: the job log
    and the stand-in console, as YAML and CSV exports, and the files they
    carry."""

    @classmethod
    def setUpClass(cls):
        if not KEPT:
            cls.unpack()
            KEPT.update({k: getattr(cls, k) for k in (
                "tmp", "log", "raw", "yaml", "csv", "records", "files",
                "suite_runs", "compare_runs")})
        for k, v in KEPT.items():
            setattr(cls, k, v)

    @classmethod
    def unpack(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        t = cls.tmp.name
        cls.log = os.path.join(t, "job.log")
        with open(cls.log, "w") as f:
            f.write("\n".join(fixture_lines(JOB_LOG)) + "\n")
        # The same log as `lavacli jobs logs JOB --raw --filters results`
        # prints it (lavacli 1.2's print_logs).
        cls.raw = os.path.join(t, "raw.yaml")
        with open(cls.raw, "w") as f:
            for ln in fixture_lines(JOB_LOG):
                e = yaml.load(ln, Loader=LOADER)
                if e["lvl"] == "results":
                    f.write("- " + yaml.dump(
                        e, Dumper=DUMPER, default_flow_style=True,
                        default_style='"', width=10 ** 6)[:-1] + "\n")
        exported = lavasim.export(lavasim.dispatch(fixture_lines(STANDIN)),
                                  7)
        cls.yaml = os.path.join(t, "standin.yaml")
        with open(cls.yaml, "w") as f:
            yaml.dump(exported, f, Dumper=DUMPER, default_flow_style=None)
        cls.csv = os.path.join(t, "standin.csv")
        with open(cls.csv, "w") as f:
            f.write(lavasim.csv_text(exported))
        cls.records = lava.read_records(cls.yaml)[0]
        cls.files = lava.files(cls.records)
        # What the boards wrote, from the chunks, for lavacheck.
        for suite, fs in cls.files.items():
            for p, data in fs.items():
                dest = os.path.join(t, "boards", suite, p)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with open(dest, "wb") as f:
                    f.write(data)
        cls.suite_runs = os.path.join(t, "boards", "0_barbench-suite")
        cls.compare_runs = os.path.join(t, "boards", "1_barbench-compare")

    def lava_import(self, *args):
        return run([sys.executable, os.path.join(SCRIPTS, "lava-import")] +
                   list(args))


class LavaSim(Kept):
    """lava/tests/lavasim.py reads signals as lava-dispatcher does, so the
    stand-in run's results are what LAVA would have made of them."""

    def test_dispatcher_reading(self):
        self.assertEqual(lavacheck.check_dispatcher(self.log), [])

    def test_server_keeps_every_chunk(self):
        # LAVA drops the metadata of a case past 4096 bytes of YAML: a
        # chunk of 3000 characters stays under it.
        refs = [r for r in self.records if r.set == "files"]
        self.assertGreater(len(refs), 10)
        self.assertTrue(all(r.reference for r in refs))

    def test_stand_ins_print_lava_s_signals(self):
        real = "/usr/lib/python3/dist-packages/lava_dispatcher/lava_test_shell"
        if not os.path.isdir(real):
            self.skipTest("lava-dispatcher not installed")
        calls = ("lava-test-case a.b --result pass --measurement 1.5 "
                 "--units ns; lava-test-case c --result fail; "
                 "lava-test-set start s1; lava-test-set stop; "
                 "lava-test-reference r.1 --result pass --reference x:y")
        with tempfile.TemporaryDirectory() as tmp:
            for h in ("lava-test-case", "lava-test-set",
                      "lava-test-reference", "lava-common-functions"):
                with open(os.path.join(real, h)) as f, \
                        open(os.path.join(tmp, h), "w") as g:
                    g.write("#!/bin/sh\n" + f.read())
                os.chmod(os.path.join(tmp, h), 0o755)
            outs = [run(["sh", "-c", calls], env={
                "PATH": f"{d}:{os.environ['PATH']}",
                "LAVA_RESULT_DIR": tmp})[1]
                for d in (tmp, os.path.join(LAVA, "tests", "bin"))]
        self.assertEqual(outs[0], outs[1])
        self.assertEqual(len(outs[0].splitlines()), 5)


class ReportCases(Kept):
    """report-cases: one case a barbench case, named as the importer
    names it, each fact once; KTAP of the facts; bad input refused."""

    def test_cases_of_the_kept_runs(self):
        logged = lava.files(lava.read_records(self.log)[0])
        self.assertEqual(sorted(logged), ["0_barbench-suite",
                                          "1_barbench-compare"])
        for suite, fs in logged.items():
            for p, d in fs.items():
                dest = os.path.join(self.tmp.name, "log-runs", suite, p)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with open(dest, "wb") as f:
                    f.write(d)
        for results, suite, runs in (
                (self.log, "0_barbench-suite", None),
                (self.log, "1_barbench-compare", None),
                (self.yaml, "0_barbench-suite", self.suite_runs),
                (self.csv, "1_barbench-compare", self.compare_runs)):
            runs = runs or os.path.join(self.tmp.name, "log-runs", suite)
            self.assertEqual(lavacheck.check_cases(results, suite, runs), [])
        self.assertEqual(lavacheck.check_kernel(
            self.log, "1_barbench-compare",
            "msix-sparse.round-1.0000_00_03_0", "msix-sparse"), [])

    def test_kernels(self):
        for suite, tset, kernel in (
                ("0_barbench-suite", "0000_00_02_0", "stock"),
                ("1_barbench-compare", "stock.round-1.0000_00_02_0", "stock"),
                ("1_barbench-compare", "msix-sparse.round-1.0000_00_02_0",
                 "msix-sparse")):
            self.assertEqual(lavacheck.check_kernel(self.yaml, suite, tset,
                                                    kernel), [])
        self.assertNotEqual(lavacheck.check_kernel(
            self.yaml, "0_barbench-suite", "0000_00_02_0", "msix-sparse"), [])

    def test_ktap_of_the_facts(self):
        rc, out, err = run([os.path.join(LAVA, "report-cases"), "--ktap",
                            self.suite_runs])
        self.assertEqual(rc, 0, err)
        path = os.path.join(self.tmp.name, "suite.ktap")
        with open(path, "w") as f:
            f.write(out)
        plan, results = lavacheck.parse_ktap(out)
        self.assertEqual(sum(1 for ok, _, _, _ in results if ok), plan)
        self.assertEqual(lavacheck.check_ktap(path, self.yaml,
                                              "0_barbench-suite"), [])
        rc, out, _ = run([os.path.join(LAVA, "report-cases"), "--ktap",
                          os.path.join(self.compare_runs, "msix-sparse",
                                       "round-1")])
        plan, results = lavacheck.parse_ktap(out)
        self.assertEqual([n for ok, _, n, _ in results if not ok],
                         ["0000_00_02_0.bar0.msix-mappable",
                          "0000_00_02_0.bar0.whole-bar-mmap"])

    def test_icount_unit_is_one_word(self):
        src = os.path.join(self.suite_runs, "0000_00_02_0.json")
        with open(src) as f:
            doc = json.load(f)
        doc["provenance"]["clock"] = {"kind": "icount", "shift": 0,
                                      "unit": "guest instructions"}
        path = os.path.join(self.tmp.name, "icount.json")
        with open(path, "w") as f:
            json.dump(doc, f, indent=2)
        rc, out, err = run([os.path.join(LAVA, "report-cases"), path],
                           env={"PATH": os.path.join(LAVA, "tests", "bin") +
                                ":" + os.environ["PATH"]})
        self.assertEqual(rc, 0, err)
        # LAVA splits a signal at spaces: "guest instructions" would be
        # dropped, so the unit is insns.
        self.assertEqual(len(re.findall(r"UNITS=insns MEASUREMENT=", out)),
                         len(doc["cases"]))
        self.assertNotIn("UNITS=ns ", out)

    def test_bad_input(self):
        rc_cases = os.path.join(LAVA, "report-cases")
        trunc = os.path.join(self.tmp.name, "trunc.json")
        with open(os.path.join(self.suite_runs, "0000_00_02_0.json")) as f, \
                open(trunc, "w") as g:
            g.write(f.read()[:4000])
        rc, out, err = run([rc_cases, "--ktap", trunc,
                            os.path.join(self.suite_runs,
                                         "0000_00_02_0.info.json")])
        self.assertEqual(rc, 2)
        self.assertIn("truncated JSON", err)
        self.assertIn("not vfio-barbench/run/1", err)
        self.assertIn("not ok 1 trunc.results-file", out)
        rc, _, err = run([rc_cases, self.suite_runs],
                         env={"PATH": "/usr/bin:/bin"})
        self.assertEqual(rc, 50)    # lava/report-cases' EXIT_LAVA_CASE
        self.assertIn("lava-test-case not found", err)
        for args, msg in (([], "no results FILE"), (["--bogus"], "unknown"),
                          (["--attach", "/nonexistent"], "not a folder"),
                          (["--set-prefix", "a b", trunc], "only letters")):
            rc, _, err = run([rc_cases] + args)
            self.assertEqual(rc, 2, args)
            self.assertIn(msg, err)


class Importer(Kept):
    """scripts/lava-import: the same files from each of LAVA's forms, whole,
    and their measurements held against them; anything else refused."""

    def out(self, name):
        return os.path.join(self.tmp.name, "imports", name)

    def test_round_trip_from_each_form(self):
        for name, args in (("log", ["--job", "1", self.log]),
                           ("raw", ["--job", "1", self.raw]),
                           ("yaml", [self.yaml]), ("csv", [self.csv])):
            rc, out, err = self.lava_import("--board", "qemu", "-o",
                                            self.out(name), *args)
            self.assertEqual(rc, 0, err)
            self.assertIn("timed cases equal to their medians", out)
        for suite, runs in (("0_barbench-suite", self.suite_runs),
                            ("1_barbench-compare", self.compare_runs)):
            for form in ("yaml", "csv"):
                self.assertEqual(lavacheck.check_roundtrip(
                    os.path.join(self.out(form), suite), runs, "7", "qemu"),
                    [])
        rc, _, err = run(["diff", "-r", "-x", ".lava-import", self.out("log"),
                          self.out("raw")])
        self.assertEqual(rc, 0, err)
        with open(os.path.join(self.out("log"), ".lava-import")) as f:
            record = json.load(f)
        self.assertEqual((record["job"], record["board"]), ("1", "qemu"))
        rc, out, err = run([sys.executable, os.path.join(SCRIPTS, "report"),
                            os.path.join(self.out("log"),
                                         "0_barbench-suite")])
        self.assertEqual(rc, 0, err)
        self.assertIn("device 0000:00:03.0 1b36:0010", out)
        rc, out, err = run([sys.executable, os.path.join(SCRIPTS, "compare-report"),
                            "--no-charts", "-o", self.out("cmp"),
                            os.path.join(self.out("csv"),
                                         "1_barbench-compare")])
        self.assertEqual(rc, 0, err)
        with open(os.path.join(self.out("cmp"), "compare.json")) as f:
            doc = json.load(f)
        self.assertEqual((doc["baseline"], doc["candidate"]),
                         ("stock", "msix-sparse"))
        # The board and its type from lavacli jobs show JOB --yaml.
        info = os.path.join(self.tmp.name, "job-info.yaml")
        with open(info, "w") as f:
            f.write("id: 7\ndevice: rpi4-01\ndevice_type: bcm2711-rpi-4-b\n"
                    "description: x\n")
        rc, _, err = self.lava_import("--job-info", info, "-o",
                                      self.out("info"), self.yaml)
        self.assertEqual(rc, 0, err)
        with open(os.path.join(self.out("info"), "0_barbench-suite",
                               "0000_00_02_0.json")) as f:
            member = json.load(f)["provenance"]["lava"]
        self.assertEqual((member["job"], member["board"],
                          member["device_type"], member["set"]),
                         ("7", "rpi4-01", "bcm2711-rpi-4-b", "0000_00_02_0"))
        with open(info, "w") as f:
            f.write("id: 8\ndevice: rpi4-01\n")
        self.refused(self.yaml, "more than one job: 7, 8", "--job-info", info)
        # An earlier import is replaced; another folder never.
        rc, _, err = self.lava_import("--board", "qemu", "-o",
                                      self.out("yaml"), self.yaml)
        self.assertEqual(rc, 0, err)
        rc, _, err = self.lava_import("--board", "qemu", "-o",
                                      self.out("cmp"), self.yaml)
        self.assertEqual(rc, 2)
        self.assertIn("not an earlier output", err)

    def broken(self, name, edit):
        """A copy of the stand-in YAML export with `edit` applied to its
        list of cases."""
        with open(self.yaml) as f:
            cases = yaml.load(f, Loader=LOADER)
        edit(cases)
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            yaml.dump(cases, f, Dumper=DUMPER, default_flow_style=None)
        return path

    def refused(self, path, msg, *extra):
        out = self.out("refused")
        rc, stdout, err = self.lava_import("--board", "qemu", "-o", out,
                                           *extra, path)
        self.assertEqual(rc, status.INVALID_INPUT, f"{path}: {err}")
        self.assertIn(msg, err)
        self.assertNotIn("Traceback", err)
        self.assertFalse(os.path.exists(out), "written anyway")
        parent = os.path.dirname(out)
        if os.path.isdir(parent):
            self.assertEqual([n for n in os.listdir(parent)
                              if n.startswith(".refused")], [])

    def test_bad_input(self):
        def nth_chunk(cases, name):
            return next(i for i, c in enumerate(cases) if c["name"] == name)

        def drop_chunk(cases):
            del cases[nth_chunk(cases, "0000_00_02_0.json.2")]

        def corrupt(cases):
            c = cases[nth_chunk(cases, "0000_00_02_0.json.2")]
            ref = c["metadata"]["reference"]
            c["metadata"]["reference"] = ref[:-10] + \
                ("A" if ref[-10] != "A" else "B") + ref[-9:]

        def remeasure(cases):
            c = next(c for c in cases if c["name"].endswith(".read.w4.fd"))
            c["measurement"] = "1.0000000000"

        def drop_case(cases):
            del cases[next(i for i, c in enumerate(cases)
                           if c["name"].endswith((".read.w4.vmm",
                                                    ".read.w4.vmm-qemu")))]

        def two_jobs(cases):
            cases[0]["job"] = "8"

        def no_files(cases):
            cases[:] = [c for c in cases if c["metadata"].get("set") !=
                        "files"]

        garbage = os.path.join(self.tmp.name, "garbage")
        with open(garbage, "wb") as f:
            f.write(b"\x00\xff\xfe" * 100)
        mapping = os.path.join(self.tmp.name, "mapping.yaml")
        with open(mapping, "w") as f:
            f.write("a: 1\n")
        badcsv = os.path.join(self.tmp.name, "bad.csv")
        with open(badcsv, "w") as f:
            f.write("job,suite,result,measurement,unit,metadata,name\n"
                    "1,s,pass,None,,\"{'set': \",x\n")
        for path, msg in (
                (garbage, "not UTF-8"), (mapping, "expected a list"),
                (badcsv, "metadata is not a Python dict"),
                (self.broken("drop.yaml", drop_chunk), "chunk(s) 2 of"),
                (self.broken("corrupt.yaml", corrupt), "0000_00_02_0.json: "),
                (self.broken("remeasure.yaml", remeasure), "they disagree"),
                (self.broken("dropcase.yaml", drop_case), "is not in the"),
                (self.broken("twojobs.yaml", two_jobs), "more than one job"),
                (self.broken("nofiles.yaml", no_files), "no attached files"),
                (os.path.join(self.tmp.name, "absent"), "cannot read")):
            self.refused(path, msg)
        self.refused(self.log, "give --job ID")
        rc, _, err = self.lava_import("--job", "1", "-o", self.out("x"),
                                      self.log)
        self.assertEqual(rc, 2)
        self.assertIn("name the board", err)
        self.refused(self.yaml, "only letters", "--board", "a/b")
        # An output that cannot be written: 41, nothing left.
        blocker = os.path.join(self.tmp.name, "a-file")
        open(blocker, "w").close()
        rc, _, err = self.lava_import("--board", "q", "-o",
                                      os.path.join(blocker, "sub"), self.yaml)
        self.assertEqual(rc, status.OUTPUT_FAILED, err)
        self.assertIn("nothing written", err)


if __name__ == "__main__":
    runner.main("lava")

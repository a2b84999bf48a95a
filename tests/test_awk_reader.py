#!/usr/bin/env python3
"""The two readers of a barbench run file (schema vfio-barbench/run/1) held
together: lava/report-cases.awk, which a board without python3 runs, must
give every committed run the LAVA test cases that the Python reader gives
it, case by case: the same names, results, measurements, units and reasons.

The Python side reads each run with the loader (barbench.load: load, or
check_run through barbench.lava.run_doc for a file attached to a LAVA job)
and names each case with barbench.lava.case_name, the name scripts/
lava-import looks for; expected() below turns the document into the records
report-cases.awk prints (docs/schemas.md, run/1; lava/README.md).  The awk
side is report-cases.awk itself, run as lava/report-cases runs it, under
every awk here (awk, mawk, gawk, busybox awk: a board has busybox).

The runs: every run/1 file under results/, every run inside a bundle there
(results/baseline), every run file attached to the kept LAVA runs under
scripts/tests/lava/, and five runs made from a committed one, each reaching
what no committed run does (edge_runs: some accesses trapped, an
interrupted run that lost trap events, a write not restored, an MSI-X
table read unmasked, the icount clock with a median written 1.23457e+06).
Then lava/report-cases --ktap on each folder of run files, and a planted
difference (a copy of the awk reporting p5_ns as the median), which must be
caught.

usage: PYTHONPATH=scripts tests/test_awk_reader.py [-v]
Prints "awk-reader: N passed, M failed[, K skipped]": one check per run and
awk, per folder, and the planted difference.
"""
import concurrent.futures
import gzip
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from barbench import lava, load

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
AWK = os.path.join(REPO, "lava", "report-cases.awk")
REPORT_CASES = os.path.join(REPO, "lava", "report-cases")
KEPT = [os.path.join(REPO, "scripts", "tests", "lava", n)
        for n in ("qemu-job.log.gz", "standin-console.txt.gz")]
VERBOSE = "-v" in sys.argv[1:]


# ---- what the Python reader makes of a run -------------------------------

def clean(s):
    """report-cases.awk's clean(): its records are split at "|"."""
    return re.sub(r"[|\n\r]", "/", s)


def rec(kind, name, result, meas="", units="", why=""):
    return (kind, name, result, meas, units, "" if result == "pass"
            else clean(why))


def text(x):
    """A JSON scalar as report-cases.awk keeps it: its text."""
    return json.dumps(x) if isinstance(x, bool) or x is None else str(x)


def all_ones(value, width):
    """A read of the MSI-X table through the fd that the kernel masked:
    0xff bytes (barbench writes an 8-byte value as a signed number)."""
    if width == 8:
        return value in (-1, 2 ** 64 - 1)
    return value == (1 << 8 * width) - 1


def expected(run, set_name):
    """The records lava/report-cases.awk prints for run (a load.Run), in
    its order: S, the facts of the file, each case (a timed case, then its
    facts), the MSI-X table's fact, E."""
    doc = run.doc
    units = "insns" if load.clock_of(run) == "icount" else "ns"
    out = [("S", set_name), rec("F", "results-file", "pass")]
    out.append(rec("F", "complete",
                   "pass" if doc.get("complete") is True else "fail",
                   why=f"complete is {text(doc.get('complete'))}: an "
                   "interrupted (partial) run"))
    traps = doc.get("traps")
    if isinstance(traps, dict) and "lost" in traps:
        lost = text(traps["lost"])
        out.append(rec("F", "traps.lost-none",
                       "pass" if traps["lost"] == 0 else "fail", lost,
                       "events", f"{lost} trap events lost: counts not "
                       "exact"))
    for b in doc["device"].get("bars", []):
        bar = f"bar{b['index']}"
        out.append(rec("F", f"{bar}.msix-mappable",
                       "pass" if b.get("msix_mappable") is True else "fail",
                       why="no MSIX_MAPPABLE capability"))
        if "whole_bar_mmap" in b:
            out.append(rec("F", f"{bar}.whole-bar-mmap",
                           "pass" if b["whole_bar_mmap"] == "ok" else "fail",
                           why=f"whole-BAR mmap: {b['whole_bar_mmap']}"))
    table_reads = 0
    table_masked = True
    for c in doc["cases"]:
        name = lava.case_name(c)
        # As scripts/lava-import's cross_check: a skipped case is skip.
        if c.get("skipped"):
            out.append(rec("T", name, "skip", why=c["skipped"]))
            continue
        out.append(rec("T", name, "pass", c["median_ns"], units))
        t, n = c.get("traps"), c.get("trap_pass_accesses")
        if isinstance(t, dict) and "bar" in t and n is not None:
            want = n if c.get("route") == "fd" else 0
            frac = f"{t['bar'] / n:.6g}" if n > 0 else "0"
            out.append(rec("F", f"{name}.traps",
                           "pass" if t["bar"] == want and n > 0 else "fail",
                           frac, "fraction",
                           f"{t['bar']}/{n} accesses trapped, through "
                           f"route {c.get('route')}: expected {want}"))
        if "restored" in c:
            out.append(rec("F", f"{name}.restored",
                           "pass" if c["restored"] is True else "fail",
                           why="the register did not hold its value after "
                           "the writes"))
        if (c["place"], c["path"], c["op"]) == ("msix-table", "fd", "read") \
                and "value" in c:
            table_reads += 1
            table_masked &= all_ones(c["value"], c["width"])
    if table_reads:
        out.append(rec("F", "msix-table.fd-masked",
                       "pass" if table_masked else "fail",
                       why="an fd read of the MSI-X table returned the "
                       "entry, not 0xff bytes"))
    else:
        out.append(rec("F", "msix-table.fd-masked", "skip",
                       why="no fd read of the MSI-X table in this run"))
    out.append(("E",))
    return out


# ---- what report-cases.awk makes of it ----------------------------------

def awks():
    """[(label, argv)] of the distinct awks on this machine."""
    out, seen = [], set()
    for name in ("awk", "mawk", "gawk", "original-awk"):
        path = shutil.which(name)
        if path and os.path.realpath(path) not in seen:
            seen.add(os.path.realpath(path))
            label = name if name != "awk" else \
                f"awk ({os.path.basename(os.path.realpath(path))})"
            out.append((label, [path]))
    bb = shutil.which("busybox")
    if bb and subprocess.run([bb, "awk", "BEGIN {}"],
                             capture_output=True).returncode == 0:
        out.append(("busybox awk", [bb, "awk"]))
    return out


def awk_records(argv, path, set_name, script=AWK):
    """(records, stderr, status) of report-cases.awk on path, run as
    lava/report-cases runs it."""
    p = subprocess.run(argv + ["-v", f"set={set_name}", "-f", script, path],
                       capture_output=True, text=True,
                       env=dict(os.environ, LC_ALL="C"))
    recs = []
    for ln in p.stdout.splitlines():
        f = ln.split("|")
        recs.append(tuple(f) if f[0] in ("T", "F") and len(f) == 6 else
                    tuple(f[:2]) if f[0] == "S" else tuple(f))
    return recs, p.stderr, p.returncode


def same_measurement(a, b):
    """The awk passes a median on as the JSON's text, Python as the float
    that text reads as: equal numbers, exactly; anything else as text."""
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


def differences(got, want):
    """Where the awk's records differ from the Python reader's, as lines."""
    out = []
    by_name = {r[1]: r for r in got if len(r) == 6}
    names = {r[1] for r in want if len(r) == 6}
    missing = []
    for w in want:
        if len(w) != 6:
            continue
        g = by_name.get(w[1])
        if g is None:
            missing.append(w[1])
        elif g[0] != w[0] or g[2] != w[2] or g[4] != w[4] or \
                g[5] != w[5] or not same_measurement(g[3], str(w[3])):
            out.append(f"{w[1]}: awk {'|'.join(g)}, Python "
                       f"{'|'.join(map(str, w))}")
    extra = [r[1] for r in got if len(r) == 6 and r[1] not in names]
    for what, lst in (("Python has, the awk not", missing),
                      ("the awk has, Python not", extra)):
        if lst:
            out.append(f"{len(lst)} cases {what}: {', '.join(lst[:3])}"
                       f"{', ...' if len(lst) > 3 else ''}")
    if not out and [r[1] if len(r) == 6 else r[0] for r in got] != \
            [r[1] if len(r) == 6 else r[0] for r in want]:
        out.append("the same cases in another order: "
                   f"awk {[r[:2] for r in got][:6]}..., Python "
                   f"{[r[:2] for r in want][:6]}...")
    if not out and got[:1] != want[:1]:
        out.append(f"set {got[:1]}, expected {want[:1]}")
    return out


# ---- the committed runs ------------------------------------------------

def set_name_of(path):
    """lava/report-cases's test set of a file: its name without .json."""
    base = os.path.basename(path)
    base = base[:-len(".json")] if base.endswith(".json") else base
    return re.sub(r"[^-_.A-Za-z0-9]", "_", base)


def barbench_layout(x, indent=""):
    """x as JSON laid out as barbench lays out a run (lib/json.c): a member
    a line, a list of numbers (raw_ns) on one."""
    inner = indent + "  "
    if isinstance(x, dict) and x:
        return "{\n" + ",\n".join(f"{inner}{json.dumps(k)}: "
                                   f"{barbench_layout(v, inner)}"
                                   for k, v in x.items()) + f"\n{indent}}}"
    if isinstance(x, list) and x and not all(
            isinstance(v, (int, float)) and not isinstance(v, bool)
            for v in x):
        return "[\n" + ",\n".join(inner + barbench_layout(v, inner)
                                   for v in x) + f"\n{indent}]"
    return json.dumps(x)


def committed_runs(tmp):
    """[(label, file the awk reads, load.Run)], and the folders of plain
    run files (for report-cases --ktap), and a reason per source skipped."""
    runs, folders, skipped = [], {}, []
    for d, _, names in sorted(os.walk(os.path.join(REPO, "results"))):
        for n in sorted(names):
            path = os.path.join(d, n)
            if not n.endswith(".json"):
                continue
            with open(path, "rb") as f:
                head = f.read(4096).decode("utf-8", "replace")
            schema = re.search(r'"schema": *"([^"]*)"', head)
            schema = schema and schema.group(1)
            rel = os.path.relpath(path, REPO)
            if schema == "vfio-barbench/run/1":
                runs.append((rel, path, load.load(path)[0]))
                folders.setdefault(d, []).append(path)
            elif schema == "vfio-barbench/bundle/1":
                # The awk reads a run file: each run of the bundle as one,
                # as the bundle holds it.
                with open(path) as f:
                    raw = json.load(f)["runs"]
                for i, (doc, run) in enumerate(zip(raw, load.load(path))):
                    one = os.path.join(tmp, f"{n[:-5]}.runs-{i}.json")
                    with open(one, "w") as f:
                        f.write(barbench_layout(doc) + "\n")
                    runs.append((f"{rel}#runs[{i}]", one, run))
    # Folders of run files only: report-cases takes a folder's *.json but
    # *.info.json, as the loader does.
    folders = {d: fs for d, fs in folders.items()
               if sorted(load.run_files(d)) == sorted(fs)}
    if importlib.util.find_spec("yaml") is None:     # LAVA's results: YAML
        skipped.append(("kept LAVA runs", "python3-yaml missing"))
        return runs, folders, skipped
    for kept in KEPT:
        path = kept
        if kept.endswith("standin-console.txt.gz"):
            path = export_console(kept, tmp)
        for suite, fs in sorted(lava.files(lava.read_records(path)[0])
                                .items()):
            for p, data in sorted(fs.items()):
                doc = lava.run_doc(p, data)
                if doc is None:
                    continue
                label = f"{os.path.relpath(kept, REPO)}:{suite}/{p}"
                one = os.path.join(tmp, "kept", os.path.basename(kept),
                                   suite, p)
                os.makedirs(os.path.dirname(one), exist_ok=True)
                with open(one, "wb") as f:
                    f.write(data)
                runs.append((label, one, load.Run(label, doc)))
    return runs, folders, skipped


EDGE_SOURCE = os.path.join("results", "reference", "x86_64-stock",
                           "0000_00_02_0.json")


def edge_runs(tmp):
    """[(label, file, load.Run)]: runs made from a committed one, each
    reaching what no committed run does (their trap counts are exact, all
    or none; they are complete and lose nothing)."""
    with open(os.path.join(REPO, EDGE_SOURCE)) as f:
        base = f.read()

    def case(doc, **want):
        return next(c for c in doc["cases"] if "traps" in c and
                    all(c.get(k) == v for k, v in want.items()))

    def some_traps(doc):
        c = case(doc, route="fd")
        c["traps"]["bar"] = c["trap_pass_accesses"] - 1
        case(doc, route="mmap")["traps"]["bar"] = 3

    def interrupted(doc):
        doc["complete"] = False
        doc["traps"]["lost"] = 2

    def not_restored(doc):
        next(c for c in doc["cases"] if "restored" in c)["restored"] = False

    def table_not_masked(doc):
        case(doc, place="msix-table", path="fd", op="read",
             width=4)["value"] = 0x12345678

    def icount(doc):
        doc["provenance"]["clock"] = {"kind": "icount", "shift": 0,
                                      "qemu": "7.2.22",
                                      "unit": "guest instructions"}
        case(doc, route="fd")["median_ns"] = 1234570.0

    out = []
    for edit in (some_traps, interrupted, not_restored, table_not_masked,
                 icount):
        doc = json.loads(base)
        edit(doc)
        # barbench writes %.6g: 1.23457e+06, which Python would not.
        text = barbench_layout(doc).replace(": 1234570.0,", ": 1.23457e+06,")
        path = os.path.join(tmp, "edge", f"{edit.__name__}.json")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text + "\n")
        out.append((f"{EDGE_SOURCE}, {edit.__name__.replace('_', ' ')}",
                    path, load.load(path)[0]))
    return out


def export_console(console, tmp):
    """The stand-in run's console as LAVA's server exports its results
    (lava/tests/lavasim.py), in a file lava.read_records reads."""
    import yaml
    spec = importlib.util.spec_from_file_location(
        "lavasim", os.path.join(REPO, "lava", "tests", "lavasim.py"))
    lavasim = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lavasim)
    with gzip.open(console, "rt") as f:
        lines = f.read().splitlines()
    out = os.path.join(tmp, "standin.yaml")
    with open(out, "w") as f:
        yaml.safe_dump(lavasim.export(lavasim.dispatch(lines), 7), f)
    return out


# ---- the checks ---------------------------------------------------------

class Checks:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def check(self, name, problems):
        if problems:
            self.failed += 1
            print(f"FAIL: {name}")
            for p in problems[:8]:
                print(f"    {p}")
            if len(problems) > 8:
                print(f"    ... and {len(problems) - 8} more")
        else:
            self.passed += 1
            if VERBOSE:
                print(f"ok: {name}")

    def skip(self, name, why):
        self.skipped += 1
        print(f"SKIP: {name}: {why}")


def ktap_facts(out):
    """{name: result} of report-cases --ktap's output."""
    facts = {}
    for ln in out.splitlines():
        m = re.match(r"(ok|not ok) \d+ (\S+)( # SKIP .*)?$", ln)
        if m:
            facts[m.group(2)] = "skip" if m.group(3) else \
                "pass" if m.group(1) == "ok" else "fail"
    return facts


def main():
    ck = Checks()
    with tempfile.TemporaryDirectory() as tmp:
        runs, folders, skipped = committed_runs(tmp)
        for what, why in skipped:
            ck.skip(what, why)
        if not runs:
            ck.check("committed run files found", ["none under results/"])
        committed = len(runs)
        runs += edge_runs(tmp)
        implementations = awks()
        if not implementations:
            ck.check("an awk on PATH", ["no awk, mawk, gawk or busybox"])
        cases = 0
        # The awks run side by side, one a CPU; the checks in order.
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
            jobs = [(label, run, set_name_of(path), awk_label,
                     pool.submit(awk_records, argv, path, set_name_of(path)))
                    for label, path, run in runs
                    for awk_label, argv in implementations]
            for label, run, set_name, awk_label, job in jobs:
                want = expected(run, set_name)
                if awk_label == implementations[0][0]:
                    cases += sum(1 for r in want if len(r) == 6)
                got, err, rc = job.result()
                problems = [f"exit status {rc}: {err.strip()}"] if rc else []
                ck.check(f"{label} under {awk_label}",
                         problems + differences(got, want))
        # report-cases itself on each folder: its file selection and test
        # set names, and the facts it prints as KTAP.
        for d, fs in sorted(folders.items()):
            p = subprocess.run([REPORT_CASES, "--ktap", d],
                               capture_output=True, text=True)
            got = ktap_facts(p.stdout)
            want = {}
            for f in fs:
                s = set_name_of(f)
                for r in expected(load.load(f)[0], s):
                    if r[0] == "F":
                        want[f"{s}.{r[1]}".replace("#", "_")] = r[2]
            problems = [f"exit status {p.returncode}: {p.stderr.strip()}"] \
                if p.returncode else []
            problems += [f"{n}: report-cases {got.get(n, 'missing')}, "
                         f"Python {want.get(n, 'missing')}"
                         for n in sorted(set(got) | set(want))
                         if got.get(n) != want.get(n)]
            ck.check(f"lava/report-cases --ktap {os.path.relpath(d, REPO)}",
                     problems)
        # The comparison is not blind: a copy of the awk that reports the
        # 5th percentile as the median must differ on the first run that
        # has a timed case.
        planted = os.path.join(tmp, "planted.awk")
        with open(AWK) as f, open(planted, "w") as g:
            g.write(f.read().replace('str(c "median_ns")', 'str(c "p5_ns")'))
        timed = next(((path, run) for _, path, run in runs
                      if any(not c.get("skipped") for c in run.doc["cases"])),
                     None)
        if timed and implementations:
            s = set_name_of(timed[0])
            got, _, _ = awk_records(implementations[0][1], timed[0], s,
                                    planted)
            ck.check("a planted difference (p5_ns reported as the median) "
                     "is caught",
                     [] if differences(got, expected(timed[1], s)) else
                     ["the planted awk's cases compared equal"])
    print(f"awk-reader: {committed} committed runs and {len(runs) - committed}"
          f" made from one, {cases} LAVA cases in all, each under "
          f"{', '.join(a for a, _ in implementations)}")
    line = f"awk-reader: {ck.passed} passed, {ck.failed} failed"
    print(line + (f", {ck.skipped} skipped" if ck.skipped else ""))
    return 1 if ck.failed else 0


if __name__ == "__main__":
    sys.exit(main())

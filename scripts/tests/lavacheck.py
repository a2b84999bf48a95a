#!/usr/bin/env python3
"""Checks of a LAVA run of lava/'s test definitions, for test_lava.py (on a
kept run) and harness/tests/test-lava-guest.sh (on a live one).  Each command
prints "FAIL: ..." for what does not hold and exits 1, else 0.

usage: lavacheck.py cases RESULTS SUITE RUNS_DIR
       lavacheck.py kernel RESULTS SUITE SET stock|msix-sparse
       lavacheck.py roundtrip IMPORTED_DIR RUNS_DIR JOB BOARD
       lavacheck.py ktap FILE RESULTS SUITE
       lavacheck.py selfcheck FILE NAME
       lavacheck.py dispatcher JOB_LOG

cases       every run file under RUNS_DIR (what the board wrote) against
            its test set in RESULTS: one timed case per barbench case with
            its median (or skip), and exactly the facts its JSON implies
kernel      the facts of one set are those of a stock kernel (whole-BAR
            mmap, MSIX_MAPPABLE) or of msix-sparse (neither, mmaps refused);
            the MSI-X table masked through the fd under both
roundtrip   scripts/lava-import's output is RUNS_DIR: the same files, byte
            for byte but for provenance.lava in each run file
ktap        FILE is KTAP whose plan and results agree, one result a fact
            of RESULTS' SUITE, with the same results
selfcheck   FILE is a self-check's output under KTAP=1 (tests/check.h,
            tests/lib.sh): KTAP that parses, then the line "NAME: N passed,
            M failed[, K skipped]" with the same counts
dispatcher  lava/tests/lavasim.py reads the console of a lava-run job log
            as lava-dispatcher did: the same results
"""
import hashlib
import json
import os
import re
import sys

from barbench import lava
from barbench.lava import case_name

KTAP_RESULT = re.compile(r"^(ok|not ok) (\d+) (.+?)(?: # (SKIP)(?: (.*))?)?$")


def run_files(root):
    """{relative path: document} of the run files under root."""
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            with open(p, "rb") as f:
                doc = lava.run_doc(n, f.read())
            if doc is not None:
                out[os.path.relpath(p, root)] = doc
    return out


def sets_of(records, suite):
    by = {}
    for r in records:
        if r.suite == suite:
            by.setdefault(r.set, {})[r.name] = r
    return by


def expected_facts(doc):
    """The names of the facts lava/report-cases gives a run, from its JSON."""
    names = ["results-file", "complete"]
    if "lost" in doc.get("traps", {}):
        names.append("traps.lost-none")
    for b in doc["device"].get("bars", []):
        names.append(f"bar{b['index']}.msix-mappable")
        if "whole_bar_mmap" in b:
            names.append(f"bar{b['index']}.whole-bar-mmap")
    for c in doc["cases"]:
        if c.get("skipped"):
            continue
        if "traps" in c:
            names.append(case_name(c) + ".traps")
        if "restored" in c:
            names.append(case_name(c) + ".restored")
    names.append("msix-table.fd-masked")
    return names


def check_cases(results, suite, runs_dir):
    fails = []
    by = sets_of(lava.read_records(results)[0], suite)
    runs = run_files(runs_dir)
    if not runs:
        fails.append(f"no run files under {runs_dir}")
    for rel, doc in sorted(runs.items()):
        tset = rel[:-len(".json")].replace(os.sep, ".")
        got = by.get(tset, {})
        unit = "insns" if doc["provenance"].get("clock", {}).get("kind") \
            == "icount" else "ns"
        timed = {n: r for n, r in got.items() if r.units == unit}
        if len(timed) + sum(1 for c in doc["cases"] if c.get("skipped")) \
                != len(doc["cases"]):
            fails.append(f"{tset}: {len(timed)} timed cases, the JSON has "
                         f"{len(doc['cases'])}")
        for c in doc["cases"]:
            r = got.get(case_name(c))
            if r is None:
                fails.append(f"{tset}: no case {case_name(c)}")
            elif c.get("skipped"):
                if r.result != "skip":
                    fails.append(f"{tset}: {r.name} is {r.result}, not skip")
            elif not lava.same_number(r.measurement, c["median_ns"]) or \
                    r.result != "pass":
                fails.append(f"{tset}: {r.name}: {r.result} {r.measurement}"
                             f", median {c['median_ns']}")
        want = sorted(expected_facts(doc))
        facts = sorted(set(got) - {case_name(c) for c in doc["cases"]})
        if facts != want:
            fails.append(f"{tset}: facts {len(facts)}, expected {len(want)}: "
                         f"{sorted(set(facts) ^ set(want))[:4]}")
        for c in doc["cases"]:
            r = got.get(case_name(c) + ".traps")
            if r is None:
                continue
            frac = c["traps"]["bar"] / c["trap_pass_accesses"]
            if r.result != "pass" or not lava.same_number(r.measurement,
                                                             frac):
                fails.append(f"{tset}: {r.name}: {r.result} "
                             f"{r.measurement}, JSON {frac}")
    return fails


KERNELS = {
    "stock": {"bar0.msix-mappable": "pass", "bar0.whole-bar-mmap": "pass",
              "msix-table.fd-masked": "pass"},
    "msix-sparse": {"bar0.msix-mappable": "fail",
                    "bar0.whole-bar-mmap": "fail",
                    "msix-table.fd-masked": "pass"},
}


def check_kernel(results, suite, tset, kernel):
    got = sets_of(lava.read_records(results)[0], suite).get(tset, {})
    fails = [f"{tset}: {n} is {got[n].result if n in got else 'missing'}, "
             f"expected {want} under {kernel}"
             for n, want in KERNELS[kernel].items()
             if n not in got or got[n].result != want]
    # The mmap path's skips: a VMM profile's emulated cases are skipped
    # under every kernel.
    skips = sum(1 for n, r in got.items() if r.result == "skip" and
                n.endswith(".mmap"))
    if (kernel == "stock") != (skips == 0):
        fails.append(f"{tset}: {skips} cases skipped (mmap refused) under "
                     f"{kernel}")
    bad = [n for n, r in got.items() if r.result == "fail" and
           n not in KERNELS[kernel]]
    if bad:
        fails.append(f"{tset}: failed facts {bad[:4]}")
    return fails


def check_roundtrip(imported, runs_dir, job, board):
    fails = []
    for d, _, names in os.walk(runs_dir):
        for n in names:
            src = os.path.join(d, n)
            rel = os.path.relpath(src, runs_dir)
            dst = os.path.join(imported, rel)
            with open(src, "rb") as f:
                a = f.read()
            if not os.path.exists(dst):
                fails.append(f"{rel}: not imported")
                continue
            with open(dst, "rb") as f:
                b = f.read()
            if lava.run_doc(n, a) is None:
                if a != b:
                    fails.append(f"{rel}: differs")
                continue
            doc = json.loads(b)
            member = doc["provenance"].pop("lava", None)
            if doc != json.loads(a):
                fails.append(f"{rel}: differs beyond provenance.lava")
            want = {"job": job, "board": board,
                    "sha256": hashlib.sha256(a).hexdigest()}
            if not member or any(member.get(k) != v
                                 for k, v in want.items()):
                fails.append(f"{rel}: provenance.lava {member}, want {want}")
    return fails


def parse_ktap(text):
    """(plan, [(ok, number, name, skip)]); raises ValueError."""
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    try:
        start = lines.index("KTAP version 1")
    except ValueError:
        raise ValueError("no 'KTAP version 1' line")
    m = re.fullmatch(r"1\.\.(\d+)(?: # SKIP .*)?", lines[start + 1]
                     if len(lines) > start + 1 else "")
    if not m:
        raise ValueError("no plan 1..N after the version line")
    plan, results = int(m.group(1)), []
    for ln in lines[start + 2:]:
        r = KTAP_RESULT.match(ln)
        if not r:
            break                      # the summary line, or what follows
        results.append((r.group(1) == "ok", int(r.group(2)), r.group(3),
                        r.group(4) == "SKIP"))
    if [n for _, n, _, _ in results] != list(range(1, len(results) + 1)):
        raise ValueError("results not numbered 1..N in order")
    if len(results) != plan:
        raise ValueError(f"plan 1..{plan}, {len(results)} results")
    return plan, results


def check_ktap(path, results, suite):
    with open(path) as f:
        try:
            plan, lines = parse_ktap(f.read())
        except ValueError as e:
            return [f"{path}: {e}"]
    by = sets_of(lava.read_records(results)[0], suite)
    facts = {f"{s}.{n}": r.result for s, cases in by.items()
             if s not in (None, lava.ATTACH_SET)
             for n, r in cases.items() if r.units not in ("ns", "insns")}
    facts = {k: v for k, v in facts.items()
             if not (v == "skip" and k.rsplit(".", 1)[-1].split("-")[0] in
                     ("mmap", "fd", "vmm"))}
    got = {name: "skip" if skip else "pass" if ok else "fail"
           for ok, _, name, skip in lines}
    return [] if got == facts else [
        f"{path}: {plan} KTAP results, {len(facts)} facts in the results; "
        f"differ at {sorted(set(got.items()) ^ set(facts.items()))[:3]}"]


def check_selfcheck(path, name):
    with open(path, errors="replace") as f:
        text = f.read()
    try:
        plan, results = parse_ktap(text)
    except ValueError as e:
        return [f"{path}: {e}"]
    m = re.search(rf"^{re.escape(name)}: (\d+) passed, (\d+) failed"
                  r"(?:, (\d+) skipped)?$", text, re.M)
    if not m:
        return [f"{path}: no summary line '{name}: N passed, M failed'"]
    want = (sum(1 for ok, _, _, skip in results if ok and not skip),
            sum(1 for ok, _, _, _ in results if not ok),
            sum(1 for _, _, _, skip in results if skip))
    got = tuple(int(x or 0) for x in m.groups())
    if plan == 0 or got != want:
        return [f"{path}: KTAP says {want} (plan {plan}), the summary {got}"]
    return []


def check_dispatcher(log):
    import yaml

    import runner
    lavasim = runner.lavasim()
    target, real = [], []
    with open(log) as f:
        for ln in f:
            if not ln.startswith(("{", "- {")):
                continue
            e = yaml.safe_load(ln[2:] if ln.startswith("- ") else ln)
            if e.get("lvl") == "target" and isinstance(e.get("msg"), str):
                target.append(e["msg"])
            elif e.get("lvl") == "results" and \
                    e["msg"].get("definition") != "lava":
                real.append(e["msg"])
    keys = ("definition", "case", "result", "measurement", "units", "set",
            "reference")
    sim = [tuple(r.get(k) for k in keys) for r in lavasim.dispatch(target)
           if r["definition"] != "lava"]
    real = [tuple(r.get(k) for k in keys) for r in real]
    if not real:
        return [f"{log}: no results of a test definition"]
    if sim == real:
        return []
    diff = next(((a, b) for a, b in zip(sim, real) if a != b), None)
    return [f"{log}: lavasim read {len(sim)} results, lava-dispatcher "
            f"{len(real)}; first difference {diff}"]


def main(argv):
    cmds = {"cases": (check_cases, 3), "kernel": (check_kernel, 4),
            "roundtrip": (check_roundtrip, 4), "ktap": (check_ktap, 3),
            "selfcheck": (check_selfcheck, 2),
            "dispatcher": (check_dispatcher, 1)}
    if len(argv) < 2 or argv[1] not in cmds or \
            len(argv) - 2 != cmds[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    fails = cmds[argv[1]][0](*argv[2:])
    for f in fails:
        print(f"FAIL: {f}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

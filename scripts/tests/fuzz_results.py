#!/usr/bin/env python3
"""A mutational fuzzer for the results files that report, compare and gate
read: real barbench JSON from results/reference, cut, bit-flipped, with
members deleted, retyped or set to NaN, null, huge or negative values.
Every mutant must either load or be refused with an InputError (which the
scripts turn into exit status 2): never another exception.  Deterministic
(seeded); prints "fuzz-results: N passed, M failed" (one per mutant).

usage: fuzz_results.py [ITERATIONS] [SEED]
"""
import copy
import glob
import json
import os
import random
import subprocess
import sys
import tempfile
import traceback

import runner
from barbench import load, status
from barbench.runs import pool, problems
from runner import REPO

ODD_VALUES = [None, float("nan"), float("inf"), -1, 0, 1e308, "", "x", [], {},
              True, 2 ** 70]


def paths(doc, prefix=()):
    """Every (container, key) pair in a JSON document."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc)
    for k, v in items:
        yield doc, k
        if isinstance(v, (dict, list)):
            yield from paths(v, prefix + (k,))


def mutate_doc(doc, rng):
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        spots = list(paths(doc))
        container, key = rng.choice(spots)
        action = rng.random()
        if action < 0.3 and isinstance(container, dict):
            del container[key]
        elif action < 0.8:
            container[key] = rng.choice(ODD_VALUES)
        elif isinstance(container[key], list) and container[key]:
            container[key] = container[key][: rng.randint(0, len(container[key]) - 1)]
    return json.dumps(doc, allow_nan=True)


def mutate_text(text, rng):
    data = bytearray(text.encode())
    if rng.random() < 0.5:
        return bytes(data[: rng.randint(0, len(data))])
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(data))
        data[i] = rng.randrange(256)
    return bytes(data)


def hostile(text, rng):
    """Input that Python's json cannot hold or that is not text at all: an
    integer of thousands of digits, nesting beyond the recursion limit,
    bytes that are not UTF-8."""
    kind = rng.randrange(3)
    if kind == 0:
        i = text.index('"median_ns": ') + len('"median_ns": ')
        return (text[:i] + "9" * 5000 + text[text.index(",", i):]).encode()
    if kind == 1:
        return (b'{"schema": "vfio-barbench/run/1", "cases": ' +
                b"[" * 100000 + b"]" * 100000 + b"}")
    return b"\xff\xfe" + text.encode("utf-16-le")[:2000]


def run_commands(baseline, mutant):
    ok, no, bad = status.SUCCESS, status.FAILED, status.INVALID_INPUT
    for cmd, allowed in (("gate", (ok, no, bad)), ("report", (ok, bad)),
                         ("bundle", (ok, bad))):
        args = {"gate": [baseline, mutant], "report": [mutant],
                "bundle": ["-o", mutant + ".bundle", mutant]}[cmd]
        p = subprocess.run([sys.executable, os.path.join(REPO, "scripts", cmd)]
                           + args, capture_output=True, text=True)
        if p.returncode not in allowed or "Traceback" in p.stderr:
            print(f"FAIL: scripts/{cmd} exited {p.returncode}:\n{p.stderr}")
            return False
    return True


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    seeds = sorted(f for f in glob.glob(
        os.path.join(REPO, "results/reference/x86_64-stock/*.json"))
        if not f.endswith(".info.json"))
    docs = [json.load(open(f)) for f in seeds]
    for d in docs:  # keep mutants small and quick to load
        for c in d["cases"]:
            c["raw_ns"] = c.get("raw_ns", [])[:20]
    passed = failed = loaded = refused = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mutant.json")
        for i in range(iterations):
            doc = rng.choice(docs)
            r = rng.random()
            if r < 0.65:
                data = mutate_doc(doc, rng).encode()
            elif r < 0.95:
                data = mutate_text(json.dumps(doc), rng)
            else:
                data = hostile(json.dumps(doc), rng)
            with open(path, "wb") as f:
                f.write(data)
            try:
                runs = load.load(path)
                for run in runs:
                    problems(run)
                    load.check_table(run)
                pool(runs)
                loaded += 1
                # What loads goes on through the real commands (a sample:
                # a process each is slow): a documented status, no traceback.
                if loaded % 4 == 1 and not run_commands(seeds[0], path):
                    raise RuntimeError("a command crashed on this mutant")
                passed += 1
            except load.InputError:
                refused += 1
                passed += 1
            except Exception:
                failed += 1
                keep = os.path.join(tmp, f"crash-{i}.json")
                print(f"FAIL: mutant {i} raised:\n{traceback.format_exc()}")
                with open(keep, "wb") as f:
                    f.write(data)
    print(f"# {iterations} mutants: {loaded} loaded, {refused} refused "
          f"with a message")
    return runner.summary("fuzz-results", passed, failed)


if __name__ == "__main__":
    sys.exit(main())

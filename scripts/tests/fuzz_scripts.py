#!/usr/bin/env python3
"""The rest of the scripts' loaders fuzzed, beside fuzz_results.py (which
covers report, gate and bundle): scripts/compare-report on a comparison folder,
scripts/matrix on compare.json files and scripts/overhead on an overhead
folder, each with one of its input files damaged (fuzz_results' mutators:
members deleted or retyped, bytes flipped, cut, huge integers, deep
nesting, not UTF-8).  Every run must end in a documented status, 0, 2
(invalid input) or 40 (no chart), never 1, 49 (an internal error: a bug the
guard caught) or a traceback.  Deterministic (seeded).

usage: fuzz_scripts.py [MUTANTS_PER_SCRIPT] [SEED]
prints "fuzz-scripts: N passed, M failed" (one per mutant)
"""
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

import fakeruns
import runner
from barbench import status
from fuzz_results import hostile, mutate_doc, mutate_text
from runner import REPO

ALLOWED = (status.SUCCESS, status.INVALID_INPUT, status.NO_CHART)


def damage(path, rng):
    """Replace the JSON file at path with a mutant of itself."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    doc = json.loads(text)
    r = rng.random()
    if r < 0.6:
        data = mutate_doc(doc, rng).encode()
    elif r < 0.93:
        data = mutate_text(text, rng)
    else:
        # hostile's huge integer goes after a "median_ns"; give it one.
        data = hostile(text if '"median_ns": ' in text else
                       '{"median_ns": 1, "x": 0}', rng)
    with open(path, "wb") as f:
        f.write(data)


def run(script, args):
    path = os.path.join(REPO, "scripts", script)
    # A missing script would exit 2 from python3 itself: an allowed status.
    if not os.path.isfile(path):
        return 127, f"no such script: {path}"
    p = subprocess.run([sys.executable, path]
                       + args, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stderr


def compare_case(tmp, rng):
    root = os.path.join(tmp, "cmp")
    fakeruns.rundir(root, rounds=2, extras=rng.random() < 0.3,
                    cases=lambda c: c["width"] == 4)
    victims = sorted(f for f in glob.glob(os.path.join(root, "*", "round-*", "*.json"))
                     if not f.endswith(".info.json"))
    damage(rng.choice(victims), rng)
    return "compare-report", ["--no-charts", "-o", os.path.join(tmp, "out"), root]


def matrix_case(tmp, rng):
    dirs = []
    for arch in ("x86_64", "aarch64"):
        d = os.path.join(tmp, f"compare-{arch}")
        os.makedirs(d)
        shutil.copy(os.path.join(REPO, "results", "reference",
                                 f"compare-{arch}", "compare.json"), d)
        dirs.append(d)
    damage(os.path.join(rng.choice(dirs), "compare.json"), rng)
    return "matrix", ["--no-charts", "-o", os.path.join(tmp, "out")] + dirs


def overhead_case(tmp, rng):
    d = os.path.join(tmp, "ov")
    os.makedirs(d)
    doc = fakeruns.reference()
    doc["cases"] = [c for c in doc["cases"] if c["path"] == "fd" and
                    not c.get("skipped")][:2]
    for setup in ("none", "trapcount"):
        for r in (1, 2):
            doc["provenance"]["variant"] = setup
            with open(os.path.join(d, f"{setup}-{r}.json"), "w") as f:
                json.dump(doc, f)
    damage(rng.choice(sorted(glob.glob(os.path.join(d, "*.json")))), rng)
    return "overhead", ["--out", os.path.join(tmp, "overhead.txt"), d]


def main():
    per_script = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    passed = failed = 0
    seen = {}
    for make in (compare_case, matrix_case, overhead_case):
        for i in range(per_script):
            with tempfile.TemporaryDirectory() as tmp:
                script, args = make(tmp, rng)
                rc, err = run(script, args)
                seen.setdefault(script, {}).setdefault(rc, 0)
                seen[script][rc] += 1
                if rc in ALLOWED and "Traceback" not in err:
                    passed += 1
                    continue
                failed += 1
                print(f"FAIL: scripts/{script} mutant {i} exited {rc}:\n{err}")
    for script, counts in seen.items():
        print(f"# {script}: " + ", ".join(
            f"{n} exit {rc}" for rc, n in sorted(counts.items())))
    return runner.summary("fuzz-scripts", passed, failed)


if __name__ == "__main__":
    sys.exit(main())

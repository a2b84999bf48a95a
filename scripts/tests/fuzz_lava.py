#!/usr/bin/env python3
"""A mutational fuzzer for what scripts/lava-import and lava/report-cases
read: the kept LAVA runs of scripts/tests/lava/ as a job log, a YAML and a
CSV export (bytes flipped, runs cut out), and a run file they carry
(characters of JSON's syntax dropped in).  The importer's reading must
import or refuse each mutant with an InputError (exit 2), never another
exception; report-cases.awk must exit 0 or 2 with a message, and never
hang.  Deterministic (seeded); prints "fuzz-lava: N passed, M failed" (one
per mutant).

usage: fuzz_lava.py [ITERATIONS] [SEED]
"""
import gzip
import os
import random
import subprocess
import sys
import tempfile
import traceback

import runner
import yaml
from barbench import lava
from runner import HERE, REPO

lavasim = runner.lavasim()

AWK = os.path.join(REPO, "lava", "report-cases.awk")


def inputs():
    """{form: bytes} of the kept runs, and one run file they carry."""
    with gzip.open(os.path.join(HERE, "lava", "standin-console.txt.gz"),
                   "rt") as f:
        exported = lavasim.export(lavasim.dispatch(f.read().splitlines()), 7)
    with gzip.open(os.path.join(HERE, "lava", "qemu-job.log.gz")) as f:
        log = f.read()
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    forms = {"log": log, "csv": lavasim.csv_text(exported).encode(),
             "yaml": yaml.dump(exported, Dumper=dumper,
                               default_flow_style=None).encode()}
    records = lava.parse_records(forms["csv"], "kept.csv")[0]
    run = lava.files(records)["0_barbench-suite"]["0000_00_02_0.json"]
    return forms, run


def mutate(data, rng):
    data = bytearray(data)
    for _ in range(rng.choice((1, 3, 20))):
        pos = rng.randrange(len(data))
        if rng.random() < 0.5:
            data[pos] = rng.randrange(256)
        else:
            del data[pos:pos + rng.randrange(1, 400)]
    return bytes(data)


def read(path):
    records = lava.read_records(path)[0]
    for suite, fs in lava.files(records).items():
        lava.cross_check(suite, records, fs)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 15)
    forms, run = inputs()
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            form = ("csv", "yaml", "log")[i % 3]
            path = os.path.join(tmp, f"mutant.{form}")
            with open(path, "wb") as f:
                f.write(mutate(forms[form], rng))
            try:
                read(path)
                passed += 1
            except lava.InputError:
                passed += 1
            except Exception:              # noqa: BLE001 -- what we hunt
                failed += 1
                print(f"FAIL: {form} mutant {i}: a bug, not a refusal")
                traceback.print_exc(limit=-3)
        for i in range(max(n // 4, 1)):
            text = list(run.decode())
            for _ in range(rng.choice((1, 5))):
                text[rng.randrange(len(text))] = rng.choice('{}[],:"x1 \\\n')
            path = os.path.join(tmp, "mutant.json")
            with open(path, "w") as f:
                f.write("".join(text))
            try:
                p = subprocess.run(["awk", "-v", "set=s", "-f", AWK, path],
                                   capture_output=True, text=True, timeout=20,
                                   env=dict(os.environ, LC_ALL="C"))
                ok = p.returncode == 0 or (p.returncode == 2 and
                                           "report-cases: " in p.stderr)
            except subprocess.TimeoutExpired:
                ok = False
            if ok:
                passed += 1
            else:
                failed += 1
                print(f"FAIL: report-cases.awk on JSON mutant {i}")
    return runner.summary("fuzz-lava", passed, failed)


if __name__ == "__main__":
    sys.exit(main())

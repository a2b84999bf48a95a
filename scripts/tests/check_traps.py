#!/usr/bin/env python3
"""Check barbench --traps results from a real guest run: in each case's
counting pass, every access that went through the fd trapped exactly once,
and no access through an mmap trapped; nothing was lost.

usage: check_traps.py RESULTS_DIR   (prints "traps: N passed, M failed")
"""
import glob
import json
import os
import sys

import runner


def main():
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL: {what}")

    files = sorted(f for f in glob.glob(os.path.join(sys.argv[1], "*.json"))
                   if not f.endswith(".info.json"))
    check(len(files) == 2, f"two results files, found {len(files)}")
    for f in files:
        doc = json.load(open(f))
        name = os.path.basename(f)
        check(doc.get("traps", {}).get("lost") == 0, f"{name}: lost == 0")
        # x86's "cpu family" line once passed for the model: a bare number.
        model = doc["provenance"].get("cpu_model", "")
        check(model and not model.isdigit(),
              f"{name}: cpu_model {model!r} names a model")
        for c in doc["cases"]:
            if c.get("skipped"):
                continue
            what = (f"{name} {c['path']} {c['place']} {c['op']} "
                    f"w{c['width']} via {c['route']}")
            t = c["traps"]
            n = c["trap_pass_accesses"]
            check(n >= 10, f"{what}: counting pass made {n} accesses")
            if c["route"] == "fd":
                check(t["bar"] == n,
                      f"{what}: traps {t['bar']} == accesses {n}")
                check(t["bar_by_place"][c["place"]] == n,
                      f"{what}: all traps in place {c['place']}")
            else:
                check(t["bar"] == 0, f"{what}: no trap through mmap "
                      f"({t['bar']})")
            check(t["config"] == 0 and t["other"] == 0,
                  f"{what}: no config or other-region access")
    return runner.summary("traps", passed, failed)


if __name__ == "__main__":
    sys.exit(main())

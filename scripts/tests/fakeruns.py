"""Test documents made from the real reference runs
(results/reference/x86_64-stock), for test_compare_report.py and test_gate.py.

Why from the reference: the tests then exercise the exact structure barbench
writes (every member, 117 cases, 200 raw samples a case), and only the part
a test is about is changed in memory.  The "msix-sparse" copy mimics what
the pre-4.16 kernel behaviour does to a run (harness/patches): an mmap over
the MSI-X table's page is refused, so the mmap path's cases there are
skipped and the vmm path goes through the fd, every access trapping, at
about the fd path's cost.
"""
import copy
import json
import os
import random

from runner import REPO

REFERENCE = os.path.join(REPO, "results", "reference", "x86_64-stock")
DEVICES = ["0000_00_02_0", "0000_00_03_0"]


def reference(dev=DEVICES[0]):
    with open(os.path.join(REFERENCE, dev + ".json")) as f:
        return json.load(f)


def keep_cases(doc, pred):
    doc["cases"] = [c for c in doc["cases"] if pred(c)]
    return doc


def table_pages(doc):
    """[start, end) of the pages that overlap the MSI-X table."""
    page = doc["provenance"]["page_size"]
    m = doc["device"]["msix"]
    start = m["table_offset"] // page * page
    end = -(-(m["table_offset"] + m["table_size"]) // page) * page
    return start, end


def scale(raw, factor, rng, jitter=0.01):
    return [x * factor * (1 + rng.uniform(-jitter, jitter)) for x in raw]


def restat(c):
    """Recompute the summary members from raw_ns after a change."""
    s = sorted(c["raw_ns"])
    n = len(s)
    c["samples"] = n
    c["median_ns"] = (s[(n - 1) // 2] + s[n // 2]) / 2
    c["p5_ns"], c["p95_ns"] = s[int(0.05 * n)], s[int(0.95 * n) - 1]
    c["ci95_lo_ns"], c["ci95_hi_ns"] = s[int(0.45 * n)], s[int(0.55 * n)]
    c["min_ns"], c["max_ns"] = s[0], s[-1]
    c["mean_ns"] = sum(s) / n


def variant(doc, name, rnd=None, factor=1.0, seed=0):
    """A copy of doc as variant `name` (and round rnd), every timing
    multiplied by `factor` with 1% jitter."""
    d = copy.deepcopy(doc)
    d["provenance"]["variant"] = name
    if rnd is not None:
        d["provenance"]["round"] = rnd
    rng = random.Random(seed)
    for c in d["cases"]:
        if c.get("raw_ns"):
            c["raw_ns"] = scale(c["raw_ns"], factor, rng)
            restat(c)
    return d


def msix_sparse(doc, rnd=None, factor=1.0, seed=0):
    """What the msix-sparse kernel does to a run: see the module doc."""
    d = variant(doc, "msix-sparse", rnd, factor, seed)
    start, end = table_pages(d)
    for bar in d["device"]["bars"]:
        if bar["index"] == d["device"]["msix"]["table_bar"]:
            bar["msix_mappable"] = False
            bar["capabilities"] = [{"id": 1, "version": 1,
                                    "name": "SPARSE_MMAP"}]
            bar["whole_bar_mmap"] = "Invalid argument"
            bar["mmap_ranges"] = [
                r for r in ({"offset": 0, "size": start, "mapped": True},
                            {"offset": end, "size": bar["size"] - end,
                             "mapped": True}) if r["size"]]
    fd = {(c["offset"], c["op"], c["width"]): c for c in d["cases"]
          if c["path"] == "fd"}
    rng = random.Random(seed + 1)
    out = []
    for c in d["cases"]:
        if not start <= c["offset"] < end or c["path"] == "fd":
            out.append(c)
            continue
        if c["path"] == "mmap":
            out.append({k: c[k] for k in ("bar", "offset", "register",
                                          "place", "path", "op", "width")}
                       | {"route": None, "skipped": "the kernel lets no "
                          "mmap cover this offset"})
            continue
        f = fd[(c["offset"], c["op"], c["width"])]
        c["route"] = "fd"
        c["raw_ns"] = scale(f["raw_ns"], 1.01, rng)
        restat(c)
        c["trap_pass_accesses"] = f["trap_pass_accesses"]
        c["traps"] = copy.deepcopy(f["traps"])
        out.append(c)
    d["cases"] = out
    return d


def write(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f)


HYPERFINE = {"results": [{
    "command": "barbench read --offset 0x2410 --path fd 0000:00:02.0",
    "mean": 0.0123, "stddev": 0.0004, "median": 0.0121,
    "user": 0.001, "system": 0.01, "min": 0.0118, "max": 0.0135,
    "times": [0.0121, 0.0118, 0.0125, 0.0135, 0.0120]}]}

# perf stat -x, as device-side/alternate-variants.sh writes it (perf-round-N.txt);
# hardware counters read <not supported> under emulation.
PERF_CSV = """# started on Sat Nov 21 18:40:00 2026

{clock},msec,task-clock,{clock_ns},100.00,0.998,CPUs utilized
4567,,page-faults,{clock_ns},100.00,3.699,K/sec
123,,context-switches,{clock_ns},100.00,99.632,/sec
<not supported>,,cycles,0,100.00,,
<not supported>,,instructions,0,100.00,,
"""

# perf stat's default form.
PERF = """
 Performance counter stats for './barbench run -q 0000:00:02.0':

          1,234.56 msec task-clock                #    0.998 CPUs utilized
               123      context-switches                 #   99.632 /sec
     <not supported>      cycles
             4,567      page-faults                      #    3.699 K/sec

       1.237011893 seconds time elapsed
"""


def rundir(root, rounds=2, devices=DEVICES, extras=True, cases=None):
    """A comparison folder like harness/compare-variants writes: V/round-N/DEV.json
    (and DEV.info.json) for stock and msix-sparse, alternating (the second
    round of each drifts 5% slower), V/module, and unless extras is False
    V/hyperfine-round-N.json and V/perf-round-N.txt.  `cases` optionally
    filters the cases (a predicate), to keep tests fast."""
    for dev in devices:
        ref = reference(dev)
        if cases:
            keep_cases(ref, cases)
        for r in range(1, rounds + 1):
            drift = 1 + 0.05 * (r - 1)
            stock = variant(ref, "stock", r, drift, seed=10 * r)
            stock["provenance"]["vfio_pci_core_taint"] = ""
            sparse = msix_sparse(ref, r, drift, seed=10 * r + 5)
            sparse["provenance"]["vfio_pci_core_taint"] = "OE"
            write(os.path.join(root, "stock", f"round-{r}", dev + ".json"),
                  stock)
            write(os.path.join(root, "msix-sparse", f"round-{r}",
                               dev + ".json"), sparse)
            with open(os.path.join(root, "stock", f"round-{r}",
                                   dev + ".info.json"), "w") as f:
                f.write("{}")
    for v, module in (("stock", "stock"), ("msix-sparse", "9f2c" * 16)):
        with open(os.path.join(root, v, "module"), "w") as f:
            f.write(module + "\n")
        if not extras:
            continue
        for r in range(1, rounds + 1):
            with open(os.path.join(root, v, f"hyperfine-round-{r}.json"),
                      "w") as f:
                json.dump(HYPERFINE, f)
            clock = 1234.56 + 10 * r
            with open(os.path.join(root, v, f"perf-round-{r}.txt"),
                      "w") as f:
                f.write(PERF_CSV.format(clock=clock,
                                        clock_ns=int(clock * 1e6)))
    return root


if __name__ == "__main__":
    # Build a fake comparison folder to look at: fakeruns.py DIR
    import sys
    print(rundir(sys.argv[1]))

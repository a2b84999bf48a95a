"""vmm/1, make vmm's results (vmm.json), in one place: the document
scripts/qemu-client-report writes from harness/drive-qemu's folder (build:
what Debian's QEMU did with each register under each kernel variant,
measured by its trace events and by trapcount, against the route a VMM
profile predicted), and the document read back (load) beside barbench's own
cases: next to what barbench's vmm:qemu path (the qemu profile) did in a
comparison, for scripts/compare-report --qemu-runs and scripts/matrix
--qemu-runs.

Only QEMU's plain runs are joined (no x-msix-relocation: barbench's
vmm:qemu models QEMU without it).  Rows are matched by device id (not
address: the two may come from different boots), BAR, offset, op and
width, and by variant name."""
import collections
import os
import re

from barbench.load import InputError, read_bytes, read_json
from barbench.render import txt_table

VMM_SCHEMA = "vfio-barbench/vmm/1"


# ---- writing: harness/drive-qemu's folder checked and tabulated ---------

DRIVE_SCHEMA = "vfio-barbench/vmmdrive/1"
# QEMU 7.2's hw/vfio/trace-events, with the log backend's optional prefix.
TRACE = re.compile(r"vfio_region_(read|write)\s+\((\S+):region(\d+)\+0x"
                   r"([0-9a-fA-F]+), (?:0x[0-9a-fA-F]+, )?(\d+)\)")


def load_json(path, schema=None):
    doc = read_json(path)
    if not isinstance(doc, dict):
        raise InputError(f"{path}: not a JSON object")
    if schema and doc.get("schema") != schema:
        raise InputError(f"{path}: schema {doc.get('schema')!r}, expected "
                         f"{schema!r}")
    return doc


def trace_events(path, address):
    """Counter of (bar, offset, op, width) of the device's trace events."""
    try:
        text = read_bytes(path, "a QEMU trace log").decode(
            "utf-8", "replace")
    except InputError:
        if not os.path.exists(path):
            raise InputError(f"{path}: no QEMU trace log (was QEMU run "
                             "with -D?)")
        raise
    events = collections.Counter()
    for line in text.splitlines():
        m = TRACE.search(line)
        if m and m.group(2) == address:
            events[(int(m.group(3)), int(m.group(4), 16), m.group(1),
                    int(m.group(5)))] += 1
    return events


def place_of(device, bar, offset):
    """The place of an offset, from the device's own place segments."""
    for b in device.get("bars", []):
        if b.get("index") == bar:
            for p in b.get("places", []):
                if p["start"] <= offset < p["end"]:
                    return p["place"]
    return "other"


def trapcount_rows(path, address):
    doc = load_json(path, "vfio-barbench/trapcount/1")
    rows = doc.get("traps")
    if not isinstance(rows, list):
        raise InputError(f"{path}: no 'traps' list")
    lost = doc.get("lost", {})
    if not isinstance(lost, dict):
        raise InputError(f"{path}: 'lost' is not an object")
    if any(lost.get(k) for k in ("map_full", "no_start", "starts_full")):
        raise InputError(f"{path}: trapcount lost events ({lost}): its "
                         "counts are not exact")
    # vmmdrive only reads config space and maps nothing it accesses: the
    # BAR traps and mmaps are QEMU's.
    mine = [r for r in rows if isinstance(r, dict) and
            r.get("device") == address and r.get("comm") != "vmmdrive"]
    for r in mine:
        need = ("region", "count") + (("place", "op", "width")
                                      if r.get("kind") == "bar" else ())
        if any(k not in r for k in need):
            raise InputError(f"{path}: a {r.get('kind')!r} row without "
                             f"{', '.join(k for k in need if k not in r)}")
        for k in ("region", "count", "width"):
            if k in r and (not isinstance(r[k], int) or
                           isinstance(r[k], bool) or r[k] < 0):
                raise InputError(f"{path}: a {r.get('kind')!r} row's "
                                 f"{k!r} is {r[k]!r}, not a count")
    return mine


ROUTES = ("direct", "trapped", "emulated")


def check_register(r, where):
    """A register entry of vmmdrive's, or an InputError naming the field."""
    if not isinstance(r, dict):
        raise InputError(f"{where}: not an object")
    for k in ("bar", "offset", "width", "accesses"):
        if not isinstance(r.get(k), int) or isinstance(r.get(k), bool) \
                or r[k] < 0:
            raise InputError(f"{where}: '{k}' is {r.get(k)!r}, not a count")
    if r.get("op") not in ("read", "write"):
        raise InputError(f"{where}: 'op' is {r.get('op')!r}")
    if r.get("route_predicted") not in ROUTES:
        raise InputError(f"{where}: 'route_predicted' is "
                         f"{r.get('route_predicted')!r}, not one of "
                         f"{', '.join(ROUTES)}")
    if not isinstance(r.get("place"), str):
        raise InputError(f"{where}: no 'place'")


def device_rows(folder, variant, opts, drive_path, profile=None):
    drive = load_json(drive_path, DRIVE_SCHEMA)
    device = drive.get("device")
    regs = drive.get("registers")
    if not isinstance(device, dict) or not isinstance(regs, list):
        raise InputError(f"{drive_path}: no 'device' or 'registers'")
    if drive.get("complete") is not True:
        raise InputError(f"{drive_path}: incomplete (vmmdrive did not "
                         "finish: QEMU failed or the run was interrupted)")
    for i, r in enumerate(regs):
        check_register(r, f"{drive_path}: registers[{i}]")
    addr = device.get("address")
    if not isinstance(addr, str):
        raise InputError(f"{drive_path}: the device has no address")
    base = drive_path[:-len(".drive.json")]
    events = trace_events(base + ".qemu.log", addr)
    tc = trapcount_rows(base + ".traps.json", addr)
    rows, used = [], collections.Counter()
    for r in regs:
        key = (r["bar"], r["offset"], r["op"], r["width"])
        traps = events.get(key, 0)
        predicted = r["route_predicted"]
        if profile:
            predicted = (r.get("predictions") or {}).get(profile)
            if predicted is not None and predicted not in ROUTES:
                raise InputError(f"{drive_path}: prediction {predicted!r} "
                                 f"of profile {profile!r}")
            if predicted is None:
                raise InputError(f"{drive_path}: no prediction of profile "
                                 f"{profile!r} (profiles: "
                                 f"{', '.join(r.get('predictions') or [])})")
        used[key] = traps
        n = r["accesses"]
        measured = "trapped" if n and traps == n else \
            "untrapped" if traps == 0 else "partial"
        rows.append({
            "vmm": profile or drive.get("vmm"), "variant": variant,
            "qemu_options": opts, "device": addr,
            "device_id": device.get("id"), "bar": r["bar"],
            "register": r.get("register"), "offset": r["offset"],
            "place": r["place"], "op": r["op"], "width": r["width"],
            "accesses": n, "traps": traps,
            "route_predicted": predicted,
            "route_measured": measured,
            "rule": None if profile else r.get("rule"),
            "prediction_ok": measured != "partial" and
            (predicted == "trapped") == (measured == "trapped"),
        })
    # Events of no register: a write case's own read of the value it
    # stores (reads_first), or QEMU's own accesses.
    extra = events - used
    first = collections.Counter()
    for r in regs:
        if r.get("reads_first"):
            first[(r["bar"], r["offset"], "read", r["width"])] += \
                r["reads_first"]
    others = {k: v for k, v in (extra - first).items() if v}
    # trapcount against the trace, per BAR, place, op and width.
    by_trace = collections.Counter()
    for (bar, off, op, w), v in events.items():
        by_trace[(bar, place_of(device, bar, off), op, w)] += v
    by_tc = collections.Counter()
    for t in tc:
        if t.get("kind") == "bar":
            by_tc[(t["region"], t["place"], t["op"], t["width"])] += \
                t["count"]
    mmaps = sorted((t["region"], t.get("offset"), t.get("size"),
                    t.get("error"), t["count"]) for t in tc
                   if t.get("kind") == "mmap")
    check = {
        "variant": variant, "qemu_options": opts, "device": addr,
        "trace_events": sum(events.values()),
        "trapcount_traps": sum(by_tc.values()),
        "counts_agree": by_trace == by_tc,
        "differences": [
            {"bar": k[0], "place": k[1], "op": k[2], "width": k[3],
             "trace": by_trace.get(k, 0), "trapcount": by_tc.get(k, 0)}
            for k in sorted(set(by_trace) | set(by_tc))
            if by_trace.get(k, 0) != by_tc.get(k, 0)],
        "unattributed_events": [
            {"bar": k[0], "offset": k[1], "op": k[2], "width": k[3],
             "count": v} for k, v in sorted(others.items())],
        "mmaps": [{"bar": m[0], "offset": m[1], "size": m[2],
                   "error": m[3], "count": m[4]} for m in mmaps],
    }
    return drive, rows, check


def load_run(rundir, profile=None):
    rows, checks, drives = [], [], []
    try:
        folders = sorted(d for d in os.listdir(rundir)
                         if os.path.isdir(os.path.join(rundir, d)))
    except OSError as e:
        raise InputError(f"{rundir}: {e.strerror}")
    for sub in folders:
        variant, _, opts = sub.partition("+")
        for f in sorted(os.listdir(os.path.join(rundir, sub))):
            if f.endswith(".drive.json"):
                d, r, c = device_rows(rundir, variant, opts or None,
                                      os.path.join(rundir, sub, f), profile)
                drives.append(d)
                rows += r
                checks.append(c)
    if not rows:
        raise InputError(f"{rundir}: no VARIANT/DEV.drive.json in it")
    return drives, rows, checks


def build(rundir, profile=None):
    """The vmm/1 document of harness/drive-qemu's folder: every register's
    traps and routes, and the checks of each device and variant; profile
    names the VMM profile whose predictions are checked (default: the one
    vmmdrive ran, qemu's)."""
    drives, rows, checks = load_run(rundir, profile)
    p = drives[0].get("provenance", {})
    return {
        "schema": VMM_SCHEMA, "tool": drives[0].get("tool"),
        "provenance": {k: p.get(k) for k in
                       ("date", "arch", "kernel_release", "page_size")},
        "qemu_argv": drives[0].get("qemu_argv"),
        "rows": rows, "checks": checks,
        "predictions": {"rows": len(rows),
                        "wrong": sum(not r["prediction_ok"] for r in rows)},
        "counts_agree": all(c["counts_agree"] for c in checks),
    }


# ---- reading: vmm.json beside a comparison ---------------------------------

def load(path):
    """vmm.json, or a make vmm folder holding it."""
    f = os.path.join(path, "vmm.json") if os.path.isdir(path) else path
    doc = read_json(f)
    if not isinstance(doc, dict) or doc.get("schema") != VMM_SCHEMA:
        raise InputError(f"{f}: not scripts/qemu-client-report's vmm.json (schema "
                         f"{doc.get('schema') if isinstance(doc, dict) else None!r},"
                         f" expected {VMM_SCHEMA!r})")
    rows = doc.get("rows")
    if not isinstance(rows, list) or not rows:
        raise InputError(f"{f}: no 'rows'")
    for i, r in enumerate(rows):
        if not isinstance(r, dict) or any(
                k not in r for k in ("variant", "device_id", "bar", "offset",
                                     "op", "width", "accesses", "traps")):
            raise InputError(f"{f}: rows[{i}] lacks a key (variant, "
                             "device_id, bar, offset, op, width, accesses, "
                             "traps)")
        for k in ("bar", "offset", "width", "accesses", "traps"):
            if not isinstance(r[k], int) or isinstance(r[k], bool) or r[k] < 0:
                raise InputError(f"{f}: rows[{i}]: '{k}' is {r[k]!r}, not a "
                                 "count")
    if not isinstance(doc.get("provenance"), dict):
        doc["provenance"] = {}
    doc["file"] = f
    return doc


def key(dev_id, bar, offset, op, width):
    return (dev_id, bar, offset, op, width)


def index(vmm):
    """(variant, key) -> QEMU's plain row."""
    return {(r["variant"], key(r["device_id"], r["bar"], r["offset"],
                               r["op"], r["width"])): r
            for r in vmm["rows"] if not r.get("qemu_options")}


def fraction(r):
    return f"{r['traps']}/{r['accesses']}" if r else "-"


def trapped(traps, accesses):
    """'all', 'none' or 'some' of the accesses trapped."""
    return "none" if not traps else "all" if traps == accesses else "some"


def beside(vmm, cases, a, b):
    """Per compare case of barbench's vmm:qemu path that QEMU also ran: the
    place, QEMU's traps under A and B, barbench's, and whether the two
    agree (every access trapped, or none, in both)."""
    idx = index(vmm)
    out = []
    for c in cases:
        if c.get("path") != "vmm:qemu":
            continue
        k = key(c["device"]["id"], c["bar"], c["offset"], c["op"],
                c["width"])
        qa, qb = idx.get((a, k)), idx.get((b, k))
        if qa is None and qb is None:
            continue
        row = {"device": c["device"]["id"], "register": c.get("register"),
               "place": c["place"], "bar": c["bar"], "offset": c["offset"],
               "op": c["op"], "width": c["width"]}
        agree = True
        for v, s, q in (("A", c.get("A"), qa), ("B", c.get("B"), qb)):
            t = (s or {}).get("traps") or None
            row[f"qemu_{v}"] = None if q is None else \
                {"traps": q["traps"], "accesses": q["accesses"]}
            row[f"barbench_{v}"] = None if t is None else \
                {"traps": t["bar"], "accesses": t["accesses"]}
            if t is None and "emulated" in str((s or {}).get("skipped")):
                row[f"barbench_{v}"] = {"emulated": True}
            if q is not None and t is not None:
                agree &= trapped(q["traps"], q["accesses"]) == \
                    trapped(t["bar"], t["accesses"])
            elif q is not None and row[f"barbench_{v}"]:  # emulated
                agree &= q["traps"] == 0
        row["agree"] = agree
        out.append(row)
    return out


def provenance_line(vmm):
    p = vmm.get("provenance") or {}
    return (f"{vmm['file']}: kernel {p.get('kernel_release')}, "
            f"{p.get('arch')}, page size {p.get('page_size')}")


def table(rows, a, b):
    """Header and body for render.txt_table / md_table."""
    head = ["device", "place", "register", "offset", "op", "w",
            f"QEMU {a}", f"QEMU {b}", f"barbench {a}", f"barbench {b}", ""]
    body = []
    for r in rows:
        def frac(x):
            if x is None:
                return "-"
            if x.get("emulated"):
                return "emulated"
            return f"{x['traps']}/{x['accesses']}"
        body.append([r["device"], r["place"], r["register"] or "-",
                     f"0x{r['offset']:04x}", r["op"], str(r["width"]),
                     frac(r["qemu_A"]), frac(r["qemu_B"]),
                     frac(r["barbench_A"]), frac(r["barbench_B"]),
                     "" if r["agree"] else "DIFFER"])
    return head, body


def txt_tables(rows, a, b):
    """A table per device for report.txt and matrix.txt, under 80 columns:
    A/B, r/w, registers to 10 characters."""
    _, body = table(rows, a, b)
    head = ["place", "register", "offset", "o", "w", "QEMU A", "QEMU B",
            "vmm:qemu A", "vmm:qemu B", ""]
    L = []
    for dev in dict.fromkeys(r[0] for r in body):
        mine = [r[1:2] + [r[2][:10]] + r[3:4] + [r[4][0]] + r[5:]
                for r in body if r[0] == dev]
        L += [dev] + txt_table(head, mine, right={5, 6, 7, 8}) + [""]
    return L

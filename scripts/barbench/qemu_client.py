"""make vmm's rows (scripts/qemu-client-report's vmm.json) beside barbench's own cases:
what Debian's QEMU did with each register under each kernel variant,
measured by its trace events and trapcount, next to what barbench's
vmm:qemu path (the qemu profile) did in a comparison.  Used by
scripts/compare-report --vmm and scripts/matrix --vmm.

Only QEMU's plain runs are joined (no x-msix-relocation: barbench's
vmm:qemu models QEMU without it).  Rows are matched by device id (not
address: the two may come from different boots), BAR, offset, op and
width, and by variant name."""
import os

import barload
from barload import InputError
from barrender import txt_table

SCHEMA = "vfio-barbench/vmm/1"


def load(path):
    """vmm.json, or a make vmm folder holding it."""
    f = os.path.join(path, "vmm.json") if os.path.isdir(path) else path
    doc = barload.read_json(f)
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise InputError(f"{f}: not scripts/qemu-client-report's vmm.json (schema "
                         f"{doc.get('schema') if isinstance(doc, dict) else None!r},"
                         f" expected {SCHEMA!r})")
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
    """Header and body for barrender.txt_table / md_table."""
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

"""The model of scripts/matrix: several comparisons (compare.json, one per
page size) turned into one document, vfio-barbench/matrix/1: the rows per
device, register, path, op and width with a cell per page size, and the
headline a reviewer quotes.  Reading the comparisons is
barbench.compare's (CompareDoc); drawing them is scripts/matrix's and
barbench.charts'.
"""
import datetime
import fractions

from barbench import load
from barbench.compare import compare_key_text
from barbench.load import PATHS, PLACE_ORDER, InputError
from barbench.render import factor, page_label, unit

MATRIX_SCHEMA = "vfio-barbench/matrix/1"
# Devices the embedded guest has, in the order the report shows them.
DEVICE_NAMES = {"1b36:0010": "QEMU NVMe", "1b36:000d": "qemu-xhci"}
DEVICE_ORDER = ["1b36:0010", "1b36:000d"]
# The NVMe submission queue 0 tail doorbell: the hot register that shares
# the MSI-X table's page at 64K and has a page of its own at 4K.
HEADLINE = ("1b36:0010", 0x1000)


def check_inputs(inputs):
    """What makes the inputs one matrix: distinct page sizes, the same
    variants; the inputs sorted by page size."""
    seen = {}
    for inp in inputs:
        if inp.page_size in seen:
            raise InputError(
                f"{inp.path}: page size {inp.page_size} again (also "
                f"{seen[inp.page_size].path}); a matrix takes one "
                "comparison per page size")
        seen[inp.page_size] = inp
    first = inputs[0]
    for inp in inputs[1:]:
        if inp.clock != first.clock:
            raise InputError(
                f"{inp.path}: on the {inp.clock} clock, but {first.path} "
                f"on {first.clock}: a matrix shows one clock (instructions "
                "and ns never share a table)")
        if (inp.a, inp.b) != (first.a, first.b):
            raise InputError(
                f"{inp.path}: compares {inp.b} against {inp.a}, but "
                f"{first.path} compares {first.b} against {first.a}; "
                "every input must compare the same two variants")
    return sorted(inputs, key=lambda i: i.page_size)


def shown_keys(inputs, all_widths):
    """The keys of the table's rows: every case with --all-widths, else
    per register the 4-byte read (or its widest read)."""
    keys = []
    for inp in inputs:
        for k in inp.cases:
            if k not in keys:
                keys.append(k)
    if all_widths:
        return keys
    widths = {}
    for dev, bar, off, path, op, w in keys:
        if op == "read":
            widths.setdefault((dev, bar, off), set()).add(w)
    pick = {reg: 4 if 4 in ws else max(ws) for reg, ws in widths.items()}
    return [k for k in keys if k[4] == "read" and
            pick.get(k[:3]) == k[5]]


def side(s):
    t = s.get("traps")
    return {"median_ns": s.get("median_ns"), "ci95_ns": s.get("ci95_ns"),
            "skipped": s.get("skipped"),
            "traps": t["bar"] if t else None,
            "accesses": t["accesses"] if t else None}


def place_of(inp, key):
    """Where the key's register sits at this input's page size, from any
    case of that register; "-" when the input never measured it."""
    for k, c in inp.cases.items():
        if k[:3] == key[:3]:
            return c["place"]
    return "-"


NOT_MEASURED = {"median_ns": None, "ci95_ns": None, "skipped": None,
                "traps": None, "accesses": None, "measured": False}


def cell(inp, key):
    """One row's entry at one page size.  A case the suite did not run at
    this page size (its default registers follow the places, e.g. 0x2410
    stands for the table's page only at 4K) is "not measured"; an
    InputError when one variant lacks a case the other has."""
    c = inp.cases.get(key)
    if c is None:
        return {"page_size": inp.page_size, "address": None,
                "place": place_of(inp, key), "A": dict(NOT_MEASURED),
                "B": dict(NOT_MEASURED), "ratio": None, "ratio_ci95": None,
                "significant": None, "verdict": "not measured"}
    for k, v in (("A", inp.a), ("B", inp.b)):
        if c[k] is None:
            raise InputError(f"{inp.path}: case {compare_key_text(key)} is missing "
                             f"under {v} ({c['verdict']})")
    return {"page_size": inp.page_size, "address": c["device"]["address"],
            "place": c["place"], "A": side(c["A"]), "B": side(c["B"]),
            "ratio": c.get("ratio"), "ratio_ci95": c.get("ratio_ci95"),
            "significant": c.get("significant"), "verdict": c["verdict"]}


def place_rank(place):
    order = PLACE_ORDER
    return order.index(place) if place in order else len(order)


def rows_of(inputs, keys):
    rows = []
    for key in keys:
        dev, bar, off, path, op, width = key
        cells = [cell(inp, key) for inp in inputs]
        register = next((inp.cases[key]["register"] for inp in inputs
                         if key in inp.cases and inp.cases[key]["register"]),
                        None)
        rows.append({"device": dev, "bar": bar, "offset": off,
                     "register": register, "path": path, "op": op,
                     "width": width, "cells": cells})
    rows.sort(key=lambda r: (
        r["bar"], place_rank(r["cells"][0]["place"]), r["offset"], r["op"],
        r["width"], PATHS.index(r["path"])
        if r["path"] in PATHS else 9))
    return rows


def device_order(inputs):
    ids = []
    for inp in inputs:
        for d in inp.addresses:
            if d not in ids:
                ids.append(d)
    known = [d for d in DEVICE_ORDER if d in ids]
    return known + [d for d in ids if d not in known]


def per_1000(traps, accesses):
    """(round(1000 * traps / accesses) in exact arithmetic, its text):
    "<1" and ">999" where rounding to 0 or 1000 would hide a trap or a
    direct access."""
    n = round(fractions.Fraction(1000 * traps, accesses))
    text = str(n)
    if n == 0 and traps:
        text = "<1"
    elif n == 1000 and traps < accesses:
        text = ">999"
    return n, text


def parse_headline(text):
    try:
        dev, off = text.rsplit(":", 1)
        off = int(off, 0)
    except ValueError:
        raise InputError(f"--headline {text!r}: expected ID:OFFSET, e.g. "
                         "1b36:0010:0x1000")
    if dev.count(":") != 1 or off < 0:
        raise InputError(f"--headline {text!r}: expected ID:OFFSET, e.g. "
                         "1b36:0010:0x1000")
    return dev.lower(), off


def headline(inputs, dev, off):
    """The headline case (dev at off, vmm, read, 4 bytes) at every page
    size, with the numbers and the sentence."""
    keys = {k for inp in inputs for k in inp.cases
            if k[0] == dev and k[2] == off and k[4:] == ("read", 4) and
            k[3] in load.HEADLINE_PATHS}
    path = load.headline_vmm({k[3] for k in keys}) or "vmm:qemu"
    keys = {k for k in keys if k[3] == path}
    what = f"{dev} 0x{off:04x} {path} read w4"
    if not keys:
        raise InputError(f"no input has the headline case {what} "
                         "(--headline ID:OFFSET picks another register)")
    if len(keys) > 1:
        raise InputError(f"the headline case {what} is in more than one "
                         "BAR")
    key = keys.pop()
    for inp in inputs:
        if key not in inp.cases:
            raise InputError(f"{inp.path}: no headline case "
                             f"{compare_key_text(key)} (--headline ID:OFFSET "
                             "picks another register)")
    cells = [cell(inp, key) for inp in inputs]
    register = next((inp.cases[key]["register"] for inp in inputs
                     if inp.cases[key]["register"]), None)
    a, b = inputs[0].a, inputs[0].b
    u = unit(inputs[0].clock).name
    for c, inp in zip(cells, inputs):
        for k, v in (("A", a), ("B", b)):
            if c[k]["median_ns"] is None:
                raise InputError(f"{inp.path}: headline case "
                                 f"{compare_key_text(key)} has no median under "
                                 f"{v}")
            t, n = c[k]["traps"], c[k]["accesses"]
            c[k]["per_1000"], c[k]["per_1000_text"] = \
                per_1000(t, n) if t is not None else (None, "?")
    noun = "doorbell" if (dev, off) == HEADLINE else \
        (register or f"0x{off:04x}")
    name = DEVICE_NAMES.get(dev, dev)
    intro = (f"{name} {'doorbell ' if noun == 'doorbell' else ''}"
             f"{register or ''} ({dev} BAR{key[1]} 0x{off:04x}), " +
             ("QEMU's route (its mmap where the kernel allows one, the fd "
              "elsewhere, the MSI-X table emulated but on pseries)"
              if path == "vmm:qemu"
              else "vmm path (direct where the kernel lets the VMM mmap, "
              "the fd elsewhere)") + ", 4-byte reads; place " +
             ", ".join(f"{c['place']} at {page_label(c['page_size'])}"
                       for c in reversed(cells)) + ". Per 1000: scaled "
             "from the exact counts of the counting passes (" +
             "; ".join(f"{page_label(c['page_size'])}: {b} "
                       f"{c['B']['traps']}/{c['B']['accesses']}, {a} "
                       f"{c['A']['traps']}/{c['A']['accesses']}"
                       for c in reversed(cells)) + ").")
    parts = []
    for i, c in enumerate(reversed(cells)):
        A, B = c["A"], c["B"]
        ratio = ratio_text(c, words=True)
        traps_b = f"{B['per_1000_text']} of 1000"
        traps_a = f"{A['per_1000_text']} of 1000"
        if i == 0:
            parts.append(
                f"At {page_label(c['page_size'])} pages under {b}, "
                f"{traps_b} {noun} accesses trap (median "
                f"{B['median_ns']:.0f} {u} each) versus {traps_a} under "
                f"{a} ({A['median_ns']:.0f} {u}): {b}/{a} {ratio}")
        else:
            parts.append(
                f"at {page_label(c['page_size'])}: {traps_b} under {b} "
                f"({B['median_ns']:.0f} {u}) versus {traps_a} under {a} "
                f"({A['median_ns']:.0f} {u}): {ratio}")
    sentence = "; ".join(parts) + "."
    if any(c[k]["traps"] is None for c in cells for k in "AB"):
        sentence += " ? of 1000: the comparison has no trap counts there."
    return {"device": dev, "bar": key[1], "offset": off,
            "register": register, "path": path, "op": "read", "width": 4,
            "intro": intro, "text": sentence, "cells": cells}


def ratio_text(c, words=False):
    if c["ratio"] is None:
        return "-"
    text = f"{factor(c['ratio'])}x"
    if c["ratio_ci95"]:
        lo, hi = c["ratio_ci95"]
        text += f" [{'95% CI ' if words else ''}{factor(lo)}, {factor(hi)}]"
    if words and not c["significant"] and \
            c["verdict"].startswith("no significant change"):
        text += ", not significant" + c["verdict"][len(
            "no significant change"):]
    return text


def warnings_of(inputs):
    out = []
    for inp in inputs:
        cps = inp.env["class_page_size"]
        if cps is not None and cps != str(inp.page_size):
            out.append(f"{inp.path}: places were labelled at page size "
                       f"{cps}, but the kernel's page size is "
                       f"{inp.page_size}: the place column shows the "
                       "preview, the traps show the kernel")
        diffs = [e.get("name") for e in inp.doc["environment"]
                 if isinstance(e, dict) and e.get("differs") is True]
        if diffs:
            out.append(f"{inp.path}: the variants' runs differ in "
                       f"{', '.join(map(str, diffs))} (see its report.md)")
        w = inp.doc.get("warnings")
        if isinstance(w, list) and w:
            out.append(f"{inp.path}: {len(w)} warning"
                       f"{'s' if len(w) > 1 else ''} of scripts/compare-report "
                       f"(first: {str(w[0])[:200]})")
    return out


def build(inputs, all_widths, hdev, hoff):
    head = headline(inputs, hdev, hoff)
    rows = rows_of(inputs, shown_keys(inputs, all_widths))
    devices = []
    for dev in device_order(inputs):
        mine = [r for r in rows if r["device"] == dev]
        if mine:
            devices.append({"id": dev, "name": DEVICE_NAMES.get(dev),
                            "addresses": {str(inp.page_size):
                                          inp.addresses.get(dev)
                                          for inp in inputs},
                            "rows": mine})
    return {
        "schema": MATRIX_SCHEMA,
        "created": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "variants": {"A": inputs[0].a, "B": inputs[0].b},
        "clock": {"kind": inputs[0].clock,
                  "unit": unit(inputs[0].clock).name},
        "page_sizes": [inp.page_size for inp in inputs],
        "rows_shown": "every op and width" if all_widths else
        "reads of 4 bytes (or a register's widest read)",
        "inputs": [inp.provenance() for inp in inputs],
        "headline": head,
        "devices": devices,
        "warnings": warnings_of(inputs),
    }

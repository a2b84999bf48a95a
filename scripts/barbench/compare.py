"""The loader's half for comparison documents (compare.json, schema
vfio-barbench/compare/1, written by scripts/compare-report): each checked member
by member, so that scripts/matrix refuses a damaged one naming the file and
the member, never with a traceback.  Reading the file is barload's.
"""
import json
import os

from barload import InputError, is_count, is_number, obj, read_json

COMPARE_SCHEMA = "vfio-barbench/compare/1"


class Checker:
    """Type checks of one document, each failure an InputError that names
    the file and the member."""

    def __init__(self, path):
        self.path = path

    def fail(self, what):
        raise InputError(f"{self.path}: {what}")

    def member(self, obj, key, where, kinds, none_ok=False):
        if not isinstance(obj, dict) or key not in obj:
            self.fail(f"{where} has no '{key}'")
        v = obj[key]
        if v is None and none_ok:
            return v
        if isinstance(v, bool) and bool not in kinds or \
                not isinstance(v, kinds):
            self.fail(f"{where}.{key} is {json.dumps(v)[:60]}, not "
                      f"{kind_text(kinds, none_ok)}")
        return v

    def number(self, obj, key, where, none_ok=False, positive=False):
        v = self.member(obj, key, where, (int, float), none_ok)
        if v is not None and (not is_number(v) or positive and v <= 0):
            self.fail(f"{where}.{key} is {str(v)[:60]}, not a "
                      f"{'positive ' if positive else ''}finite number")
        return v

    def pair(self, obj, key, where):
        v = self.member(obj, key, where, (list,), none_ok=True)
        if v is not None and (len(v) != 2 or not all(map(is_number, v))):
            self.fail(f"{where}.{key} is {json.dumps(v)[:60]}, not two "
                      "numbers")
        return v


def kind_text(kinds, none_ok):
    names = {int: "an integer", float: "a number", str: "text",
             list: "a list", dict: "an object", bool: "true or false"}
    text = " or ".join(names[k] for k in kinds if k is not int or
                       float not in kinds)
    return text + (" or null" if none_ok else "")


def check_side(ck, c, key, where):
    s = ck.member(c, key, where, (dict,), none_ok=True)
    if s is None:
        return
    w = f"{where}.{key}"
    ck.number(s, "median_ns", w, none_ok=True, positive=True)
    ck.pair(s, "ci95_ns", w)
    ck.member(s, "skipped", w, (str,), none_ok=True)
    t = ck.member(s, "traps", w, (dict,), none_ok=True)
    if t is not None:
        bar = ck.member(t, "bar", f"{w}.traps", (int,))
        n = ck.member(t, "accesses", f"{w}.traps", (int,))
        if not is_count(bar) or not is_count(n) or n == 0 or bar > n:
            ck.fail(f"{w}.traps is {bar}/{n}: not a count of trapped "
                    "accesses out of a positive total")
    if s.get("median_ns") is None and s.get("skipped") is None and \
            s.get("samples") not in (0, None):
        ck.fail(f"{w}: {s.get('samples')} samples but no median_ns")


def check_case(ck, c, i):
    where = f"cases[{i}]"
    if not isinstance(c, dict):
        ck.fail(f"{where} is not an object")
    dev = ck.member(c, "device", where, (dict,))
    ck.member(dev, "id", f"{where}.device", (str,))
    ck.member(dev, "address", f"{where}.device", (str,))
    for key in ("bar", "offset", "width"):
        if not is_count(ck.member(c, key, where, (int,))):
            ck.fail(f"{where}.{key} is {c[key]}, not a count")
    for key in ("place", "path", "op"):
        ck.member(c, key, where, (str,))
    ck.member(c, "register", where, (str,), none_ok=True)
    ck.member(c, "verdict", where, (str,))
    for key in ("A", "B"):
        check_side(ck, c, key, where)
    ck.number(c, "ratio", where, none_ok=True, positive=True)
    ck.pair(c, "ratio_ci95", where)
    if "significant" in c and not isinstance(c["significant"], bool):
        ck.fail(f"{where}.significant is {json.dumps(c['significant'])}, "
                "not true or false")


def env_entry(ck, doc, name, required):
    """The one value both variants share for an environment member: None
    when absent and not required; an InputError when the variants or the
    runs of one variant disagree."""
    for i, e in enumerate(doc["environment"]):
        if not isinstance(e, dict) or e.get("name") != name:
            continue
        vals = {}
        for side in ("A", "B"):
            v = ck.member(e, side, f"environment[{i}] ({name})", (list,))
            if not v or not all(isinstance(x, str) for x in v):
                ck.fail(f"environment[{i}] ({name}).{side} is "
                        f"{json.dumps(v)[:60]}, not a list of text")
            vals[side] = v
        if len(set(vals["A"] + vals["B"])) != 1:
            ck.fail(f"{name} is not one value: {doc['baseline']} "
                    f"{' | '.join(vals['A'])}, {doc['candidate']} "
                    f"{' | '.join(vals['B'])}; a matrix column needs one "
                    f"{name}")
        return vals["A"][0]
    if required:
        ck.fail(f"no '{name}' in its environment; which page size was "
                "it measured at?")
    return None


def compare_key(c):
    """A compared case across machines: device id (not address), BAR,
    offset, path, op, width."""
    return (c["device"]["id"], c["bar"], c["offset"], c["path"], c["op"],
            c["width"])


def compare_key_text(key):
    dev, bar, off, path, op, width = key
    return f"{dev} BAR{bar} 0x{off:04x} {path} {op} w{width}"


class CompareDoc:
    """One comparison (a compare.json, or the folder holding it), checked,
    with its cases by compare_key and the environment a matrix needs."""

    def __init__(self, arg):
        self.arg = arg
        if os.path.isdir(arg):
            self.path = os.path.join(arg, "compare.json")
            if not os.path.isfile(self.path):
                raise InputError(f"{arg}: no compare.json in it; is it a "
                                 "comparison folder of `make compare` "
                                 "(scripts/compare-report writes compare.json)?")
        elif os.path.isfile(arg):
            self.path = arg
        else:
            raise InputError(f"{arg}: no such folder")
        self.doc = doc = read_json(self.path)
        ck = Checker(self.path)
        if not isinstance(doc, dict) or doc.get("schema") != COMPARE_SCHEMA:
            found = doc.get("schema") if isinstance(doc, dict) else None
            ck.fail(f"schema {found!r}, expected {COMPARE_SCHEMA!r}")
        for key in ("baseline", "candidate"):
            if not ck.member(doc, key, "the document", (str,)):
                ck.fail(f"'{key}' is empty")
        ck.member(doc, "environment", "the document", (list,))
        cases = ck.member(doc, "cases", "the document", (list,))
        if not cases:
            ck.fail("no cases")
        for i, c in enumerate(cases):
            check_case(ck, c, i)
        text = env_entry(ck, doc, "page_size", True)
        try:
            self.page_size = int(text)
        except ValueError:
            self.page_size = 0
        if self.page_size <= 0:
            ck.fail(f"page_size is {text!r}, not a positive integer")
        self.env = {name: env_entry(ck, doc, name, False)
                    for name in ("arch", "kernel_release", "kernel_cmdline",
                                 "class_page_size", "tool version",
                                 "cpu_model")}
        self.clock = obj(doc.get("clock")).get("kind", "wall")
        if self.clock not in ("wall", "icount"):
            ck.fail(f"clock.kind is {json.dumps(self.clock)[:40]}, not "
                    "wall or icount")
        self.a, self.b = doc["baseline"], doc["candidate"]
        rounds = obj(doc.get("rounds"))
        self.rounds = {v: [str(r) for r in rounds[v]]
                       if isinstance(rounds.get(v), list) else None
                       for v in (self.a, self.b)}
        self.rundir = doc["rundir"] if isinstance(doc.get("rundir"), str) \
            else os.path.dirname(self.path)
        self.cases = {}
        self.addresses = {}
        for c in cases:
            key = compare_key(c)
            dev = c["device"]
            other = self.addresses.setdefault(dev["id"], dev["address"])
            if other != dev["address"]:
                ck.fail(f"two devices with id {dev['id']} ({other} and "
                        f"{dev['address']}); the matrix matches devices "
                        "across machines by id, so it needs one of each")
            if key in self.cases:
                ck.fail(f"case {compare_key_text(key)} twice")
            self.cases[key] = c

    def provenance(self):
        return {
            "folder": self.arg, "file": self.path, "rundir": self.rundir,
            "created": self.doc.get("created"),
            "page_size": self.page_size, "clock": self.clock,
            "arch": self.env["arch"],
            "kernel_release": self.env["kernel_release"],
            "kernel_cmdline": self.env["kernel_cmdline"],
            "class_page_size": self.env["class_page_size"],
            "cpu_model": self.env["cpu_model"],
            "tool_version": self.env["tool version"],
            "variants": {"A": self.a, "B": self.b},
            "rounds": self.rounds,
            "devices": [{"id": i, "address": a}
                        for i, a in self.addresses.items()],
        }

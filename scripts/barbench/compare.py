"""compare/1, the comparison of two kernel variants (compare.json), in one
place: the document scripts/compare-report writes (build), and the document
scripts/matrix reads back (CompareDoc), checked member by member so that a
damaged one is refused naming the file and the member, never with a
traceback.  Reading the file's bytes is barbench.load's.
"""
import copy
import datetime
import json
import os

from barbench import load, runs, stats
from barbench.load import InputError, is_count, is_number, obj, read_json
from barbench.render import unit

COMPARE_SCHEMA = "vfio-barbench/compare/1"


# ---- writing: the analysis of a comparison folder ------------------------

def side(p):
    """One variant's view of a case for compare.json."""
    if p is None:
        return None
    return {
        "samples": len(p.raw),
        "median_ns": stats.median(p.raw) if p.usable else None,
        "ci95_ns": None,
        "skipped": p.skipped[0] if p.skipped else None,
        "routes": sorted(set(r for r in p.routes if r)),
        "traps": {"bar": p.trap_bar, "accesses": p.trap_n}
        if p.usable and p.has_traps and p.trap_n else None,
        "rounds": [{"round": label, "median_ns": m}
                   for label, m in p.rounds],
        "files": p.sources,
    }


def why_unusable(p, name):
    if p is None:
        return f"missing under {name}"
    if p.skipped:
        return f"not mappable under {name}"
    return f"no samples under {name}"


def analyse(pa, pb, a, b, cfg, rng):
    """The comparison of one case, as a compare.json entry."""
    ref = pa or pb
    dev_id, addr, bar, off, path, op, width = ref.key
    out = {"device": {"id": dev_id, "address": addr}, "bar": bar,
           "offset": off, "register": ref.register, "place": ref.place,
           "path": path, "op": op, "width": width,
           "A": side(pa), "B": side(pb), "ratio": None, "ratio_ci95": None,
           "change_pct": None, "p": None, "mark": "", "significant": False,
           "traps_change": None}
    ua, ub = pa is not None and pa.usable, pb is not None and pb.usable
    if not ua or not ub:
        if not ua and not ub:
            if pa is not None and pb is not None and pa.skipped and \
                    pb.skipped:
                out["verdict"] = "not mappable under either"
            else:
                out["verdict"] = f"{why_unusable(pa, a)}, " \
                                 f"{why_unusable(pb, b)}"
        else:
            out["verdict"] = why_unusable(pb, b) if ua else \
                why_unusable(pa, a)
        out["status"] = "one-sided"
        return out
    con = runs.Contrast(pa, pb, cfg.resamples, rng)
    out["A"]["ci95_ns"] = list(con.base_ci)
    out["B"]["ci95_ns"] = list(con.cand_ci)
    lo, hi = con.ratio_ci
    effect = con.ratio >= 1 + cfg.min_effect or \
        con.ratio <= 1 / (1 + cfg.min_effect)
    significant = con.p < cfg.alpha and (lo > 1 or hi < 1) and effect
    agree = rounds_agree(pa, pb, con.ratio > 1, cfg.min_effect)
    verdict = ("worse" if con.ratio > 1 else "better") if significant \
        else "no significant change"
    if significant and agree is False and cfg.rounds_must_agree:
        significant = False
        verdict = "no significant change (rounds disagree)"
    out.update({
        "ratio": con.ratio, "ratio_ci95": [lo, hi],
        "change_pct": con.change_pct, "p": con.p,
        "mark": stats.mark(con.p),
        "significant": significant,
        "rounds_agree": agree,
        "verdict": verdict,
        "traps_change": runs.trap_change(pa, pb),
        "status": "compared",
    })
    return out


def rounds_agree(pa, pb, slower, min_effect):
    """Whether every round of B differs from every round of A in the
    direction of the pooled change by min_effect: None with fewer than two
    rounds a side.  Rounds alternate in one boot, so drift that hits one
    round of a variant shows as rounds that disagree."""
    ra = [m for _, m in pa.rounds if is_number(m) and m > 0]
    rb = [m for _, m in pb.rounds if is_number(m) and m > 0]
    if len(ra) < 2 or len(rb) < 2:
        return None
    if slower:
        return min(rb) >= max(ra) * (1 + min_effect)
    return max(rb) * (1 + min_effect) <= min(ra)


def round_labels(variant_runs):
    """The rounds' labels in the order they ran (r2 before r10)."""
    labels = {runs.run_label(r) for r in variant_runs}
    return sorted(labels, key=lambda t: (len(t), t))


def drift(cases, key):
    """Per variant: how far apart a case's round medians are (max/min),
    over the cases measured in more than one round."""
    spreads = []
    for c in cases:
        s = c[key]
        meds = [r["median_ns"] for r in (s or {}).get("rounds", [])
                if is_number(r["median_ns"]) and r["median_ns"] > 0]
        if len(meds) > 1:
            spreads.append(max(meds) / min(meds))
    if not spreads:
        return None
    return {"cases": len(spreads), "median": stats.median(spreads),
            "max": max(spreads)}


def module_file(rundir, v):
    """RUNDIR/V/module from the harness: "stock", or the sha256 of the
    variant's vfio-pci-core.ko."""
    try:
        with open(os.path.join(rundir, v, "module")) as f:
            return f.read().strip() or "-"
    except OSError:
        return None


def environment(rundir, a, b, runs_a, runs_b):
    """Every environment member, both sides; "differs" marks what may
    invalidate the comparison, "expected" what the variants change on
    purpose (the module)."""
    rows = []
    diffs = {name for name, _, _ in runs.env_differences(runs_a, runs_b)}
    for name, _ in runs.ENV_KEYS:
        expected = name in runs.EXPECTED_DIFF
        rows.append({"name": name,
                     "A": runs.env_values(runs_a, name),
                     "B": runs.env_values(runs_b, name),
                     "differs": name in diffs and not expected,
                     "expected": expected})
    ma, mb = module_file(rundir, a), module_file(rundir, b)
    if ma or mb:
        rows.append({"name": "vfio-pci-core module", "A": [ma or "-"],
                     "B": [mb or "-"], "differs": False, "expected": True})
    return rows


def build(rundir, a, b, variants, cfg):
    """The compare/1 document of variants a and b of a comparison folder
    (load.variants), under the thresholds cfg (runs.Config)."""
    runs_a, runs_b = variants[a], variants[b]
    clock = load.one_clock(runs_a + runs_b, f"{rundir}: {a} and {b}")
    if clock == "icount":
        # Exact samples: [compare.icount]'s smaller effect is real.
        cfg = copy.copy(cfg)
        cfg.alpha, cfg.min_effect = cfg.icount_alpha, cfg.icount_min_effect
    pa, pb = runs.pool(runs_a), runs.pool(runs_b)
    keys = list(pa) + [k for k in pb if k not in pa]
    keys.sort(key=lambda k: runs.sort_key(pa.get(k) or pb.get(k)))
    rng = stats.rng(cfg.seed)
    cases = [analyse(pa.get(k), pb.get(k), a, b, cfg, rng) for k in keys]
    if not cases:
        raise InputError(f"{rundir}: no cases under {a} or {b}")
    verdicts = {}
    for c in cases:
        verdicts[c["verdict"]] = verdicts.get(c["verdict"], 0) + 1
    traps = {}
    for c in cases:
        if c["traps_change"] in ("up", "down"):
            traps[c["traps_change"]] = traps.get(c["traps_change"], 0) + 1
    devices = []
    for c in cases:
        d = (c["device"]["address"], c["device"]["id"])
        if d not in devices:
            devices.append(d)
    return {
        "schema": COMPARE_SCHEMA,
        "created": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rundir": rundir,
        "baseline": a, "candidate": b,
        "clock": {"kind": clock, "unit": unit(clock).name},
        "config": {"file": cfg.path, "alpha": cfg.alpha,
                   "min_effect": cfg.min_effect,
                   "resamples": cfg.resamples, "seed": cfg.seed,
                   "test": "Mann-Whitney U, two-sided, normal approximation"
                           " with tie and continuity corrections",
                   "ci": "bootstrap percentile 95%, samples pooled over "
                         "rounds",
                   "rounds_must_agree": cfg.rounds_must_agree},
        "rounds": {a: round_labels(runs_a), b: round_labels(runs_b)},
        "devices": [{"address": d[0], "id": d[1]} for d in devices],
        "environment": environment(rundir, a, b, runs_a, runs_b),
        "environment_within": {
            a: [{"name": n, "values": v}
                for n, v in runs.env_within(runs_a)],
            b: [{"name": n, "values": v}
                for n, v in runs.env_within(runs_b)]},
        "summary": {"verdicts": verdicts, "traps": traps,
                    "drift": {a: drift(cases, "A"), b: drift(cases, "B")}},
        "cases": cases,
    }


# ---- reading: a compare.json checked member by member ---------------------


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

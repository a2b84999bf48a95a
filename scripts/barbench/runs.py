"""Runs pooled and contrasted for scripts/compare-report and scripts/gate: each
case's samples pooled over runs (rounds), one case against another, the
environment a run was taken in, and gate.conf.  Reading and checking the
files is barbench.load's job.

Why one module: compare and gate must agree on what a case is (its key),
on what makes a run unusable, and on the statistics of one case against
another, or a report could call "worse" what the gate lets through.
"""
import configparser
import fractions
import json
import math
import os

from barbench import stats
from barbench.load import InputError, PATHS, PLACE_ORDER, clock_of, \
    is_number, obj

# scripts/gate.conf, beside the scripts that read it.
SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONF = os.path.join(SCRIPTS, "gate.conf")


def problems(run):
    """Why a run cannot be trusted for a gate decision, one message each:
    a partial run, lost trap events, no cases, cases without usable
    samples or with impossible values."""
    out = []
    doc, src = run.doc, run.source
    if doc.get("complete") is not True:
        out.append(f"{src}: partial run (\"complete\": "
                   f"{json.dumps(doc.get('complete'))}): interrupted before "
                   "every case ran")
    lost = obj(doc.get("traps")).get("lost", 0)
    if lost != 0:
        out.append(f"{src}: traps.lost = {lost}: trap counts are inexact")
    for c in doc["cases"]:
        if c.get("skipped"):
            continue
        what = f"{src}: case {case_text(run, c)}"
        if not c.get("samples"):
            out.append(f"{what}: {c.get('samples', 'no')} samples")
        elif not is_number(c.get("median_ns")):
            out.append(f"{what}: median_ns is "
                       f"{json.dumps(c.get('median_ns'))}")
        elif not isinstance(c.get("raw_ns"), list) or not c["raw_ns"]:
            out.append(f"{what}: no raw_ns (run barbench with --raw)")
        elif not all(is_number(x) for x in c["raw_ns"]):
            out.append(f"{what}: raw_ns holds a non-number (NaN or null)")
        else:
            out += [f"{what}: {m}" for m in impossible(c)]
    if not doc["cases"]:
        out.append(f"{src}: no cases: nothing was measured")
    return out


def impossible(c):
    """Values no measurement can give: a gate must refuse them, never read
    them as an improvement."""
    out = []
    if c["median_ns"] <= 0 or min(c["raw_ns"]) <= 0:
        out.append("a time <= 0 ns, which no access takes")
    n, samples = c.get("accesses"), c.get("samples")
    if is_number(n) and is_number(samples) and n < samples:
        out.append(f"{n} accesses in {samples} samples: fewer than one a "
                   "sample")
    t, n = obj(c.get("traps")).get("bar"), c.get("trap_pass_accesses")
    if t is not None and (not isinstance(t, int) or t < 0 or
                          isinstance(n, int) and t > n):
        out.append(f"traps.bar {t} of {n} accesses: not a count of trapped "
                   "accesses")
    return out


# ---- cases ---------------------------------------------------------------

def case_key(run, c):
    """What identifies a case across runs: device id and address, BAR,
    offset, path, op and width."""
    d = run.device
    return (d["id"], d["address"], c["bar"], c["offset"], c["path"],
            c["op"], c["width"])


def key_text(key):
    dev_id, addr, bar, off, path, op, width = key
    return f"{addr} {dev_id} BAR{bar} 0x{off:04x} {path} {op} w{width}"


def case_text(run, c):
    return key_text(case_key(run, c))


def sort_key(pooled):
    dev_id, addr, bar, off, path, op, width = pooled.key
    place = PLACE_ORDER.index(pooled.place) \
        if pooled.place in PLACE_ORDER else 9
    return (addr, dev_id, bar, place, off, op, width,
            PATHS.index(path) if path in PATHS else 9)


class Pooled:
    """One case over several runs (rounds): samples pooled, trap counts
    summed, per-run medians kept to show drift."""

    def __init__(self, key, register, place):
        self.key = key
        self.register = register
        self.place = place
        self.raw = []
        self.rounds = []          # (round label, the run's median_ns)
        self.skipped = []         # skip reasons, one per skipping run
        self.routes = []
        self.trap_bar = 0
        self.trap_n = 0
        self.has_traps = True
        self.sources = []

    @property
    def path(self):
        return self.key[4]

    @property
    def usable(self):
        """Has samples to compare (some run measured it)."""
        return bool(self.raw)

    @property
    def trap_fraction(self):
        if not self.has_traps or not self.trap_n:
            return None
        return fractions.Fraction(self.trap_bar, self.trap_n)

    def traps_text(self):
        if not self.usable or not self.has_traps or not self.trap_n:
            return "-"
        return f"{self.trap_bar}/{self.trap_n}"

    def add(self, run, c, label):
        self.sources.append(run.source)
        if c.get("skipped"):
            self.skipped.append(c["skipped"])
            return
        raw = c.get("raw_ns")
        raw = [x for x in raw if is_number(x)] if isinstance(raw, list) \
            else []
        if not raw:
            return
        self.raw += raw
        self.rounds.append((label, c.get("median_ns")))
        self.routes.append(c.get("route", self.path))
        t = c.get("traps")
        n = c.get("trap_pass_accesses")
        if isinstance(t, dict) and isinstance(t.get("bar"), int) and \
                isinstance(n, int):
            self.trap_bar += t["bar"]
            self.trap_n += n
        else:
            self.has_traps = False


def run_label(run):
    r = run.prov.get("round")
    return f"r{r}" if r is not None else os.path.basename(run.source)


def pool(runs):
    """{case key: Pooled} over runs, in the order cases first appear."""
    out = {}
    for run in runs:
        for c in run.doc["cases"]:
            key = case_key(run, c)
            if key not in out:
                out[key] = Pooled(key, c.get("register"), c["place"])
            out[key].add(run, c, run_label(run))
    return out


class Contrast:
    """A candidate case against its baseline: ratio of medians with its
    bootstrap CI, Mann-Whitney p, and each side's median with its CI."""

    def __init__(self, base, cand, resamples, rng):
        self.base_median = stats.median(base.raw)
        self.cand_median = stats.median(cand.raw)
        # One set of resampled medians per side gives both sides' CIs and,
        # paired in draw order, the ratio's: the same as stats.ratio_ci.
        mb = stats.bootstrap_medians(base.raw, resamples, rng)
        mc = stats.bootstrap_medians(cand.raw, resamples, rng)
        self.base_ci = stats.percentile_ci(mb)
        self.cand_ci = stats.percentile_ci(mc)
        self.ratio = self.cand_median / self.base_median \
            if self.base_median else math.inf
        self.ratio_ci = stats.percentile_ci(
            [c / b if b else math.inf for b, c in zip(mb, mc)])
        _, self.p = stats.mann_whitney_u(cand.raw, base.raw)

    @property
    def change_pct(self):
        return 100 * (self.ratio - 1)


def trap_change(base, cand):
    """'up', 'down', 'same', or None when either side has no counts.
    Exact: fractions of integers, no rounding."""
    fb, fc = base.trap_fraction, cand.trap_fraction
    if fb is None or fc is None:
        return None
    return "up" if fc > fb else "down" if fc < fb else "same"


# ---- environment ---------------------------------------------------------

# (name shown, how to get it from a run)
ENV_KEYS = [
    ("kernel_release", lambda r: r.prov.get("kernel_release")),
    ("kernel_cmdline", lambda r: r.prov.get("kernel_cmdline")),
    ("page_size", lambda r: r.prov.get("page_size")),
    ("class_page_size", lambda r: r.prov.get("class_page_size")),
    ("arch", lambda r: r.prov.get("arch")),
    ("cpu_model", lambda r: r.prov.get("cpu_model")),
    ("device id", lambda r: f"{r.device['address']} {r.device['id']}"),
    ("tool version", lambda r: obj(r.doc.get("tool")).get("version")),
    # wall (ns) or icount (guest instructions): never mixed in one ratio.
    ("clock", clock_of),
    # "" for the kernel's own module, "OE" for an out-of-tree rebuild (a
    # variant): differs between variants by design.
    ("vfio-pci-core taint", lambda r: r.prov.get("vfio_pci_core_taint")),
]
# Differences that are the point of a comparison, not a flaw in it.
EXPECTED_DIFF = {"vfio-pci-core taint"}
# What must match for a gate decision to mean anything.
GATE_ENV = ["kernel_release", "kernel_cmdline", "page_size", "arch",
            "device id"]
# What a gate refuses even with --allow-env-diff: a ratio of instructions
# to ns means nothing.
GATE_NEVER_DIFF = ["clock"]
CLOCKS = ["wall", "icount"]


def env_value(run, name):
    """One environment member of a run as shown: "-" when absent, '' when
    empty."""
    v = dict(ENV_KEYS)[name](run)
    return "-" if v is None else repr(v) if v == "" else str(v)


def env_values(runs, name):
    return sorted({env_value(r, name) for r in runs})


def env_differences(runs_a, runs_b, names=None):
    """[(name, values under A, values under B)] where the sets differ.
    Device ids are compared per address present on both sides, so that a
    device missing on one side shows as missing cases, not as this."""
    out = []
    for name, _ in ENV_KEYS:
        if names is not None and name not in names:
            continue
        a, b = env_values(runs_a, name), env_values(runs_b, name)
        if name == "device id":
            addr = lambda v: v.split()[0]
            both = {addr(v) for v in a} & {addr(v) for v in b}
            a = [v for v in a if addr(v) in both]
            b = [v for v in b if addr(v) in both]
        if a != b:
            out.append((name, a, b))
    return out


def env_within(runs, names=None):
    """[(name, values)] that differ among the runs of one side (a variant's
    rounds should all come from one boot and one tool build)."""
    out = []
    for name, _ in ENV_KEYS:
        if names is not None and name not in names:
            continue
        vals = env_values(runs, name)
        if name == "device id":
            by_addr = {}
            for v in vals:
                by_addr.setdefault(v.split()[0], set()).add(v)
            vals = sorted(v for s in by_addr.values() if len(s) > 1
                          for v in s)
            if vals:
                out.append((name, vals))
        elif len(vals) > 1:
            out.append((name, vals))
    return out


# ---- gate.conf -----------------------------------------------------------

class Config:
    """gate.conf, checked: an unknown section or key (a typo) or a bad
    value is an error, not a silently ignored threshold."""

    KEYS = {
        "stats": {"resamples", "seed"},
        "compare": {"alpha", "min_effect", "rounds_must_agree"},
        "gate": {"max_slowdown"},
    }

    def __init__(self, path=None):
        self.path = path or CONF
        cp = configparser.ConfigParser(inline_comment_prefixes=("#", ";"))
        try:
            with open(self.path) as f:
                cp.read_file(f)
        except OSError as e:
            raise InputError(f"{self.path}: cannot read: {e.strerror}")
        except configparser.Error as e:
            raise InputError(f"{self.path}: not a valid INI file: "
                             f"{str(e).splitlines()[0]}")
        for section in cp.sections():
            allowed = self.KEYS.get(section)
            if allowed is None and section.startswith("gate."):
                allowed = self._gate_section(section)
            if allowed is None and section == "compare.icount":
                allowed = self.KEYS["compare"] - {"rounds_must_agree"}
            if allowed is None:
                raise InputError(f"{self.path}: unknown section "
                                 f"[{section}]")
            for key in cp[section]:
                if key not in allowed:
                    raise InputError(f"{self.path}: [{section}] unknown "
                                     f"key '{key}'")
        self.cp = cp
        self.resamples = self._int("stats", "resamples", 2000, 100)
        self.seed = self._int("stats", "seed", 1, 0)
        self.alpha = self._float("compare", "alpha", 0.01, 0, 1)
        self.min_effect = self._float("compare", "min_effect", 0.05, 0, None,
                                      low_ok=True)
        # Under icount the samples are exact: a smaller effect is real.
        self.icount_alpha = self._float("compare.icount", "alpha",
                                        self.alpha, 0, 1)
        self.icount_min_effect = self._float("compare.icount", "min_effect",
                                             self.min_effect, 0, None,
                                             low_ok=True)
        try:
            self.rounds_must_agree = cp.getboolean(
                "compare", "rounds_must_agree", fallback=True)
        except ValueError:
            raise InputError(f"{self.path}: [compare] rounds_must_agree = "
                             f"{cp.get('compare', 'rounds_must_agree')!r}: "
                             "not yes or no")
        self.slowdown = {p: self._slowdown(p) for p in PATHS}
        self.icount_slowdown = {p: self._slowdown(p, "icount.") for p in PATHS}

    def _get(self, section, key):
        return self.cp.get(section, key, fallback=None)

    def _int(self, section, key, default, low):
        text = self._get(section, key)
        if text is None:
            return default
        try:
            v = int(text)
        except ValueError:
            v = None
        if v is None or v < low:
            raise InputError(f"{self.path}: [{section}] {key} = {text!r}: "
                             f"not an integer >= {low}")
        return v

    def _float(self, section, key, default, low, high, text=None,
               low_ok=False):
        text = self._get(section, key) if text is None else text
        if text is None:
            return default
        try:
            v = float(text)
        except ValueError:
            v = math.nan
        if not math.isfinite(v) or v < low or (v == low and not low_ok) or \
                (high is not None and v >= high):
            bounds = (">= " if low_ok else "> ") + str(low) + \
                (f" and < {high}" if high else "")
            raise InputError(f"{self.path}: [{section}] {key} = {text!r}: "
                             f"not a number {bounds}")
        return v

    def _gate_section(self, section):
        """The keys of [gate.PATH], [gate.icount] or [gate.icount.PATH]; an
        InputError for any other [gate.*]."""
        rest = section[5:]
        if rest.startswith("icount"):
            rest = rest[7:] if rest.startswith("icount.") else \
                ("" if rest == "icount" else rest)
        if rest and rest not in PATHS:
            raise InputError(f"{self.path}: [{section}]: no such path "
                             f"(paths: {', '.join(PATHS)})")
        return {"max_slowdown"}

    def _slowdown(self, path, clock=""):
        """max_slowdown of `path` on wall time: [gate.PATH], else [gate],
        else 1.5; on icount (clock "icount."): [gate.icount.PATH], else
        [gate.icount], else 1.01.  icount never falls back to the wall
        settings: they allow for TCG's drift, which icount does not have."""
        # A profile's path falls back on [gate.vmm], then on the clock's.
        paths = [path] + (["vmm"] if path.startswith("vmm:") else [])
        order = [f"gate.{clock}{p}" for p in paths] + \
            ([f"gate.{clock[:-1]}"] if clock else ["gate"])
        section, text = None, None
        for section in order:
            text = self._get(section, "max_slowdown")
            if text is not None:
                break
        if text is None:
            return 1.01 if clock else 1.5
        if text.strip().lower() == "off":
            return None
        v = self._float(section, "max_slowdown", 1.5, 0, None, text)
        if v < 1:
            raise InputError(f"{self.path}: [{section}] max_slowdown = "
                             f"{text!r}: must be >= 1 (a ratio "
                             "candidate/baseline), or off")
        return v

    def slowdown_for(self, clock, path):
        return (self.icount_slowdown if clock == "icount"
                else self.slowdown)[path]

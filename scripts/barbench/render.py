"""The one renderer of scripts/: how a number, a cost, a trap count, a
ratio, a table and a wrapped paragraph look in every report, so that the
same case reads the same in report, compare, gate, matrix and overhead.

A cost side ("s" below) is a dict with median_ns, ci95_ns ([lo, hi] or
None) and skipped (the reason the kernel refused the mmap, or None); a
matrix cell adds measured (False where the suite did not run the case).
"""
import textwrap


# ---- units ---------------------------------------------------------------

class Unit:
    """How a clock's values are named: `short` in table heads ("ns"),
    `per_access` in sentences, `name` alone ("guest instructions")."""

    def __init__(self, clock, short, name):
        self.clock, self.short, self.name = clock, short, name
        self.per_access = f"{name} per access"


UNITS = {"wall": Unit("wall", "ns", "ns"),
         "icount": Unit("icount", "insns", "guest instructions")}


def unit(clock):
    return UNITS[clock]


# ---- numbers -------------------------------------------------------------

def num(x):
    """A cost as printed: a whole number of the clock's unit."""
    return "-" if x is None else f"{x:.0f}"


def factor(x):
    """A ratio as printed: two decimals under 10x, one above."""
    return f"{x:.2f}" if x < 10 else f"{x:.1f}"


def fraction(n, total):
    """An exact count out of a total, "3/80"; "-" without a count."""
    return "-" if n is None else f"{n}/{total}"


def page_label(size):
    for unit, div in (("M", 1 << 20), ("K", 1 << 10)):
        if size % div == 0:
            return f"{size // div}{unit}"
    return str(size)


# ---- costs ---------------------------------------------------------------

def med_ci(s):
    """"median [lo, hi]", or why there is no median."""
    if s is None:
        return "-"
    if s.get("measured") is False:
        return "not measured"
    if s["median_ns"] is None:
        if s.get("route") == "emulated":
            return "emulated"
        return "not mappable" if s.get("skipped") else "no samples"
    if not s.get("ci95_ns"):
        return num(s["median_ns"])
    lo, hi = s["ci95_ns"]
    return f"{num(s['median_ns'])} [{num(lo)}, {num(hi)}]"


def short_cost(s, refused="refused"):
    """The median alone, for tables under 80 columns."""
    if s is None or s.get("measured") is False:
        return "-"
    if s["median_ns"] is None:
        return refused if s.get("skipped") else "none"
    return num(s["median_ns"])


# ---- tables and text -----------------------------------------------------

def md_table(head, rows, right=()):
    esc = lambda t: str(t).replace("|", "\\|")
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---:" if i in right else "---"
                          for i in range(len(head))) + "|"]
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return out


def txt_table(head, rows, right, sep=" ", indent=""):
    """Fixed-width lines: the head, a rule, the rows; columns in `right`
    right-aligned."""
    widths = [max(len(str(r[i])) for r in [head] + rows)
              for i in range(len(head))]
    fmt = lambda r: sep.join(str(c).rjust(w) if i in right else
                             str(c).ljust(w)
                             for i, (c, w) in enumerate(zip(r, widths)))
    return [(indent + fmt(r)).rstrip() for r in
            [head, ["-" * w for w in widths]] + rows]


def wrap(text, indent="", hang="", width=78):
    """A paragraph in lines of `width`, continuation lines indented by
    `hang` more; never broken inside a word or at a hyphen (an address or
    an option must stay whole to be searched for)."""
    return textwrap.wrap(text, width, initial_indent=indent,
                         subsequent_indent=indent + hang,
                         break_on_hyphens=False, break_long_words=False)

"""Whole-program measurements a comparison folder may also hold, per variant
V: hyperfine's --export-json files (RUNDIR/V/hyperfine*.json) and perf stat
output (RUNDIR/V/perf*.txt).  scripts/compare-report shows them as small tables
beside barbench's per-access numbers: they answer "does the per-access
difference show up in a whole program's time and counters?".

Absent files are no error (most runs have none); a file that cannot be
parsed is reported as a warning, never fatal, since barbench's own results
are the point of the comparison.
"""
import glob
import json
import os

PERF_UNITS = {"msec", "usec", "nsec", "sec", "seconds", "ms", "us", "ns",
              "Joules", "MiB", "GiB", "KiB", "bytes"}


def hyperfine(folder):
    """([{file, command, mean_s, stddev_s, median_s, min_s, max_s, runs}],
    [warnings]) from folder/hyperfine*.json."""
    rows, warnings = [], []
    for path in sorted(glob.glob(os.path.join(folder, "hyperfine*.json"))):
        try:
            with open(path) as f:
                doc = json.load(f)
            for r in doc["results"]:
                times = r.get("times") or []
                rows.append({
                    "file": os.path.basename(path),
                    "command": str(r["command"]),
                    "mean_s": float(r["mean"]),
                    "stddev_s": float(r["stddev"]) if r.get("stddev")
                    is not None else None,
                    "median_s": float(r["median"]),
                    "min_s": float(r.get("min", min(times, default=0))),
                    "max_s": float(r.get("max", max(times, default=0))),
                    "runs": len(times),
                })
        except (OSError, ValueError, KeyError, TypeError) as e:
            warnings.append(f"{path}: not hyperfine --export-json output "
                            f"({type(e).__name__}: {e}); skipped")
    return rows, warnings


def _number(text):
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def parse_perf(text):
    """perf stat's counter lines, in its default or its -x, (CSV) form:
    [{event, value (float or None when not counted), unit, variance_pct,
    note}]."""
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("#", "Performance")):
            continue
        fields = line.split(",")
        if len(fields) >= 3 and not line[0].isspace():
            # perf stat -x, writes no leading blanks; its default form
            # right-aligns the counts, so "   1,234 page-faults" is not CSV.
            # CSV: value,unit,event,run-time,pct-enabled,metric,metric-unit
            value = _number(fields[0])
            if value is None and not fields[0].startswith("<"):
                continue
            rows.append({"event": fields[2], "value": value,
                         "unit": fields[1], "variance_pct": None,
                         "note": " ".join(f for f in fields[5:7] if f),
                         "text": fields[0].strip("<>")})
            continue
        body, _, note = line.partition("#")
        variance = None
        if "( +-" in note or "( +-" in body:
            src = note if "( +-" in note else body
            head, _, tail = src.partition("( +-")
            variance = _number(tail.split("%")[0].strip())
            if src is note:
                note = head
            else:
                body = head
        tokens = body.split()
        if not tokens:
            continue
        text = None
        if tokens[0].startswith("<not"):
            value, text, tokens = None, " ".join(tokens[:2]).strip("<>"), \
                tokens[2:]
        else:
            value = _number(tokens[0])
            if value is None:
                continue
            tokens = tokens[1:]
        unit = ""
        if tokens and tokens[0] in PERF_UNITS:
            unit, tokens = tokens[0], tokens[1:]
        if not tokens:
            continue
        rows.append({"event": " ".join(tokens), "value": value,
                     "unit": unit, "variance_pct": variance,
                     "note": note.strip(), "text": text})
    return rows


def perf(folder):
    """({file: rows}, [warnings]) from folder/perf*.txt."""
    out, warnings = {}, []
    for path in sorted(glob.glob(os.path.join(folder, "perf*.txt"))):
        try:
            with open(path) as f:
                rows = parse_perf(f.read())
        except (OSError, UnicodeDecodeError) as e:
            warnings.append(f"{path}: cannot read ({e}); skipped")
            continue
        if rows:
            out[os.path.basename(path)] = rows
        else:
            warnings.append(f"{path}: no perf stat counter lines; skipped")
    return out, warnings


def fmt_seconds(s, like=None):
    """s in s, ms or us, chosen by `like` (a mean, for its deviation) or
    by s itself."""
    if s is None:
        return "-"
    ref = s if like is None else like
    if ref >= 1:
        return f"{s:.3f} s"
    if ref >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} us"


def fmt_count(v, text=None):
    """A counter as perf prints it; `text` is perf's own word for a
    counter without a value ("not supported", "not counted")."""
    if v is None:
        return text or "not counted"
    return f"{v:,.0f}" if v == int(v) and abs(v) >= 1000 else f"{v:,.6g}"

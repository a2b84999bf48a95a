"""The one loader of scripts/: every results file any script reads goes
through here, and every file a script writes goes out through write_atomic.

What it reads:
  - barbench run files (schema vfio-barbench/run/1), folders of them, and
    bundles of them (vfio-barbench/bundle/1), as Run objects (load);
  - comparison documents (compare.json, vfio-barbench/compare/1), checked
    member by member: barbench.compare.CompareDoc, on top of this module.

Why one module: a damaged or foreign file must get the same clear refusal
(InputError: exit 2, the file and the member named) from report, compare,
gate, bundle, matrix and overhead, never a traceback; and every script must
accept the same inputs, so that a bundle that gates also reports.
"""
import argparse
import json
import math
import os
import re
import shutil
import sys

from barbench import status

RUN_SCHEMA = "vfio-barbench/run/1"
BUNDLE_SCHEMA = "vfio-barbench/bundle/1"
PLACE_ORDER = ["other", "table-page", "msix-table", "msix-pba"]
# The vmm path once per VMM profile (barbench --vmm): its cases carry
# "vmm": NAME, and the loader labels their path "vmm:NAME".  Plain "vmm" is
# the path of files older than the profiles (one abstract VMM).
VMM_PROFILES = ["qemu", "qemu-relocation", "cloud-hypervisor", "dpdk",
                "crosvm"]
PATHS = ["mmap", "fd", "vmm"] + [f"vmm:{v}" for v in VMM_PROFILES]
# The vmm path a headline quotes: QEMU's, or an older file's one model.
HEADLINE_PATHS = ("vmm:qemu", "vmm")


def is_vmm(path):
    return path == "vmm" or path.startswith("vmm:")


def present_paths(cases):
    """The paths these cases have, in PATHS order."""
    seen = {c["path"] for c in cases}
    return [p for p in PATHS if p in seen]


def headline_vmm(paths):
    """Of some paths, the vmm path a headline quotes (QEMU's, else an older
    file's "vmm"), or None."""
    return next((p for p in HEADLINE_PATHS if p in paths), None)


def label_vmm_path(c, where):
    """A vmm case's path becomes "vmm:NAME" (idempotent: a bundle keeps
    the label); an unknown profile is an InputError."""
    v = c.get("vmm")
    if c["path"] != "vmm" or v is None:
        if c["path"] not in PATHS:
            raise InputError(f"{where}.path is {json.dumps(c['path'])[:60]}"
                             f", not one of {', '.join(PATHS)}")
        return
    if v not in VMM_PROFILES:
        raise InputError(f"{where}.vmm is {json.dumps(v)[:60]}, not one of "
                         f"{', '.join(VMM_PROFILES)}")
    c["path"] = f"vmm:{v}"

# What identifies and places a case, and its type.
CASE_MEMBERS = [("bar", int), ("offset", int), ("width", int),
                ("path", str), ("op", str), ("place", str)]


class InputError(Exception):
    """Bad, foreign or mismatched input: the tools exit 2
    (status.INVALID_INPUT) with its text."""


class OutputError(Exception):
    """An output that cannot be written: the tools exit 41
    (status.OUTPUT_FAILED) with its text."""


class Run:
    """One barbench run document and where it came from (a file, or
    "BUNDLE#runs[i]")."""

    def __init__(self, source, doc):
        self.source = source
        self.doc = doc

    @property
    def prov(self):
        return self.doc["provenance"]

    @property
    def device(self):
        return self.doc["device"]


# ---- values --------------------------------------------------------------

def obj(x):
    """x if it is a JSON object, else an empty one: optional members of a
    run are read through this, so a wrong type reads as absent."""
    return x if isinstance(x, dict) else {}


def is_number(x):
    """A finite number that arithmetic can use: not a bool, and not an
    integer too large for a float (a 5000-digit "sample")."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    try:
        return math.isfinite(float(x))
    except OverflowError:
        return False


def is_count(x):
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


# ---- reading -------------------------------------------------------------

class NotJSON(ValueError):
    pass


def not_json(name):
    """NaN, Infinity and -Infinity: Python's json reads them, JSON has no
    such values, and a median of NaN would print as "nan" and compare as
    neither slower nor faster."""
    raise NotJSON(name)


def read_bytes(path, expected="a results file"):
    """The bytes of `path`; an InputError for a folder or a file that
    cannot be read, naming what was expected there."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected {expected}")
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}")


def read_json(path):
    """The document in `path`; an InputError naming the cause for a file
    that is missing, unreadable, not UTF-8, not JSON, or JSON that Python
    cannot hold (nesting beyond the recursion limit, integers of thousands
    of digits)."""
    data = read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 (byte {e.start}); not a "
                         "results file, or corrupt")
    try:
        return json.loads(text, parse_constant=not_json)
    except NotJSON as e:
        raise InputError(f"{path}: {e} is not JSON (no tool of ours writes "
                         "it); corrupt or hand-edited?")
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON (line {e.lineno}: "
                         f"{e.msg}); truncated or corrupt?")
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply; not a results "
                         "file")
    except ValueError as e:       # e.g. an integer beyond 4300 digits
        raise InputError(f"{path}: JSON that cannot be read: {e}")


def check_run(doc, source):
    """The structure every tool relies on; raises InputError."""
    if not isinstance(doc, dict) or doc.get("schema") != RUN_SCHEMA:
        found = doc.get("schema") if isinstance(doc, dict) else None
        raise InputError(f"{source}: schema {found!r}, expected "
                         f"{RUN_SCHEMA!r}")
    for key in ("provenance", "device", "cases", "timer"):
        if key not in doc:
            raise InputError(f"{source}: no '{key}' member")
    for key in ("provenance", "device"):
        if not isinstance(doc[key], dict):
            raise InputError(f"{source}: '{key}' is not an object")
    if not isinstance(doc["cases"], list):
        raise InputError(f"{source}: 'cases' is not a list")
    for i, c in enumerate(doc["cases"]):
        if not isinstance(c, dict):
            raise InputError(f"{source}: cases[{i}] is not an object")
        for key, kind in CASE_MEMBERS:
            if key not in c:
                raise InputError(f"{source}: cases[{i}] has no '{key}'")
            if not isinstance(c[key], kind) or isinstance(c[key], bool):
                raise InputError(f"{source}: cases[{i}].{key} is "
                                 f"{json.dumps(c[key])[:60]}, not "
                                 f"{'a number' if kind is int else 'text'}")
        label_vmm_path(c, f"{source}: cases[{i}]")
    for key in ("address", "id"):
        if not isinstance(doc["device"].get(key), str):
            raise InputError(f"{source}: device has no '{key}'")
    return doc


def run_files(folder):
    try:
        names = sorted(os.listdir(folder))
    except OSError as e:
        raise InputError(f"{folder}: cannot list: {e.strerror}")
    return [os.path.join(folder, n) for n in names
            if n.endswith(".json") and not n.endswith(".info.json")
            and not n.startswith("hyperfine")]


def round_folders(folder):
    """folder/round-N, in round order: how the harness keeps a variant's
    rounds (device-side/alternate-variants.sh)."""
    try:
        names = os.listdir(folder)
    except OSError as e:
        raise InputError(f"{folder}: cannot list: {e.strerror}")
    rounds = [d for d in names if re.fullmatch(r"round-\d+", d) and
              os.path.isdir(os.path.join(folder, d))]
    return [os.path.join(folder, d)
            for d in sorted(rounds, key=lambda d: int(d[6:]))]


def load_rounds(folder):
    """Runs of a variant folder: folder/round-N/*.json, or folder/*.json
    for a variant measured once; each run's provenance.round is set from
    its folder where an older harness left it out."""
    rounds = round_folders(folder)
    runs = []
    for i, sub in enumerate(rounds or [folder]):
        for f in run_files(sub):
            for run in load(f):
                if run.prov.get("round") is None:
                    run.prov["round"] = int(os.path.basename(sub)[6:]) \
                        if rounds else 1
                runs.append(run)
    return runs


def load(arg):
    """Runs from a run file, a bundle file, a folder of either, or a
    variant folder of a comparison (its round-N subfolders)."""
    if os.path.isdir(arg):
        files = run_files(arg)
        if not files and round_folders(arg):
            files = [r for sub in round_folders(arg) for r in
                     run_files(sub)]
            if files:
                return load_rounds(arg)
        if not files:
            raise InputError(f"{arg}: no results (*.json, or "
                             "round-N/*.json) in it")
        return [r for f in files for r in load(f)]
    if not os.path.lexists(arg):
        raise InputError(f"{arg}: no such file or folder")
    doc = read_json(arg)
    if isinstance(doc, dict) and doc.get("schema") == BUNDLE_SCHEMA:
        runs = doc.get("runs")
        if not isinstance(runs, list) or not runs:
            raise InputError(f"{arg}: bundle with no 'runs'")
        return [Run(f"{arg}#runs[{i}]", check_run(d, f"{arg}#runs[{i}]"))
                for i, d in enumerate(runs)]
    if isinstance(doc, dict) and doc.get("schema") not in (RUN_SCHEMA, None):
        raise InputError(f"{arg}: schema {doc.get('schema')!r}, expected "
                         f"{RUN_SCHEMA!r} or {BUNDLE_SCHEMA!r}")
    return [Run(arg, check_run(doc, arg))]


def missing_in_rounds(vdir):
    """A device file some rounds have and others lack: the variant's header
    would count rounds that did not measure every device."""
    rounds = round_folders(vdir)
    files = {r: {os.path.basename(f) for f in run_files(r)} for r in rounds}
    every = set().union(*files.values()) if files else set()
    return [f"{r}: no {name} (the other rounds of {os.path.basename(vdir)} "
            "have it); that device has fewer rounds than the header says"
            for r in rounds for name in sorted(every - files[r])]


def variants(rundir):
    """{variant: [Run]} of a comparison folder, RUNDIR/V/round-N/*.json
    (or RUNDIR/V/*.json), and warnings about them."""
    if not os.path.isdir(rundir):
        raise InputError(f"{rundir}: not a folder")
    out, warnings = {}, []
    for v in sorted(os.listdir(rundir)):
        vdir = os.path.join(rundir, v)
        if not os.path.isdir(vdir) or v == "charts":
            continue
        runs = load_rounds(vdir)
        warnings += missing_in_rounds(vdir)
        for run in runs:
            if run.prov.get("variant") != v:
                warnings.append(f"{run.source}: provenance.variant "
                                f"{run.prov.get('variant')!r} in folder "
                                f"{v!r}; counted as {v!r}")
        if runs:
            out[v] = runs
    if not out:
        raise InputError(f"{rundir}: no variant folders with results "
                         "(RUNDIR/VARIANT/round-N/*.json)")
    return out, warnings


def clock_of(run):
    """"wall" or "icount": the clock of a run's times (provenance.clock,
    written by barbench from $BARBENCH_CLOCK; a run without one is from a
    barbench that knew only wall time)."""
    c = run.prov.get("clock")
    if c is None:
        return "wall"
    kind = obj(c).get("kind")
    if kind == "wall":
        return kind
    if kind == "icount":
        if obj(c).get("shift") != 0:
            raise InputError(f"{run.source}: provenance.clock.shift is "
                             f"{json.dumps(obj(c).get('shift'))}: the scripts "
                             "read icount shift 0 only (1 ns of guest time "
                             "is 1 instruction)")
        return kind
    raise InputError(f"{run.source}: provenance.clock is "
                     f"{json.dumps(c)[:60]}, not a wall or icount clock")


def one_clock(runs, what="the runs"):
    """The one clock of `runs`; an InputError naming a run of each when
    they mix: instructions and ns never go into one table or ratio."""
    clocks = {}
    for r in runs:
        clocks.setdefault(clock_of(r), r)
    if len(clocks) > 1:
        w, i = clocks["wall"], clocks["icount"]
        raise InputError(f"{what} mix clocks: {w.source} is on wall time "
                         f"(ns), {i.source} on icount (guest instructions); "
                         "compare runs of one clock")
    return next(iter(clocks), "wall")


def load_all(args):
    """Runs of every argument; the same file named twice (or a file and
    its folder) is refused, never counted twice."""
    seen, runs = {}, []
    for a in args:
        for r in load(a):
            path = os.path.realpath(r.source.split("#runs[")[0])
            key = (path, r.source.partition("#")[2])
            if key in seen:
                raise InputError(f"{r.source}: given twice (also as "
                                 f"{seen[key]}); each run counts once")
            seen[key] = r.source
            runs.append(r)
    return runs


def check_table(run):
    """Every member scripts/report's table reads, of the type it needs:
    stricter than check_run, since the table shows each case's CI and the
    header the whole provenance."""
    doc = run.doc

    def bad(what):
        raise InputError(f"{run.source}: {what}")

    def num(x, none_ok=False):
        return (x is None and none_ok) or is_number(x)

    if not isinstance(doc["timer"], dict):
        bad("'timer' is not an object")
    p, t = doc["provenance"], doc["timer"]
    for key in ("kernel_release", "arch", "variant", "date"):
        if not isinstance(p.get(key), str):
            bad(f"provenance.{key} is missing or not a string")
    for key in ("page_size", "class_page_size"):
        if not num(p.get(key)):
            bad(f"provenance.{key} is missing or not a number")
    if not isinstance(t.get("source"), str) or not num(t.get("overhead_ns")):
        bad("timer.source or timer.overhead_ns is missing or mistyped")
    if not isinstance(obj(doc.get("tool")).get("version"), str):
        bad("tool.version is missing or not a string")
    bars = doc["device"].get("bars", [])
    if not isinstance(bars, list):
        bad("device.bars is not a list")
    for i, b in enumerate(bars):
        if not isinstance(b, dict) or not num(b.get("index")) or \
                not num(b.get("size")):
            bad(f"device.bars[{i}] is not a BAR with an index and a size")
    for i, c in enumerate(doc["cases"]):
        if c.get("register") is not None and not isinstance(c["register"],
                                                            str):
            bad(f"case {i}: 'register' is not a string")
        if c.get("skipped"):
            continue
        for key in ("median_ns", "ci95_lo_ns", "ci95_hi_ns"):
            if not num(c.get(key), none_ok=True):
                bad(f"case {i}: '{key}' is missing or not a number")
        if is_vmm(c["path"]) and not isinstance(c.get("route"), str):
            bad(f"case {i}: 'route' is missing or not a string")
        if "traps" in c and (not isinstance(c["traps"], dict) or
                             not num(c["traps"].get("bar"))):
            bad(f"case {i}: 'traps' is not an object with a count")
        if "traps" in c and not num(c.get("trap_pass_accesses")):
            bad(f"case {i}: 'trap_pass_accesses' is missing or not a number")
    return run


# ---- writing -------------------------------------------------------------

def check_out_file(path):
    """Refuse, before any work, an --out that cannot become a file: a
    folder, or a file in a folder that does not exist."""
    if os.path.isdir(path):
        raise OutputError(f"--out {path}: is a folder; name a file")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise OutputError(f"--out {path}: no folder {parent}")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"--out {path}: folder {parent} is not writable")


def write_atomic(path, data):
    """Write to a temporary file beside `path`, then rename: a reader never
    sees half a file, and an earlier one survives a failure."""
    tmp = f"{path}.tmp.{os.getpid()}"
    mode = "wb" if isinstance(data, bytes) else "w"
    try:
        with open(tmp, mode) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror}; nothing "
                          "written")
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def check_out_folder(out, marker):
    """Refuse, before any work, an output folder that exists and is not an
    earlier output of the same script (one holding `marker`): never
    replace someone's other folder."""
    if not os.path.lexists(out):
        return
    if not os.path.isdir(out) or os.path.islink(out):
        raise InputError(f"--out {out}: exists and is not a folder")
    names = os.listdir(out)
    if names and marker not in names:
        raise InputError(f"--out {out}: exists and is not an earlier output "
                         f"of this script (no {marker} in it); name a new "
                         "folder")


def publish_folder(tmp, out):
    """Rename the finished folder `tmp` to `out`; an earlier `out` is moved
    aside first and removed after, so `out` is never half-written."""
    old = None
    if os.path.lexists(out):
        old = f"{out}.old.{os.getpid()}"
        os.rename(out, old)
    try:
        os.rename(tmp, out)
    except OSError:
        if old:
            os.rename(old, out)
        raise
    if old:
        shutil.rmtree(old, ignore_errors=True)


# ---- running a script ----------------------------------------------------

def parser(doc, prog=None):
    """The argument parser of a script whose docstring is its manual: the
    first paragraph is the description, the second the usage (argparse
    prints its own), the rest (inputs, outputs, exit statuses) the epilog
    of --help."""
    parts = doc.split("\n\n")
    return argparse.ArgumentParser(
        prog=prog, description=parts[0], epilog="\n\n".join(parts[2:]),
        formatter_class=argparse.RawDescriptionHelpFormatter)


def guard(prog, main):
    """Run main() and exit with its status (barbench.status).  InputError
    exits 2 and OutputError 41, each with its message; an interrupt 130; a
    closed stdout quietly; any other exception is a bug, reported as one and
    exiting 49, never 1 (the gate's "regressed") and never as a bare
    traceback."""
    try:
        rc = main()
        sys.stdout.flush()
    except InputError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        rc = status.INVALID_INPUT
    except OutputError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        rc = status.OUTPUT_FAILED
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        rc = status.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (| head): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        rc = status.SUCCESS
    except Exception as e:  # noqa: BLE001 -- the point of the guard
        print(f"{prog}: internal error: {type(e).__name__}: {e}; this is a "
              "bug of vfio-barbench: please report it with the input",
              file=sys.stderr)
        rc = status.INTERNAL_ERROR
    sys.exit(rc)

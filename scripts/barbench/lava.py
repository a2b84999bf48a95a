"""LAVA's results of a vfio-barbench job, read back (scripts/lava-import).

A job's results come back in three forms, each read into Records:
  - the results export: `lavacli results JOB --yaml`, or the web UI's
    "YAML" download: a list of test cases (name, suite, result, measurement,
    unit, metadata, job), each case's metadata holding its test set and,
    for a lava-test-reference, the reference;
  - the web UI's "CSV" download: the same columns, metadata as the repr of
    a Python dict (LAVA's csv.DictWriter writes it so);
  - the job log: lava-run's output, or `lavacli jobs logs JOB --raw`: one
    YAML mapping a line, the results under lvl "results".
Any of them may be gzipped.

lava/report-cases attaches every output file of a run in the test set
"files", a chunk per lava-test-reference: bbfile1:K:N:SHA256:ENC:PATH:DATA.
files() puts them back together, byte for byte, and checks each against
its sha256; cross_check() then holds every timed case of the results
against its run file's median, so that an import whose results and files
disagree is refused.
"""
import ast
import base64
import binascii
import csv
import gzip
import hashlib
import io
import json
import re
import zlib

from barbench import load
from barbench.load import InputError, RUN_SCHEMA

# How lava/report-cases.awk names a case: PLACE.REGISTER.OFFSET.OP.wW.PATH.
REGISTER_CHARS = re.compile(r"[^A-Za-z0-9_-]")
CHUNK = re.compile(r"bbfile1:(\d+):(\d+):([0-9a-f]{64}):(gz64|b64):"
                   r"([-_./A-Za-z0-9]+):([A-Za-z0-9+/=]*)\Z")
ATTACH_SET = "files"


class Record:
    """One LAVA test case: its suite (the test definition's run, e.g.
    0_barbench-suite), test set, name, result, measurement (text, or
    None), units, reference (None unless a lava-test-reference) and job."""

    __slots__ = ("suite", "set", "name", "result", "measurement", "units",
                 "reference", "job")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))


def case_name(c):
    """The test case name lava/report-cases gives a barbench case."""
    n = c["place"]
    if isinstance(c.get("register"), str):
        n += "." + REGISTER_CHARS.sub("_", c["register"])
    # A VMM profile's case (the loader's vmm:NAME, or in the raw JSON path
    # vmm with its "vmm") is vmm-NAME: lava/report-cases.awk's name.
    path = c["path"]
    if path == "vmm" and isinstance(c.get("vmm"), str):
        path = "vmm:" + c["vmm"]
    return (f"{n}.0x{c['offset']:04x}.{c['op']}.w{c['width']}."
            f"{path.replace(':', '-')}")


# ---- the three forms ----------------------------------------------------

def yaml_module(path):
    try:
        import yaml
    except ImportError:
        raise InputError(f"{path}: YAML needs python3-yaml (apt-get install "
                         "python3-yaml); the CSV export needs nothing")
    return yaml


def opt(x):
    """An optional member as text: whatever YAML made of it."""
    return None if x is None else str(x)


def text(measurement):
    """A measurement as text: the export writes "None" where there is
    none, the log a number."""
    if measurement is None or measurement == "None" or measurement == "":
        return None
    return str(measurement)


def from_export(d, where):
    if not isinstance(d, dict) or not {"name", "suite", "result"} <= set(d):
        raise InputError(f"{where}: not a LAVA test case (name, suite, "
                         "result)")
    meta = d.get("metadata") or {}
    if isinstance(meta, str):           # the CSV export: a dict's repr
        try:
            meta = ast.literal_eval(meta)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            raise InputError(f"{where}: metadata is not a Python dict's "
                             "repr, as LAVA's CSV export writes it")
    if not isinstance(meta, dict):
        raise InputError(f"{where}: metadata is not a mapping")
    return Record(suite=str(d["suite"]), set=opt(meta.get("set")),
                  name=str(d["name"]), result=str(d["result"]),
                  measurement=text(d.get("measurement")),
                  units=opt(d.get("unit") or None),
                  reference=opt(meta.get("reference")),
                  job=opt(d.get("job")))


def from_log(msg, where):
    if not isinstance(msg, dict) or not {"definition", "case", "result"} \
            <= set(msg):
        raise InputError(f"{where}: a results entry without definition, "
                         "case and result")
    return Record(suite=str(msg["definition"]), set=opt(msg.get("set")),
                  name=str(msg["case"]), result=str(msg["result"]),
                  measurement=text(msg.get("measurement")),
                  units=opt(msg.get("units")),
                  reference=opt(msg.get("reference")))


LOG_LINE = re.compile(r'^(- )?\{"dt": ')


def read_records(path):
    """(records, form) of one file: "log", "csv" or "yaml"."""
    return parse_records(load.read_bytes(path, "LAVA results"), path)


def parse_records(data, path):
    """(records, form) of the bytes of a file named path."""
    if data[:2] == b"\x1f\x8b":       # a job log kept gzipped
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise InputError(f"{path}: gzip that does not decompress: {e}")
    try:
        body = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 (byte {e.start}): not LAVA "
                         "results")
    lines = body.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    if first.startswith("job,suite,result,"):
        rows = csv.DictReader(io.StringIO(body))
        try:
            return [from_export(r, f"{path}:{i + 2}")
                    for i, r in enumerate(rows)], "csv"
        except csv.Error as e:
            raise InputError(f"{path}: not a LAVA CSV export: {e}")
    yaml = yaml_module(path)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if LOG_LINE.match(first):
        out = []
        for i, ln in enumerate(lines):
            if '"lvl": "results"' not in ln:
                continue
            try:
                entry = yaml.load(ln[2:] if ln.startswith("- ") else ln,
                                  Loader=loader)
            except yaml.YAMLError as e:
                raise InputError(f"{path}:{i + 1}: a log line that is not "
                                 f"YAML: {str(e).splitlines()[0]}")
            if isinstance(entry, dict) and entry.get("lvl") == "results":
                out.append(from_log(entry.get("msg"), f"{path}:{i + 1}"))
        return out, "log"
    try:
        doc = yaml.load(body, Loader=loader)
    except yaml.YAMLError as e:
        raise InputError(f"{path}: not YAML, CSV or a LAVA job log: "
                         f"{str(e).splitlines()[0]}")
    except RecursionError:
        raise InputError(f"{path}: YAML nested too deeply")
    if not isinstance(doc, list):
        raise InputError(f"{path}: not LAVA results: expected a list of "
                         "test cases (lavacli results JOB --yaml)")
    return [from_export(d, f"{path}: case {i}")
            for i, d in enumerate(doc)], "yaml"


# ---- the attached files -------------------------------------------------

def safe_path(p, where):
    parts = p.split("/")
    if p.startswith("/") or any(x in ("", ".", "..") for x in parts):
        raise InputError(f"{where}: attached path {p!r} leaves its folder")
    return p


def files(records):
    """{suite: {path: bytes}} of the attachments, each whole and checked
    against its sha256."""
    chunks = {}
    for r in records:
        if r.set != ATTACH_SET or r.reference is None:
            continue
        where = f"{r.suite}/{r.set}/{r.name}"
        m = CHUNK.match(str(r.reference))
        if not m:
            raise InputError(f"{where}: reference is not a bbfile1 chunk "
                             "(lava/report-cases --attach)")
        k, n, sha, enc, path, data = m.groups()
        k, n = int(k), int(n)
        if not 1 <= k <= n:
            raise InputError(f"{where}: chunk {k} of {n}")
        safe_path(path, where)
        f = chunks.setdefault(r.suite, {}).setdefault(
            path, {"n": n, "sha": sha, "enc": enc, "parts": {}})
        if (f["n"], f["sha"], f["enc"]) != (n, sha, enc):
            raise InputError(f"{where}: {path}: chunks of two different "
                             "files (sha256 or count differ)")
        if f["parts"].setdefault(k, data) != data:
            raise InputError(f"{where}: {path}: chunk {k} given twice, "
                             "different")
    out = {}
    for suite, paths in chunks.items():
        for path, f in paths.items():
            missing = sorted(set(range(1, f["n"] + 1)) - set(f["parts"]))
            if missing:
                raise InputError(f"{suite}: {path}: chunk(s) "
                                 f"{', '.join(map(str, missing[:5]))} of "
                                 f"{f['n']} missing: results truncated? "
                                 "(LAVA drops a case whose metadata passes "
                                 "4096 bytes)")
            b64 = "".join(f["parts"][k] for k in range(1, f["n"] + 1))
            try:
                data = base64.b64decode(b64, validate=True)
                if f["enc"] == "gz64":
                    data = gzip.decompress(data)
            except (binascii.Error, OSError, EOFError, zlib.error) as e:
                raise InputError(f"{suite}: {path}: attachment does not "
                                 f"decode ({f['enc']}): {e}")
            if hashlib.sha256(data).hexdigest() != f["sha"]:
                raise InputError(f"{suite}: {path}: sha256 of the attached "
                                 "file differs from the board's: corrupt "
                                 "in transit")
            out.setdefault(suite, {})[path] = data
    return out


# ---- the measurements against the files ---------------------------------

def run_doc(path, data):
    """The run document of an attached file, or None for another file; an
    InputError for a run file without the structure every tool needs."""
    if not path.endswith(".json") or path.endswith(".info.json"):
        return None
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("schema") != RUN_SCHEMA:
        return None
    return load.check_run(doc, f"attached {path}")


def same_number(text, value):
    """LAVA keeps a measurement as a decimal of 10 places."""
    try:
        a, b = float(text), float(value)
    except (TypeError, ValueError):
        return False
    return abs(a - b) <= 1e-9 * max(1.0, abs(b)) + 1e-10


def cross_check(suite, records, attached):
    """Every timed case of each attached run against the results: the same
    cases, medians equal to the measurements, skips where the kernel
    refused the mmap.  Returns the number of cases checked."""
    by_set = {}
    for r in records:
        if r.suite == suite and r.set not in (None, ATTACH_SET):
            by_set.setdefault(r.set, {})[r.name] = r
    checked = 0
    for path, data in sorted(attached.items()):
        doc = run_doc(path, data)
        if doc is None:
            continue
        tset = path[:-len(".json")].replace("/", ".")
        cases = by_set.get(tset)
        if cases is None:
            raise InputError(f"{suite}: {path} is attached but the results "
                             f"have no test set {tset!r}")
        try:
            names = [(case_name(c), c) for c in doc["cases"]]
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{suite}: {path}: a case without place, "
                             "offset, op, width or path")
        for name, c in names:
            r = cases.get(name)
            if r is None:
                raise InputError(f"{suite}: {path}: case {name} is not in "
                                 f"the results' set {tset}")
            if c.get("skipped"):
                ok = r.result == "skip"
            else:
                ok = r.result == "pass" and same_number(r.measurement,
                                                        c.get("median_ns"))
            if not ok:
                raise InputError(f"{suite}: {tset}/{name}: the results say "
                                 f"{r.result} {r.measurement}, the attached "
                                 f"{path} {c.get('median_ns')} (skipped: "
                                 f"{c.get('skipped')}): they disagree")
            checked += 1
    for tset, cases in sorted(by_set.items()):
        runs = [p for p, d in attached.items()
                if p[:-len(".json")].replace("/", ".") == tset]
        timed = [n for n, r in cases.items() if r.units in ("ns", "insns")]
        if timed and not runs:
            raise InputError(f"{suite}: test set {tset} has {len(timed)} "
                             "timed cases but no attached run file: the "
                             "import would lose them (lava/report-cases "
                             "--attach)")
    return checked

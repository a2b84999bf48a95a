#!/usr/bin/env python3
"""What LAVA makes of a test definition and of the signals a board prints,
for the tests of lava/ and scripts/lava-import where no LAVA server runs.

usage: lavasim.py run-sh TESTDEF RUNNER_PATH INDEX [NAME=VALUE...]
       lavasim.py export CONSOLE|LOG --job ID [--csv]
       lavasim.py device JOB

run-sh   the run.sh lava-dispatcher writes for a test definition
         (TestRunnerAction, 2023.01): its params and the job's, as shell
         variables; set -e; the STARTRUN and ENDRUN signals around the
         steps; RUNNER_PATH is where the definition's repository is, INDEX
         the definition's place in the job (0_NAME).
export   from a console's LAVA signal lines (or from the results of a job
         log, lava-run's), the results as LAVA's server exports them:
         lavacli results JOB --yaml, or with --csv the web UI's CSV
         (lava_results_app export_testcase; metadata stripped as the
         server strips it, past 4096 bytes of YAML).
device   a device dictionary for lava-run on this machine, device type
         qemu, with the options LAVA's qemu.jinja2 renders from JOB's
         context (no lava-server needed).

dispatch() is the dispatcher's reading of the signals (TestShellAction);
the tests hold it against a real lava-run's results where there is one.
"""
import argparse
import csv
import decimal
import io
import re
import sys

import yaml

SIGNAL = re.compile(r"<LAVA_SIGNAL_(\S+) ([^>]+)>")


# ---- run.sh -------------------------------------------------------------

def run_sh(testdef_path, runner_path, index, params):
    with open(testdef_path) as f:
        testdef = yaml.safe_load(f)
    name = testdef["metadata"]["name"]
    lines = ["###default parameters from test definition###"]
    for key in ("params", "parameters"):
        for k, v in (testdef.get(key) or {}).items():
            lines.append(f"{k}='{v or ''}'")
    lines += ["######", "###test parameters from job submission###"]
    lines += [f"{k}='{v}'" for k, v in params.items()]
    lines += ["######", "set -e", "set -x",
              f"export TESTRUN_ID={index}_{name}", f"cd {runner_path}",
              "UUID=`cat uuid`", "set +x",
              'echo "<LAVA_SIGNAL_STARTRUN $TESTRUN_ID $UUID>"', "set -x"]
    for cmd in testdef.get("run", {}).get("steps", []):
        if cmd is not None:
            if "--cmd" in cmd or "--shell" in cmd:
                cmd = re.sub(r"\$(\d+)\b", r"\\$\1", cmd)
            lines.append(cmd)
    lines += ["set +x", 'echo "<LAVA_SIGNAL_ENDRUN $TESTRUN_ID $UUID>"']
    return "\n".join(lines) + "\n"


# ---- the dispatcher -----------------------------------------------------

def dispatch(console_lines):
    """The results entries the dispatcher logs for these console lines:
    dicts of definition, case, result and, where given, measurement (a
    float), units, set and reference."""
    results, definition, testset = [], None, None
    for line in console_lines:
        for name, params in SIGNAL.findall(line):
            p = params.split()
            if name == "STARTRUN":
                definition = p[0]
            elif name == "ENDRUN":
                results.append({"definition": "lava", "case": p[0],
                                 "result": "pass"})
                definition = None
            elif name == "TESTSET":
                testset = p[1] if p[0] == "START" and len(p) > 1 else None
            elif name == "TESTCASE":
                data = {}
                try:
                    for kv in p:
                        k, v = kv.split("=")   # as handle_testcase: one "="
                        data[k.lower()] = v
                except ValueError:
                    continue                   # malformed: logged, dropped
                res = {"definition": definition,
                       "case": data.get("test_case_id"),
                       "result": data.get("result")}
                if "measurement" in data:
                    res["measurement"] = float(
                        decimal.Decimal(data["measurement"]))
                    if "units" in data:
                        res["units"] = data["units"]
                if testset:
                    res["set"] = testset
                results.append(res)
            elif name == "TESTREFERENCE" and len(p) == 3:
                res = {"case": p[0], "definition": definition,
                       "result": p[1], "reference": p[2]}
                if testset:
                    res["set"] = testset
                results.append(res)
    return results


# ---- the server ---------------------------------------------------------

def export(results, job):
    """export_testcase() of each result, as map_scanned_results() stored
    it: the measurement a decimal of 10 places, the metadata the result
    itself, reduced to case, definition and result past 4096 bytes."""
    out = []
    for i, res in enumerate(results, 1):
        meta = dict(res)
        if len(yaml.safe_dump(meta)) > 4096:
            meta = {k: res[k] for k in ("case", "definition", "result")}
        m = res.get("measurement")
        out.append({
            "name": res["case"].strip(), "job": str(job),
            "suite": res["definition"], "result": res["result"],
            "measurement": "None" if m is None else
            str(decimal.Decimal(repr(m)).quantize(decimal.Decimal(10) ** -10)),
            "unit": res.get("units", ""), "level": "",
            "url": f"/results/testcase/{i}", "id": str(i),
            "logged": "2026-12-02 00:00:00+00:00",
            "log_start_line": "", "log_end_line": "", "metadata": meta})
    return out


CSV_FIELDS = ["job", "suite", "result", "measurement", "unit", "duration",
              "timeout", "logged", "level", "metadata", "url", "name", "id",
              "log_start_line", "log_end_line"]


def csv_text(exported):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS)
    w.writerow(dict(zip(CSV_FIELDS, CSV_FIELDS)))
    for row in exported:
        w.writerow(row)          # metadata: str(dict), as LAVA's
    return buf.getvalue()


# ---- a device for lava-run ----------------------------------------------

def device(job_path):
    with open(job_path) as f:
        ctx = yaml.safe_load(f).get("context", {})
    qemu = {"command": "qemu-system-x86_64",
            "boot_options": {"root": "/dev/sda1", "console": "ttyS0,115200"},
            "options": ["-nographic",
                        "-net nic,model=virtio,macaddr=52:54:00:12:34:58 "
                        "-net user", f"-m {ctx.get('memory', 512)}",
                        "-monitor none"],
            "extra": list(ctx.get("extra_options", []))}
    if not ctx.get("no_kvm"):
        qemu["options"][:0] = ["-cpu host", "-enable-kvm"]
    return {
        "constants": {
            "posix": {"lava_test_sh_cmd": "/bin/sh",
                      "lava_test_results_dir": "/lava-%s",
                      "lava_test_shell_file": "~/.bashrc"},
            "shutdown-message": "The system is going down for reboot NOW",
            "kernel-start-message": "Linux version [0-9]",
            "default-shell-prompt": "lava-test: # ",
            "spawn_maxread": "4092", "failure_retry": 1, "boot_retry": None},
        "available_architectures": [ctx.get("arch", "x86_64")],
        "actions": {
            "deploy": {"connections": {"serial": None},
                       "methods": {"image": {"parameters": {"guest": {
                           "size": 512, "interface": "ide",
                           "driveid": "lavatest"}}}}},
            "boot": {"connections": {"serial": None},
                     "methods": {"qemu": {"parameters": qemu}}}},
        "timeouts": {"actions": {}, "connections": {}},
    }


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="\n\n".join(__doc__.split("\n\n")[2:]),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run-sh")
    r.add_argument("testdef")
    r.add_argument("runner_path")
    r.add_argument("index", type=int)
    r.add_argument("params", nargs="*", metavar="NAME=VALUE")
    e = sub.add_parser("export")
    e.add_argument("console")
    e.add_argument("--job", required=True)
    e.add_argument("--csv", action="store_true")
    d = sub.add_parser("device")
    d.add_argument("job")
    args = ap.parse_args()
    if args.cmd == "run-sh":
        params = dict(p.split("=", 1) for p in args.params)
        sys.stdout.write(run_sh(args.testdef, args.runner_path, args.index,
                                params))
    elif args.cmd == "export":
        with open(args.console, errors="replace") as f:
            lines = f.read().splitlines()
        if lines and lines[0].startswith('{"dt": '):
            results = [e["msg"] for e in map(yaml.safe_load, lines)
                       if isinstance(e, dict) and e.get("lvl") == "results"]
        else:
            results = dispatch(lines)
        exported = export(results, args.job)
        sys.stdout.write(csv_text(exported) if args.csv else
                         yaml.dump(exported, default_flow_style=None))
    else:
        sys.stdout.write(yaml.safe_dump(device(args.job)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

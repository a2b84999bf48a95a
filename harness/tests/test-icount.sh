#!/bin/sh
# The exact clock end to end, in the x86_64 guest under QEMU icount: one
# boot alternating stock and the fd-slower test variant (a few more guest
# instructions on every BAR access through the device fd), a second boot of
# stock alone, and the gate on real data:
#   - every result records the icount clock, and the reports say their
#     numbers are guest instructions;
#   - A/A across the two boots passes at 1.01 (gate.conf's [gate.icount]);
#   - fd-slower fails, on every case through the fd and on nothing else;
#   - the committed icount baseline passes the fresh boot;
#   - a wall-clock baseline against an icount run is refused (2).
# Usage: test-icount.sh [BUILD_DIR]; prints "icount: N passed, M failed".
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib.sh"
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
check_out=$results/check.out
gate_out=$results/gate.out
build=${1:-$repo/build}
gate() {	# gate ARGS...: scripts/gate; its status in $rc, output in $gate_out
	python3 "$repo/scripts/gate" "$@" >"$gate_out" 2>&1
	rc=$?
}

"$repo/harness/compare-variants" --clock icount --rounds 1 --samples 30 \
	--results "$results" stock fd-slower >"$results/compare.log" 2>&1
rc=$?
check "harness/compare-variants --clock icount exits 0" \
	eval '[ $rc = 0 ] || { tail -20 "$results/compare.log"; false; }'
run=$(ls -d "$results"/compare-*-x86_64-icount 2>/dev/null | head -n 1)
check "the comparison folder's name says icount" [ -n "$run" ]
mkdir -p "$results/rs"
"$repo/harness/run-suite" --clock icount --samples 30 \
	--results "$results/rs" >"$results/run.log" 2>&1
rc=$?
check "harness/run-suite --clock icount exits 0" \
	eval '[ $rc = 0 ] || { tail -20 "$results/run.log"; false; }'
boot2=$(ls -d "$results"/rs/run-*-x86_64-icount 2>/dev/null | head -n 1)
check "a run folder named icount" [ -n "$boot2" ]

check "every result records the icount clock, shift 0, and QEMU's version" \
	python3 - "$run" "$boot2" <<'EOF'
import glob, json, os, sys
files = [f for d in sys.argv[1:] for f in glob.glob(d + "/**/*.json",
         recursive=True)
         if os.path.basename(f).startswith("0") and ".info." not in f]
assert len(files) >= 6, files
for f in files:
    c = json.load(open(f))["provenance"]["clock"]
    assert c["kind"] == "icount" and c["shift"] == 0, (f, c)
    assert c["unit"] == "guest instructions" and c["qemu"][0].isdigit(), c
EOF
check "report labels guest instructions" \
	grep -q "medians in guest instructions per access" "$boot2/table.txt"
check "compare's report labels guest instructions" \
	grep -q "median guest instructions per access" "$run/report.txt"

gate "$run/stock" "$boot2"
check "A/A across two boots passes at 1.01" \
	eval '[ $rc = 0 ] && grep -q "fd 1.01x" "$gate_out" ||
		{ head -30 "$gate_out"; false; }'
gate "$run/stock" "$run/fd-slower"
check "fd-slower fails the gate (1)" eval '[ $rc = 1 ] || { head -30 "$gate_out"; false; }'
check "...on every case through the fd (fd, the VMMs' trapped accesses) and on nothing else" \
	python3 - "$gate_out" "$run/stock" <<'EOF'
import collections, glob, json, sys
rows = [l.split() for l in open(sys.argv[1]).read().split("REGRESSED")[1]
        .split("\n\n")[0].splitlines()[3:] if l.strip()]
# The path column: the seventh, after device, place, register, offset,
# op and width.
got = collections.Counter(r[6] for r in rows)
# fd-slower slows vfio_pci_bar_rw, so every case whose accesses go through
# the fd: the fd path, and each VMM profile's trapped (route "fd") cases.
want = collections.Counter(
    "vmm:" + c["vmm"] if c["path"] == "vmm" else c["path"]
    for f in glob.glob(sys.argv[2] + "/round-1/*.json")
    if not f.endswith(".info.json")
    for c in json.load(open(f))["cases"]
    if c.get("route") == "fd" and not c.get("skipped"))
assert got and got == want, (got, want)
assert all("slower: CI above 1.01x" in " ".join(r) for r in rows)
EOF
baseline=${BASELINE_DIR:-$repo/results/baseline}/x86_64-stock-icount.json
if baseline_fits "$baseline" "$boot2"; then
	gate "$baseline" "$boot2"
	check "the committed icount baseline passes this boot" \
		eval '[ $rc = 0 ] || { head -30 "$gate_out"; false; }'
else
	skip "the committed icount baseline passes this boot" "$baseline_mismatch"
fi
gate --allow-env-diff "$repo/results/baseline/x86_64-stock.json" "$boot2"
check "a wall baseline against an icount run is refused (2)" \
	eval '[ $rc = 2 ] && grep -q "clocks differ" "$gate_out" ||
		{ head -10 "$gate_out"; false; }'

expect 2 "needs the embedded guest" \
	"$repo/harness/compare-variants" --host --clock icount --devices 0000:00:02.0
expect 2 "--clock wall or icount" "$repo/harness/guest" --clock tsc -- true
expect 2 "BARBENCH_CLOCK is not" env BARBENCH_CLOCK="icount shift=x" \
	"$build/barbench" info 0000:00:1f.7
summary icount

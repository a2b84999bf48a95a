#!/bin/sh
# lava/'s test definitions run for real, twice, and their results imported
# back into barbench files (scripts/lava-import), then reported and
# compared:
#  1. in one boot of the embedded guest, the steps of barbench-suite.yaml
#     and barbench-compare.yaml (stock against msix-sparse, one round), as
#     LAVA's run.sh runs them (lava/tests/lavasim.py run-sh), under
#     stand-ins for LAVA's helpers (lava/tests/bin: the same signal lines);
#     the console becomes results as LAVA's server exports them, YAML and
#     CSV (lavasim.py export);
#  2. lava/jobs/qemu.yaml through lava-dispatcher's lava-run, end to end
#     (deploy, boot, LAVA's own overlay and helpers), where lava-run is
#     installed; its job log is the input.
# In the same boot, test_trapcount's checks as KTAP (KTAP=1).
# Prints "lava-guest: N passed, M failed[, K skipped]".
# Usage: test-lava-guest.sh [BUILD_DIR [KEEP_DIR]]  (BUILD_DIR: barbench and
# test_trapcount, default build; KEEP_DIR: keep the console and the job log
# there, e.g. to refresh scripts/tests/lava/)
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib.sh"
. "$repo/harness/arch.sh"
arch_facts x86_64
build=${1:-$repo/build}
keep=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check_out=$tmp/check.out
sim() { python3 "$repo/lava/tests/lavasim.py" "$@"; }
lavacheck() { PYTHONPATH="$repo/scripts" python3 "$repo/scripts/tests/lavacheck.py" "$@"; }
lava_import() { python3 "$repo/scripts/lava-import" "$@"; }

# ---- 1. the steps in the guest, under stand-ins -------------------------
module=$("$repo/harness/build-module" msix-sparse) || exit 1
stage=$tmp/stage
mkdir -p "$stage/repo/build"
cp -r "$repo/lava" "$repo/harness" "$repo/device-side" "$stage/repo/"
cp "$build/barbench" "$stage/repo/build/"
cp "$module" "$stage/msix-sparse.ko"
cp -r "$repo/lava/tests/bin" "$stage/lava-bin"
echo 00000000-0000-0000-0000-000000000001 >"$stage/repo/uuid"
sim run-sh "$repo/lava/barbench-suite.yaml" /extra/repo 0 \
	SAMPLES=20 BARBENCH=/extra/repo/build/barbench >"$stage/suite-def.sh"
sim run-sh "$repo/lava/barbench-compare.yaml" /extra/repo 1 \
	DEVICES="$arch_nvme" ROUNDS=1 SAMPLES=20 \
	MODULES=msix-sparse=/extra/msix-sparse.ko \
	STOCK_MODULES=/lib/modules/barbench \
	BARBENCH=/extra/repo/build/barbench >"$stage/compare-def.sh"
out=$tmp/out
# As lava-test-runner: sh -e run.sh, each definition after the other.
"$repo/harness/guest" --timeout 600 --out "$out" \
	--add "$stage/repo" "$stage/lava-bin" "$stage/msix-sparse.ko" \
	"$stage/suite-def.sh" "$stage/compare-def.sh" "$build/test_trapcount" \
	-- sh -c '
	export PATH=/extra/lava-bin:$PATH LAVA_RESULT_DIR=/tmp/lava-results
	OUT=/out/suite sh -e ./suite-def.sh; echo "suite-status $?"
	OUT=/out/compare sh -e ./compare-def.sh; echo "compare-status $?"
	./repo/lava/report-cases --ktap /out/suite >/out/suite.ktap
	KTAP=1 ./test_trapcount >/out/trapcount.ktap 2>/dev/null
	(unset BARBENCH_NVME; KTAP=1 ./test_trapcount >/out/nodevice.ktap 2>&1
	 echo "status $?" >>/out/nodevice.ktap)' \
	>"$tmp/console.txt" 2>"$tmp/guest.err"
# A FAIL of these shows the harness's own messages (boot, timeout).
check_out=$tmp/guest.err
check "the guest ran both definitions" grep -q "^compare-status 0" "$tmp/console.txt"
check "the suite definition exited 0" grep -q "^suite-status 0" "$tmp/console.txt"
check_out=$tmp/check.out
[ -z "$keep" ] || { mkdir -p "$keep"; cp "$tmp/console.txt" "$keep/standin-console.txt"; }
run=$(find "$out/compare" -maxdepth 1 -name 'compare-*' -type d | head -n 1)

sim export "$tmp/console.txt" --job 7 >"$tmp/results.yaml"
sim export "$tmp/console.txt" --job 7 --csv >"$tmp/results.csv"
expect 0 "0_barbench-suite: 4 files (2 runs" \
	lava_import --board qemu-standin -o "$tmp/imp" "$tmp/results.yaml"
expect 0 "1_barbench-compare: " \
	lava_import --board qemu-standin -o "$tmp/imp-csv" "$tmp/results.csv"
check "YAML and CSV exports import the same" \
	diff -r -x .lava-import "$tmp/imp" "$tmp/imp-csv"
check "suite: every file back, byte for byte but provenance.lava" \
	lavacheck roundtrip "$tmp/imp/0_barbench-suite" "$out/suite" 7 qemu-standin
check "compare: every file back, byte for byte but provenance.lava" \
	lavacheck roundtrip "$tmp/imp/1_barbench-compare" "$run" 7 qemu-standin
check "suite: one case a barbench case, medians equal, exactly its facts" \
	lavacheck cases "$tmp/results.yaml" 0_barbench-suite "$out/suite"
check "compare: the same, for each variant's round" \
	lavacheck cases "$tmp/results.yaml" 1_barbench-compare "$run"
check "suite: a stock kernel's facts (nvme)" \
	lavacheck kernel "$tmp/results.yaml" 0_barbench-suite 0000_00_02_0 stock
check "compare: stock's facts" lavacheck kernel "$tmp/results.yaml" \
	1_barbench-compare stock.round-1.0000_00_02_0 stock
check "compare: msix-sparse's facts (no whole-BAR mmap, mmaps refused)" \
	lavacheck kernel "$tmp/results.yaml" 1_barbench-compare \
	msix-sparse.round-1.0000_00_02_0 msix-sparse
check "the suite's facts as KTAP: the plan, and the same results" \
	lavacheck ktap "$out/suite.ktap" "$tmp/results.yaml" 0_barbench-suite
check "test_trapcount under KTAP=1: KTAP that parses, the same counts" \
	lavacheck selfcheck "$out/trapcount.ktap" trapcount
check "test_trapcount without a device: 1..0 # SKIP, status 4 (KSFT_SKIP)" \
	eval 'grep -q "^1\.\.0 # SKIP" "$out/nodevice.ktap" &&
		grep -q "^status 4$" "$out/nodevice.ktap"'
expect 0 "device 0000:00:02.0 1b36:0010" \
	python3 "$repo/scripts/report" "$tmp/imp/0_barbench-suite"
expect 0 "" python3 "$repo/scripts/compare-report" --no-charts -o "$tmp/cmp" \
	"$tmp/imp/1_barbench-compare"
check "compare.json of the imported comparison: stock against msix-sparse" \
	grep -q '"candidate": "msix-sparse"' "$tmp/cmp/compare.json"
check "report.txt names the doorbell's traps under msix-sparse" \
	grep -q "SQ0TDBL" "$tmp/cmp/report.txt"

# ---- 2. lava-run, end to end --------------------------------------------
if ! command -v lava-run >/dev/null 2>&1; then
	skip "lava-run of lava/jobs/qemu.yaml" "lava-dispatcher not installed (apt-get install lava-dispatcher)"
	summary lava-guest
	exit
fi
if [ "$(id -u)" != 0 ]; then
	skip "lava-run of lava/jobs/qemu.yaml" "lava-run needs root"
	summary lava-guest
	exit
fi
if ! git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
	skip "lava-run of lava/jobs/qemu.yaml" "the checkout is not a git repository (the job fetches its test definition with git)"
	summary lava-guest
	exit
fi
"$repo/lava/make-qemu-images" "$tmp/images" >"$check_out" 2>&1
check "make-qemu-images" [ -f "$tmp/images/initrd.cpio.gz" ]
# The job takes its definitions from git: a scratch repository of this
# checkout's files as they are now (committed or not).
mkdir -p "$tmp/git"
(cd "$repo" && git ls-files -co --exclude-standard | grep -v '^results/' |
	tar --verbatim-files-from -cf - -T -) | tar -xf - -C "$tmp/git"
git -C "$tmp/git" init -q && git -C "$tmp/git" add -A &&
	git -C "$tmp/git" -c user.name=test-lava -c user.email=test-lava@invalid \
		commit -qm "test-lava: this checkout" || exit 1
sum() { awk -v f="$1" '$2 == f { print $1 }' "$tmp/images/SHA256SUMS"; }
"$repo/lava/render-job" "$repo/lava/jobs/qemu.yaml" \
	KERNEL_URL="file://$tmp/images/vmlinuz" KERNEL_SHA256="$(sum vmlinuz)" \
	INITRD_URL="file://$tmp/images/initrd.cpio.gz" \
	INITRD_SHA256="$(sum initrd.cpio.gz)" BARBENCH_GIT="$tmp/git" \
	BARBENCH_REVISION="$(git -C "$tmp/git" rev-parse HEAD)" SAMPLES=20 ROUNDS=1 \
	>"$tmp/job.yaml"
sim device "$tmp/job.yaml" >"$tmp/device.yaml"
timeout 900 lava-run --job-id 1 --output-dir "$tmp/lava-run" \
	--device "$tmp/device.yaml" "$tmp/job.yaml" >"$tmp/job.log" 2>&1
check "lava-run: the job passes" grep -q \
	'"msg": {"case": "job", "definition": "lava", "result": "pass"}' "$tmp/job.log"
check "lava-run: the test definition ran" grep -q \
	'"msg": {"case": "0_barbench-suite", .*"result": "pass"' "$tmp/job.log"
[ -z "$keep" ] || cp "$tmp/job.log" "$keep/qemu-job.log"
expect 0 "0_barbench-suite: 4 files (2 runs, 273 timed cases" \
	lava_import --job 1 --board qemu-lava-run -o "$tmp/imp-run" "$tmp/job.log"
check "lava-run: lavasim reads the console as lava-dispatcher did" \
	lavacheck dispatcher "$tmp/job.log"
check "lava-run: one case a barbench case, medians equal, exactly its facts" \
	lavacheck cases "$tmp/job.log" 0_barbench-suite "$tmp/imp-run/0_barbench-suite"
# The NIC of LAVA's qemu device type takes 00:02.0: the nvme is 00:03.0.
check "lava-run: a stock kernel's facts" \
	lavacheck kernel "$tmp/job.log" 0_barbench-suite 0000_00_03_0 stock
check "lava-run: the comparison's rounds, medians equal, exactly their facts" \
	lavacheck cases "$tmp/job.log" 1_barbench-compare "$tmp/imp-run/1_barbench-compare"
check "lava-run: msix-sparse's facts under LAVA" lavacheck kernel "$tmp/job.log" \
	1_barbench-compare msix-sparse.round-1.0000_00_03_0 msix-sparse
expect 0 "" python3 "$repo/scripts/compare-report" --no-charts -o "$tmp/cmp-run" \
	"$tmp/imp-run/1_barbench-compare"
expect 0 "device 0000:00:03.0 1b36:0010" \
	python3 "$repo/scripts/report" "$tmp/imp-run/0_barbench-suite"
summary lava-guest

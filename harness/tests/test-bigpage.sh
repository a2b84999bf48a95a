#!/bin/sh
# A target with pages of 16K or more end to end: the ppc64le guest (Debian's
# powerpc64le-64k kernel, pseries) or the aarch64 one (arm64-16k, virt with
# an SMMUv3), under TCG.  It runs the same guest tests as x86_64, the
# big-page facts (bench/tests/guest_bigpage.sh: stock maps the doorbell
# page, msix-sparse refuses it and all 1000 doorbell reads trap), the
# default suite with exact trap counts, and a short make compare ARCH=...
# with its gate verdicts.
# usage: test-bigpage.sh ARCH BUILD_DIR (make ARCH=...'s, e.g. build/ppc64le)
# The inner tests print their own "NAME: N passed, M failed" lines; this
# script's own checks end with "ARCH: N passed, M failed".
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
arch=${1:?usage: test-bigpage.sh ARCH BUILD_DIR}
build=${2:?usage: test-bigpage.sh ARCH BUILD_DIR}
build=$(cd "$build" && pwd)
case $arch in
ppc64le) page=65536 nvme_file=0001_00_00_0.json ;;
aarch64) page=16384 nvme_file=0000_00_01_0.json ;;
*) echo "test-bigpage.sh: no big-page guest for '$arch'" >&2; exit 2 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() {
	if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}
guest() { "$repo/harness/guest" --arch "$arch" --timeout 900 "$@"; }

module=$("$repo/harness/build-module" --arch "$arch" msix-sparse 2>"$tmp/build.log")
check "msix-sparse vfio-pci-core cross-built for $arch" \
	'[ -f "$module" ] || { tail -5 "$tmp/build.log"; false; }'
cp "$module" "$tmp/msix-sparse.ko"

# One boot: the guest tests of x86_64, then the 64K facts.
guest --add "$build/barbench" "$build/test_guest" "$build/trapcount" \
	"$build/test_trapcount" "$repo/bench/tests/guest_cli.sh" \
	"$repo/bench/tests/guest_trapcount.sh" "$repo/bench/tests/guest_bigpage.sh" \
	"$repo/harness/vfio-modules.sh" "$tmp/msix-sparse.ko" \
	-- sh -c 'status=0
		for t in ./test_guest ./guest_cli.sh ./test_trapcount \
			 ./guest_trapcount.sh "./guest_bigpage.sh ./msix-sparse.ko '$page'"; do
			$t || status=1
		done
		exit $status'
check "the guest tests pass in the $arch guest" '[ $? = 0 ]'

# The default suite with --traps: per case, traps == fd accesses exactly.
guest --out "$tmp/suite" --add "$build/barbench" "$repo/harness/suite.sh" \
	-- env BARBENCH_SAMPLES=20 sh ./suite.sh >"$tmp/suite.log" 2>&1
check "the suite runs in the $arch guest" '[ $? = 0 ] || { tail "$tmp/suite.log"; false; }'
python3 "$repo/scripts/tests/check_traps.py" "$tmp/suite"
check "page size $page recorded" \
	'grep -q "\"page_size\": $page" "$tmp/suite/$nvme_file"'

# make compare ARCH=..., short: the doorbell's vmm reads go from mapped
# to trapped, which the gate calls a regression.
"$repo/harness/compare" --arch "$arch" --build "$build" --rounds 1 \
	--samples 20 --results "$tmp" stock msix-sparse >"$tmp/compare.log" 2>&1
check "harness/compare --arch $arch exits 0" \
	'[ $? = 0 ] || { tail -20 "$tmp/compare.log"; false; }'
run=$(ls -d "$tmp"/compare-*-"$arch" 2>/dev/null | head -n 1)
check "an $arch comparison folder" '[ -n "$run" ] && [ -s "$run/report.txt" ]'
check "report: doorbell (0x1000) vmm reads all trap under msix-sparse" \
	'grep -q "table-page 0x1000 read  4 vmm  0/[0-9]* *\([0-9]*\)/\1$" "$run/report.txt"'
check "report: the doorbell mmap is refused under msix-sparse" \
	'grep -q "SQ0TDBL *0x1000 read  4 mmap *[0-9]* *refused" "$run/report.txt"'
python3 "$repo/scripts/gate" "$run/stock/round-1" "$run/msix-sparse/round-1" \
	>"$tmp/gate.out" 2>&1
check "gate: stock -> msix-sparse at $page exits 1" '[ $? = 1 ]'
check "gate: names the doorbell's traps" 'grep -q "0x1000.*traps up" "$tmp/gate.out"'
crossboot=$repo/scripts/gate-crossboot.conf
python3 "$repo/scripts/gate" --config "$crossboot" \
	"$repo/results/baseline/$arch-stock.json" "$run/stock/round-1" \
	>"$tmp/gate.out" 2>&1
check "gate: committed $arch baseline vs this boot's stock exits 0" \
	'[ $? = 0 ] || { head "$tmp/gate.out"; false; }'

# A variant that does not run on this arch: refused, naming the arch.
printf 'description=x\narch=x86_64\nkernel=debian:6.12\npatch=\ncmdline=\n' >"$tmp/x86only"
"$repo/harness/compare" --arch "$arch" --build "$build" "$tmp/x86only" stock \
	>"$tmp/x86only.log" 2>&1
check "compare --arch $arch of an x86_64-only variant gives 2" '[ $? = 2 ]'
check "and says why" 'grep -q "does not run on $arch" "$tmp/x86only.log"'

echo "$arch: $pass passed, $fail failed"
[ "$fail" = 0 ]

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
. "$repo/tests/lib.sh"
. "$repo/harness/lib.sh"
. "$repo/harness/arch.sh"
arch=${1:?usage: test-bigpage.sh ARCH BUILD_DIR}
build=${2:?usage: test-bigpage.sh ARCH BUILD_DIR}
build=$(cd "$build" && pwd)
need_arch "$arch"
[ "$arch_page" -gt 4096 ] || usage_error "$arch has $arch_page-byte pages, not big ones"
page=$arch_page
# suite.sh names a device's results after its address.
nvme_file=$(echo "$arch_nvme" | tr ':.' '__').json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
guest() { "$repo/harness/guest" --arch "$arch" --timeout 900 "$@"; }

module=$("$repo/harness/build-module" --arch "$arch" msix-sparse 2>"$tmp/build.log")
check "msix-sparse vfio-pci-core cross-built for $arch" \
	eval '[ -f "$module" ] || { tail -5 "$tmp/build.log"; false; }'
cp "$module" "$tmp/msix-sparse.ko"

# One boot: the guest tests of x86_64, then the big-page facts.
guest --add "$build/barbench" "$build/barbench-notraps" "$build/test_vfio_facts" \
	"$build/trapcount" "$build/test_trapcount" "$repo/tests/lib.sh" \
	"$repo/bench/tests/guest_cli.sh" "$repo/bench/tests/guest_requests.sh" \
	"$repo/bpf/tests/guest_trapcount.sh" \
	"$repo/bpf/tests/guest_trapcount_requests.sh" \
	"$repo/bench/tests/guest_bigpage.sh" \
	"$repo/device-side/vfio-modules.sh" "$tmp/msix-sparse.ko" \
	-- sh -c 'status=0
		for t in ./test_vfio_facts ./guest_cli.sh ./guest_requests.sh \
			 ./test_trapcount ./guest_trapcount.sh \
			 ./guest_trapcount_requests.sh \
			 "./guest_bigpage.sh ./msix-sparse.ko '$page'"; do
			$t || status=1
		done
		exit $status'
check "the guest tests pass in the $arch guest" [ $? = 0 ]

# The default suite with --traps, on the icount clock: per case, traps ==
# fd accesses exactly, and the committed icount baseline of this arch
# passes at 1.01 across boots.
guest --clock icount --out "$tmp/suite" --add "$build/barbench" "$repo/device-side/suite.sh" \
	-- env BARBENCH_SAMPLES=20 sh ./suite.sh >"$tmp/suite.log" 2>&1
rc=$?
check "the suite runs in the $arch guest" \
	eval '[ $rc = 0 ] || { tail "$tmp/suite.log"; false; }'
python3 "$repo/scripts/tests/check_traps.py" "$tmp/suite" >"$tmp/traps.out" 2>&1
rc=$?
cat "$tmp/traps.out"
# Its result line counts its checks; a crash before that line counts here.
check "check_traps.py ran to the end and passed" \
	eval '[ $rc = 0 ] || { tail "$tmp/traps.out"; false; }'
check "page size $page recorded" \
	grep -q "\"page_size\": $page" "$tmp/suite/$nvme_file"
baselines=${BASELINE_DIR:-$repo/results/baseline}
if baseline_fits "$baselines/$arch-stock-icount.json" "$tmp/suite"; then
	python3 "$repo/scripts/gate" "$baselines/$arch-stock-icount.json" \
		"$tmp/suite" >"$tmp/gate.out" 2>&1
	rc=$?
	check "gate: committed $arch icount baseline vs this boot's icount suite exits 0" \
		eval '[ $rc = 0 ] && grep -q "clock icount" "$tmp/gate.out" ||
			{ head -20 "$tmp/gate.out"; false; }'
else
	skip "gate: committed $arch icount baseline vs this boot's icount suite" "$baseline_mismatch"
fi

# make compare ARCH=..., short: the doorbell's vmm reads go from mapped
# to trapped, which the gate calls a regression.
"$repo/harness/compare-variants" --arch "$arch" --build "$build" --rounds 1 \
	--samples 20 --results "$tmp" stock msix-sparse >"$tmp/compare.log" 2>&1
rc=$?
check "harness/compare-variants --arch $arch exits 0" \
	eval '[ $rc = 0 ] || { tail -20 "$tmp/compare.log"; false; }'
run=$(ls -d "$tmp"/compare-*-"$arch" 2>/dev/null | head -n 1)
check "an $arch comparison folder" eval '[ -n "$run" ] && [ -s "$run/report.txt" ]'
check "report: doorbell (0x1000) vmm reads all trap under msix-sparse" \
	grep -q "table-page 0x1000 read *4 vmm:qemu *0/[0-9]* *\([0-9]*\)/\1$" "$run/report.txt"
check "report: the doorbell mmap is refused under msix-sparse" \
	grep -q "SQ0TDBL *0x1000 r\(ead\)\{0,1\} *4 mmap *[0-9]* *refused" "$run/report.txt"
python3 "$repo/scripts/gate" "$run/stock/round-1" "$run/msix-sparse/round-1" \
	>"$tmp/gate.out" 2>&1
check "gate: stock -> msix-sparse at $page exits 1" [ $? = 1 ]
check "gate: names the doorbell's traps" grep -q "0x1000.*traps up" "$tmp/gate.out"
crossboot=$repo/scripts/gate-crossboot.conf
if baseline_fits "$baselines/$arch-stock.json" "$run/stock/round-1"; then
	python3 "$repo/scripts/gate" --config "$crossboot" \
		"$baselines/$arch-stock.json" "$run/stock/round-1" \
		>"$tmp/gate.out" 2>&1
	rc=$?
	check "gate: committed $arch baseline vs this boot's stock exits 0" \
		eval '[ $rc = 0 ] || { head "$tmp/gate.out"; false; }'
else
	skip "gate: committed $arch baseline vs this boot's stock" "$baseline_mismatch"
fi

# A variant that does not run on this arch: refused, naming the arch.
printf 'description=x\narch=x86_64\nkernel=debian:6.12\npatch=\ncmdline=\n' >"$tmp/x86only"
"$repo/harness/compare-variants" --arch "$arch" --build "$build" "$tmp/x86only" stock \
	>"$tmp/x86only.log" 2>&1
check "compare --arch $arch of an x86_64-only variant gives 2" [ $? = 2 ]
check "and says why" grep -q "does not run on $arch" "$tmp/x86only.log"

summary "$arch"

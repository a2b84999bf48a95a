#!/bin/sh
# harness/compare-variants --host, run inside the guest as if it were a lab host: a
# copy of the checkout's harness and barbench, a prebuilt msix-sparse module,
# the guest's nvme as the lab device.  Checks that both variants ran, that
# each behaved as its kernel should, and that stock is back at the end.
# Prints "labmode: N passed, M failed".
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib.sh"
stage=$(mktemp -d)
out=$(mktemp -d)
rmdir "$out"
trap 'rm -rf "$stage" "$out"' EXIT
module=$("$repo/harness/build-module" msix-sparse) || exit 1
# The whole harness: compare-variants sources its libraries and runs device-side/.
mkdir -p "$stage/repo/build"
cp -r "$repo/harness" "$repo/device-side" "$stage/repo/"
cp "$repo/build/barbench" "$stage/repo/build/"
cp "$module" "$stage/msix-sparse.ko"

"$repo/harness/guest" --timeout 600 --out "$out" \
	--add "$stage/repo" "$stage/msix-sparse.ko" -- sh -c '
	# First by hand, under msix-sparse: an mmap read of the table page.
	rmmod vfio_pci vfio_pci_core && insmod /extra/msix-sparse.ko &&
		insmod /lib/modules/barbench/vfio_pci.ko &&
		echo "$BARBENCH_NVME" >/sys/bus/pci/drivers_probe
	repo/build/barbench read --path mmap --offset 0x2410 "$BARBENCH_NVME" \
		>/out/mmap-refused 2>&1
	echo "status $?" >>/out/mmap-refused
	STOCK_MODULES=/lib/modules/barbench sh repo/harness/compare-variants --host \
		--devices "$BARBENCH_NVME" --rounds 1 --samples 20 \
		--module msix-sparse=/extra/msix-sparse.ko --results /out \
		stock msix-sparse
	echo "status $?" >/out/status
	# "absent" when no vfio_pci_core is loaded at all: that is not "stock".
	if [ -e /sys/module/vfio_pci_core/taint ]; then
		cat /sys/module/vfio_pci_core/taint >/out/taint-after
	else
		echo absent >/out/taint-after
	fi'
run=$(ls -d "$out"/compare-* 2>/dev/null | head -n 1)
check "compare --host exits 0" [ "$(cat "$out/status" 2>/dev/null)" = "status 0" ]
check "a compare folder" [ -n "$run" ]
s=$run/stock/round-1/0000_00_02_0.json
m=$run/msix-sparse/round-1/0000_00_02_0.json
check "stock results" [ -f "$s" ]
check "msix-sparse results" [ -f "$m" ]
check "stock: MSIX_MAPPABLE" grep -q '"msix_mappable": true' "$s"
check "stock: nothing skipped but the accesses a VMM emulates" python3 -c '
import json, sys
cases = json.load(open(sys.argv[1]))["cases"]
bad = [c for c in cases if c.get("skipped") and c.get("route") != "emulated"]
assert not bad and any(c.get("route") == "emulated" for c in cases), bad[:3]
' "$s"
check "msix-sparse: SPARSE_MMAP" grep -q '"name": "SPARSE_MMAP"' "$m"
check "msix-sparse: whole-BAR mmap refused" grep -q '"whole_bar_mmap": "Invalid argument"' "$m"
check "msix-sparse: table-page mmap skipped" python3 -c '
import json, sys
cases = json.load(open(sys.argv[1]))["cases"]
assert any(c["path"] == "mmap" and c["place"] == "table-page" and
           c.get("skipped") for c in cases)
' "$m"
check "msix-sparse ran the out-of-tree module" grep -q '"vfio_pci_core_taint": "OE"' "$m"
check "stock ran the stock module" grep -q '"vfio_pci_core_taint": ""' "$s"
check "msix-sparse: mmap read of the table page gives 11" \
	grep -q '^status 11$' "$out/mmap-refused"
check "and says the kernel lets no mmap cover it" \
	grep -q "BAR0+0x2410: the kernel lets no mmap cover it" "$out/mmap-refused"
taint_after=$(cat "$out/taint-after" 2>/dev/null || echo "never written")
check "stock module back at the end (loaded, untainted; seen: '$taint_after')" \
	[ -z "$taint_after" ]
summary labmode

#!/bin/sh
# Pages of 16K or more end to end (the ppc64le guest's 64K, the aarch64
# guest's 16K): the NVMe doorbells (0x1000) share the MSI-X table's page.
# Under the stock vfio-pci-core the whole BAR is mapped and 1000 doorbell
# reads trap 0 times; under msix-sparse (pre-4.16) the mmap is refused and
# all 1000 go through the fd.  Facts only, no timings.
# usage: guest_bigpage.sh MSIX-SPARSE.KO PAGE_SIZE   (from /extra, with
# barbench, trapcount, vfio-modules.sh and lib.sh (tests/lib.sh) beside it).
# Prints "bigpage-PAGE_SIZE: N passed, M failed".
. ./lib.sh
out=/tmp/bigpage.out
check_out=$out
nvme=$BARBENCH_NVME
sparse_ko=${1:?usage: guest_bigpage.sh MSIX-SPARSE.KO PAGE_SIZE}
page=${2:?usage: guest_bigpage.sh MSIX-SPARSE.KO PAGE_SIZE}
# The 16 KiB BAR fills one page (64K: aligned and sized up to it by
# pci=resource_alignment).
bar=$page
devices="$BARBENCH_NVME ${BARBENCH_XHCI:-}"
STOCK_MODULES=/lib/modules/barbench
say() { echo "# $*"; }
. ./vfio-modules.sh
# The trapcount JSON line of 4-byte BAR0 reads of the table page.
doorbell_traps='"kind": "bar", "region": 0, "place": "table-page", "op": "read", "width": 4, "error": 0, "count": '
thousand_reads="./barbench read --path vmm --count 1000 --offset 0x1000 --width 4 $nvme"

# --- stock: the whole BAR, MSI-X table page included, is mapped.
expect 0 "\"page_size\": $page" ./barbench info --json $nvme
expect 0 "page size $page" ./barbench info $nvme
expect 0 "MSIX_MAPPABLE (id 3" ./barbench info $nvme
expect 0 "whole-BAR mmap: ok" ./barbench info $nvme
# Native places: CAP, the doorbells and the rest share the table's page.
expect 0 "places at $page-byte pages: 0x0-0x1fff table-page, 0x2000-0x240f msix-table" \
	./barbench info $nvme
./barbench read --path mmap --offset 0x0 --width 8 $nvme >/tmp/cap.stock 2>&1
check "CAP read through the mmap under stock" [ $? = 0 ]
./trapcount -j -- $thousand_reads >$out 2>&1
check "trapcount -- 1000 vmm doorbell reads exits 0 under stock" [ $? = 0 ]
check "stock: 0 of 1000 doorbell reads trap" eval '! grep -q "\"kind\": \"bar\"" $out'
check "stock: one mmap of all of BAR0 ($bar bytes) succeeds" \
	grep -q "\"kind\": \"mmap\", \"region\": 0, \"place\": \"-\", \"op\": \"read\", \"width\": 0, \"offset\": 0, \"size\": $bar, \"error\": 0, \"count\": 1, \"bytes\": $bar" $out
check "stock: no lost events" grep -q '"map_full": 0, "no_start": 0, "starts_full": 0' $out

# --- msix-sparse: the pre-4.16 vfio-pci-core.
load "$sparse_ko" >$out 2>&1
check "msix-sparse vfio-pci-core loads and the devices bind again" [ $? = 0 ]
trap 'load stock >/dev/null 2>&1' EXIT
expect 0 '"msix_mappable": false' ./barbench info --json $nvme
# The old kernels' quirk: a table in the BAR's only page leaves one area of
# size 0 (nothing of the BAR is mappable at all).
expect 0 "SPARSE_MMAP (id 1, v1)" ./barbench info $nvme
expect 0 '"areas": \[{"offset": 0, "size": 0}\]' sh -c \
	"./barbench info --json $nvme | tr -d '\n' | sed 's/  */ /g; s/\[ /[/g; s/ \]/]/g; s/{ /{/g; s/ }/}/g'"
expect 0 "whole-BAR mmap: Invalid argument" ./barbench info $nvme
expect 11 "lets no mmap cover it" \
	./barbench read --path mmap --offset 0x1000 --width 4 $nvme
expect 0 "trapped, as qemu does it (vfio_region_read/write: pread/pwrite)" \
	./barbench read --path vmm --offset 0x1000 --width 4 $nvme
# The same constant register, through the fd now: the same value.
./barbench read --path fd --offset 0x0 --width 8 $nvme >$out 2>&1
check "CAP through the fd under msix-sparse equals CAP through the mmap under stock" \
	cmp -s $out /tmp/cap.stock
./trapcount -j -- $thousand_reads >$out 2>&1
check "trapcount -- 1000 vmm doorbell reads exits 0 under msix-sparse" [ $? = 0 ]
check "msix-sparse: 1000 of 1000 doorbell reads trap, as table-page reads" \
	grep -q "$doorbell_traps"'1000,' $out
# Like a VMM, barbench maps only the areas offered: the one of size 0, none.
check "msix-sparse: no mmap of BAR0 is even tried" \
	eval '! grep -q "\"kind\": \"mmap\"" $out'
check "msix-sparse: no lost events" grep -q '"map_full": 0, "no_start": 0, "starts_full": 0' $out

# --- back to stock: mapped again.
trap - EXIT
load stock >$out 2>&1
check "stock vfio-pci-core loads again" [ $? = 0 ]
expect 0 "whole-BAR mmap: ok" ./barbench info $nvme

summary "bigpage-$page"

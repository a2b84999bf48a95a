#!/bin/sh
# barbench through the iommufd cdev path (--iommufd), in the guest booted
# with the iommufd variant's kernel: the facts the group path shows must
# hold here too, and the ways the cdev path fails must be named.
# Runs from /extra with barbench and lib.sh beside it; prints
# "cdev: N passed, M failed".
. ./lib.sh
check_out=/tmp/cdev.out
nvme=$BARBENCH_NVME xhci=$BARBENCH_XHCI

check "/dev/vfio/devices exists" [ -d /dev/vfio/devices ]
check "/dev/iommu exists" [ -c /dev/iommu ]
for dev in $nvme $xhci; do
	expect 0 "iommu iommufd" ./barbench info --iommufd $dev
	expect 0 "MSIX_MAPPABLE (id 3" ./barbench info --iommufd $dev
	expect 0 "whole-BAR mmap: ok" ./barbench info --iommufd $dev
	expect 0 '"access": "iommufd"' ./barbench info --iommufd --json $dev
	# The same kernel's group path, for contrast.
	expect 0 '"access": "group"' ./barbench info --json $dev
done
# mmap and fd agree through the cdev; the table is masked through the fd.
./barbench read --iommufd --offset 0x8 --width 4 --path fd $nvme >/tmp/fd.out 2>&1
check "fd read of VS through the cdev" grep -q '^0x' /tmp/fd.out
expect 0 "$(cat /tmp/fd.out)" ./barbench read --iommufd --offset 0x8 --width 4 --path mmap $nvme
expect 0 "0xffffffff" ./barbench read --iommufd --offset 0x2000 --width 4 --path fd $nvme

# A device another driver (or none) holds has no cdev to open.
other=
for dev in /sys/bus/pci/devices/*; do
	drv=$(basename "$(readlink $dev/driver 2>/dev/null)" 2>/dev/null)
	[ "$drv" = vfio-pci ] || { other=$(basename $dev); break; }
done
if [ -n "$other" ]; then
	expect 4 "$other is .*bound to" ./barbench info --iommufd $other
else
	skip "cdev of a device bound to another driver" "no such device here"
fi
# Without /dev/iommu (iommufd not loaded) the cause is named, and the
# group path still works.
mv /dev/iommu /dev/iommu.hidden
expect 7 "no /dev/iommu: iommufd is not loaded" ./barbench info --iommufd $nvme
expect 0 "iommu type1v2" ./barbench info $nvme
mv /dev/iommu.hidden /dev/iommu
# A cdev is opened once: a second client is told the device is in use.
./barbench read --iommufd --offset 0x8 --path fd --count 2000000 $nvme >/dev/null 2>&1 &
holder=$!
holds_cdev() { ls -l /proc/$holder/fd 2>/dev/null | grep -q /dev/vfio/devices/; }
check "the first client holds the cdev" wait_for 30 holds_cdev
expect 7 "in use" ./barbench info --iommufd $nvme
kill $holder 2>/dev/null
wait $holder 2>/dev/null
summary cdev

#!/bin/sh
# barbench's command line against the real driver, in the embedded guest:
# exit statuses and messages for bad input, and info/run on real devices.
# Runs from /extra with barbench and lib.sh (tests/lib.sh) beside it; prints
# "cli: N passed, M failed".
. ./lib.sh
check_out=/tmp/cli.out

nvme=$BARBENCH_NVME
# A device on the bus that vfio-pci does not own (the host bridge or LPC).
other=
for dev in /sys/bus/pci/devices/*; do
	drv=$(basename "$(readlink $dev/driver 2>/dev/null)" 2>/dev/null)
	case $drv in vfio-pci) continue ;; esac
	other=$(basename $dev)
	break
done
echo "# nvme $nvme, not vfio: $other"

expect 0 "MSIX_MAPPABLE (id 3" ./barbench info $nvme
expect 0 "whole-BAR mmap: ok" ./barbench info $nvme
expect 0 "0x0-0x1fff table-page" ./barbench info --page-size 65536 $nvme
expect 0 '"msix_mappable": true' ./barbench info --json $nvme
expect 3 "no PCI device 0000:00:1e.7" ./barbench info 0000:00:1e.7
# The ppc64le guest has only the two vfio-pci devices on its buses.
if [ -n "$other" ]; then
	expect 4 "$other is .*bound to" ./barbench info $other
else
	skip "info of a device bound to another driver" \
		"no PCI device outside vfio-pci here"
fi
expect 2 "not a PCI address" ./barbench info 00:zz.0
expect 2 "unknown command" ./barbench frobnicate $nvme
expect 2 "power of two" ./barbench info --page-size 5000 $nvme
# BAR0 is 16 KiB, or one 64 KiB page with pci=resource_alignment.
expect 9 "outside BAR0" ./barbench run --offset 0x10000 --widths 4 $nvme
expect 9 "not aligned" ./barbench run --offset 0x2 --widths 4 $nvme
expect 13 "no BAR3" ./barbench run --bar 3 $nvme
expect 10 "no profile declares" ./barbench run --writes --offset 0x0 --widths 4 $nvme
# The same register read both ways gives the same value.
./barbench read --offset 0x8 --width 4 --path fd $nvme >/tmp/fd.out 2>/dev/null
fd_value=$(cat /tmp/fd.out)
# An empty value would make the next pattern match anything.
check "an fd read of VS prints one 32-bit value ('$fd_value')" \
	eval 'printf "%s\n" "$fd_value" | grep -qx "0x[0-9a-f]\{8\}"'
expect 0 "^$fd_value\$" ./barbench read --offset 0x8 --width 4 --path mmap $nvme
expect 0 "0xffffffff" ./barbench read --offset 0x2000 --width 4 --path fd $nvme
# A short run gives results with one case per path for CAP at width 4.
expect 0 "median" sh -c "./barbench run -q --offset 0 --widths 4 --samples 20 -o /tmp/r.json $nvme && grep -c '\"median_ns\"' /tmp/r.json && grep -q '\"complete\": true' /tmp/r.json && echo median"
expect 0 "^3$" grep -c '"median_ns"' /tmp/r.json
# Writes only where the profile allows, and the value is restored.
expect 0 '"restored": true' ./barbench run -q --writes --offset 0x24 --widths 4 --samples 20 -o - $nvme
expect 0 'route": "fd' ./barbench run -q --paths vmm,fd --places msix-table --widths 4 --samples 10 -o - $nvme

summary cli

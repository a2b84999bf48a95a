#!/bin/sh
# Bad input against the real driver, in the guest: every case gives its own
# exit status and a message naming the cause.  Uses q35's ICH9 functions
# (group 4: LPC 00:1f.0, AHCI 00:1f.2 with I/O BARs and no MSI-X, SMBus
# 00:1f.3) and the i2c-i801 driver.  Runs from /extra with barbench,
# trapcount and lib.sh (tests/lib.sh) beside it; prints "badinput: N passed,
# M failed".
. ./lib.sh
out=/tmp/bad.out
check_out=$out
nvme=$BARBENCH_NVME
sata=0000:00:1f.2
smbus=0000:00:1f.3

# A device bound to another driver.
insmod ./i2c-smbus.ko && insmod ./i2c-i801.ko
expect 4 "$smbus is bound to i801_smbus, not vfio-pci" ./barbench info $smbus

# A group that is not viable: the AHCI on vfio-pci, its group mate on i801.
echo vfio-pci >/sys/bus/pci/devices/$sata/driver_override
echo $sata >/sys/bus/pci/drivers_probe
expect 6 "IOMMU group 4 is not viable" ./barbench info $sata

# The group made viable (the SMBus without a driver): a device without
# MSI-X, with an I/O BAR.
echo $smbus >/sys/bus/pci/devices/$smbus/driver/unbind
expect 0 "MSI-X: none" ./barbench info $sata
expect 0 "BAR4  I/O ports" ./barbench info $sata
expect 13 "BAR4 of $sata is an I/O (port space) BAR" ./barbench run --bar 4 $sata
expect 13 "it is an I/O BAR" ./barbench read --bar 4 --offset 0 $sata
expect 0 '"place": "other"' ./barbench run -q --bar 5 --widths 4 --samples 10 -o - $sata
# A write asked for on a device no profile describes.
expect 10 "no device profile for 8086:2922: writes refused" ./barbench run --writes --bar 5 $sata

# No permission: an unprivileged user cannot open the group.
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
expect 5 "open /dev/vfio/2: Permission denied" su -s /bin/sh nobody -c "./barbench info $nvme"
# trapcount's statuses are barbench's: 5, not permitted.
expect 5 "needs root" su -s /bin/sh nobody -c "./trapcount -- true"

# Ctrl-C during a run: status 14, a .partial file, the earlier one intact.
./barbench run -q --offset 0 --widths 4 --samples 10 -o /tmp/r.json $nvme
cp /tmp/r.json /tmp/r.before
./barbench run --writes --samples 100000 -o /tmp/r.json $nvme >$out 2>&1 &
run=$!
# SIGINT once sampling has begun ("N samples each in ..."), not after a guess.
check "the run began sampling" wait_for 120 grep -q "samples each in" $out
kill -INT $run
wait $run
st=$?
expect 0 "" [ "$st" = 14 ]
expect 0 '"complete": false' cat /tmp/r.json.partial
expect 0 "" cmp /tmp/r.json /tmp/r.before
expect 1 "" grep -q '"restored": false' /tmp/r.json.partial

# A full disk while results are written: status 12, the earlier file intact.
mkdir -p /mnt/small && mount -t tmpfs -o size=16k tmpfs /mnt/small
echo earlier >/mnt/small/r.json
expect 12 "cannot write /mnt/small/r.json" ./barbench run -q --raw --samples 200 -o /mnt/small/r.json $nvme
expect 0 "^earlier$" cat /mnt/small/r.json
expect 1 "" sh -c 'ls /mnt/small | grep -q tmp'

summary badinput

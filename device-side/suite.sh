#!/bin/sh
# The default suite, run inside the guest (or on a lab host with BARBENCH_NVME
# / BARBENCH_XHCI, or BARBENCH_DEVICES, naming devices bound to vfio-pci).
# Writes one results file and one info file per device into $OUT (/out).
OUT=${OUT:-/out}
SAMPLES=${BARBENCH_SAMPLES:-200}
BARBENCH=${BARBENCH:-./barbench}
devices=${BARBENCH_DEVICES:-"$BARBENCH_NVME $BARBENCH_XHCI"}
# BARBENCH_ACCESS=iommufd: through /dev/vfio/devices and /dev/iommu.
access=
case ${BARBENCH_ACCESS:-group} in
group) ;;
iommufd) access=--iommufd ;;
*) echo "suite: BARBENCH_ACCESS is group or iommufd, not '$BARBENCH_ACCESS'" >&2
   exit 2 ;;
esac
status=0
for dev in $devices; do
	name=$(echo "$dev" | tr ':.' '__')
	echo "suite: $dev: info"
	$BARBENCH info $access --json "$dev" >"$OUT/$name.info.json" || status=$?
	echo "suite: $dev: run ($SAMPLES samples a case)"
	# Writes only go to registers the device's profile declares safe;
	# --traps counts, per case, the accesses that trapped into the kernel;
	# the vmm path runs once per VMM profile.
	$BARBENCH run $access --writes --traps --vmm all --samples "$SAMPLES" --raw -q \
		-o "$OUT/$name.json" "$dev" || status=$?
done
exit $status

#!/bin/sh
# drive-qemu.sh: Debian's QEMU as the VFIO client of each device, under each
# kernel variant, in one boot (make vmm, harness/drive-qemu).  Per variant and
# device, vmmdrive makes QEMU access every register of the suite through
# qtest; trapcount counts the accesses QEMU trapped into the kernel, and
# QEMU's trace events vfio_region_read/write count them again.
# POSIX sh: the guest has only busybox.
#
# usage: drive-qemu.sh [--accesses N] [--out DIR] [--device-opts OPTS]
#                   VARIANT=MODULE...
#   MODULE: a vfio-pci-core.ko, or "stock" for the system's own.
#   --device-opts: more -device vfio-pci options (x-msix-relocation=bar2);
#   the runs go to DIR/VARIANT+OPTS/ then.
# environment:
#   QEMU       how to run QEMU (default: q/command, harness/fetch-qemu's:
#              the loader, the library path, the binary)
#   QEMU_ARGS  the machine (default q/args, harness/fetch-qemu's: q35, or
#              pseries on ppc64le)
#   MACHINE    how vmmdrive reaches config space (default q/machine)
#   BARBENCH_DEVICES  devices (default $BARBENCH_NVME $BARBENCH_XHCI)
# Results: DIR/VARIANT/DEV.drive.json, DEV.traps.json, DEV.qemu.log.
# The stock module is back in place on every exit path.
set -u
accesses=10 out=/out opts=
while [ $# -gt 0 ]; do
	case $1 in
	--accesses) accesses=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--device-opts) opts=$2; shift 2 ;;
	--*) echo "drive-qemu: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "drive-qemu: no VARIANT=MODULE given" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
devices=${BARBENCH_DEVICES:-"${BARBENCH_NVME:-} ${BARBENCH_XHCI:-}"}
QEMU=${QEMU:-$(cat q/command)}
QEMU_ARGS=${QEMU_ARGS:-$(cat q/args)}
MACHINE=${MACHINE:-$(cat q/machine)}
# Debian's QEMU loads its TCG accelerator as a module, even under qtest.
export QEMU_MODULE_DIR=${QEMU_MODULE_DIR:-$PWD/q/modules}

say() { echo "drive-qemu: $*" >&2; }
. "$here/vfio-modules.sh"
restore_stock_on_exit

status=0
for vm in "$@"; do
	v=${vm%%=*} m=${vm#*=} profile=qemu
	[ -z "$opts" ] || v="$v+$opts"
	case $opts in *x-msix-relocation=*) profile=qemu-relocation ;; esac
	say "$v: loading $m"
	load "$m" || exit 120	# setup failed: docs/exit-statuses.md
	mkdir -p "$out/$v"
	for dev in $devices; do
		name=$(echo "$dev" | tr ':.' '__')
		say "$v: $dev: QEMU as its VFIO client, $accesses accesses a register"
		# trapcount outside vmmdrive: it reports after QEMU has exited.
		# shellcheck disable=SC2086  # QEMU and QEMU_ARGS are word lists
		./trapcount --json -o "$out/$v/$name.traps.json" -- \
			./vmmdrive --writes --accesses "$accesses" --vmm "$profile" \
			--machine "$MACHINE" \
			${opts:+--device-opts "$opts"} \
			-o "$out/$v/$name.drive.json" "$dev" -- \
			$QEMU $QEMU_ARGS \
			-trace enable=vfio_region_read \
			-trace enable=vfio_region_write \
			-D "$out/$v/$name.qemu.log" || status=$?
	done
done
exit $status

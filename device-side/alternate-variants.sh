#!/bin/sh
# alternate-variants.sh: the same suite under each kernel variant, alternating
# inside one boot (A B A B ...), because emulated timings drift between
# boots.  Runs as root in the guest, or on a lab host with real devices.
# POSIX sh: the guest has only busybox.
#
# usage: alternate-variants.sh [--rounds N] [--samples N] [--out DIR]
#                       VARIANT=MODULE[@ACCESS]...
#   MODULE: a vfio-pci-core.ko to load, or "stock" for the system's own.
#   ACCESS: group (default) or iommufd: how barbench opens the devices.
# environment:
#   BARBENCH_DEVICES  devices bound to vfio-pci (default: $BARBENCH_NVME
#                     $BARBENCH_XHCI); each needs driver_override=vfio-pci
#   STOCK_MODULES     folder with the stock vfio_pci_core.ko and vfio_pci.ko
#                     (default: modprobe from /lib/modules)
#   BARBENCH          barbench (default ./barbench); HYPERFINE, PERF:
#                     hyperfine and perf, for whole-process timings and
#                     counters of a VMM-like workload (optional)
# Results: OUT/VARIANT/round-N/ (suite.sh output), OUT/VARIANT/hyperfine-
# round-N.json, OUT/VARIANT/perf-round-N.txt.  The stock module is back in place on every exit path.
set -u
rounds=3 samples=200 out=/out
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--samples) samples=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--*) echo "alternate-variants: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "alternate-variants: no VARIANT=MODULE given" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
devices=${BARBENCH_DEVICES:-"${BARBENCH_NVME:-} ${BARBENCH_XHCI:-}"}
BARBENCH=${BARBENCH:-./barbench}
export BARBENCH

say() { echo "alternate-variants: $*" >&2; }

for dev in $devices; do
	o=$(cat "/sys/bus/pci/devices/$dev/driver_override" 2>/dev/null)
	if [ "$o" != vfio-pci ]; then
		say "$dev: driver_override is '${o:-unset}', not vfio-pci"
		exit 2
	fi
done
for vm in "$@"; do
	m=${vm#*=} m=${m%@*}
	case $vm in *=*) ;; *) say "'$vm' is not VARIANT=MODULE"; exit 2 ;; esac
	case $vm in *@*) case ${vm##*@} in group|iommufd) ;; *)
		say "'$vm': access ${vm##*@} is not group or iommufd"; exit 2 ;; esac ;;
	esac
	[ "$m" = stock ] || [ -f "$m" ] || { say "no module $m"; exit 2; }
done

# unload, load MODULE|stock (the variant's core, stock vfio-pci on top,
# the devices bound again): shared with the guest tests.
. "$here/vfio-modules.sh"
restore_stock_on_exit

status=0
for round in $(seq "$rounds"); do
	for vm in "$@"; do
		v=${vm%%=*} m=${vm#*=} access=group
		case $m in *@*) access=${m##*@} m=${m%@*} ;; esac
		say "round $round of $rounds: $v ($access)"
		load "$m" || exit 120	# setup failed: docs/exit-statuses.md
		dir=$out/$v/round-$round
		mkdir -p "$dir"
		if [ "$m" = stock ]; then
			echo "stock" >"$out/$v/module"
		else
			sha256sum "$m" | cut -d' ' -f1 >"$out/$v/module"
		fi
		OUT=$dir BARBENCH_VARIANT=$v BARBENCH_ROUND=$round BARBENCH_ACCESS=$access \
			BARBENCH_SAMPLES=$samples BARBENCH_DEVICES="$devices" \
			sh "$here/suite.sh" >&2 || status=1
		# Whole-process view of a VMM-like workload, where hyperfine and
		# perf are available: the vmm path over every place, a FIXED
		# number of accesses (--batch; barbench otherwise sizes batches
		# by time, which would hide the cost).
		first=$(echo $devices | cut -d' ' -f1)
		flag=
		[ "$access" = group ] || flag=--iommufd
		work="$BARBENCH run $flag -q --paths vmm --batch 100 --samples 100 --passes 1 --warmup 1 --resamples 0 $first"
		if [ -n "${HYPERFINE:-}" ]; then
			$HYPERFINE --runs 5 --warmup 1 --style none \
				--export-json "$out/$v/hyperfine-round-$round.json" \
				"$work" >/dev/null 2>&1 ||
				say "hyperfine failed (ignored)"
		fi
		if [ -n "${PERF:-}" ]; then
			# Hardware counters read <not supported> under emulation.
			$PERF stat -x, -o "$out/$v/perf-round-$round.txt" \
				-e task-clock,page-faults,context-switches,cycles,instructions \
				-- $work >/dev/null 2>&1 || say "perf stat failed (ignored)"
		fi
	done
done
exit $status

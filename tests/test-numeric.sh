#!/bin/sh
# Every numeric option, in C and in shell alike, fed values out of any
# range: negative, zero where it makes no sense, past 2^64, past the shell's
# 64-bit arithmetic, with trailing junk, empty, octal-looking, or spaced.
# Each must be refused as bad usage (exit 2) naming the option, before any
# device is opened or any guest booted; never accepted after a wraparound,
# never a shell arithmetic error or a crash.  Runs on the host, no guest.
# Usage: tests/test-numeric.sh [BUILD_DIR]; prints "numeric: N passed, M failed".
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build}
. "$repo/tests/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
check_out=$work/out
# A PCI address with no device: an accepted value would end in "no PCI
# device" (3), not in 2.
nodev=0000:00:1f.7
BAD="-1 ' -1' 18446744073709551616 99999999999999999999 12abc 1e3 0x 08x ' 5' ''"

refuses() {	# refuses OPTION CMD-WITH-@V@: every BAD value gives 2 naming it
	opt=$1 cmd=$2
	eval "set -- $BAD"
	for v in "$@"; do
		line=$(printf '%s' "$cmd" | sed "s|@V@|'$v'|")
		check "$line: exit 2 naming $opt" eval "status_is 2 '$opt' $line"
	done
}
bb=$build/barbench
for o in --bar --offset --samples --passes --warmup --batch --resamples --seed --cpu; do
	refuses "$o" "$bb run $o @V@ $nodev"
done
refuses --count "$bb read --offset 0 --count @V@ $nodev"
refuses --page-size "$bb info --page-size @V@ $nodev"
# Zero where zero means nothing.
for o in --samples --passes --batch --count; do
	case $o in --count) c="$bb read --offset 0 --count 0 $nodev" ;;
	*) c="$bb run $o 0 $nodev" ;; esac
	check "$o 0: exit 2" eval "status_is 2 '$o' $c"
done
tc=$build/trapcount
refuses -p "$tc -p @V@"
refuses -d "$tc -d @V@ -- true"
refuses --page-size "$tc --page-size @V@ -- true"
check "trapcount -d 0: exit 2" eval "status_is 2 '-d' $tc -d 0 -- true"
vd="$build/vmmdrive -o $work/drive.json"
for o in --accesses --timeout; do
	refuses "$o" "$vd $o @V@ $nodev -- true"
	check "vmmdrive $o 0: exit 2" eval "status_is 2 '$o is 1 to' $vd $o 0 $nodev -- true"
done
# The harness: checked before the guest boots (which would take seconds).
refuses --timeout "$repo/harness/guest --timeout @V@ -- true"
check "guest --timeout 604801: exit 2" eval "status_is 2 'from 1 to 604800' $repo/harness/guest --timeout 604801 -- true"
refuses --samples "$repo/harness/run-suite --samples @V@"
refuses --timeout "$repo/harness/run-suite --timeout @V@"
for o in --rounds --samples --timeout; do
	refuses "$o" "$repo/harness/compare-variants $o @V@ stock msix-sparse"
done
summary numeric

#!/bin/sh
# Runs bench/tests/guest_badinput.sh in the guest, with the i2c-i801 driver
# (and i2c-smbus, which it needs) taken from the guest kernel's own modules.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib.sh"
build=${1:-$repo/build}
cache=${CACHE:-$repo/.cache}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
moddir=$cache/kernel/x86_64/root/lib/modules/$(cat "$cache/kernel/x86_64/VERSION")
for m in i2c-smbus i2c-i801; do
	xz -dc "$(find "$moddir" -name "$m.ko.xz" | head -n 1)" >"$stage/$m.ko" ||
		{ echo "FAIL: no $m module in $moddir"; summary_line badinput 0 1 0; exit 1; }
done
"$repo/harness/guest" --timeout 300 --add "$build/barbench" "$build/trapcount" \
	"$repo/tests/lib.sh" "$repo/bench/tests/guest_badinput.sh" \
	"$stage/i2c-smbus.ko" "$stage/i2c-i801.ko" -- ./guest_badinput.sh

#!/bin/sh
# tests/run-all's totals are the truth: planted faults, each run through the
# real run-all (ONLY=STEP) with a build folder whose programs misbehave:
#  - unit: a test program that prints "0 failed", then crashes;
#  - unit-sanitizers: one that prints nothing and exits 0;
#  - vmm-profiles: one that prints its line and exits 1 with "0 failed";
#  - guest (with --guest, which runs only this one; it boots a guest):
#    test_vfio_facts, the first of the step's six programs, prints a pass
#    line and crashes in the guest.
# Each must show in the totals line as a failure and be named under
# "failed steps:"; the control (the real programs) must not.
# Usage: test-run-all.sh BUILD_DIR [--guest]; prints "run-all: N passed, ...".
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tests/lib.sh"
build=${1:?usage: test-run-all.sh BUILD_DIR [--guest]}
guest=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
check_out=$work/check.out

# planted NAME SCRIPT: a copy of the build folder with program NAME
# replaced by SCRIPT (sh).
planted() {
	rm -rf "$work/build"
	mkdir "$work/build"
	for f in test_units test_units_san test_vmm_profile barbench barbench-notraps \
		 test_vfio_facts trapcount test_trapcount; do
		[ ! -e "$build/$f" ] || cp "$build/$f" "$work/build/"
	done
	printf '#!/bin/sh\n%s\n' "$2" >"$work/build/$1"
	chmod +x "$work/build/$1"
}
# totals STEP: run-all ONLY=STEP on the planted folder; its output in
# $check_out, its status in $rc.
totals() {
	ONLY=$1 LIST= HOST_ONLY= "$repo/tests/run-all" "$work/build" 600 >"$check_out" 2>&1
	rc=$?
}
failed_in_totals() {
	[ "$rc" != 0 ] && grep -q "^total: [0-9]* passed, [1-9][0-9]* failed" "$check_out" &&
		grep -q "^failed steps:.* $1\( \|$\)" "$check_out"
}

if [ "$guest" != --guest ]; then
	planted test_units 'echo "unit: 5 passed, 0 failed"; kill -SEGV $$'
	totals unit
	check "a crash after a '0 failed' line fails the totals, naming unit" failed_in_totals unit

	planted test_units_san 'exit 0'
	totals unit-sanitizers
	check "a program that prints no result fails the totals" failed_in_totals unit-sanitizers

	planted test_vmm_profile 'echo "vmm-profiles: 2 passed, 0 failed"; exit 1'
	totals vmm-profiles
	check "a non-zero status with '0 failed' fails the totals" failed_in_totals vmm-profiles

	# The control: the same step with the real program passes.
	planted unused 'true'
	totals unit
	check "the real unit tests pass the totals" \
		eval '[ "$rc" = 0 ] && grep -q "^total: [1-9][0-9]* passed, 0 failed" "$check_out" &&
			! grep -q "^failed steps:" "$check_out"'
else
	planted test_vfio_facts 'echo "guest: 3 passed, 0 failed"; kill -SEGV $$'
	totals guest
	check "a program that crashes in the guest step fails the totals" failed_in_totals guest
	check "the guest step's other programs still ran" grep -q "^trapcount: [0-9]* passed" "$check_out"
fi
summary run-all

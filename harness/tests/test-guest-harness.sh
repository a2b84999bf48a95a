#!/bin/bash
# Facts of the guest harness itself, each a real guest boot: the command's
# exit status and /out come back; a panic, a hang and a failed command give
# their own statuses; an earlier --out folder is never replaced by a failed
# run.  Prints "harness: N passed, M failed".
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib.sh"
guest=$repo/harness/guest
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Exit status, output and /out of a command.
out=$("$guest" -q --out "$work/res" -- sh -c 'echo hello; echo 42 >/out/x; exit 3')
rc=$?
check "status passed through" [ "$rc" = 3 ]
check "stdout passed through" [ "$out" = hello ]
check "/out brought back" [ "$(cat "$work/res/x" 2>/dev/null)" = 42 ]
check "the --out folder is marked as the harness's" [ -f "$work/res/.barbench-guest-out" ]
# --out never replaces a folder the harness did not write (it once replaced
# results/ itself): refused before the boot, every file left in place.
mkdir -p "$work/mine/baseline"
echo keep >"$work/mine/baseline/b.json"
"$guest" -q --out "$work/mine" -- true 2>"$work/err"
rc=$?
check "--out on a folder of yours gives 2" [ "$rc" = 2 ]
check "...naming why" grep -q "not an earlier --out" "$work/err"
check "...and leaves it untouched" [ "$(cat "$work/mine/baseline/b.json")" = keep ]
"$guest" -q --out -- true 2>"$work/err"
rc=$?
check "--out -- is a usage error (2), not a folder named --" \
	eval '[ "$rc" = 2 ] && grep -q "needs a value" "$work/err"'

# A kernel panic: 122, and the earlier --out folder is left as it was.
"$guest" -q --out "$work/res" -- sh -c 'echo c >/proc/sysrq-trigger' \
	>/dev/null 2>"$work/err"
rc=$?
check "panic gives 122" [ "$rc" = 122 ]
check "panic is named" grep -q "kernel panic" "$work/err"
check "earlier results kept after a panic" \
	[ "$(cat "$work/res/x" 2>/dev/null)" = 42 ]

# A guest that hangs: 123 once the timeout runs out.
"$guest" -q --timeout 25 --out "$work/res" -- sleep 1000 \
	>/dev/null 2>"$work/err"
rc=$?
check "hang gives 123" [ "$rc" = 123 ]
check "timeout is named" grep -q "timeout" "$work/err"
check "earlier results kept after a timeout" \
	[ "$(cat "$work/res/x" 2>/dev/null)" = 42 ]

# QEMU killed while the command runs: 121, and the earlier results kept.
"$guest" -q --timeout 120 --out "$work/res" -- sleep 1000 \
	>/dev/null 2>"$work/err" &
gpid=$!
# The command has begun once the console says so: then QEMU dies.
command_begun() {
	qpid=$(procs_matching "guest/run\.$gpid\." | head -n 1)
	[ -n "$qpid" ] && grep -q "@@BARBENCH-CMD-BEGIN" \
		"$(ls -d "${CACHE:-$repo/.cache}"/guest/run.$gpid.*/ 2>/dev/null | head -n 1)console.log" \
		2>/dev/null
}
check "the guest's command began" wait_for 90 command_begun
kill -9 "$qpid" 2>/dev/null
wait "$gpid"
rc=$?
check "QEMU killed mid-run gives 121" [ "$rc" = 121 ]
check "earlier results kept after QEMU died" \
	[ "$(cat "$work/res/x" 2>/dev/null)" = 42 ]

# Ctrl-C to the harness while the command runs: 130, and no QEMU left
# behind.  Job control on: a plain background job would start with SIGINT
# ignored.  The signal waits for the guest's "up" line, not for a fixed
# time, which a loaded machine can outlast.
# A shell started with SIGINT ignored (make test &, say) cannot trap it:
# the harness starts with SIGINT at its default, whatever this shell got.
set -m
python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$guest" --timeout 120 -- sleep 1000 \
	>/dev/null 2>"$work/int.err" &
gpid=$!
set +m
check "the guest came up" wait_for 90 grep -q 'boot guest .* up after' "$work/int.err"
kill -INT "$gpid"
wait "$gpid"
rc=$?
check "SIGINT gives 130" eval '[ "$rc" = 130 ] ||
	{ echo "    status $rc"; sed "s/^/    /" "$work/int.err"; false; }'
no_qemu_left() { [ -z "$(procs_matching "guest/run\.$gpid\.")" ]; }
check "no QEMU left after SIGINT" wait_for 10 no_qemu_left

# A kernel that cannot be downloaded: 120, and the cause named.
CACHE=$work/cache MIRROR=http://127.0.0.1:9/debian \
	"$repo/harness/fetch-kernel" >/dev/null 2>"$work/err"
rc=$?
check "unreachable mirror gives 120" [ "$rc" = 120 ]
check "the failed download is named" grep -q "apt-get update of bookworm-backports from http://127.0.0.1:9/debian failed" "$work/err"

summary harness

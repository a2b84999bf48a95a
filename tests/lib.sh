# shellcheck shell=sh
# tests/lib.sh: the one helper of the shell tests, POSIX sh.  It also runs
# under busybox sh in the guest, where the tests that need it add it with
# harness/guest --add (so it is ./lib.sh in /extra).  A test sources it,
# makes its checks, and ends with summary, whose status is the test's:
#   check NAME CMD...             CMD exits 0, or "FAIL: NAME"
#   status_is STATUS PATTERN CMD...  for check: CMD exits STATUS and prints
#                                 a line matching PATTERN (grep; '' any)
#   expect STATUS PATTERN CMD...  check status_is, named after CMD
#   skip NAME REASON              a check that cannot be made here
#   wait_for SECONDS CMD...       poll CMD until it succeeds, or give up
#   procs_matching PATTERN        pids whose command line matches (/proc)
#   baseline_fits BASELINE RUN    the committed baseline is of this kernel
#   summary SUITE                 "SUITE: N passed, M failed[, K skipped]"
# If check_out names a file, a FAIL shows its lines, indented: set it to
# where the test's commands leave their output.  expect writes there.
# tests/run-all adds up the summary lines of every test.
# With KTAP=1 in the environment, summary first prints the checks as KTAP
# (KTAP version 1, 1..N, ok / not ok N NAME, "# SKIP REASON"), for
# kselftest-style runners; the summary line follows, unchanged.  Without
# it the output is what it always was.

check_pass=0 check_fail=0 check_skip=0 check_ktap_lines=''

# check_ktap_note RESULT NAME: one KTAP result line, kept for summary
# (KTAP's plan comes before its results).
check_ktap_note() {
	case ${KTAP:-} in ''|0) return 0 ;; esac
	_ktap_name=$2
	# "#" would start a KTAP directive.
	case $_ktap_name in *'#'*) _ktap_name=$(printf '%s' "$_ktap_name" | tr '#' _) ;; esac
	check_ktap_lines="$check_ktap_lines$1 $((check_pass + check_fail + check_skip)) $_ktap_name$3
"
}

# check NAME CMD...: CMD runs in this shell (eval '...' sees the test's
# variables); a status other than 0 is a failure.
check() {
	_check_name=$1
	shift
	if "$@"; then
		check_pass=$((check_pass + 1))
		check_ktap_note ok "$_check_name"
		return 0
	fi
	check_fail=$((check_fail + 1))
	check_ktap_note "not ok" "$_check_name"
	echo "FAIL: $_check_name"
	if [ -n "${check_out:-}" ] && [ -s "$check_out" ]; then
		sed 's/^/    /' "$check_out"
	fi
	return 1
}

# status_is STATUS PATTERN CMD...: for check: CMD exits STATUS and prints a
# line that matches PATTERN ('' for any output); its output goes to
# $check_out, which a FAIL shows.
status_is() {
	_status_want=$1 _status_pattern=$2
	shift 2
	: "${check_out:=${TMPDIR:-/tmp}/check.$$.out}"
	"$@" >"$check_out" 2>&1
	_status_got=$?
	if [ "$_status_got" = "$_status_want" ] && { [ -z "$_status_pattern" ] ||
		grep -q -- "$_status_pattern" "$check_out"; }; then
		return 0
	fi
	echo "    got status $_status_got, want $_status_want (/$_status_pattern/)"
	return 1
}

# expect STATUS PATTERN CMD...: one check of status_is, named after CMD.
expect() {
	_expect_want=$1 _expect_pattern=$2
	shift 2
	check "$* (status $_expect_want, /$_expect_pattern/)" \
		status_is "$_expect_want" "$_expect_pattern" "$@"
}

# skip NAME REASON: counted apart from passes and failures.
skip() {
	check_skip=$((check_skip + 1))
	check_ktap_note ok "$1" " # SKIP $2"
	echo "SKIP: $1: $2"
}

# wait_for SECONDS CMD...: run CMD every 0.2 s until it exits 0 (status
# 0), or until SECONDS have passed (status 1).  For waiting on something
# that can be waited for, instead of a fixed sleep.
wait_for() {
	_wait_deadline=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_wait_deadline" ] || return 1
		sleep 0.2 2>/dev/null || sleep 1
	done
}

# procs_matching PATTERN: the pids whose command line matches PATTERN
# (grep -E), one a line, read from /proc: no pgrep needed, so a missing
# pgrep cannot pass for "no such process".
procs_matching() {
	for _proc in /proc/[0-9]*; do
		# A process may end between the glob and the read.
		_cmdline=$({ tr '\0' ' ' <"$_proc/cmdline"; } 2>/dev/null) || continue
		[ -n "$_cmdline" ] || continue
		printf '%s\n' "$_cmdline" | grep -qE -- "$1" && echo "${_proc#/proc/}"
	done
	return 0
}

# kernel_release_of FILE|DIR: the first kernel_release recorded in a run
# or bundle file, or in a folder's *.json; empty when there is none.
kernel_release_of() {
	if [ -d "$1" ]; then
		set -- "$1"/*.json
	fi
	sed -n 's/.*"kernel_release": "\([^"]*\)".*/\1/p' "$@" 2>/dev/null | head -n 1
}

# baseline_fits BASELINE RUN: BASELINE (a committed results/baseline/ file)
# was made on the kernel RUN booted.  When both are known and differ,
# Debian has uploaded a new kernel since: sets baseline_mismatch to a
# message that names both kernels and the command that re-baselines, and
# fails, so that the caller skips (counted, with that reason) the gate
# against that baseline.  An unknown side counts as fitting: the gate
# itself then fails on it, and nothing is hidden.
baseline_fits() {
	_base_krel=$(kernel_release_of "$1") _run_krel=$(kernel_release_of "$2")
	if [ -z "$_base_krel" ] || [ -z "$_run_krel" ] || [ "$_base_krel" = "$_run_krel" ]; then
		return 0
	fi
	_base_name=${1##*/}
	case $_base_name in *-icount.json) _base_clock=icount ;; *) _base_clock=wall ;; esac
	baseline_mismatch="$_base_name was made on kernel $_base_krel, this boot ran $_run_krel (a new Debian upload): re-baseline with 'make baseline ARCH=${_base_name%%-*} CLOCK=$_base_clock'"
	return 1
}

# summary SUITE: the result line; fails if any check failed.
summary() {
	case ${KTAP:-} in ''|0) ;; *)
		echo "KTAP version 1"
		echo "1..$((check_pass + check_fail + check_skip))"
		printf '%s' "$check_ktap_lines"
		echo "# Totals: pass:$check_pass fail:$check_fail xfail:0 xpass:0 skip:$check_skip error:0"
	esac
	summary_line "$1" "$check_pass" "$check_fail" "$check_skip"
	[ "$check_fail" = 0 ]
}

# summary_line SUITE PASSED FAILED SKIPPED: the one form of a result line,
# for summary and for tests/run-all's total.
summary_line() {
	if [ "$4" -gt 0 ]; then
		echo "$1: $2 passed, $3 failed, $4 skipped"
	else
		echo "$1: $2 passed, $3 failed"
	fi
}

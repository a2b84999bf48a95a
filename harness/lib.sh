# shellcheck shell=sh
# lib.sh: sourced by every harness script on the host (POSIX sh; the bash
# ones source it too), so that a failure has one status and one form
# everywhere.  The harness's statuses sit above the C tools' (3-39), the
# Python scripts' (40-49) and the LAVA steps' (50-59): docs/exit-statuses.md,
# checked against these lines by tests/check-status-table.
# Messages go to stderr, prefixed by the script's name.

EXIT_USAGE=2  # bad usage: usage_error, need_value
EXIT_SETUP=120  # setup failed (download, build, missing tool): die
EXIT_BOOT=121  # the guest failed to boot, or QEMU died before the command finished
EXIT_PANIC=122  # kernel panic seen on the guest's console
EXIT_TIMEOUT=123  # the guest did not finish in time (QEMU was killed)
EXIT_INTERRUPTED=130  # interrupted by a signal

prog=${0##*/}

# warn MESSAGE...: a message on stderr, prefixed by the script's name.
warn() {
	echo "$prog: $*" >&2
}

# die [STATUS] MESSAGE...: warn, then exit STATUS (default EXIT_SETUP).
die() {
	_die_status=$EXIT_SETUP
	case $# in 0|1) ;; *)
		case $1 in ''|*[!0-9]*) ;; *) _die_status=$1; shift ;; esac ;;
	esac
	warn "$@"
	exit "$_die_status"
}

# usage_error MESSAGE...: a bad command line: the cause, where the help is,
# and exit 2.
usage_error() {
	warn "$@"
	echo "$prog: see $0 --help" >&2
	exit "$EXIT_USAGE"
}

# need_value "$@": in an option loop, before taking $2 as the value of the
# option $1.  Without it, set -u would stop the script with a shell error;
# and `--out -- CMD` would take -- for the folder.
need_value() {
	[ $# -ge 2 ] || usage_error "$1 needs a value"
	case $2 in
	--*) usage_error "$1 needs a value, not the option '$2'" ;;
	esac
}

# need_count OPTION VALUE MIN MAX: VALUE is a whole number in [MIN, MAX],
# written in decimal digits only.  At most 9 digits, so that no shell's
# arithmetic wraps, and a leading 0 is refused (sh reads 08 as octal).
need_count() {
	case $2 in
	''|*[!0-9]*|0?*) usage_error "$1 needs a whole number from $3 to $4, not '$2'" ;;
	??????????*) usage_error "$1 is at most $4, not '$2'" ;;
	esac
	[ "$2" -ge "$3" ] && [ "$2" -le "$4" ] ||
		usage_error "$1 needs a whole number from $3 to $4, not '$2'"
}

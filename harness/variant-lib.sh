# Shared by the harness scripts (POSIX sh): read a variant file.
#
# A variant is a file of KEY=VALUE lines (harness/variants/): description,
# arch (the architectures it runs on, space-separated), kernel, patch,
# cmdline.  Every key must be present, even if empty.  Needs $repo.

. "$repo/harness/arch.sh"
VARIANT_KEYS="description arch kernel patch cmdline"

# variant_file NAME-OR-PATH: the file, or an error naming what was tried.
variant_file() {
	case $1 in
	*/*) f=$1 ;;
	*) f=$repo/harness/variants/$1 ;;
	esac
	if [ ! -f "$f" ]; then
		echo "no variant '$1' ($f); known: $(ls "$repo/harness/variants" | tr '\n' ' ')" >&2
		return 1
	fi
	echo "$f"
}

# variant_get FILE KEY: the value of KEY; fails if KEY is missing.
variant_get() {
	if ! grep -q "^$2=" "$1"; then
		echo "variant file $1 has no '$2=' line (keys: $VARIANT_KEYS)" >&2
		return 1
	fi
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

# variant_check FILE: every key present, and values that make sense.
variant_check() {
	# Byte-safe: a CR (a file saved on Windows), a BOM or a line that is
	# not KEY=VALUE of a known key is named, never read as a value.
	if LC_ALL=C grep -q "$(printf '\r')" "$1"; then
		echo "variant file $1: has CR line endings; save it with LF only" >&2
		return 1
	fi
	if [ "$(head -c 3 "$1" | od -An -tx1 | tr -d ' \n')" = efbbbf ]; then
		echo "variant file $1: starts with a byte-order mark; remove it" >&2
		return 1
	fi
	bad=$(LC_ALL=C grep -n -v -e '^#' -e '^[[:space:]]*$' "$1" |
		LC_ALL=C grep -v -E "^[0-9]+:($(echo $VARIANT_KEYS | tr ' ' '|'))=" |
		head -n 1)
	if [ -n "$bad" ]; then
		echo "variant file $1: line ${bad%%:*} is not KEY=VALUE of a known key" \
			"($VARIANT_KEYS): '${bad#*:}'" >&2
		return 1
	fi
	for k in $VARIANT_KEYS; do
		variant_get "$1" "$k" >/dev/null || return 1
	done
	for a in $(variant_get "$1" arch); do
		case " $ARCHES " in *" $a "*) continue ;; esac
		echo "variant file $1: unknown arch '$a' ($ARCHES)" >&2
		return 1
	done
	if [ -z "$(variant_get "$1" arch)" ]; then
		echo "variant file $1: arch= names no architecture" >&2
		return 1
	fi
	case $(variant_get "$1" kernel) in
	debian:6.12) ;;
	image:*:*) ;;
	*) echo "variant file $1: kernel must be debian:6.12 or image:IMAGE:MODULES" >&2
	   return 1 ;;
	esac
	p=$(variant_get "$1" patch)
	case $p in
	/*) echo "variant file $1: patch=$p: give the path relative to the repository" >&2
	    return 1 ;;
	esac
	if [ -n "$p" ] && [ ! -f "$repo/$p" ]; then
		echo "variant file $1: patch $p does not exist" >&2
		return 1
	fi
}

# variant_runs_on FILE ARCH: succeeds if ARCH is in the variant's arch list.
variant_runs_on() {
	for a in $(variant_get "$1" arch); do
		[ "$a" = "$2" ] && return 0
	done
	echo "variant $(basename "$1") does not run on $2 (arch=$(variant_get "$1" arch))" >&2
	return 1
}

# Shared by the harness scripts (POSIX sh): read a variant file.
#
# A variant is a file of KEY=VALUE lines (harness/variants/): description,
# arch (the architectures it runs on, space-separated), kernel, patch,
# cmdline, each present even if empty; and, optional, config (a Kconfig
# fragment for kernel=source:6.12) and access (group, the default, or
# iommufd: how barbench opens the devices).  Needs $repo.

. "$repo/harness/arch.sh"
VARIANT_KEYS="description arch kernel patch cmdline"
VARIANT_OPTIONAL_KEYS="config access"

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

# variant_get_optional FILE KEY: the value of KEY, empty if it is missing.
variant_get_optional() {
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

# variant_access FILE: group or iommufd.
variant_access() {
	a=$(variant_get_optional "$1" access)
	echo "${a:-group}"
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
		LC_ALL=C grep -v -E "^[0-9]+:($(echo $VARIANT_KEYS $VARIANT_OPTIONAL_KEYS | tr ' ' '|'))=" |
		head -n 1)
	if [ -n "$bad" ]; then
		echo "variant file $1: line ${bad%%:*} is not KEY=VALUE of a known key" \
			"($VARIANT_KEYS $VARIANT_OPTIONAL_KEYS): '${bad#*:}'" >&2
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
	k=$(variant_get "$1" kernel)
	case $k in
	debian:6.12|debian:sid|source:6.12) ;;
	image:*:*) ;;
	*) echo "variant file $1: kernel must be debian:6.12, debian:sid," \
		"source:6.12 or image:IMAGE:MODULES, not '$k'" >&2
	   return 1 ;;
	esac
	for key in patch config; do
		p=$(variant_get_optional "$1" $key)
		case $p in
		/*) echo "variant file $1: $key=$p: give the path relative to the repository" >&2
		    return 1 ;;
		esac
		if [ -n "$p" ] && [ ! -f "$repo/$p" ]; then
			echo "variant file $1: $key $p does not exist" >&2
			return 1
		fi
	done
	# A kernel Debian built takes no config; sid's has no patch rebased yet.
	if [ -n "$(variant_get_optional "$1" config)" ] && [ "$k" != source:6.12 ]; then
		echo "variant file $1: config= needs kernel=source:6.12 (a kernel built here)" >&2
		return 1
	fi
	if [ "$k" = debian:sid ] && [ -n "$(variant_get "$1" patch)" ]; then
		echo "variant file $1: kernel=debian:sid takes no patch (the patches" \
			"are rebased for 6.12 only)" >&2
		return 1
	fi
	case $(variant_access "$1") in
	group|iommufd) ;;
	*) echo "variant file $1: access must be group or iommufd," \
		"not '$(variant_access "$1")'" >&2
	   return 1 ;;
	esac
}

# variant_runs_on FILE ARCH: succeeds if ARCH is in the variant's arch list.
variant_runs_on() {
	for a in $(variant_get "$1" arch); do
		[ "$a" = "$2" ] && return 0
	done
	echo "variant $(basename "$1") does not run on $2 (arch=$(variant_get "$1" arch))" >&2
	return 1
}

# variant_boot_args FILE ARCH: the harness/guest options that boot the
# variant's kernel, on one line: nothing for debian:6.12 (the guest's own),
# else --kernel IMAGE --modules DIR, after fetching (debian:sid) or building
# (source:6.12) it; their progress goes to stderr.  Fails with the status
# of the step that failed.
variant_boot_args() {
	_k=$(variant_get "$1" kernel)
	case $_k in
	debian:6.12) ;;
	debian:sid)
		"$repo/harness/fetch-kernel" --series sid --arch "$2" -q >&2 || return
		_d=${CACHE:-$repo/.cache}/kernel/sid-$2
		echo "--kernel $_d/vmlinuz --modules $_d/root/usr/lib/modules/$(cat "$_d/VERSION")" ;;
	source:6.12)
		_d=$("$repo/harness/build-kernel" --arch "$2" "$1") || return
		echo "--kernel $_d/image --modules $_d/modules/$(cat "$_d/RELEASE")" ;;
	image:*)
		# image:IMAGE:MODULES, paths relative to the repo: a lab-built kernel.
		_s=${_k#image:}
		_i=${_s%%:*} _m=${_s#*:}
		case $_i in /*) ;; *) _i=$repo/$_i ;; esac
		case $_m in /*) ;; *) _m=$repo/$_m ;; esac
		echo "--kernel $_i --modules $_m" ;;
	esac
}

# copy_buildinfo FILE MODULE DIR: into the results folder DIR, how the
# variant's module (BUILDINFO) and kernel (kernel.BUILDINFO) were built, for
# those built here.
copy_buildinfo() {
	[ -d "$3" ] || return 0
	if [ "$2" != stock ] && [ -f "$(dirname "$2")/BUILDINFO" ]; then
		cp "$(dirname "$2")/BUILDINFO" "$3/BUILDINFO"
	fi
	if [ "$(variant_get "$1" kernel)" = source:6.12 ]; then
		_d=$("$repo/harness/build-kernel" -q "$1") &&
			cp "$_d/BUILDINFO" "$3/kernel.BUILDINFO"
	fi
}

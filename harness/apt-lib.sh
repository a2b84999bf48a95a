# Shared by fetch-kernel and fetch-sysroot (bash): a private apt configuration
# on the machine's own Debian mirror, so nothing of the system's apt state
# changes.  The caller sources harness/lib.sh (die) and sets $quiet.

# The mirror's URI from the machine's own apt configuration: the first "deb"
# entry whose Suites include bookworm.  MIRROR=... overrides it, and
# MIRROR_UNSIGNED=1 takes that mirror's index without a signature (a local
# file: mirror made by a test; never for a real one).
find_mirror() {
	local f
	[ -z "${MIRROR:-}" ] || { echo "$MIRROR"; return; }
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = "" }
		{
			types = uris = suites = ""; enabled = 1
			n = split($0, line, "\n")
			for (i = 1; i <= n; i++) {
				l = line[i]
				if (l ~ /^#/) continue
				if (sub(/^Types:[ \t]*/, "", l)) types = " " l " "
				else if (sub(/^URIs:[ \t]*/, "", l)) uris = l
				else if (sub(/^Suites:[ \t]*/, "", l)) suites = " " l " "
				else if (l ~ /^Enabled:[ \t]*no/) enabled = 0
			}
			if (enabled && types ~ / deb / && suites ~ / bookworm / && uris != "") {
				split(uris, u, " "); print u[1]; exit
			}
		}' "$f"
	done | head -n 1
}

# private_apt APTDIR SUITE ARCH...: sets the array apt (apt-get and its
# options; the first ARCH is the native one), the log file and the mirror,
# then runs apt-get update.  The sources file is APTDIR/SUITE.sources.
private_apt() {
	local aptdir=$1 suite=$2 a
	shift 2
	mirror=$(find_mirror)
	[ -n "$mirror" ] || die "no bookworm entry with URIs: in /etc/apt/sources.list.d/*.sources (set MIRROR=URI)"
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
	cat >"$aptdir/$suite.sources" <<EOS
Types: deb
URIs: $mirror
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	[ "${MIRROR_UNSIGNED:-0}" != 1 ] || echo "Trusted: yes" >>"$aptdir/$suite.sources"
	apt=(apt-get -q
		-o Dir::Etc::SourceList="$aptdir/$suite.sources" -o Dir::Etc::SourceParts=/dev/null
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
		-o Dir::State::Lists="$aptdir/lists" -o Dir::Cache="$aptdir/cache"
		-o APT::Architecture="$1"
		# the cache is root's, so apt's _apt sandbox user could not write into it
		-o APT::Sandbox::User=root)
	for a in "$@"; do
		apt+=(-o APT::Architectures::="$a")
	done
	log=$aptdir/apt.log
	: >"$log"
	[ "${quiet:-0}" = 1 ] || warn "apt-get update ($suite from $mirror)"
	run_apt update --error-on=any ||
		die "apt-get update of $suite from $mirror failed (log: $log)"
}

run_apt() {
	"${apt[@]}" "$@" >>"$log" 2>&1 && return 0
	tail -n 15 "$log" >&2
	return 1
}

# fetch_linux_source DEBVER: download Debian's linux-source-6.12 at exactly
# DEBVER once, into $cache/source/, and print the deb's path.  Uses the apt
# state fetch-kernel left in $cache/kernel/ARCH/apt (the package is
# arch-independent, so any architecture's state will do); needs $cache.
fetch_linux_source() {
	local debver=$1 dir=$cache/source aptdir f
	f=$dir/linux-source-6.12_${debver//:/%3a}_all.deb
	if [ -f "$f" ]; then
		echo "$f"
		return 0
	fi
	aptdir=$(ls -d "$cache"/kernel/*/apt 2>/dev/null | head -n 1)
	[ -n "$aptdir" ] || die "no apt state under $cache/kernel: run harness/fetch-kernel first"
	mkdir -p "$dir"
	warn "download linux-source-6.12 $debver (about 140 MB)"
	rm -rf "$dir/partial"
	mkdir -p "$dir/partial"
	(cd "$dir/partial" && apt-get -q \
		-o Dir::Etc::SourceList="$aptdir/bookworm-backports.sources" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$aptdir/lists" \
		-o Dir::Cache="$aptdir/cache" -o APT::Sandbox::User=root \
		download "linux-source-6.12=$debver" >/dev/null) ||
		die "download of linux-source-6.12 $debver failed"
	mv "$dir/partial"/linux-source-6.12_*.deb "$f"
	rm -rf "$dir/partial"
	echo "$f"
}

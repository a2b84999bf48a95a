#!/bin/sh
# The day Debian uploads a new 6.12, made to happen here:
#  - a copy of the mirror's bookworm-backports index with one more kernel,
#    one past the mirror's newest, served from a local file: mirror:
#    fetch-kernel --newest takes it (and, from the real index, the newest);
#  - the committed baseline against a run of that new kernel: the tests'
#    baseline_fits turns the gate into a skip that names both kernels and
#    `make baseline`; the gate itself refuses (2) with the same words.
# No guest boots.  Usage: test-kernel-upload.sh; prints "kernel-upload: ...".
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tests/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
check_out=$work/check.out
cache=${CACHE:-$repo/.cache}
baseline=$repo/results/baseline/x86_64-stock-icount.json
krel=$(kernel_release_of "$baseline")			# e.g. 6.12.95+deb12-amd64

# The real index, from fetch-kernel's apt state (it fetches it if needed).
# The upload is one past the mirror's newest today, not the baselines':
# this test must itself survive the next real upload.
"$repo/harness/fetch-kernel" -q || { echo "FAIL: fetch-kernel"; summary_line kernel-upload 0 1 0; exit 1; }
newest_krel=$(cat "$cache/kernel/x86_64/VERSION")	# e.g. 6.12.95+deb12-amd64
abi=${newest_krel%-amd64}				# 6.12.95+deb12
minor=${abi#6.12.}
minor=${minor%%+*}
next=6.12.$((minor + 1))+deb12				# the upload
packages=$(ls "$cache"/kernel/x86_64/apt/lists/*bookworm-backports_main_binary-amd64_Packages* | head -n 1)

# mirror DIR [EXTRA-STANZA-FILE]: a file: mirror of bookworm-backports with
# the real amd64 index, plus the stanza if given.
mirror() {
	d=$1/dists/bookworm-backports
	mkdir -p "$d/main/binary-amd64"
	{ /usr/lib/apt/apt-helper cat-file "$packages"; [ $# -lt 2 ] || { echo; cat "$2"; }; } \
		>"$d/main/binary-amd64/Packages"
	p=$d/main/binary-amd64/Packages
	cat >"$d/Release" <<EOF
Suite: bookworm-backports
Codename: bookworm-backports
Architectures: amd64
Components: main
SHA256:
 $(sha256sum <"$p" | cut -d' ' -f1) $(wc -c <"$p") main/binary-amd64/Packages
EOF
}
# newest MIRROR: what fetch-kernel --newest says there (a cache of its own).
newest() {
	CACHE=$work/cache-${1##*/} MIRROR=file://$1 MIRROR_UNSIGNED=1 \
		"$repo/harness/fetch-kernel" --newest 2>"$check_out"
}

/usr/lib/apt/apt-helper cat-file "$packages" |
	awk -v p="linux-image-$newest_krel-unsigned" '$0 == "Package: " p { on = 1 } on && /^$/ { exit } on' |
	sed "s/$abi/$next/g" >"$work/upload.stanza"
check "the index holds the cached kernel ($newest_krel)" [ -s "$work/upload.stanza" ]
mirror "$work/before"
mirror "$work/after" "$work/upload.stanza"
check "before the upload, fetch-kernel's newest is $newest_krel" \
	eval '[ "$(newest "$work/before")" = "$newest_krel (cached: none)" ]'
check "after the upload, fetch-kernel's newest is $next-amd64" \
	eval '[ "$(newest "$work/after")" = "$next-amd64 (cached: none)" ]'

# A run of the new kernel: the reference run, as that kernel would record it.
mkdir "$work/run"
for f in "$repo"/results/reference/x86_64-stock-icount/*.json; do
	sed "s/\"kernel_release\": \"$krel\"/\"kernel_release\": \"$next-amd64\"/" "$f" \
		>"$work/run/${f##*/}"
done
check "a run of the baselines' own kernel fits" \
	baseline_fits "$baseline" "$repo/results/reference/x86_64-stock-icount"
baseline_mismatch=
check "a run of the uploaded kernel does not fit" \
	eval '! baseline_fits "$baseline" "$work/run"'
check "the skip names the baseline's kernel" \
	eval 'case $baseline_mismatch in *"made on kernel $krel,"*) ;; *) false ;; esac'
check "the skip names the new kernel" \
	eval 'case $baseline_mismatch in *"this boot ran $next-amd64"*) ;; *) false ;; esac'
check "the skip says how to re-baseline" \
	eval 'case $baseline_mismatch in *"make baseline ARCH=x86_64 CLOCK=icount"*) ;; *) false ;; esac'
echo "# the skip: $baseline_mismatch"

# The gate, asked directly, refuses with the same facts.
expect 2 "kernel_release: baseline '$krel'" \
	python3 "$repo/scripts/gate" "$baseline" "$work/run"
check "the gate names the new kernel" grep -q "candidate '$next-amd64'" "$check_out"
check "the gate says how to re-baseline" grep -q "make baseline ARCH=x86_64 CLOCK=icount" "$check_out"
summary kernel-upload

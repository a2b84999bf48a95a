#!/bin/bash
# Random and damaged variant files through harness/variant-lib.sh: every one
# is accepted (0) or refused (1) with a message naming the file, never
# anything else.  Deterministic (RANDOM seeded).  Prints
# "fuzz-variants: N passed, M failed" (one check per file).
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib.sh"
count=${1:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
RANDOM=7
keys=(description arch kernel patch cmdline config access bogus "" "arch " "=x")
values=("" x86_64 ppc64le debian:6.12 debian:sid source:6.12 iommufd group
	harness/kconfig/iommufd.config "image:/nonexistent:/nonexistent"
	harness/patches/msix-sparse.patch ../../etc/passwd "a=b=c" "$(printf '\001\377')"
	"debian:" "image:only-one" "$(head -c 300 /dev/zero | tr '\0' x)")
# verdict_ok: accepted in silence, or refused naming the file.
verdict_ok() {
	{ [ "$rc" = 0 ] && [ ! -s "$work/out" ]; } ||
		{ [ "$rc" = 1 ] && grep -q "$f" "$work/out"; } ||
		{ cat "$f" "$work/out"; false; }
}
for i in $(seq "$count"); do
	f=$work/v$i
	: >"$f"
	for _ in $(seq $((RANDOM % 8))); do
		printf '%s=%s\n' "${keys[RANDOM % ${#keys[@]}]}" \
			"${values[RANDOM % ${#values[@]}]}" >>"$f"
	done
	# Sometimes the real thing, damaged: a line cut, bytes flipped.
	if [ $((RANDOM % 3)) = 0 ]; then
		head -c $((RANDOM % 400)) "$repo/harness/variants/msix-sparse" >"$f"
	fi
	(repo=$repo; . "$repo/harness/variant-lib.sh"; variant_check "$f") \
		>"$work/out" 2>&1
	rc=$?
	check "$f gave $rc" verdict_ok
done
# The damage a person does to a variant file, each refused by name.
good=$(printf 'description=x\narch=x86_64\nkernel=debian:6.12\npatch=\ncmdline=\n')
refused() {	# refused NAME PATTERN CONTENT: variant_check says PATTERN
	printf '%s' "$3" >"$work/named"
	(repo=$repo; . "$repo/harness/variant-lib.sh"; variant_check "$work/named") \
		>"$work/out" 2>&1
	rc=$? want=$2
	check "$1 is refused" eval '[ $rc = 1 ] && grep -q -- "$want" "$work/out" ||
		{ cat "$work/out"; false; }'
}
refused "a misspelt key" "line 6 is not KEY=VALUE of a known key" \
	"$good
patches=harness/patches/msix-sparse.patch
"
refused "CR line endings" "CR line endings" "$(printf '%s\n' "$good" | sed 's/$/\r/')"
refused "a byte-order mark" "byte-order mark" "$(printf '\357\273\277')$good"
refused "an absolute patch path" "relative to the repository" \
	"$(echo "$good" | sed "s|^patch=|patch=$repo/harness/patches/msix-sparse.patch|")"
# The keys of kernels built here or fetched from sid.
refused "config= on Debian's kernel" "config= needs kernel=source:6.12" \
	"$good
config=harness/kconfig/iommufd.config
"
refused "a config that does not exist" "config harness/kconfig/none.config does not exist" \
	"$(echo "$good" | sed 's|debian:6.12|source:6.12|')
config=harness/kconfig/none.config
"
refused "an unknown access" "access must be group or iommufd, not 'cdev'" \
	"$good
access=cdev
"
refused "a patch on sid's kernel" "debian:sid takes no patch" \
	"$(echo "$good" | sed 's|debian:6.12|debian:sid|; s|^patch=|patch=harness/patches/msix-sparse.patch|')"
refused "an unknown kernel kind" "not 'source:7.0'" "$(echo "$good" | sed 's|debian:6.12|source:7.0|')"
for v in iommufd iommufd-group sid; do
	check "variant $v is valid" eval '(repo=$repo; . "$repo/harness/variant-lib.sh";
		variant_check "$repo/harness/variants/$v")'
done
# Refused before any build or boot: a variant on an arch it does not run on.
expect 2 "does not run on aarch64" "$repo/harness/run-suite" --arch aarch64 --build "$repo/build" --variant iommufd
expect 2 "no variant 'nosuch'" "$repo/harness/run-suite" --variant nosuch
# Refused before any build or boot: the same variant twice.
expect 2 "named twice" "$repo/harness/compare-variants" stock stock
summary fuzz-variants

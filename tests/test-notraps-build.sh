#!/bin/sh
# make TRAPS=0 builds barbench without the BPF toolchain: with clang and
# bpftool made to fail on PATH and no vmlinux.h, the build must succeed,
# and the barbench it makes must say that --traps is not built in.
# Prints "notraps-build: N passed, M failed".
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tests/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
for tool in clang bpftool llvm-strip; do
	printf '#!/bin/sh\necho "%s must not run under TRAPS=0" >&2\nexit 99\n' \
		"$tool" >"$tmp/bin/$tool"
	chmod +x "$tmp/bin/$tool"
done
check_out=$tmp/make.log
check "make TRAPS=0 builds barbench with clang and bpftool failing" \
	eval 'PATH="$tmp/bin:$PATH" make -C "$repo" --no-print-directory \
		TRAPS=0 BUILD="$tmp/build" "$tmp/build/barbench" >"$check_out" 2>&1'
check "...and never ran them" \
	eval '! grep -q "must not run" "$check_out"'
check "...nor built the BPF skeleton" \
	eval '! find "$tmp/build" -name "*.skel.h" | grep -q .'
check_out=$tmp/run.log
expect 15 "built without trap counting" \
	"$tmp/build/barbench" run --traps 0000:00:1f.7
summary notraps-build

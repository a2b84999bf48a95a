#!/bin/sh
# Kernels other than the guest's own Debian 6.12: the iommufd variant's
# kernel, built from Debian's source (harness/build-kernel; about 13 minutes
# cold on 2 cores, cached after), and sid's newest Debian kernel.
#  - build-kernel refuses a config line that does not survive olddefconfig;
#  - through the iommufd cdev path the group path's facts hold (test_vfio_facts
#    with BARBENCH_ACCESS=iommufd, guest_cdev.sh) and trapcount still counts
#    exactly on the built kernel;
#  - make run VARIANT=iommufd: every trapped access counted once, and the
#    results say "access": "iommufd";
#  - the group and cdev paths on the one kernel, icount, alternating in one
#    boot: the group path costs 85-89 guest instructions more per trapped
#    access (results/reference/compare-x86_64-iommufd-icount); the check
#    takes 40 to 160, for every fd case, so that it sees the difference;
#  - make run VARIANT=sid: the suite and its exact trap counts on sid's
#    kernel, whose release the results record.
# Usage: test-kernels.sh BUILD_DIR; prints "kernels: N passed, M failed".
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build}
. "$repo/tests/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
check_out=$work/check.out
cache=${CACHE:-$repo/.cache}

# A fragment line that Kconfig drops is named, before any compiling.
cat >"$work/bad.config" <<'EOF'
CONFIG_IOMMUFD=m
CONFIG_VFIO_DEVICE_CDEV=y
# Needs CONFIG_INFINIBAND, which defconfig leaves out.
CONFIG_INFINIBAND_IPOIB=y
EOF
mkdir -p "$work/repo/harness/variants" "$work/repo/harness/kconfig"
cp -r "$repo/harness/"* "$work/repo/harness/"
cp "$work/bad.config" "$work/repo/harness/kconfig/bad.config"
sed 's|^config=.*|config=harness/kconfig/bad.config|' "$repo/harness/variants/iommufd" \
	>"$work/repo/harness/variants/bad-config"
expect 120 "bad.config: 'CONFIG_INFINIBAND_IPOIB=y' did not survive" \
	env CACHE="$cache" "$work/repo/harness/build-kernel" -q bad-config
expect 2 "is not built from source" "$repo/harness/build-kernel" stock

echo "# build-kernel iommufd (about 13 minutes if not cached)"
start=$(date +%s)
kdir=$("$repo/harness/build-kernel" iommufd) || kdir=
check "build-kernel iommufd" [ -n "$kdir" ]
echo "# build-kernel: $(( $(date +%s) - start )) s"
if [ -n "$kdir" ]; then
	check "BUILDINFO names the source package" \
		grep -q '^source-package=linux-source-6.12_' "$kdir/BUILDINFO"
	check "the kernel has IOMMUFD" grep -qx 'CONFIG_IOMMUFD=m' "$kdir/config"
	check "the kernel has the VFIO cdev" grep -qx 'CONFIG_VFIO_DEVICE_CDEV=y' "$kdir/config"
	expect 0 "cached" "$repo/harness/build-kernel" iommufd
	krel=$(cat "$kdir/RELEASE")

	"$repo/harness/guest" -q --timeout 900 \
		--kernel "$kdir/image" --modules "$kdir/modules/$krel" \
		--add "$build/barbench" "$build/test_vfio_facts" "$build/trapcount" \
		"$build/test_trapcount" "$repo/tests/lib.sh" \
		"$repo/bench/tests/guest_cdev.sh" -- sh -c '
		uname -r
		BARBENCH_ACCESS=iommufd ./test_vfio_facts
		./guest_cdev.sh
		./test_trapcount' >"$work/guest.out" 2>&1
	sed 's/^/    /' "$work/guest.out"
	check "the guest ran the built kernel" grep -qx "$krel" "$work/guest.out"
	check "test_vfio_facts through the cdev" grep -q '^guest: [0-9]* passed, 0 failed' "$work/guest.out"
	check "test_vfio_facts opened the cdev" grep -q '# access through the iommufd cdev' "$work/guest.out"
	check "test_vfio_facts: the cdev present" grep -q 'iommufd cdev present' "$work/guest.out"
	check "guest_cdev.sh" grep -q '^cdev: [0-9]* passed, 0 failed' "$work/guest.out"
	check "trapcount on the built kernel" grep -q '^trapcount: [0-9]* passed, 0 failed' "$work/guest.out"
fi

# make run VARIANT=iommufd: the suite through the cdev, exact trap counts.
run_variant() {	# run_variant VARIANT: the run folder it wrote under $work/VARIANT
	"$repo/harness/run-suite" --variant "$1" --samples 20 --build "$build" \
		--results "$work/$1" >"$work/$1.out" 2>&1
	echo "# make run VARIANT=$1: status $?" >&2
	tail -n 4 "$work/$1.out" | sed 's/^/    /' >&2
	ls -d "$work/$1"/run-* 2>/dev/null | head -n 1
}
run=$(run_variant iommufd)
check "make run VARIANT=iommufd wrote a run" [ -d "$run" ]
if [ -d "$run" ]; then
	python3 "$repo/scripts/tests/check_traps.py" "$run" >"$check_out" 2>&1
	check "iommufd: every trap counted exactly" grep -q '^traps: [0-9]* passed, 0 failed' "$check_out"
	check "iommufd: results say the access path" \
		grep -q '"access": "iommufd"' "$run/0000_00_02_0.json"
	check "iommufd: kernel.BUILDINFO kept" [ -f "$run/kernel.BUILDINFO" ]
fi

# The two paths on one kernel, exact: instructions per trapped access.
"$repo/harness/compare-variants" --clock icount --rounds 1 --samples 20 --build "$build" \
	--results "$work/cmp" iommufd-group iommufd >"$work/cmp.out" 2>&1
check "compare iommufd-group iommufd" [ $? = 0 ]
cmp=$(ls -d "$work/cmp"/compare-* 2>/dev/null | head -n 1)
check "compare iommufd-group iommufd wrote a folder" [ -d "$cmp" ]
if [ -d "$cmp" ]; then
	python3 - "$cmp" >"$check_out" 2>&1 <<'PY'
import json, sys
d = sys.argv[1]
side = {}
for v in ("iommufd-group", "iommufd"):
    doc = json.load(open(f"{d}/{v}/round-1/0000_00_02_0.json"))
    print(v, "access", doc["device"]["access"])
    side[v] = {(c["place"], c["offset"], c["op"], c["width"]): c["median_ns"]
               for c in doc["cases"] if c["path"] == "fd" and not c.get("skipped")}
if set(side["iommufd"]) != set(side["iommufd-group"]) or not side["iommufd"]:
    print("the two sides measured different fd cases")
    sys.exit(1)
# Guest instructions the group path adds to one trapped access.
extra = [side["iommufd-group"][k] - side["iommufd"][k] for k in side["iommufd"]]
print(f"group - cdev per fd access: {len(extra)} cases, "
      f"min {min(extra):.0f} max {max(extra):.0f} instructions")
sys.exit(0 if len(extra) >= 20 and 40 <= min(extra) and max(extra) <= 160 else 1)
PY
	rc=$?
	sed 's/^/    /' "$check_out"
	check "the group path costs 40-160 instructions more per trapped access" [ $rc = 0 ]
	check "the comparison names the paths" grep -q 'iommufd access iommufd' "$check_out"
fi

# sid's newest kernel, fetched and recorded exactly.
run=$(run_variant sid)
check "make run VARIANT=sid wrote a run" [ -d "$run" ]
if [ -d "$run" ]; then
	sidrel=$(cat "$cache/kernel/sid-x86_64/VERSION")
	python3 "$repo/scripts/tests/check_traps.py" "$run" >"$check_out" 2>&1
	check "sid: every trap counted exactly" grep -q '^traps: [0-9]* passed, 0 failed' "$check_out"
	check "sid: the results record $sidrel" \
		grep -q "\"kernel_release\": \"$sidrel\"" "$run/0000_00_02_0.json"
fi
summary kernels

#!/bin/sh
# make vmm end to end: Debian's QEMU as the VFIO client of the guest's NVMe
# and xhci, one boot, under stock and msix-sparse, with and without
# x-msix-relocation=bar2.  Facts from QEMU's own trace events and from
# trapcount, exact counts only (no clock):
#   - harness/drive-qemu exits 0: trapcount and the trace events agree on every
#     device and variant, and the qemu profile predicted every register;
#   - the NVMe under stock: one mmap of all of BAR0 and 0 traps;
#   - under msix-sparse: every access to the table's page outside the table
#     traps, the table's none (QEMU emulates it; not on pseries, whose
#     paravirt MSI lets QEMU leave the table to the device: all trap), and
#     QEMU maps what the kernel's sparse areas offer at this page size (4K:
#     0x0+8192 and 0x3000+4096; 16K and 64K: nothing);
#   - with x-msix-relocation=bar2 under msix-sparse the table's own offsets
#     trap too (QEMU moved its emulated table away);
#   - a profile whose rules differ from QEMU's measurements (at 4K
#     cloud-hypervisor's) fails the prediction check on exactly those rows.
# Usage: test-drive-qemu.sh [ARCH [BUILD_DIR]]; prints "vmm-ARCH: N passed, M failed".
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib.sh"
arch=${1:-x86_64}
build=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check_out=$tmp/check.out

"$repo/harness/drive-qemu" --arch "$arch" ${build:+--build "$build"} \
	--results "$tmp" >"$tmp/vmm.log" 2>&1
rc=$?
check "harness/drive-qemu --arch $arch exits 0 (counts agree, predictions right)" \
	eval '[ $rc = 0 ] || { tail -30 "$tmp/vmm.log"; false; }'
run=$(ls -d "$tmp"/vmm-*-"$arch" 2>/dev/null | head -n 1)
check "a vmm-DATE-$arch folder with vmm.json, vmm.txt, vmm.md" \
	eval '[ -n "$run" ] && [ -s "$run/vmm.json" ] && [ -s "$run/vmm.txt" ] && [ -s "$run/vmm.md" ]'
[ -n "$run" ] || { summary "vmm-$arch"; exit 1; }

# fact NAME PYTHON: one check on vmm.json, with `rows` (NVMe's rows),
# `checks` (NVMe's per-variant checks), `page`, `bar` (BAR0's size), and
# `of(variant, place)`.
fact() {
	name=$1
	check "$name" python3 - "$run/vmm.json" "$2" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
page = doc["provenance"]["page_size"]
bar = max(page, 16384)	# the NVMe's 16 KiB BAR0, a page at 64K
dev = next(r["device"] for r in doc["rows"] if r["device_id"] == "1b36:0010")
rows = [r for r in doc["rows"] if r["device"] == dev]
checks = [c for c in doc["checks"] if c["device"] == dev]
def label(x):
    return x["variant"] + ("+" + x["qemu_options"] if x["qemu_options"] else "")
def of(variant, place):
    got = [r for r in rows if label(r) == variant and r["place"] == place]
    assert got, (variant, place, "no rows")
    return got
def check_of(variant):
    return next(c for c in checks if label(c) == variant)
def mmaps(variant):
    return [(m["offset"], m["size"]) for m in check_of(variant)["mmaps"]
            if not m["error"]]
exec(sys.argv[2])
EOF
}

fact "vmm.json has every row key the issue names" '
for r in doc["rows"]:
    for k in ("vmm", "variant", "device", "offset", "place", "op", "width",
              "accesses", "traps", "route_predicted", "route_measured"):
        assert k in r, (k, r)
assert doc["counts_agree"] is True and doc["predictions"]["wrong"] == 0
'
fact "four runs per device: stock and msix-sparse, each with and without relocation" '
assert sorted(map(label, checks)) == ["msix-sparse",
    "msix-sparse+x-msix-relocation=bar2", "stock",
    "stock+x-msix-relocation=bar2"], sorted(map(label, checks))
'
fact "the trace events and trapcount count the same, and not nothing" '
for c in checks:
    assert c["trace_events"] == c["trapcount_traps"], c
assert check_of("msix-sparse")["trace_events"] > 0
'
fact "stock: QEMU makes one mmap of all of BAR0 (16 KiB; 64 KiB at 64K pages)" '
assert mmaps("stock") == [(0, bar)], mmaps("stock")
'
fact "stock: 0 of the NVMe accesses trap" '
assert all(r["traps"] == 0 for r in rows if label(r) == "stock")
assert check_of("stock")["trace_events"] == 0
'
fact "msix-sparse: QEMU maps exactly the sparse areas of this page size" '
want = {4096: [(0, 8192), (0x3000, 4096)], 16384: [], 65536: []}[page]
assert mmaps("msix-sparse") == want, (page, mmaps("msix-sparse"))
'
fact "msix-sparse: every access to the table page (outside the table) traps" '
t = of("msix-sparse", "table-page")
assert all(r["traps"] == r["accesses"] > 0 for r in t), t
assert page != 4096 or any(r["offset"] == 0x2410 for r in t)
'
fact "msix-sparse: QEMU emulates the MSI-X table (0 traps), but on pseries (ppc64le: vfio-no-msix-emulation), where every access traps" '
t = of("msix-sparse", "msix-table")
pseries = doc["provenance"]["arch"] == "ppc64le"
assert all(r["traps"] == (r["accesses"] if pseries else 0) for r in t), t
'
fact "msix-sparse: the PBA traps exactly when it shares no mapped page" '
pba = of("msix-sparse", "msix-pba")
want = 0 if page == 4096 else pba[0]["accesses"]	# 4K: its own page, mapped
assert all(r["traps"] == want for r in pba), (page, pba)
'
fact "x-msix-relocation=bar2 under msix-sparse: the table offsets trap too" '
t = of("msix-sparse+x-msix-relocation=bar2", "msix-table")
assert all(r["traps"] == r["accesses"] > 0 for r in t), t
'
fact "x-msix-relocation=bar2 under stock: still one mmap and 0 traps" '
assert mmaps("stock+x-msix-relocation=bar2") == [(0, bar)]
assert check_of("stock+x-msix-relocation=bar2")["trace_events"] == 0
'

# A wrong profile fails the prediction check.  Which profiles differ from
# QEMU's measurements here, row by row, from the predictions vmmdrive
# recorded: at least one must (at 4K cloud-hypervisor's, which traps the
# table's page under stock), and scripts/qemu-client-report --vmm must fail on
# exactly those rows.  Prints "NAME WRONG RIGHT".
python3 - "$run" >"$tmp/wrong" <<'EOF'
import glob, json, sys
run = sys.argv[1]
rows = {(r["variant"], r["qemu_options"], r["device"], r["offset"], r["op"],
         r["width"]): r["route_measured"]
        for r in json.load(open(run + "/vmm.json"))["rows"]}
wrong = {}
for f in sorted(glob.glob(run + "/*/*.drive.json")):
    variant, _, opts = f.split("/")[-2].partition("+")
    d = json.load(open(f))
    for r in d["registers"]:
        m = rows[(variant, opts or None, d["device"]["address"], r["offset"],
                  r["op"], r["width"])]
        for name, pred in r["predictions"].items():
            if (pred == "trapped") != (m == "trapped"):
                wrong[name] = wrong.get(name, 0) + 1
for name in sorted(wrong, key=lambda n: n != "cloud-hypervisor"):
    if not name.startswith("qemu"):
        print(name, wrong[name], len(rows) - wrong[name])
        break
EOF
set -- $(cat "$tmp/wrong")
check "a profile other than QEMU's predicts some row wrong (${1:-none})" [ -n "${1:-}" ]
if [ -n "${1:-}" ]; then
	python3 "$repo/scripts/qemu-client-report" --vmm "$1" "$run" >"$tmp/wrong.out" 2>&1
	rc=$?
	check "scripts/qemu-client-report --vmm $1 on QEMU's measurements fails (1)" \
		eval '[ $rc = 1 ] || { tail "$tmp/wrong.out"; false; }'
	check "...on exactly the $2 rows that differ" \
		grep -q "predictions of the profile ($1): $3 of $(( $2 + $3 )) rows right" "$tmp/wrong.out"
fi
if [ "$arch" = x86_64 ]; then
	check "...cloud-hypervisor at 4K, naming stock's table-page 0x2410 (predicted trapped, measured untrapped)" \
		grep -q "WRONG: stock 0000:[0-9a-f:.]* - 0x2410 read w4: predicted trapped, measured untrapped" "$tmp/wrong.out"
fi
check "...and the run's own vmm.json still says every prediction is right" \
	grep -q '"wrong": 0' "$run/vmm.json"
summary "vmm-$arch"

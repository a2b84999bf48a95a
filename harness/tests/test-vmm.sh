#!/bin/sh
# make vmm end to end: Debian's QEMU as the VFIO client of the guest's NVMe
# and xhci, one boot, under stock and msix-sparse, with and without
# x-msix-relocation=bar2.  Facts from QEMU's own trace events and from
# trapcount, exact counts only (no clock):
#   - harness/vmm exits 0: trapcount and the trace events agree on every
#     device and variant, and the qemu profile predicted every register;
#   - the NVMe under stock: one mmap of all of BAR0 and 0 traps;
#   - under msix-sparse: every access to the table's page outside the table
#     traps, the table's none (QEMU emulates it), and QEMU maps what the
#     kernel's sparse areas offer at this page size (4K: 0x0+8192 and
#     0x3000+4096; 16K: nothing);
#   - with x-msix-relocation=bar2 under msix-sparse the table's own offsets
#     trap too (QEMU moved its emulated table away);
#   - cloud-hypervisor's rules, checked against these measurements, fail.
# Usage: test-vmm.sh [ARCH [BUILD_DIR]]; prints "vmm-ARCH: N passed, M failed".
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib.sh"
arch=${1:-x86_64}
build=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check_out=$tmp/check.out

"$repo/harness/vmm" --arch "$arch" ${build:+--build "$build"} \
	--results "$tmp" >"$tmp/vmm.log" 2>&1
rc=$?
check "harness/vmm --arch $arch exits 0 (counts agree, predictions right)" \
	eval '[ $rc = 0 ] || { tail -30 "$tmp/vmm.log"; false; }'
run=$(ls -d "$tmp"/vmm-*-"$arch" 2>/dev/null | head -n 1)
check "a vmm-DATE-$arch folder with vmm.json, vmm.txt, vmm.md" \
	eval '[ -n "$run" ] && [ -s "$run/vmm.json" ] && [ -s "$run/vmm.txt" ] && [ -s "$run/vmm.md" ]'
[ -n "$run" ] || { summary "vmm-$arch"; exit 1; }

# fact NAME PYTHON: one check on vmm.json, with `rows` (NVMe's rows),
# `checks` (NVMe's per-variant checks), `page`, and `of(variant, place)`.
fact() {
	name=$1
	check "$name" python3 - "$run/vmm.json" "$2" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
page = doc["provenance"]["page_size"]
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
fact "stock: QEMU makes one mmap of all of BAR0 (16 KiB)" '
assert mmaps("stock") == [(0, 16384)], mmaps("stock")
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
assert any(r["offset"] == 0x2410 for r in t)
'
fact "msix-sparse: no access to the MSI-X table traps (QEMU emulates it)" '
assert all(r["traps"] == 0 for r in of("msix-sparse", "msix-table"))
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
assert mmaps("stock+x-msix-relocation=bar2") == [(0, 16384)]
assert check_of("stock+x-msix-relocation=bar2")["trace_events"] == 0
'

# A wrong profile: cloud-hypervisor traps the table's page even under
# stock, where QEMU mapped it.
python3 "$repo/scripts/vmm" --profile cloud-hypervisor "$run" >"$tmp/ch.out" 2>&1
rc=$?
check "cloud-hypervisor's rules on QEMU's measurements fail (1)" \
	eval '[ $rc = 1 ] || { tail "$tmp/ch.out"; false; }'
check "...naming stock's table-page 0x2410 (predicted trapped, measured untrapped)" \
	grep -q "WRONG: stock 0000:[0-9a-f:.]* - 0x2410 read w4: predicted trapped, measured untrapped" "$tmp/ch.out"
check "...and the run's own vmm.json still says every prediction is right" \
	grep -q '"wrong": 0' "$run/vmm.json"
summary "vmm-$arch"

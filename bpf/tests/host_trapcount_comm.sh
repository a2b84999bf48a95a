#!/bin/sh
# trapcount's JSON report for a client named a"b\c<TAB>d, which
# bpf/tests/guest_trapcount.sh leaves in the guest's /out, read here by
# python3's json module (the guest has none): valid JSON, and the name
# comes back exactly.
# Usage: bpf/tests/host_trapcount_comm.sh OUT_DIR (harness/guest --out's);
# prints "trapcount-comm: N passed, M failed".
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib.sh"
report=${1:?usage: host_trapcount_comm.sh OUT_DIR}/trapcount-comm.json
check_out=$report
check "the guest left $report" [ -s "$report" ]
check "python3's json reads it, and a row's comm is the name, exactly" \
	python3 -c 'import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
rows = [r for r in doc["traps"] if r["comm"] == "a\"b\\c\td"]
for r in rows:	# the row, as python3 read it
    print("# comm %r: %s %s %s width %s, count %s" % (r["comm"], r["kind"],
          r["place"], r["op"], r["width"], r["count"]))
sys.exit(not rows)' "$report"
summary trapcount-comm

#!/bin/sh
# trapcount's command line in the guest: the three modes, JSON, exit
# statuses, and a clean detach on Ctrl-C.  Prints "trapcount-cli: N passed,
# M failed".  Runs from /extra with trapcount, barbench, test_trapcount and
# lib.sh (tests/lib.sh).
. ./lib.sh
out=/tmp/tc.out
check_out=$out
nvme=$BARBENCH_NVME
read_table="./barbench read --offset 0x2000 --path fd $nvme"

# One trapped read of the table, 4 bytes, from the command.
./trapcount -- $read_table >$out 2>&1
check "trapcount -- COMMAND exits 0" [ $? = 0 ]
check "one msix-table read of 4 bytes" grep -q "msix-table read    4        1 " $out

./trapcount -j -- $read_table >$out 2>&1
check "JSON has the read" grep -q '"kind": "bar", "region": 0, "place": "msix-table", "op": "read", "width": 4, "error": 0, "count": 1,' $out
check "JSON reports zero lost events" grep -q '"map_full": 0, "no_start": 0, "starts_full": 0' $out

# A client whose name JSON must escape: a quote, a backslash, a tab.  The
# report goes to /out, which tests/run-all brings back and reads with
# python3's json module (bpf/tests/host_trapcount_comm.sh).
odd=$(printf 'a"b\\c\td')
comm_json=/out/trapcount-comm.json
[ -d /out ] && [ -w /out ] || comm_json=/tmp/trapcount-comm.json
cp ./barbench "/tmp/$odd"
./trapcount -q -j -o $comm_json -- "/tmp/$odd" read --offset 0x2000 \
	--path fd $nvme >$out 2>&1
check "trapcount -j of a client named with a quote, backslash, tab exits 0" \
	[ $? = 0 ]
check "...and escapes its name in the JSON" \
	grep -q '"comm": "a\\"b\\\\c\\u0009d"' $comm_json
rm -f "/tmp/$odd"

# The command's exit status comes back; a command that cannot run is 127.
./trapcount -- sh -c 'exit 7' >$out 2>&1
check "command status passed through" [ $? = 7 ]
./trapcount -- /nonexistent >$out 2>&1
check "missing command gives 127" [ $? = 127 ]

# started_counting FILE: wait until trapcount says it counts (its probes
# are attached), then let the workload go: loading can take seconds.
go=/tmp/tc.go
started_counting() {
	for i in $(seq 150); do
		grep -q "counting" "$1" && break
		sleep 0.2
	done
	touch $go
}
workload="while [ ! -e $go ]; do sleep 0.1; done; $read_table; $read_table"
# Both reads of the workload, each counted once.
two_reads() {
	[ "$(grep -c "barbench .* msix-table read    4        1 " $out)" = 2 ]
}

# -p follows the process into the children it forks, and stops when the
# process exits (well before -d 60).
rm -f $go
sh -c "$workload" >/dev/null 2>&1 &
bg=$!
./trapcount -p $bg -d 60 >$out 2>$out.err &
tc=$!
started_counting $out.err
wait $tc
check "trapcount -p exits 0" [ $? = 0 ]
check "-p counts the read of each child (forked, and exec'd in place)" two_reads
wait $bg

# System-wide, for a duration.
rm -f $go
sh -c "$workload" >/dev/null 2>&1 &
bg=$!
./trapcount -d 30 >$out 2>$out.err &
tc=$!
started_counting $out.err
wait $bg
kill -INT $tc
wait $tc
check "system-wide exits 0" [ $? = 0 ]
check "system-wide sees both reads" two_reads

# Ctrl-C: the table is printed, the probes are gone.
./trapcount >$out 2>&1 &
tc=$!
check "system-wide trapcount says it counts" wait_for 60 grep -q counting $out
kill -INT $tc
wait $tc
check "SIGINT ends a system-wide count with status 0" [ $? = 0 ]
check "the table is printed on SIGINT" grep -q "lost events: 0" $out
no_trapcount_progs() { [ "$(./test_trapcount progs)" = 0 ]; }
check "no BPF program left after SIGINT" wait_for 10 no_trapcount_progs

./trapcount -p 0 >$out 2>&1
check "-p 0 is a usage error" [ $? = 2 ]
./trapcount --page-size 5000 -- true >$out 2>&1
check "--page-size 5000 is a usage error" [ $? = 2 ]

summary trapcount-cli

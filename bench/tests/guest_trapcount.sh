#!/bin/sh
# trapcount's command line in the guest: the three modes, JSON, exit
# statuses, and a clean detach on Ctrl-C.  Prints "trapcount-cli: N passed,
# M failed".  Runs from /extra with trapcount, barbench and test_trapcount.
pass=0
fail=0
out=/tmp/tc.out
nvme=$BARBENCH_NVME
read_table="./barbench read --offset 0x2000 --path fd $nvme"

ok() {	# ok NAME: the last check passed if $? was 0
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $2"
		sed 's/^/    /' $out
	fi
}

# One trapped read of the table, 4 bytes, from the command.
./trapcount -- $read_table >$out 2>&1
ok $? "trapcount -- COMMAND exits 0"
grep -q "msix-table read    4        1 " $out
ok $? "one msix-table read of 4 bytes"

./trapcount -j -- $read_table >$out 2>&1
grep -q '"kind": "bar", "region": 0, "place": "msix-table", "op": "read", "width": 4, "error": 0, "count": 1,' $out
ok $? "JSON has the read"
grep -q '"map_full": 0, "no_start": 0, "starts_full": 0' $out
ok $? "JSON reports zero lost events"

# The command's exit status comes back; a command that cannot run is 127.
./trapcount -- sh -c 'exit 7' >$out 2>&1
[ $? = 7 ]
ok $? "command status passed through"
./trapcount -- /nonexistent >$out 2>&1
[ $? = 127 ]
ok $? "missing command gives 127"

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

# -p follows the process into the children it forks, and stops when the
# process exits (well before -d 60).
rm -f $go
sh -c "$workload" >/dev/null 2>&1 &
bg=$!
./trapcount -p $bg -d 60 >$out 2>$out.err &
tc=$!
started_counting $out.err
wait $tc
ok $? "trapcount -p exits 0"
[ "$(grep -c "barbench .* msix-table read    4        1 " $out)" = 2 ]
ok $? "-p counts the read of each child (forked, and exec'd in place)"
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
ok $? "system-wide exits 0"
[ "$(grep -c "barbench .* msix-table read    4        1 " $out)" = 2 ]
ok $? "system-wide sees both reads"

# Ctrl-C: the table is printed, the probes are gone.
./trapcount >$out 2>&1 &
tc=$!
sleep 3
kill -INT $tc
wait $tc
ok $? "SIGINT ends a system-wide count with status 0"
grep -q "lost events: 0" $out
ok $? "the table is printed on SIGINT"
sleep 1
[ "$(./test_trapcount progs)" = 0 ]
ok $? "no BPF program left after SIGINT"

./trapcount -p 0 >$out 2>&1
[ $? = 2 ]
ok $? "-p 0 is a usage error"
./trapcount --page-size 5000 -- true >$out 2>&1
[ $? = 2 ]
ok $? "--page-size 5000 is a usage error"

echo "trapcount-cli: $pass passed, $fail failed"
[ $fail = 0 ]

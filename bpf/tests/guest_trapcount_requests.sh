#!/bin/sh
# trapcount refuses bad requests naming the option, writes its report or
# says why not, and passes Ctrl-C on to the COMMAND as perf does.  Runs in
# the guest from /extra with trapcount, test_trapcount and lib.sh beside it;
# prints "trapcount-requests: N passed, M failed".
. ./lib.sh
out=/tmp/tcreq.out

check "a bad --page-size names --page-size" \
	status_is 2 "for --page-size" ./trapcount --page-size 3000 -- true
check "-D with no PCI address is refused" \
	status_is 2 "-D takes a PCI address" ./trapcount -D notanaddr -- true
check "-p of a process that does not exist is refused" \
	status_is 2 "no process 999999" ./trapcount -p 999999
check "-j to a full device exits 12" \
	sh -c "./trapcount -q -j -- true >/dev/full 2>$out.err; \
	       [ \$? = 12 ] && grep -q 'standard output' $out.err"
rm -f /tmp/tc.json
check "-o FILE writes the JSON report there" \
	sh -c "./trapcount -q -j -o /tmp/tc.json -- true && \
	       grep -q '\"schema\": \"vfio-barbench/trapcount/1\"' /tmp/tc.json"
check "-o leaves no temporary file" \
	sh -c "! ls /tmp/tc.json.tmp.* >/dev/null 2>&1"
check "-o in a missing folder exits 12" \
	status_is 12 "cannot create /nonexistent/" \
	./trapcount -q -o /nonexistent/tc.txt -- true

# SIGINT to trapcount (not to the terminal's group) reaches the COMMAND.
./trapcount -- sleep 60 >$out 2>&1 &
tc=$!
sleep_started() { [ -n "$(procs_matching '^sleep 60 $')" ]; }
check "trapcount started its command" wait_for 60 sleep_started
kill -INT $tc
wait $tc
rc=$?
# 130 is sleep's own status when SIGINT ends it: had the signal not reached
# it, sleep would have ended with 0 after 60 s.
check "SIGINT to trapcount -- sleep 60 ends it with sleep's status (130)" \
	[ "$rc" = 130 ]
check "...and prints the report" grep -q "lost events: 0" $out
no_trapcount_progs() { [ "$(./test_trapcount progs)" = 0 ]; }
check "...and leaves no BPF program behind" wait_for 10 no_trapcount_progs
summary trapcount-requests

#!/bin/sh
# barbench refuses a bad request before it opens the device or starts a
# run, names the cause and gives its own status; output it cannot write is
# an error, never a silent success.  Runs in the guest from /extra with
# barbench, barbench-notraps and lib.sh beside it; prints
# "requests: N passed, M failed".
. ./lib.sh
nvme=$BARBENCH_NVME
missing=0000:00:1e.7	# no such device: a check made first must win
out=/tmp/requests.out

check "read without --offset is a usage error before the device is looked up" \
	status_is 2 "read needs --offset" ./barbench read $missing
check "-o '' is refused before the device is looked up" \
	status_is 2 "-o needs a file name" ./barbench run -o '' $missing
check "-o in a missing folder is refused before the run (12)" \
	status_is 12 "cannot write /nonexistent/r.json: /nonexistent/" \
	./barbench run -o /nonexistent/r.json $nvme
# A run says "N samples each in ..." when it starts sampling: no such line.
check "...before any sampling began" \
	eval '! grep -q "samples each in" "$check_out"'
check "a variant label that is not UTF-8 is refused" \
	status_is 2 "not UTF-8" ./barbench run --variant "$(printf 'a\377')" $nvme
check "a variant label with a control character is refused" \
	status_is 2 "control character" ./barbench run --variant "$(printf 'a\tb')" $nvme

# The MSI-X table is read 4 or 8 bytes wide only (PCIe), by read too.
check "read of the table 1 byte wide is refused (9)" \
	status_is 9 "4 or 8 bytes wide only" \
	./barbench read --offset 0x2000 --width 1 $nvme
check "read of the PBA 2 bytes wide is refused (9)" \
	status_is 9 "MSI-X PBA" ./barbench read --offset 0x3000 --width 2 $nvme
check "read of the table 4 bytes wide works" \
	status_is 0 "^0x" ./barbench read --offset 0x2000 --width 4 $nvme

# Output that cannot be written: a full device.
check "info --json to a full device exits 12, naming standard output" \
	sh -c "./barbench info --json $nvme >/dev/full 2>$out.err; \
	       [ \$? = 12 ] && grep -q 'standard output' $out.err"
check "run -o - to a full device exits 12, naming standard output" \
	sh -c "./barbench run -q --samples 5 --paths mmap --offset 0x8 \
	       --widths 4 -o - $nvme >/dev/full 2>$out.err; \
	       [ \$? = 12 ] && grep -q 'results to standard output' $out.err"
check "--help to a full device exits 12" \
	sh -c "./barbench --help >/dev/full; [ \$? = 12 ]"
check "--help says 1% (no printf escape left)" \
	sh -c "./barbench --help | grep -q 'under 1% of a batch'"
check "--help lists every exit status, 17 the last" \
	sh -c "./barbench --help | grep -q '^  17  no vfio-pci-core'"

# make TRAPS=0: everything but --traps, which says why.
check "barbench built without BPF runs" \
	status_is 0 "^0x" ./barbench-notraps read --offset 0x8 $nvme
check "...and refuses --traps with 15, saying how it was built" \
	status_is 15 "built without trap counting" \
	./barbench-notraps run -q --traps --samples 5 --offset 0x8 $nvme
summary requests

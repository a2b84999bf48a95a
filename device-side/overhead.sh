#!/bin/sh
# What trapcount adds to a trapped access, measured in one boot: the median
# cost of an fd read of a register with no probe, with empty fentry/fexit
# programs and an empty kprobe/kretprobe (the floors of probing), under
# trapcount (fexit alone, -H's fentry/fexit, and kprobes with and without
# -H), and under the kernel's own tracefs kprobe on the same function.
# The setups alternate over ROUNDS rounds because emulated timings drift.
# Runs in the guest from /extra (make overhead), or on a lab host from a
# folder holding barbench and trapcount; results in $OUT.
OUT=${OUT:-/out}
ROUNDS=${ROUNDS:-3}
SAMPLES=${SAMPLES:-400}
dev=${BARBENCH_NVME:?no device}
tracing=/sys/kernel/tracing
bench() {	# bench LABEL [WRAPPER...]
	label=$1
	shift
	"$@" ./barbench run -q --paths fd --offset 0x8 --widths 4 \
		--samples "$SAMPLES" --raw --variant "$label" \
		-o "$OUT/$label-$round.json" "$dev"
}
status=0
# Without BPF trampolines (Debian's ppc64el kernel) there is no fentry or
# fexit: only the kprobe setups, and no empty-probe floor.
fentry=1
./trapcount -q --empty -- true >/dev/null 2>&1 || {
	fentry=0
	echo "overhead: no BPF trampolines here: kprobe setups only"
}
for round in $(seq "$ROUNDS"); do
	echo "overhead: round $round of $ROUNDS"
	bench none || status=1
	if [ "$fentry" = 1 ]; then
		bench empty-fexit ./trapcount --empty -- >/dev/null || status=1
		bench empty-fentry-fexit ./trapcount --empty -H -- >/dev/null || status=1
		bench trapcount ./trapcount -- >/dev/null || status=1
		bench trapcount-histograms ./trapcount -H -- >/dev/null || status=1
	fi
	bench empty-kprobe ./trapcount --empty -k -- >/dev/null || status=1
	bench empty-kprobe-kretprobe ./trapcount --empty -k -H -- >/dev/null || status=1
	bench trapcount-kprobes ./trapcount -k -- >/dev/null || status=1
	bench trapcount-kprobes-histograms ./trapcount -k -H -- >/dev/null || status=1
	echo 'p:barbench_kprobe vfio_pci_core_read' >>$tracing/kprobe_events &&
		echo 1 >$tracing/events/kprobes/barbench_kprobe/enable || status=1
	bench tracefs-kprobe || status=1
	echo 0 >$tracing/events/kprobes/barbench_kprobe/enable
	echo '-:barbench_kprobe' >>$tracing/kprobe_events
	echo >$tracing/trace
done
exit $status

// SPDX-License-Identifier: GPL-2.0
/*
 * trapcount's kernel side: count, classify and time every BAR access that
 * traps through the VFIO device fd (vfio_pci_core_read/write), and count
 * vfio_pci_core_mmap calls and the faults on such mappings.
 *
 * Each program comes in several sets: fexit alone to count (fentry too, to
 * time), where the kernel has BPF trampolines; a kprobe (and, to time, its
 * kretprobe) otherwise.  The user side loads one set.  How an access is
 * counted is in counting.bpf.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "place_classify.h"
#include "trapcount.h"
#include "vfio_types.h"

#define OFFSET_MASK	((1ULL << TRAP_REGION_SHIFT) - 1)

const volatile bool filter_tgid = false;
const volatile __u64 page_size = 4096;
const volatile __u32 page_shift = 12;
/* The kernel's own page: vm_pgoff counts these, whatever --page-size says. */
const volatile __u32 mm_page_shift = 12;
/* barbench: the address of its current case id, read from user memory. */
const volatile __u64 case_addr = 0;
const volatile __u32 case_tgid = 0;
/*
 * Time each access (-H): fentry and fexit, or a kprobe and its kretprobe.
 * Without it, fexit alone counts: one trampoline, no clock, no entry state.
 */
const volatile bool timing = false;

struct trap_lost lost = {};

#include "counting.bpf.h"

/* -H: an access begins (fentry, or the kprobe with its arguments). */
static __always_inline struct stamp *stamp_entry(void)
{
	struct stamp *s = bpf_map_lookup_elem(&stamps, &only_key);

	if (s) {
		s->pid_tgid = bpf_get_current_pid_tgid();
		s->ts = bpf_ktime_get_ns();
	}
	return s;
}

static __always_inline int kprobe_entry(struct vfio_device *core_vdev,
					size_t count, loff_t *ppos, __u8 op)
{
	struct stamp *s = stamp_entry();

	if (s) {
		s->vdev = core_vdev;
		s->pos = read_pos(ppos);
		s->count = count;
		s->op = op;
	}
	return 0;
}

/* -H, kprobe fallback: the arguments were stamped at entry. */
static __always_inline int kretprobe_exit(long ret)
{
	__u64 now = bpf_ktime_get_ns(), pid_tgid = bpf_get_current_pid_tgid();
	struct stamp *s = open_stamp(pid_tgid);
	__u64 start;

	if (!s) {
		if (traced(pid_tgid >> 32))
			__sync_fetch_and_add(&lost.no_start, 1);
		return 0;
	}
	start = s->ts;
	s->ts = 0;
	count_access(s->vdev, s->pos, s->pos + s->count, s->count, s->op, ret,
		     pid_tgid, now - start);
	return 0;
}

/* -H with trampolines: fexit sees the arguments (count_rw has the order). */
static __always_inline int fexit_timed(unsigned long long *ctx, __u8 op)
{
	__u64 now = bpf_ktime_get_ns(), pid_tgid = bpf_get_current_pid_tgid();
	struct stamp *s = open_stamp(pid_tgid);
	__u64 start, end;
	long ret;

	if (!s) {
		if (traced(pid_tgid >> 32))
			__sync_fetch_and_add(&lost.no_start, 1);
		return 0;
	}
	start = s->ts;
	s->ts = 0;
	end = read_pos((loff_t *)ctx[3]);
	ret = ctx[4];
	/* The access moved *ppos on by the bytes it did: step back. */
	count_access((void *)ctx[0], end - (ret > 0 ? ret : 0), end, ctx[2], op,
		     ret, pid_tgid, now - start);
	return 0;
}

static __always_inline void count_event(struct trap_key *key, __u64 bytes)
{
	struct trap_val *val = entry_for(key);

	if (!val)
		return;
	val->count++;
	val->bytes += bytes;
	if (key->err)
		val->errors++;
}

static __always_inline int mmap_exit(struct vfio_device *core_vdev,
				     struct vm_area_struct *vma, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct trap_key key = {};
	struct vfio_pci_core_device *vdev;
	struct dev_info *dev;
	__u64 pgoff = BPF_CORE_READ(vma, vm_pgoff);

	if (!traced(tgid))
		return 0;
	vdev = container_of(core_vdev, struct vfio_pci_core_device, vdev);
	dev = device_info(vdev);
	if (!dev)
		return 0;
	__builtin_memcpy(key.dev, dev->name, TRAP_DEV_LEN);
	key.tgid = tgid;
	key.case_id = current_case(tgid);
	key.kind = TRAP_KIND_MMAP;
	key.region = pgoff >> (TRAP_REGION_SHIFT - mm_page_shift);
	/* One row per mapped range: QEMU's two sparse mmaps are two rows. */
	key.pgoff = pgoff & ((1ULL << (TRAP_REGION_SHIFT - mm_page_shift)) - 1);
	key.width = (BPF_CORE_READ(vma, vm_end) -
		     BPF_CORE_READ(vma, vm_start)) >> mm_page_shift;
	key.place = PLACE_NONE;
	key.err = ret < 0 ? -ret : 0;
	count_event(&key, BPF_CORE_READ(vma, vm_end) -
			  BPF_CORE_READ(vma, vm_start));
	return 0;
}

static __always_inline int fault_entry(struct vm_fault *vmf)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct trap_key key = {};
	struct vfio_pci_core_device *vdev;
	struct dev_info *dev;
	__u64 pos = (__u64)BPF_CORE_READ(vmf, pgoff) << mm_page_shift;

	if (!traced(tgid))
		return 0;
	vdev = BPF_CORE_READ(vmf, vma, vm_private_data);
	dev = device_info(vdev);
	if (!dev)
		return 0;
	__builtin_memcpy(key.dev, dev->name, TRAP_DEV_LEN);
	key.tgid = tgid;
	key.case_id = current_case(tgid);
	key.kind = TRAP_KIND_FAULT;
	key.region = pos >> TRAP_REGION_SHIFT;
	key.place = classify(dev, key.region, pos & OFFSET_MASK);
	count_event(&key, 1ULL << mm_page_shift);
	return 0;
}

SEC("fentry/vfio_pci_core_read")
int BPF_PROG(fentry_read)
{
	stamp_entry();
	return 0;
}

SEC("fexit/vfio_pci_core_read")
int fexit_read(unsigned long long *ctx)
{
	return fexit_timed(ctx, TRAP_OP_READ);
}

SEC("fentry/vfio_pci_core_write")
int BPF_PROG(fentry_write)
{
	stamp_entry();
	return 0;
}

SEC("fexit/vfio_pci_core_write")
int fexit_write(unsigned long long *ctx)
{
	return fexit_timed(ctx, TRAP_OP_WRITE);
}

/* vfio_pci_core_read/write(core_vdev, buf, count, ppos) = ret */
SEC("fexit/vfio_pci_core_read")
int count_read(unsigned long long *ctx)
{
	return count_rw(ctx, TRAP_OP_READ, false);
}

SEC("fexit/vfio_pci_core_write")
int count_write(unsigned long long *ctx)
{
	return count_rw(ctx, TRAP_OP_WRITE, false);
}

/* The same for barbench --traps, which charges each access to its case. */
SEC("fexit/vfio_pci_core_read")
int count_read_cases(unsigned long long *ctx)
{
	return count_rw(ctx, TRAP_OP_READ, true);
}

SEC("fexit/vfio_pci_core_write")
int count_write_cases(unsigned long long *ctx)
{
	return count_rw(ctx, TRAP_OP_WRITE, true);
}

SEC("fexit/vfio_pci_core_mmap")
int BPF_PROG(fexit_mmap, struct vfio_device *core_vdev,
	     struct vm_area_struct *vma, int ret)
{
	return mmap_exit(core_vdev, vma, ret);
}

SEC("fentry/vfio_pci_mmap_huge_fault")
int BPF_PROG(fentry_fault, struct vm_fault *vmf)
{
	return fault_entry(vmf);
}

/*
 * kprobe counting alone (no -H): one kprobe at entry, which sees the
 * arguments but not the result.  Bytes are the bytes asked for, and an
 * access that fails is counted as done: -H adds the kretprobe that sees
 * both, at about twice the cost.
 */
static __always_inline int kcount_rw(struct vfio_device *core_vdev,
				     size_t count, loff_t *ppos, __u8 op)
{
	__u64 pos = read_pos(ppos);

	count_access(core_vdev, pos, pos + count, count, op, count,
		     bpf_get_current_pid_tgid(), 0);
	return 0;
}

SEC("kprobe/vfio_pci_core_read")
int BPF_KPROBE(kcount_read, struct vfio_device *core_vdev, char *buf,
	       size_t count, loff_t *ppos)
{
	return kcount_rw(core_vdev, count, ppos, TRAP_OP_READ);
}

SEC("kprobe/vfio_pci_core_write")
int BPF_KPROBE(kcount_write, struct vfio_device *core_vdev, const char *buf,
	       size_t count, loff_t *ppos)
{
	return kcount_rw(core_vdev, count, ppos, TRAP_OP_WRITE);
}

SEC("kprobe/vfio_pci_core_read")
int BPF_KPROBE(kprobe_read, struct vfio_device *core_vdev, char *buf,
	       size_t count, loff_t *ppos)
{
	return kprobe_entry(core_vdev, count, ppos, TRAP_OP_READ);
}

SEC("kprobe/vfio_pci_core_write")
int BPF_KPROBE(kprobe_write, struct vfio_device *core_vdev, const char *buf,
	       size_t count, loff_t *ppos)
{
	return kprobe_entry(core_vdev, count, ppos, TRAP_OP_WRITE);
}

/* One kretprobe serves read and write: the op was saved at entry. */
SEC("kretprobe/vfio_pci_core_read")
int BPF_KRETPROBE(kretprobe_rw, long ret)
{
	return kretprobe_exit(ret);
}

/* kprobe mmap: the vma is saved at entry, the result read at return. */
struct start {
	void *vdev, *vma;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct start);
} mmap_starts SEC(".maps");

SEC("kprobe/vfio_pci_core_mmap")
int BPF_KPROBE(kprobe_mmap, struct vfio_device *core_vdev,
	       struct vm_area_struct *vma)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct start s = { core_vdev, vma };

	bpf_map_update_elem(&mmap_starts, &tid, &s, BPF_ANY);
	return 0;
}

SEC("kretprobe/vfio_pci_core_mmap")
int BPF_KRETPROBE(kretprobe_mmap, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct start *s = bpf_map_lookup_elem(&mmap_starts, &tid);

	if (!s)
		return 0;
	mmap_exit(s->vdev, s->vma, ret);
	bpf_map_delete_elem(&mmap_starts, &tid);
	return 0;
}

SEC("kprobe/vfio_pci_mmap_huge_fault")
int BPF_KPROBE(kprobe_fault, struct vm_fault *vmf)
{
	return fault_entry(vmf);
}

/*
 * trapcount --empty: the same fentry/fexit attach points with nothing in
 * them, to measure what probing costs before trapcount does any work.
 */
SEC("fentry/vfio_pci_core_read")
int BPF_PROG(empty_entry)
{
	return 0;
}

SEC("fexit/vfio_pci_core_read")
int BPF_PROG(empty_exit)
{
	return 0;
}

/* With -k: the kprobe (and with -H the kretprobe) the fallback pays for. */
SEC("kprobe/vfio_pci_core_read")
int BPF_KPROBE(empty_kprobe)
{
	return 0;
}

SEC("kretprobe/vfio_pci_core_read")
int BPF_KRETPROBE(empty_kretprobe)
{
	return 0;
}

/*
 * -H: a task switched out (still current here) in the middle of an access
 * takes its open stamp along, so that the next task on this CPU cannot
 * overwrite it and its exit finds it wherever it runs.
 */
SEC("raw_tp/sched_switch")
int on_switch(void *ctx)
{
	struct stamp *s = bpf_map_lookup_elem(&stamps, &only_key), *to;

	if (!s || !s->ts || s->pid_tgid != bpf_get_current_pid_tgid())
		return 0;
	to = bpf_task_storage_get(&moved_stamps, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (to)
		*to = *s;
	else
		__sync_fetch_and_add(&lost.starts_full, 1);
	s->ts = 0;
	return 0;
}

/* Follow the traced command into the processes it forks. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u8 one = 1;

	if (filter_tgid && bpf_map_lookup_elem(&tgids, &ptgid))
		bpf_map_update_elem(&tgids, &ctgid, &one, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

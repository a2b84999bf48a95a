// SPDX-License-Identifier: GPL-2.0
/*
 * trapcount's kernel side: count, classify and time every BAR access that
 * traps through the VFIO device fd (vfio_pci_core_read/write), and count
 * vfio_pci_core_mmap calls and the faults on such mappings.
 *
 * Each program comes twice: fentry/fexit where the kernel has BPF
 * trampolines, kprobe/kretprobe otherwise; the user side loads one set.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "trapcount.h"
#include "vfio_types.h"

#define OFFSET_MASK	((1ULL << TRAP_REGION_SHIFT) - 1)

const volatile bool filter_tgid = false;
const volatile __u64 page_size = 4096;
const volatile __u32 page_shift = 12;
/* barbench: the address of its current case id, read from user memory. */
const volatile __u64 case_addr = 0;
const volatile __u32 case_tgid = 0;

struct trap_lost lost = {};

struct start {
	__u64 ts;
	__u64 pos;
	__u64 count;
	struct vfio_pci_core_device *vdev;
	__u32 case_id;
	__u8 op;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TRAP_MAX_ENTRIES);
	__type(key, struct trap_key);
	__type(value, struct trap_val);
} traps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);		/* tid */
	__type(value, struct start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);		/* tgid */
	__type(value, __u8);
} tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);		/* tgid */
	__type(value, char[TRAP_COMM_LEN]);
} comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, char[TRAP_DEV_LEN]);
	__type(value, struct trap_pba);
} pbas SEC(".maps");

static __always_inline bool traced(__u32 tgid)
{
	return !filter_tgid || bpf_map_lookup_elem(&tgids, &tgid);
}

static __always_inline __u32 current_case(__u32 tgid)
{
	__u32 id = 0;

	if (case_addr && tgid == case_tgid)
		bpf_probe_read_user(&id, sizeof(id), (void *)case_addr);
	return id;
}

static __always_inline void device_name(struct vfio_pci_core_device *vdev,
					char *dev)
{
	const char *name = BPF_CORE_READ(vdev, pdev, dev.kobj.name);

	bpf_probe_read_kernel_str(dev, TRAP_DEV_LEN, name);
}

static __always_inline bool in_range(__u64 x, __u64 start, __u64 size)
{
	return x >= start && x - start < size;
}

static __always_inline bool same_page(__u64 x, __u64 start, __u64 size)
{
	__u64 page = x >> page_shift;

	return size && page >= start >> page_shift &&
	       page <= (start + size - 1) >> page_shift;
}

/* The place of @off in region @region: the table from the kernel's state. */
static __always_inline __u8 classify(struct vfio_pci_core_device *vdev,
				     const char *dev, __u32 region, __u64 off)
{
	__u32 tbar = BPF_CORE_READ(vdev, msix_bar);
	__u32 toff = BPF_CORE_READ(vdev, msix_offset);
	__u32 tsize = BPF_CORE_READ(vdev, msix_size);
	struct trap_pba *pba = bpf_map_lookup_elem(&pbas, dev);
	bool on_table = region == tbar, on_pba = pba && region == pba->bar;

	if (on_table && in_range(off, toff, tsize))
		return TRAP_PLACE_TABLE;
	if (on_pba && in_range(off, pba->offset, pba->size))
		return TRAP_PLACE_PBA;
	if (on_table && same_page(off, toff, tsize))
		return TRAP_PLACE_TABLE_PAGE;
	if (on_pba && same_page(off, pba->offset, pba->size))
		return TRAP_PLACE_TABLE_PAGE;
	return TRAP_PLACE_OTHER;
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = 0;

	/* Bounded for the verifier: 2^27 ns is far beyond any access. */
	for (int i = 0; i < TRAP_HIST_SLOTS - 1 && v > 1; i++) {
		v >>= 1;
		slot++;
	}
	return slot;
}

static __always_inline struct trap_val *entry_for(struct trap_key *key)
{
	static const struct trap_val zero;
	struct trap_val *val = bpf_map_lookup_elem(&traps, key);

	if (val)
		return val;
	if (bpf_map_update_elem(&traps, key, &zero, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&traps, key)) {
		__sync_fetch_and_add(&lost.map_full, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&traps, key);
}

static __always_inline void remember_comm(__u32 tgid)
{
	char comm[TRAP_COMM_LEN];

	if (bpf_map_lookup_elem(&comms, &tgid))
		return;
	bpf_get_current_comm(comm, sizeof(comm));
	bpf_map_update_elem(&comms, &tgid, comm, BPF_NOEXIST);
}

static __always_inline int rw_entry(struct vfio_device *core_vdev,
				    size_t count, loff_t *ppos, __u8 op)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, tgid = id >> 32;
	struct start s = {};

	if (!traced(tgid))
		return 0;
	bpf_probe_read_kernel(&s.pos, sizeof(s.pos), ppos);
	s.vdev = container_of(core_vdev, struct vfio_pci_core_device, vdev);
	s.count = count;
	s.op = op;
	s.case_id = current_case(tgid);
	s.ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&starts, &tid, &s, BPF_ANY))
		__sync_fetch_and_add(&lost.starts_full, 1);
	return 0;
}

static __always_inline int rw_exit(long ret)
{
	__u64 now = bpf_ktime_get_ns(), id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, tgid = id >> 32;
	struct trap_key key = {};
	struct trap_val *val;
	struct start *s;
	__u64 delta;
	__u32 region;

	if (!traced(tgid))
		return 0;
	s = bpf_map_lookup_elem(&starts, &tid);
	if (!s) {
		__sync_fetch_and_add(&lost.no_start, 1);
		return 0;
	}
	delta = now - s->ts;
	region = s->pos >> TRAP_REGION_SHIFT;
	device_name(s->vdev, key.dev);
	key.tgid = tgid;
	key.case_id = s->case_id;
	key.width = s->count;
	key.region = region;
	key.op = s->op;
	if (region <= 5) {
		key.kind = TRAP_KIND_BAR;
		key.place = classify(s->vdev, key.dev, region,
				     s->pos & OFFSET_MASK);
	} else {
		key.kind = region == TRAP_CONFIG_REGION ? TRAP_KIND_CONFIG :
							  TRAP_KIND_OTHER;
		key.place = TRAP_PLACE_NONE;
	}
	bpf_map_delete_elem(&starts, &tid);

	val = entry_for(&key);
	if (!val)
		return 0;
	__sync_fetch_and_add(&val->count, 1);
	if (ret < 0)
		__sync_fetch_and_add(&val->errors, 1);
	else
		__sync_fetch_and_add(&val->bytes, ret);
	__sync_fetch_and_add(&val->total_ns, delta);
	__sync_fetch_and_add(&val->hist[log2_slot(delta)], 1);
	remember_comm(tgid);
	return 0;
}

static __always_inline void count_event(struct trap_key *key, __u64 bytes)
{
	struct trap_val *val = entry_for(key);

	if (!val)
		return;
	__sync_fetch_and_add(&val->count, 1);
	__sync_fetch_and_add(&val->bytes, bytes);
	if (key->err)
		__sync_fetch_and_add(&val->errors, 1);
}

static __always_inline int mmap_exit(struct vfio_device *core_vdev,
				     struct vm_area_struct *vma, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct trap_key key = {};
	struct vfio_pci_core_device *vdev;
	__u64 pgoff = BPF_CORE_READ(vma, vm_pgoff);

	if (!traced(tgid))
		return 0;
	vdev = container_of(core_vdev, struct vfio_pci_core_device, vdev);
	device_name(vdev, key.dev);
	key.tgid = tgid;
	key.case_id = current_case(tgid);
	key.kind = TRAP_KIND_MMAP;
	key.region = pgoff >> (TRAP_REGION_SHIFT - page_shift);
	key.place = TRAP_PLACE_NONE;
	key.err = ret < 0 ? -ret : 0;
	count_event(&key, BPF_CORE_READ(vma, vm_end) -
			  BPF_CORE_READ(vma, vm_start));
	remember_comm(tgid);
	return 0;
}

static __always_inline int fault_entry(struct vm_fault *vmf)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct trap_key key = {};
	struct vfio_pci_core_device *vdev;
	__u64 pos = (__u64)BPF_CORE_READ(vmf, pgoff) << page_shift;

	if (!traced(tgid))
		return 0;
	vdev = BPF_CORE_READ(vmf, vma, vm_private_data);
	device_name(vdev, key.dev);
	key.tgid = tgid;
	key.case_id = current_case(tgid);
	key.kind = TRAP_KIND_FAULT;
	key.region = pos >> TRAP_REGION_SHIFT;
	key.place = classify(vdev, key.dev, key.region, pos & OFFSET_MASK);
	count_event(&key, page_size);
	remember_comm(tgid);
	return 0;
}

SEC("fentry/vfio_pci_core_read")
int BPF_PROG(fentry_read, struct vfio_device *core_vdev, char *buf,
	     size_t count, loff_t *ppos)
{
	return rw_entry(core_vdev, count, ppos, TRAP_OP_READ);
}

SEC("fexit/vfio_pci_core_read")
int BPF_PROG(fexit_read, struct vfio_device *core_vdev, char *buf,
	     size_t count, loff_t *ppos, ssize_t ret)
{
	return rw_exit(ret);
}

SEC("fentry/vfio_pci_core_write")
int BPF_PROG(fentry_write, struct vfio_device *core_vdev, const char *buf,
	     size_t count, loff_t *ppos)
{
	return rw_entry(core_vdev, count, ppos, TRAP_OP_WRITE);
}

SEC("fexit/vfio_pci_core_write")
int BPF_PROG(fexit_write, struct vfio_device *core_vdev, const char *buf,
	     size_t count, loff_t *ppos, ssize_t ret)
{
	return rw_exit(ret);
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

SEC("kprobe/vfio_pci_core_read")
int BPF_KPROBE(kprobe_read, struct vfio_device *core_vdev, char *buf,
	       size_t count, loff_t *ppos)
{
	return rw_entry(core_vdev, count, ppos, TRAP_OP_READ);
}

SEC("kprobe/vfio_pci_core_write")
int BPF_KPROBE(kprobe_write, struct vfio_device *core_vdev, const char *buf,
	       size_t count, loff_t *ppos)
{
	return rw_entry(core_vdev, count, ppos, TRAP_OP_WRITE);
}

/* One kretprobe serves read and write: the op was saved at entry. */
SEC("kretprobe/vfio_pci_core_read")
int BPF_KRETPROBE(kretprobe_rw, long ret)
{
	return rw_exit(ret);
}

/* kprobe mmap: the vma is saved at entry, the result read at return. */
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
	struct start s = { .vdev = (void *)core_vdev, .pos = (__u64)vma };

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
	mmap_exit((void *)s->vdev, (void *)s->pos, ret);
	bpf_map_delete_elem(&mmap_starts, &tid);
	return 0;
}

SEC("kprobe/vfio_pci_mmap_huge_fault")
int BPF_KPROBE(kprobe_fault, struct vm_fault *vmf)
{
	return fault_entry(vmf);
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

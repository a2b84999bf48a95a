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
/*
 * Time each access (-H): fentry and fexit, or a kprobe and its kretprobe.
 * Without it, fexit alone counts: one trampoline, no clock, no entry state.
 */
const volatile bool timing = false;

struct trap_lost lost = {};

struct start {
	__u64 ts;
	__u64 pos;
	__u64 count;
	struct vfio_pci_core_device *vdev;
	__u32 case_id;
	__u8 op;
};

/* Per CPU, so that counting needs no atomic operations; user space sums. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TRAP_MAX_ENTRIES);
	__type(key, struct trap_key);
	__type(value, struct trap_val);
} traps SEC(".maps");

/*
 * The counting fast path: a per-CPU array of TRAP_CACHE_SLOTS counters,
 * each slot holding one key for good, direct-mapped by a hash of the key.
 * An access whose slot holds its key is counted there with no hash lookup;
 * one whose slot holds another key goes to the traps hash.  Each access is
 * counted in exactly one of the two; user space adds them up.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TRAP_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct trap_slot);
} cache SEC(".maps");

/*
 * Before even that: the last access this CPU counted and the slot it went
 * to.  A program that reads one register in a loop (a driver polling, a
 * benchmark) repeats the same access, whose key need not be built again:
 * the device, offset, width, op, process and case decide it.
 */
struct last_access {
	__u64 vdev, pos;
	__u32 tgid, case_id, count, op;
	__u32 slot;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct last_access);
} last_access SEC(".maps");

/* What classifying needs of a device, read once per device: by vdev. */
struct dev_info {
	char name[TRAP_DEV_LEN];
	__u32 tbar, toff, tsize;
	__u32 pbar, poff, psize;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, struct dev_info);
} devs SEC(".maps");

/* The last device seen on this CPU: an array lookup is inlined, a hash not. */
struct last_dev {
	__u64 vdev;
	struct dev_info info;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct last_dev);
} last_dev SEC(".maps");

/* kprobe fallback: a kretprobe has no arguments, so the entry saves them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);		/* tid */
	__type(value, struct start);
} starts SEC(".maps");

/*
 * fentry/fexit: the entry's time stamp in task-local storage.  fexit sees
 * the arguments itself, so the time is all it needs, and task storage costs
 * a fraction of a hash update and delete per access.
 */
struct task_state {
	__u64 ts;
	__u32 tgid;	/* set with traced: fexit need not ask again */
	__u8 traced;	/* 1 once the task was found traced */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} entry_ts SEC(".maps");

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

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/*
 * *ppos, a kernel loff_t.  The verifier types a pointer to an integer as a
 * plain number, so the obvious load is refused and bpf_probe_read_kernel
 * costs ~100 instructions.  Cast to a kernel struct whose first member is
 * 64 bits (rb_node's __rb_parent_color) instead: the verifier inlines the
 * cast and the load is one guarded instruction (0 if the pointer faults).
 */
static __always_inline __u64 read_pos(loff_t *ppos)
{
	struct rb_node *p = bpf_rdonly_cast(ppos,
					    bpf_core_type_id_kernel(struct rb_node));

	return p->__rb_parent_color;
}

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

/*
 * The device's name and MSI-X layout: the table from the kernel's own
 * vfio_pci_core_device (CO-RE), the PBA from what user space read of config
 * space.  Read once per device and kept, since every access needs them.
 */
static __always_inline struct dev_info *
device_info(struct vfio_pci_core_device *vdev)
{
	__u64 key = (__u64)vdev;
	__u32 zero = 0;
	struct last_dev *last = bpf_map_lookup_elem(&last_dev, &zero);
	struct dev_info *info, fresh = {};
	struct trap_pba *pba;

	if (last && last->vdev == key)
		return &last->info;
	info = bpf_map_lookup_elem(&devs, &key);
	if (info && last) {
		last->vdev = key;
		last->info = *info;
	}
	if (info)
		return info;
	bpf_probe_read_kernel_str(fresh.name, sizeof(fresh.name),
				  BPF_CORE_READ(vdev, pdev, dev.kobj.name));
	fresh.tbar = BPF_CORE_READ(vdev, msix_bar);
	fresh.toff = BPF_CORE_READ(vdev, msix_offset);
	fresh.tsize = BPF_CORE_READ(vdev, msix_size);
	fresh.pbar = 0xff;
	pba = bpf_map_lookup_elem(&pbas, fresh.name);
	if (pba) {
		fresh.pbar = pba->bar;
		fresh.poff = pba->offset;
		fresh.psize = pba->size;
	}
	bpf_map_update_elem(&devs, &key, &fresh, BPF_ANY);
	return bpf_map_lookup_elem(&devs, &key);
}

/* The place of @off in region @region. */
static __always_inline __u8 classify(const struct dev_info *d, __u32 region,
				     __u64 off)
{
	bool on_table = region == d->tbar, on_pba = region == d->pbar;

	if (on_table && in_range(off, d->toff, d->tsize))
		return PLACE_MSIX_TABLE;
	if (on_pba && in_range(off, d->poff, d->psize))
		return PLACE_MSIX_PBA;
	if (on_table && same_page(off, d->toff, d->tsize))
		return PLACE_TABLE_PAGE;
	if (on_pba && same_page(off, d->poff, d->psize))
		return PLACE_TABLE_PAGE;
	return PLACE_OTHER;
}

/* floor(log2(v)), branch-free, capped to the histogram. */
static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 r, shift;

	r = (v > 0xFFFFFFFF) << 5; v >>= r;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r < TRAP_HIST_SLOTS ? r : TRAP_HIST_SLOTS - 1;
}

static __always_inline void remember_comm(__u32 tgid)
{
	char comm[TRAP_COMM_LEN];

	bpf_get_current_comm(comm, sizeof(comm));
	bpf_map_update_elem(&comms, &tgid, comm, BPF_NOEXIST);
}

/* This CPU's counters for @key, created (with the process's name) if new. */
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
	remember_comm(key->tgid);
	return bpf_map_lookup_elem(&traps, key);
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

/* The key of an access at region offset @pos. */
static __always_inline void make_key(struct trap_key *key,
				     const struct dev_info *dev, __u64 pos,
				     __u64 count, __u8 op, __u32 tgid,
				     __u32 case_id)
{
	__u32 region = pos >> TRAP_REGION_SHIFT;

	__builtin_memcpy(key->dev, dev->name, TRAP_DEV_LEN);
	key->tgid = tgid;
	key->case_id = case_id;
	key->width = count;
	key->region = region;
	key->op = op;
	if (region <= 5) {
		key->kind = TRAP_KIND_BAR;
		key->place = classify(dev, region, pos & OFFSET_MASK);
	} else {
		key->kind = region == TRAP_CONFIG_REGION ? TRAP_KIND_CONFIG :
							   TRAP_KIND_OTHER;
		key->place = PLACE_NONE;
	}
}

static __always_inline bool same_key(const struct trap_key *a,
				     const struct trap_key *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

#pragma unroll
	for (int i = 0; i < sizeof(*a) / 4; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

static __always_inline void remember_access(struct last_access *last,
					    void *vdev, __u64 pos, __u32 tgid,
					    __u32 case_id, __u32 count, __u32 op,
					    __u32 slot)
{
	if (!last)
		return;
	last->vdev = (__u64)vdev;
	last->pos = pos;
	last->tgid = tgid;
	last->case_id = case_id;
	last->count = count;
	last->op = op;
	last->slot = slot;
}

/* Count one access in @val (a cache slot or a traps entry). */
static __always_inline void add(struct trap_val *val, long ret, __u64 delta)
{
	/* Per-CPU values: plain adds, one program at a time on a CPU. */
	val->count++;
	if (ret < 0)
		val->errors++;
	else
		val->bytes += ret;
	if (timing) {
		val->total_ns += delta;
		val->hist[log2_slot(delta)]++;
	}
}

/*
 * Counting alone (no -H): fexit sees the arguments and the result, so it
 * needs nothing from an entry program; and an access whose key sits in its
 * cache slot costs no hash lookup and no filter lookup (a slot is only
 * ever given to a traced process).
 */
/*
 * Count one trapped access at region offset @pos (that took @delta ns, with
 * timing): in the last access's slot, else in its own cache slot, else in
 * the traps hash.  A slot is only ever given to a traced process, so a
 * hit needs no filter lookup.
 */
static __always_inline void count_access(struct vfio_pci_core_device *vdev,
					 __u64 pos, __u32 count, __u8 op,
					 long ret, __u32 tgid, __u32 case_id,
					 __u64 delta)
{
	__u32 zero = 0, idx;
	struct last_access *last = bpf_map_lookup_elem(&last_access, &zero);
	struct trap_key key = {};
	struct trap_slot *slot;
	struct trap_val *val;
	struct dev_info *dev;

	if (last && last->vdev == (__u64)vdev && last->pos == pos &&
	    last->tgid == tgid && last->case_id == case_id &&
	    last->count == count && last->op == op) {
		slot = bpf_map_lookup_elem(&cache, &last->slot);
		if (slot) {
			add(&slot->val, ret, delta);
			return;
		}
	}
	dev = device_info(vdev);
	if (!dev) {
		if (traced(tgid))
			__sync_fetch_and_add(&lost.map_full, 1);
		return;
	}
	make_key(&key, dev, pos, count, op, tgid, case_id);
	idx = (key.tgid ^ key.case_id ^ (pos >> 2) ^ (key.place << 3) ^
	       (op << 5) ^ (key.width << 1) ^ dev->name[9] ^
	       (dev->name[11] << 4)) & (TRAP_CACHE_SLOTS - 1);
	slot = bpf_map_lookup_elem(&cache, &idx);
	if (slot && same_key(&slot->key, &key)) {
		add(&slot->val, ret, delta);
		remember_access(last, vdev, pos, tgid, case_id, count, op, idx);
		return;
	}
	if (!traced(tgid))
		return;
	if (slot && !slot->key.dev[0]) {	/* a free slot: this key's */
		slot->key = key;
		remember_comm(tgid);
		add(&slot->val, ret, delta);
		remember_access(last, vdev, pos, tgid, case_id, count, op, idx);
		return;
	}
	val = entry_for(&key);
	if (val)
		add(val, ret, delta);
}

/* Counting alone (no -H): fexit sees the arguments and the result. */
static __always_inline int count_rw(struct vfio_device *core_vdev,
				    size_t count, loff_t *ppos, long ret,
				    __u8 op)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	/* The access moved *ppos on by the bytes it did: step back. */
	__u64 pos = read_pos(ppos) - (ret > 0 ? ret : 0);

	count_access(container_of(core_vdev, struct vfio_pci_core_device,
				  vdev),
		     pos, count, op, ret, tgid, current_case(tgid), 0);
	return 0;
}

/* kprobe mode: the arguments were saved at entry. */
static __always_inline int rw_exit(long ret)
{
	__u64 now = bpf_ktime_get_ns(), id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct start *s;

	/* An entry was saved only for a traced task: no filter lookup here. */
	s = bpf_map_lookup_elem(&starts, &tid);
	if (!s) {
		if (traced(id >> 32))
			__sync_fetch_and_add(&lost.no_start, 1);
		return 0;
	}
	count_access(s->vdev, s->pos, s->count, s->op, ret, id >> 32,
		     s->case_id, now - s->ts);
	bpf_map_delete_elem(&starts, &tid);
	return 0;
}

static __always_inline int fentry_rw(void)
{
	struct task_state *st;

	st = bpf_task_storage_get(&entry_ts, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st) {
		if (traced(bpf_get_current_pid_tgid() >> 32))
			__sync_fetch_and_add(&lost.starts_full, 1);
		return 0;
	}
	/*
	 * Only "traced" is remembered (forks get new storage): a "no" could be
	 * stale, as with -p, where the pid joins the filter after attaching.
	 */
	if (st->traced != 1) {
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;

		if (!traced(tgid))
			return 0;
		st->tgid = tgid;
		st->traced = 1;
	}
	st->ts = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int fexit_rw(struct vfio_device *core_vdev,
				    size_t count, loff_t *ppos, long ret,
				    __u8 op)
{
	__u64 now = bpf_ktime_get_ns();
	struct task_state *st = bpf_task_storage_get(&entry_ts,
					bpf_get_current_task_btf(), 0, 0);
	__u64 pos, start;

	if (!st || st->traced != 1)
		return 0;
	if (!st->ts) {
		__sync_fetch_and_add(&lost.no_start, 1);
		return 0;
	}
	start = st->ts;
	st->ts = 0;
	/* The access moved *ppos on by the bytes it did: step back. */
	pos = read_pos(ppos) - (ret > 0 ? ret : 0);
	count_access(container_of(core_vdev, struct vfio_pci_core_device, vdev),
		     pos, count, op, ret, st->tgid, current_case(st->tgid),
		     now - start);
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
	key.region = pgoff >> (TRAP_REGION_SHIFT - page_shift);
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
	__u64 pos = (__u64)BPF_CORE_READ(vmf, pgoff) << page_shift;

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
	count_event(&key, page_size);
	return 0;
}

SEC("fentry/vfio_pci_core_read")
int BPF_PROG(fentry_read)
{
	return fentry_rw();
}

SEC("fexit/vfio_pci_core_read")
int BPF_PROG(fexit_read, struct vfio_device *core_vdev, char *buf,
	     size_t count, loff_t *ppos, ssize_t ret)
{
	return fexit_rw(core_vdev, count, ppos, ret, TRAP_OP_READ);
}

SEC("fentry/vfio_pci_core_write")
int BPF_PROG(fentry_write)
{
	return fentry_rw();
}

SEC("fexit/vfio_pci_core_write")
int BPF_PROG(fexit_write, struct vfio_device *core_vdev, const char *buf,
	     size_t count, loff_t *ppos, ssize_t ret)
{
	return fexit_rw(core_vdev, count, ppos, ret, TRAP_OP_WRITE);
}

SEC("fexit/vfio_pci_core_read")
int BPF_PROG(count_read, struct vfio_device *core_vdev, char *buf,
	     size_t count, loff_t *ppos, ssize_t ret)
{
	return count_rw(core_vdev, count, ppos, ret, TRAP_OP_READ);
}

SEC("fexit/vfio_pci_core_write")
int BPF_PROG(count_write, struct vfio_device *core_vdev, const char *buf,
	     size_t count, loff_t *ppos, ssize_t ret)
{
	return count_rw(core_vdev, count, ppos, ret, TRAP_OP_WRITE);
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
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 pos = 0;

	bpf_probe_read_kernel(&pos, sizeof(pos), ppos);
	count_access(container_of(core_vdev, struct vfio_pci_core_device, vdev),
		     pos, count, op, count, tgid, current_case(tgid), 0);
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

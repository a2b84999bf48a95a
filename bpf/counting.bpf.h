/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How trapcount's programs count one access (trapcount.bpf.c has the
 * programs): the maps, the key of an access (device, region, place, op,
 * width, process, barbench case), and where its counters live, fastest
 * first: the per-CPU memo of the last access, its own slot in a per-CPU
 * cache, or the traps hash; and -H's time stamps.  Included once, by
 * trapcount.bpf.c, after its read-only settings.
 */
#ifndef COUNTING_BPF_H
#define COUNTING_BPF_H

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
 * Before even that: the last access this CPU counted, counted in the memo
 * itself (struct trap_memo, trapcount.h) until another access takes its
 * place and its counts move to its slot.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct trap_memo);
} memo SEC(".maps");

/* The key of a one-entry map, from read-only data: no stack store. */
static const __u32 only_key = 0;

/* What classifying needs of a device, read once per device: by vdev. */
struct dev_info {
	char name[TRAP_DEV_LEN];
	struct place_layout msix;	/* lib/place_classify.h */
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

/*
 * -H: when an access began.  The entry program stamps this CPU's slot, and
 * the exit program finds it there when its task ran on this CPU from entry
 * to exit, as nearly every trapped access does.  A task switched out in
 * the middle of an access takes its open stamp along to its task storage
 * (on_switch), where its exit program looks when the slot is not its own.
 * The kprobe fallback keeps the arguments too: a kretprobe has none.
 */
struct stamp {
	__u64 pid_tgid;
	__u64 ts;			/* 0: no access open */
	struct vfio_device *vdev;	/* kprobe fallback only */
	__u64 pos, count;
	__u8 op;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stamp);
} stamps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct stamp);
} moved_stamps SEC(".maps");

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
	/* msix_bar is 0xff, PLACE_NO_BAR, on a device without MSI-X. */
	fresh.msix.table_bar = BPF_CORE_READ(vdev, msix_bar);
	fresh.msix.table_offset = BPF_CORE_READ(vdev, msix_offset);
	fresh.msix.table_size = BPF_CORE_READ(vdev, msix_size);
	fresh.msix.pba_bar = PLACE_NO_BAR;
	pba = bpf_map_lookup_elem(&pbas, fresh.name);
	if (pba) {
		fresh.msix.pba_bar = pba->bar;
		fresh.msix.pba_offset = pba->offset;
		fresh.msix.pba_size = pba->size;
	}
	bpf_map_update_elem(&devs, &key, &fresh, BPF_ANY);
	return bpf_map_lookup_elem(&devs, &key);
}

/* The place of @off in region @region: the C library's classifier. */
static __always_inline __u8 classify(const struct dev_info *d, __u32 region,
				     __u64 off)
{
	return place_at(&d->msix, region, off, page_shift);
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

/* @v's counts added to @to's. */
static __always_inline void add_val(struct trap_val *to,
				    const struct trap_val *v)
{
	to->count += v->count;
	to->bytes += v->bytes;
	to->errors += v->errors;
	if (timing) {
		to->total_ns += v->total_ns;
#pragma unroll
		for (int b = 0; b < TRAP_HIST_SLOTS; b++)
			to->hist[b] += v->hist[b];
	}
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

/* One access, as count_new takes it: a subprogram has five arguments. */
struct access {
	struct vfio_device *core_vdev;
	__u64 pos, count, delta;
	long ret;
	__u32 tgid, case_id;
	__u8 op;
};

/* The width and op of an access, as the memo keeps them. */
static __always_inline __u64 memo_what(__u64 count, __u8 op)
{
	return count ^ (__u64)op << 63;
}

/*
 * @a, a successful access counted in cache slot @idx, becomes the memo.
 * The memo's counts so far move to its own slot first (slots hold their
 * key for good).
 */
static __always_inline void remember(struct trap_memo *m,
				     const struct access *a, __u32 idx)
{
	struct trap_slot *old;

	if (!m || a->ret != a->count)
		return;		/* the fast path takes full accesses only */
	if (m->val.count) {
		old = bpf_map_lookup_elem(&cache, &m->slot);
		if (!old)
			return;
		add_val(&old->val, &m->val);
		__builtin_memset(&m->val, 0, sizeof(m->val));
	}
	m->vdev = (__u64)a->core_vdev;
	m->end = a->pos + a->count;
	m->what = memo_what(a->count, a->op);
	m->tgid = a->tgid;
	m->case_id = a->case_id;
	m->slot = idx;
}

/*
 * Count an access that is not the memo's: in its own cache slot, else in
 * the traps hash.  A slot is only ever given to a traced process, so a
 * hit needs no filter lookup.  Out of line, so that its key and stack
 * stay off the fast path.
 */
static __noinline void count_new(const struct access *a)
{
	__u32 zero = 0, idx;
	struct trap_memo *m = bpf_map_lookup_elem(&memo, &zero);
	struct trap_key key = {};
	struct trap_slot *slot;
	struct trap_val *val;
	struct dev_info *dev;

	dev = device_info(container_of(a->core_vdev,
				       struct vfio_pci_core_device, vdev));
	if (!dev) {
		if (traced(a->tgid))
			__sync_fetch_and_add(&lost.map_full, 1);
		return;
	}
	make_key(&key, dev, a->pos, a->count, a->op, a->tgid, a->case_id);
	idx = (key.tgid ^ key.case_id ^ (a->pos >> 2) ^ (key.place << 3) ^
	       (a->op << 5) ^ (key.width << 1) ^ dev->name[9] ^
	       (dev->name[11] << 4)) & (TRAP_CACHE_SLOTS - 1);
	slot = bpf_map_lookup_elem(&cache, &idx);
	if (slot && same_key(&slot->key, &key)) {
		add(&slot->val, a->ret, a->delta);
		remember(m, a, idx);
		return;
	}
	if (!traced(a->tgid))
		return;
	if (slot && !slot->key.dev[0]) {	/* a free slot: this key's */
		slot->key = key;
		remember_comm(a->tgid);
		add(&slot->val, a->ret, a->delta);
		remember(m, a, idx);
		return;
	}
	val = entry_for(&key);
	if (val)
		add(val, a->ret, a->delta);
}

/*
 * The fast path: a repeat of the memo's access (same device, process,
 * case, op and width, ending at the same offset @end) that did all its
 * bytes is counted in the memo, with five compares and two adds.
 */
static __always_inline bool count_repeat(struct trap_memo *m,
					 struct vfio_device *core_vdev,
					 __u64 end, __u64 count, __u8 op,
					 long ret, __u64 pid_tgid, __u64 delta,
					 bool cases)
{
	if (!m || ret != count || m->vdev != (__u64)core_vdev ||
	    m->end != end || m->what != memo_what(count, op) ||
	    m->tgid != pid_tgid >> 32 ||
	    (cases && m->case_id != current_case(pid_tgid >> 32)))
		return false;
	m->val.count++;
	m->val.bytes += count;
	if (timing) {
		m->val.total_ns += delta;
		m->val.hist[log2_slot(delta)]++;
	}
	return true;
}

/*
 * Count one trapped access from region offset @pos to @end (the bytes
 * asked for) that returned @ret (and took @delta ns, with timing).
 */
static __always_inline void count_access(struct vfio_device *core_vdev,
					 __u64 pos, __u64 end, __u64 count,
					 __u8 op, long ret, __u64 pid_tgid,
					 __u64 delta)
{
	__u32 zero = 0, tgid = pid_tgid >> 32;
	struct trap_memo *m = bpf_map_lookup_elem(&memo, &zero);
	struct access a;

	if (count_repeat(m, core_vdev, end, count, op, ret, pid_tgid, delta,
			 case_addr))
		return;
	a = (struct access){ core_vdev, pos, count, delta, ret, tgid,
			     current_case(tgid), op };
	count_new(&a);
}

/*
 * Counting alone (no -H): fexit sees the arguments (@ctx: device, buffer,
 * count, *ppos, result) and the result.  The arguments are loaded after
 * the helper calls, not before as BPF_PROG would, so that none waits in a
 * stack slot: the fast path is the cost of the whole mode.  @cases: the
 * barbench case id is part of the memo (barbench --traps only); without
 * it the fast path has no trace of case ids at all.
 */
static __always_inline int count_rw(unsigned long long *ctx, __u8 op,
				    bool cases)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), end;
	struct trap_memo *m = bpf_map_lookup_elem(&memo, &only_key);
	struct vfio_device *core_vdev;
	__u64 count;
	long ret;
	__u32 tgid;
	struct access a;

	end = read_pos((loff_t *)ctx[3]);
	core_vdev = (void *)ctx[0];
	count = ctx[2];
	ret = ctx[4];
	if (count_repeat(m, core_vdev, end, count, op, ret, pid_tgid, 0,
			 cases))
		return 0;
	tgid = pid_tgid >> 32;
	/* The access moved *ppos on by the bytes it did: step back. */
	a = (struct access){ core_vdev, end - (ret > 0 ? ret : 0), count, 0,
			     ret, tgid, current_case(tgid), op };
	count_new(&a);
	return 0;
}

/* The current task's open stamp, in this CPU's slot or moved with it. */
static __always_inline struct stamp *open_stamp(__u64 pid_tgid)
{
	struct stamp *s = bpf_map_lookup_elem(&stamps, &only_key);

	if (s && s->ts && s->pid_tgid == pid_tgid)
		return s;
	s = bpf_task_storage_get(&moved_stamps, bpf_get_current_task_btf(),
				 0, 0);
	return s && s->ts && s->pid_tgid == pid_tgid ? s : NULL;
}

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What trapcount's BPF side and user side share: the layout of the map that
 * counts trapped accesses.  One entry per device, process, case, region,
 * place, op and width; counts, bytes, errors and a log2 latency histogram.
 */
#ifndef TRAPCOUNT_H
#define TRAPCOUNT_H

#include "place.h"

#define TRAP_DEV_LEN		16	/* "0000:00:02.0" and its NUL */
#define TRAP_COMM_LEN		16
#define TRAP_HIST_SLOTS		28	/* log2 ns: up to 2^27 ns, 134 ms */
#define TRAP_MAX_ENTRIES	8192

/* VFIO_PCI_OFFSET_SHIFT: the region index lives above bit 40 of the offset. */
#define TRAP_REGION_SHIFT	40
#define TRAP_CONFIG_REGION	7

enum trap_kind {
	TRAP_KIND_BAR,		/* read/write on the fd to BAR0-5 */
	TRAP_KIND_CONFIG,	/* read/write to config space, counted apart */
	TRAP_KIND_OTHER,	/* ROM, VGA, device-specific regions */
	TRAP_KIND_MMAP,		/* vfio_pci_core_mmap: an mmap of a region */
	TRAP_KIND_FAULT,	/* a page fault on such an mmap */
	TRAP_KIND_COUNT
};

/* A trap's place is an enum place (lib/place.h), or PLACE_NONE. */

enum trap_op { TRAP_OP_READ, TRAP_OP_WRITE };

struct trap_key {
	char dev[TRAP_DEV_LEN];
	unsigned int tgid;
	unsigned int case_id;	/* barbench's case, 0 outside barbench */
	unsigned int width;	/* bytes asked for; mmap: its size in pages */
	unsigned int pgoff;	/* mmap: its offset in the region, in pages */
	unsigned int err;	/* mmap: -return value; else 0 */
	unsigned char kind;
	unsigned char region;
	unsigned char place;
	unsigned char op;
};

struct trap_val {
	unsigned long long count;
	unsigned long long bytes;
	unsigned long long errors;	/* accesses that returned < 0 */
	unsigned long long total_ns;
	unsigned int hist[TRAP_HIST_SLOTS];
};

/* The counting fast path's per-CPU cache: a power of two. */
#define TRAP_CACHE_SLOTS	64

/* One cache slot: a key (dev[0] == 0 while free) and its counters. */
struct trap_slot {
	struct trap_key key;
	struct trap_val val;
};

/*
 * The memo, one per CPU: the last access counted on that CPU, and its
 * counts since it became the memo, which belong to cache slot @slot's
 * key.  A repeat of it is counted here without building a key.
 */
struct trap_memo {
	unsigned long long vdev;	/* the kernel's struct vfio_device */
	unsigned long long end;		/* region offset after the access */
	unsigned long long what;	/* width ^ op << 63 */
	unsigned int tgid;
	unsigned int case_id;
	unsigned int slot;
	struct trap_val val;
};

/* The PBA's place, which the kernel does not keep: user space reads it. */
struct trap_pba {
	unsigned int bar;
	unsigned int offset;
	unsigned int size;
};

/* Events not counted, reported by the user side: must be zero. */
struct trap_lost {
	unsigned long long map_full;	/* traps map had no room */
	unsigned long long no_start;	/* exit without its entry */
	unsigned long long starts_full;	/* -H: a switched-out task's entry
					   stamp found no task storage */
};

#endif

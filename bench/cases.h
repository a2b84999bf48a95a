/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cases of a run: which BAR, which registers (targets) and, for each,
 * one case per path, op and width.  barbench run times them; vmmdrive has
 * QEMU make them.  Both say what they want in a struct case_select.
 */
#ifndef BARBENCH_CASES_H
#define BARBENCH_CASES_H

#include <stdint.h>

#include "counting.h"
#include "stats.h"
#include "status.h"
#include "vfio_dev.h"
#include "vmm_profile.h"

#define CASES_MAX	1024

enum path { PATH_MMAP, PATH_FD, PATH_VMM, PATH_COUNT };

/* Which cases: barbench's --bar ... --writes, or vmmdrive's own. */
struct case_select {
	int bar;		/* -1: the MSI-X table's BAR, else BAR 0 */
	int64_t offset;		/* -1: the default targets */
	unsigned int widths;	/* W1|W2|W4|W8 (profile.h) */
	unsigned int paths;	/* 1 << PATH_* */
	unsigned int places;	/* 1 << PLACE_* */
	unsigned int vmms;	/* the vmm path's profiles: 1 << vmm_at() index */
	int writes;		/* also writes, where a profile allows them */
	int allow_table_writes;
};

struct bench_case {
	int bar;
	uint64_t offset;
	const char *reg;	/* profile name, or NULL */
	enum place place;
	enum path path;
	int write;
	int width;
	const struct vmm_profile *vmm;	/* the vmm path's profile */
	const char *route;	/* "mmap", "fd" or "emulated" */
	const char *rule;	/* vmm path: the profile's rule that routed it */
	const char *skipped;	/* reason, or NULL */
	int batch;
	uint64_t value;		/* first value read (or written) */
	int restored;		/* write cases: readback matched */
	double timer_fraction;	/* timer overhead / time of one batch */
	uint64_t accesses;	/* every timed-run access, pilot and warm-up too */
	struct case_counts counts;	/* --traps: what trapped, in a pass apart */
	struct summary s;
	double *samples;	/* per-access ns, s.n of them */
};

/* "mmap", "fd", "vmm". */
const char *path_name(enum path p);
/* "mmap", "fd", or "vmm:qemu" for a vmm case: how progress names it. */
const char *case_path_label(const struct bench_case *k);

/* The BAR to time (bar, else the MSI-X table's, else 0). */
int cases_pick_bar(const struct vfio_dev *d, const struct case_select *s,
		   int *bar, struct bb_err *e);
/* The offset must fit BAR @bar at every width asked for, aligned. */
int cases_check_range(const struct vfio_dev *d, const struct case_select *s,
		      int bar, struct bb_err *e);
/* The cases of BAR @bar into @c (CASES_MAX at most), their number in @n. */
int cases_build(const struct vfio_dev *d, const struct case_select *s,
		int bar, uint64_t page, struct bench_case *c, int *n,
		struct bb_err *e);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of barbench run share: cases.c builds the cases,
 * sample.c times them, output.c saves them, run.c drives the three.
 */
#ifndef BARBENCH_RUN_H
#define BARBENCH_RUN_H

#include "barbench.h"

#define CASES_MAX	1024

/* The BAR to time (--bar, else the MSI-X table's, else 0). */
int cases_pick_bar(const struct vfio_dev *d, const struct options *o,
		   int *bar, struct bb_err *e);
/* --offset must fit BAR @bar at every width asked for, aligned. */
int cases_check_range(const struct vfio_dev *d, const struct options *o,
		      int bar, struct bb_err *e);
/* The cases of BAR @bar into @c (CASES_MAX at most), their number in @n. */
int cases_build(const struct vfio_dev *d, const struct options *o, int bar,
		uint64_t page, struct bench_case *c, int *n, struct bb_err *e);

/*
 * Time @n cases, then (with @counting) count their traps in a pass apart.
 * Even after an interrupt (BB_ERR_INTERRUPTED) every case is summarised and
 * every write checked.
 */
int sample_cases(struct vfio_dev *d, const struct options *o,
		 const struct timer *t, struct bench_case *c, int n,
		 struct counting *counting, struct bb_err *e);

struct run_output {
	const struct options *o;
	const struct vfio_dev *d;
	const struct timer *t;
	struct bench_case *cases;
	int ncases;
	uint64_t page;
	int complete;
	struct counting *counting;	/* NULL without --traps */
};

/* Save to -o's file; a partial run goes to FILE.partial, beside it. */
int results_save(struct run_output *r, struct bb_err *e);

#endif

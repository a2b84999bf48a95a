/* SPDX-License-Identifier: GPL-2.0 */
/*
 * barbench run: the results file (schema vfio-barbench/run/1), written so
 * that nothing saved before is ever lost or half-replaced (output.c).
 */
#ifndef BARBENCH_OUTPUT_H
#define BARBENCH_OUTPUT_H

#include <stdint.h>

#include "cases.h"
#include "counting.h"
#include "options.h"
#include "timer.h"
#include "vfio_dev.h"

#define RESULTS_SCHEMA	"vfio-barbench/run/1"

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

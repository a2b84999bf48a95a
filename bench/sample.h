/* SPDX-License-Identifier: GPL-2.0 */
/* barbench run: taking the samples of the cases (sample.c). */
#ifndef BARBENCH_SAMPLE_H
#define BARBENCH_SAMPLE_H

#include <signal.h>
#include <stdint.h>

#include "cases.h"
#include "counting.h"
#include "options.h"
#include "timer.h"
#include "vfio_dev.h"

/* Set by barbench's signal handler: stop between samples. */
extern volatile sig_atomic_t stop_requested;
/*
 * The case being run, 1-based; 0 between cases.  With --traps the BPF side
 * reads it from this process's memory at every trapped access, so each trap
 * is charged to its case without a syscall per batch (counting_bpf.c).
 */
extern volatile uint32_t barbench_case_id;

/*
 * Time @n cases, then (with @counting) count their traps in a pass apart.
 * Even after an interrupt (BB_ERR_INTERRUPTED) every case is summarised and
 * every write checked.
 */
int sample_cases(struct vfio_dev *d, const struct options *o,
		 const struct timer *t, struct bench_case *c, int n,
		 struct counting *counting, struct bb_err *e);

#endif

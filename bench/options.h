/* SPDX-License-Identifier: GPL-2.0 */
/*
 * barbench's command line, as barbench.c parses it: the one header that
 * several of barbench's files share, because each command (info.c,
 * info_routes.c, read.c, run.c) and the run's steps (sample.c, output.c)
 * read their settings from it.  Nothing outside barbench includes it:
 * vmmdrive has its own options, and what it shares with barbench (cases.c)
 * takes a struct case_select.
 */
#ifndef BARBENCH_OPTIONS_H
#define BARBENCH_OPTIONS_H

#include <stdint.h>

#include "cases.h"
#include "vfio_dev.h"

struct options {
	const char *addr;
	int iommufd;
	int json;		/* info: JSON on stdout */
	const char *out;	/* run: results file, "-" for stdout */
	int raw;		/* keep raw samples in the JSON */
	int quiet;
	int verbose;		/* libbpf's messages with --traps */
	uint64_t page_size;	/* for place classes; 0 = the real one */
	/* --bar, --offset, --paths, --places, --widths, --vmm, --writes */
	struct case_select sel;
	int samples, passes, warmup, batch, resamples, cpu;
	uint64_t seed;
	const char *timer;
	const char *variant;
	int traps;		/* count trapped accesses per case (BPF) */
	int traps_kprobes;	/* ...with kprobes even where fentry works */
	int count;		/* read: accesses to make (default 1) */
};

/* The page size places are computed for: --page-size, else the host's. */
static inline uint64_t options_page_size(const struct options *o)
{
	return o->page_size ? o->page_size : system_page_size();
}

#endif

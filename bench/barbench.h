/* SPDX-License-Identifier: GPL-2.0 */
/* What barbench's commands share: options, cases, provenance output. */
#ifndef BARBENCH_H
#define BARBENCH_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "counting.h"
#include "json.h"
#include "stats.h"
#include "timer.h"
#include "vfio_dev.h"
#include "vmm_profile.h"

#ifndef BARBENCH_VERSION
#define BARBENCH_VERSION "unknown"
#endif
#define RESULTS_SCHEMA	"vfio-barbench/run/1"
#define INFO_SCHEMA	"vfio-barbench/info/1"
#define VMM_ROUTES_SCHEMA	"vfio-barbench/vmm-routes/1"

enum path { PATH_MMAP, PATH_FD, PATH_VMM, PATH_COUNT };

struct options {
	const char *addr;
	int iommufd;
	int json;		/* info: JSON on stdout */
	const char *out;	/* run: results file, "-" for stdout */
	int raw;		/* keep raw samples in the JSON */
	int writes;		/* time writes to registers a profile allows */
	int allow_table_writes;
	int quiet;
	int verbose;		/* libbpf's messages with --traps */
	uint64_t page_size;	/* for place classes; 0 = the real one */
	int bar;		/* -1: the MSI-X table's BAR, else BAR 0 */
	int64_t offset;		/* -1: the default targets */
	unsigned int widths;	/* W1|W2|W4|W8 */
	unsigned int paths;	/* 1 << PATH_* */
	unsigned int places;	/* 1 << PLACE_* */
	int samples, rounds, warmup, batch, resamples, cpu;
	uint64_t seed;
	const char *timer;
	const char *variant;
	int traps;		/* count trapped accesses per case (BPF) */
	int traps_kprobes;	/* ...with kprobes even where fentry works */
	int count;		/* read: accesses to make (default 1) */
	unsigned int vmms;	/* --vmm: 1 << index of each VMM profile */
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

extern volatile sig_atomic_t stop_requested;
/*
 * The case being run, 1-based; 0 between cases (bench/sample.c).  With
 * --traps the BPF side reads it from this process's memory at every trapped
 * access, so each trap is charged to its case without a syscall per batch.
 */
extern volatile uint32_t barbench_case_id;

const char *path_name(enum path p);
/* "mmap", "fd", or "vmm:qemu" for a vmm case: how progress names it. */
const char *case_path_label(const struct bench_case *k);
/* What the kernel says of BAR @bar, as a VMM profile reads it. */
struct vmm_bar vmm_bar_of(const struct vfio_dev *d, int bar);
/* The first profile of a --vmm mask (read and info take one). */
const struct vmm_profile *first_vmm(unsigned int mask);
uint64_t system_page_size(void);

/* Provenance, device description: shared by info --json and run. */
void json_provenance(struct jw *w, const struct options *o);
void json_device(struct jw *w, const struct vfio_dev *d, uint64_t page_size);

int cmd_info(struct vfio_dev *d, const struct options *o);
/* info --vmm NAME: the route @p takes to each range of each BAR. */
int cmd_info_vmm(struct vfio_dev *d, const struct options *o,
		 const struct vmm_profile *p);
int cmd_run(struct vfio_dev *d, const struct options *o);
int cmd_read(struct vfio_dev *d, const struct options *o, const char *how);

/* Write @fill's output to @path atomically (temp file, fsync, rename). */
int write_atomic(const char *path, void (*fill)(FILE *, void *), void *arg,
		 struct bb_err *e);

#endif

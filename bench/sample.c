// SPDX-License-Identifier: GPL-2.0
/*
 * barbench run: taking the samples.  A sample is the time of a batch of K
 * back-to-back accesses divided by K, with K chosen so that the two
 * timestamps cost under 1% of the batch (each case's JSON records the share
 * it really had: timer_fraction).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sample.h"

#define MAX_BATCH	65536
#define PROBE_ACCESSES	32
#define PROBE_ROUNDS	5
#define TIMER_SHARE	0.003
/* A timer tick at most this share of a batch: under QEMU icount a batch's
 * time is exact but for the tick it lands in (16 instructions on aarch64). */
#define TICK_SHARE	0.001
#define PILOT_SAMPLES	21

/* One access, resolved: a mapped address, or the fd and its offset. */
struct access {
	volatile void *p;
	int fd;
	off_t off;
	int width;
	int write;
	uint64_t value;
	uint64_t *done;		/* the case's count of accesses made */
};

volatile sig_atomic_t stop_requested;
/* The case being run, 1-based; 0 between cases (see sample.h). */
volatile uint32_t barbench_case_id;

static volatile uint64_t sink;	/* keeps loads from being optimised out */

static int do_batch(const struct access *a, int k)
{
	uint64_t v = a->value, acc = 0;

	if (a->p && a->write) {
		for (int i = 0; i < k; i++)
			mmio_write(a->p, a->width, v);
	} else if (a->p) {
		for (int i = 0; i < k; i++)
			acc += mmio_read(a->p, a->width);
	} else if (a->write) {
		for (int i = 0; i < k; i++)
			if (pwrite(a->fd, &v, a->width, a->off) != a->width)
				return -1;
	} else {
		for (int i = 0; i < k; i++) {
			if (pread(a->fd, &v, a->width, a->off) != a->width)
				return -1;
			acc += v;
		}
	}
	sink += acc;
	*a->done += k;
	return 0;
}

static int read_once(const struct access *a, uint64_t *value)
{
	uint64_t v = 0;

	*a->done += 1;
	if (a->p) {
		*value = mmio_read(a->p, a->width);
		return 0;
	}
	if (pread(a->fd, &v, a->width, a->off) != a->width)
		return -1;
	*value = v;
	return 0;
}

static int resolve(struct vfio_dev *d, struct bench_case *k,
		   struct access *a)
{
	volatile void *p = vfio_bar_ptr(d, k->bar, k->offset, k->width);

	memset(a, 0, sizeof(*a));
	a->done = &k->accesses;
	a->fd = d->device_fd;
	a->off = (off_t)(d->regions[k->bar].offset + k->offset);
	a->width = k->width;
	a->write = k->write;
	switch (k->path) {
	case PATH_FD:
		k->route = "fd";
		return 0;
	case PATH_MMAP:
		if (!p) {
			k->skipped = "the kernel lets no mmap cover this offset";
			return -1;
		}
		break;
	default: {
		/* What the profile's VMM does, by the kernel's answer. */
		struct vmm_bar b = vmm_bar_of(d, k->bar);
		enum vmm_route r = vmm_route(k->vmm, &b, k->offset, k->width,
					     &k->rule);

		if (r == VMM_EMULATED) {
			k->route = "emulated";
			k->skipped = "emulated by the VMM: no access reaches "
				     "the kernel or the device";
			return -1;
		}
		if (r == VMM_TRAPPED) {
			k->route = "fd";
			return 0;
		}
		if (!p) {
			/* The profile maps what the kernel would not: the
			 * profile is wrong for this kernel. */
			k->skipped = "the profile maps it, the kernel refused "
				     "the mmap";
			return -1;
		}
		break;
	}
	}
	k->route = "mmap";
	a->p = p;
	return 0;
}

/* Per-access cost from a few short batches: the fastest is the truest. */
static double probe_cost(const struct access *a, const struct timer *t)
{
	double best = INFINITY;

	/* The first accesses fault the page in and fill TLBs: not the cost. */
	if (do_batch(a, PROBE_ACCESSES))
		return NAN;
	for (int r = 0; r < PROBE_ROUNDS; r++) {
		uint64_t t0 = timer_now(t);

		if (do_batch(a, PROBE_ACCESSES))
			return NAN;
		/* The two timestamps are not part of what a batch costs. */
		best = fmin(best, (timer_ns(t, timer_now(t) - t0) -
				   t->overhead_ns) / PROBE_ACCESSES);
	}
	return best;
}

static int batch_for(const struct timer *t, double cost)
{
	double k;

	if (!(cost > 0))
		return 1;
	/* Aim at 0.3%: TCG has 2x spells, and the timer must stay under 1%. */
	k = ceil(t->overhead_ns / (TIMER_SHARE * cost));
	k = fmax(k, ceil(t->ns_per_tick / (TICK_SHARE * cost)));
	return k < 1 ? 1 : k > MAX_BATCH ? MAX_BATCH : (int)k;
}

/*
 * K from a quick probe, then from the median of a pilot run at that K: an
 * emulated CPU has slow and fast spells, and one short probe can catch the
 * slow one and pick a K too small for the fast one.
 */
static int choose_batch(const struct access *a, const struct timer *t,
			const struct options *o)
{
	double pilot[PILOT_SAMPLES];
	int k;

	if (o->batch > 0)
		return o->batch;
	k = batch_for(t, probe_cost(a, t));
	for (int i = 0; i < PILOT_SAMPLES; i++) {
		uint64_t t0 = timer_now(t);

		if (do_batch(a, k))
			return k;
		pilot[i] = (timer_ns(t, timer_now(t) - t0) - t->overhead_ns) / k;
	}
	return batch_for(t, median_of(pilot, PILOT_SAMPLES));
}

static void print_case(const struct vfio_dev *d, const struct bench_case *k,
		       int i, int n)
{
	fprintf(stderr, "[%3d/%d] %s BAR%d+0x%04llx %-16s %-10s %-4s %-5s w%d",
		i + 1, n, d->addr, k->bar, (unsigned long long)k->offset,
		k->reg ? k->reg : "-", place_name(k->place),
		case_path_label(k), k->write ? "write" : "read", k->width);
	if (k->skipped)
		fprintf(stderr, "  skipped: %s\n", k->skipped);
	else
		fprintf(stderr, "  %9.1f %s [%.1f, %.1f] K=%d via %s\n",
			k->s.median, clock_unit(), k->s.ci_lo, k->s.ci_hi, k->batch,
			k->route);
}

static int io_error(struct bb_err *e, const struct bench_case *k)
{
	return bb_fail(e, BB_ERR_IO, "BAR%d+0x%llx width %d through %s: %s",
		       k->bar, (unsigned long long)k->offset, k->width,
		       k->route, strerror(errno));
}

/* Route, first value, batch size and sample buffer of one case. */
static int prepare_case(struct vfio_dev *d, const struct options *o,
			const struct timer *t, struct bench_case *k,
			struct access *a, struct bb_err *e)
{
	if (resolve(d, k, a))
		return 0;
	if (read_once(a, &k->value))
		return io_error(e, k);
	/* A write stores what the register holds: the device state stays. */
	a->value = k->value;
	k->batch = choose_batch(a, t, o);
	k->samples = calloc(o->samples, sizeof(double));
	if (k->samples)
		return 0;
	return bb_fail(e, BB_ERR_INTERNAL, "out of memory for %d samples of "
		       "case BAR%d+0x%llx (lower --samples)", o->samples,
		       k->bar, (unsigned long long)k->offset);
}

/* Warm up, then take @count more samples of case @k (one pass's share). */
static int sample_case(const struct options *o, const struct timer *t,
		       struct bench_case *k, const struct access *a, int count,
		       struct bb_err *e)
{
	for (int i = 0; i < o->warmup; i++)
		if (do_batch(a, k->batch))
			return io_error(e, k);
	for (int i = 0; i < count; i++) {
		uint64_t t0, t1;

		if (stop_requested)
			return BB_ERR_INTERRUPTED;
		t0 = timer_now(t);
		if (do_batch(a, k->batch))
			return io_error(e, k);
		t1 = timer_now(t);
		k->samples[k->s.n++] = timer_ns(t, t1 - t0) / k->batch;
	}
	return 0;
}

static int finish_case(const struct options *o, const struct timer *t,
		       struct bench_case *k, struct access *a,
		       struct bb_err *e)
{
	size_t n = k->s.n;

	summarize(k->samples, n, o->resamples,
		  o->seed ^ (k->offset << 8) ^ (uint64_t)k->width, &k->s);
	k->timer_fraction = t->overhead_ns / (k->s.median * k->batch);
	if (k->write) {
		uint64_t back, mask = k->width == 8 ? ~0ull :
				      (1ull << (8 * k->width)) - 1;

		if (do_batch(a, 1) || read_once(a, &back))
			return io_error(e, k);
		k->restored = (back & mask) == (k->value & mask);
	}
	return 0;
}

/*
 * --traps: with the timing done, attach the probes and run each case for a
 * few more batches; the BPF side charges every trap to barbench_case_id.
 * Timings are never taken with a probe on the path.
 */
static int count_traps(const struct options *o, struct counting *counting,
		       struct bench_case *c, struct access *a, int n,
		       struct bb_err *e)
{
	struct bb_err why;
	int ret = counting_attach(counting, &why);

	if (ret)
		return bb_fail(e, ret, "--traps: %s", why.msg);
	if (!o->quiet)
		fprintf(stderr, "barbench: counting trapped accesses (%s)\n",
			counting_mode(counting));
	for (int i = 0; i < n; i++) {
		if (c[i].skipped || !c[i].batch)
			continue;
		barbench_case_id = i + 1;
		a[i].done = &c[i].counts.pass_accesses;
		for (int b = 0; b < COUNTING_PASS_BATCHES; b++)
			if (do_batch(&a[i], c[i].batch))
				return io_error(e, &c[i]);
		a[i].done = &c[i].accesses;
	}
	barbench_case_id = 0;
	counting_detach(counting);
	counting_collect(counting, c, n);
	return 0;
}

/*
 * Samples are taken in passes (--passes): each pass takes its share of
 * every case in turn.  Emulated (and busy) machines drift over seconds;
 * interleaving spreads that drift over all cases instead of biasing the
 * ones run first.
 */

int sample_cases(struct vfio_dev *d, const struct options *o,
		 const struct timer *t, struct bench_case *c, int n,
		 struct counting *counting, struct bb_err *e)
{
	static struct access a[CASES_MAX];
	int ret = 0;

	for (int i = 0; i < n && !ret; i++) {
		barbench_case_id = i + 1;
		ret = prepare_case(d, o, t, &c[i], &a[i], e);
	}
	for (int p = 0; p < o->passes && !ret; p++) {
		int want = o->samples * (p + 1) / o->passes;

		if (!o->quiet && o->passes > 1)
			fprintf(stderr, "barbench: pass %d of %d\n", p + 1,
				o->passes);
		for (int i = 0; i < n && !ret; i++) {
			barbench_case_id = i + 1;
			if (!c[i].skipped)
				ret = sample_case(o, t, &c[i], &a[i],
						  want - (int)c[i].s.n, e);
		}
	}
	if (!ret && counting)
		ret = count_traps(o, counting, c, a, n, e);
	/* Even after an interrupt: summarise what was taken, restore writes. */
	for (int i = 0; i < n; i++) {
		int done = 0;

		barbench_case_id = i + 1;
		if (!c[i].skipped && c[i].samples)
			done = finish_case(o, t, &c[i], &a[i], e);
		barbench_case_id = 0;
		ret = ret ? ret : done;
		if (!ret && !o->quiet)
			print_case(d, &c[i], i, n);
	}
	return ret;
}


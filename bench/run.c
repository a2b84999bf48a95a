// SPDX-License-Identifier: GPL-2.0
/*
 * barbench run: time BAR accesses per place, path, op and width.
 *
 * A sample is the time of a batch of K back-to-back accesses divided by K,
 * with K chosen so that the two timestamps cost under 1% of the batch (each
 * case's JSON records the share it really had: timer_fraction).
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barbench.h"
#include "profile.h"
#include "status.h"

#define MAX_TARGETS	32
#define MAX_CASES	1024
#define MAX_BATCH	65536
#define PROBE_ACCESSES	32
#define PROBE_ROUNDS	5
#define TIMER_SHARE	0.003
#define PILOT_SAMPLES	21

struct target {
	const char *reg;
	int bar;
	uint64_t offset;
	unsigned int read_widths, write_widths;
	enum place place;
};

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

/*
 * The case being run, 1-based; 0 between cases.  With --traps the BPF side
 * reads it from this process's memory at every trapped access, so each
 * trap is charged to its case without a syscall per batch.
 */
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

static int add_target(struct target *t, int n, const char *reg, int bar,
		      uint64_t off, unsigned int rw, unsigned int ww)
{
	for (int i = 0; i < n; i++)
		if (t[i].bar == bar && t[i].offset == off)
			return n;
	if (n == MAX_TARGETS)
		return n;
	t[n] = (struct target){ reg, bar, off, rw, ww, PLACE_OTHER };
	return n + 1;
}

/* The first 8-byte-aligned offset of each class no register stands for. */
static int add_class_targets(const struct vfio_dev *d, int bar, uint64_t page,
			     struct target *t, int n)
{
	struct place_segment seg[16];
	int nseg = place_segments(&d->msix, bar, d->regions[bar].size, page,
				  seg, 16);

	for (int p = 0; p < PLACE_COUNT; p++) {
		int have = 0;

		for (int i = 0; i < n; i++)
			have |= place_classify(&d->msix, t[i].bar, t[i].offset,
					       page) == (enum place)p;
		for (int s = 0; s < nseg && !have; s++) {
			uint64_t off = (seg[s].start + 7) & ~7ull;

			if (seg[s].place != (enum place)p || off >= seg[s].end)
				continue;
			n = add_target(t, n, NULL, bar, off,
				       W1 | W2 | W4 | W8, 0);
			have = 1;
		}
	}
	return n;
}

static int build_targets(const struct vfio_dev *d, const struct options *o,
			 int bar, uint64_t page, struct target *t)
{
	const struct device_profile *prof = profile_find(d->vendor, d->device);
	const struct msix_info *m = &d->msix;
	int n = 0;

	if (o->offset >= 0) {
		unsigned int ww = 0;
		const char *reg = NULL;

		for (int i = 0; prof && i < prof->nregs; i++)
			if (prof->regs[i].bar == bar &&
			    prof->regs[i].offset == (uint64_t)o->offset) {
				reg = prof->regs[i].name;
				ww = prof->regs[i].write_widths;
			}
		n = add_target(t, n, reg, bar, (uint64_t)o->offset,
			       W1 | W2 | W4 | W8, ww);
	} else {
		for (int i = 0; prof && i < prof->nregs; i++)
			if (prof->regs[i].bar == bar)
				n = add_target(t, n, prof->regs[i].name, bar,
					       prof->regs[i].offset,
					       prof->regs[i].read_widths,
					       prof->regs[i].write_widths);
		/* Writing entry 0's message data back is only ever opt-in. */
		if (m->present && m->table_bar == bar)
			n = add_target(t, n, "MSIX_ENTRY0_DATA", bar,
				       m->table_offset + 8, W4 | W8, W4);
		if (m->present && m->pba_bar == bar)
			n = add_target(t, n, "MSIX_PBA0", bar, m->pba_offset,
				       W4 | W8, 0);
		n = add_class_targets(d, bar, page, t, n);
	}
	for (int i = 0; i < n; i++) {
		t[i].place = place_classify(m, bar, t[i].offset, page);
		/* PCIe: the table and PBA take aligned DWORD or QWORD only. */
		if (t[i].place == PLACE_MSIX_TABLE ||
		    t[i].place == PLACE_MSIX_PBA) {
			t[i].read_widths &= W4 | W8;
			t[i].write_widths &= W4 | W8;
		}
	}
	return n;
}

static int add_cases(const struct target *t, const struct options *o,
		     int write, unsigned int widths, struct bench_case *c,
		     int n)
{
	for (int path = 0; path < PATH_COUNT; path++) {
		if (!(o->paths & (1u << path)))
			continue;
		for (int w = 1; w <= 8; w *= 2) {
			if (!(widths & WIDTH_BIT(w)) || t->offset % w ||
			    n == MAX_CASES)
				continue;
			c[n++] = (struct bench_case){
				.bar = t->bar, .offset = t->offset,
				.reg = t->reg, .place = t->place,
				.path = (enum path)path, .write = write,
				.width = w,
			};
		}
	}
	return n;
}

static int build_cases(const struct vfio_dev *d, const struct options *o,
		       int bar, uint64_t page, struct bench_case *c, char *err,
		       size_t errlen)
{
	struct target t[MAX_TARGETS];
	int nt = build_targets(d, o, bar, page, t), n = 0;

	if (o->writes && !profile_find(d->vendor, d->device)) {
		snprintf(err, errlen, "no device profile for %04x:%04x: "
			 "writes refused, the device is read-only",
			 d->vendor, d->device);
		return -BB_ERR_UNSAFE;
	}
	for (int i = 0; i < nt; i++) {
		unsigned int ww = t[i].write_widths & o->widths;

		if (!(o->places & (1u << t[i].place)))
			continue;
		n = add_cases(&t[i], o, 0, t[i].read_widths & o->widths, c, n);
		if (!o->writes)
			continue;
		if (t[i].place == PLACE_MSIX_TABLE && !o->allow_table_writes)
			continue;
		if (o->offset >= 0 && !ww) {
			snprintf(err, errlen, "BAR%d+0x%llx: no profile "
				 "declares a write there safe", bar,
				 (unsigned long long)t[i].offset);
			return -BB_ERR_UNSAFE;
		}
		n = add_cases(&t[i], o, 1, ww, c, n);
	}
	return n;
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
	default:
		/* What a VMM does: direct where it may map, the fd elsewhere. */
		if (!p) {
			k->route = "fd";
			return 0;
		}
		break;
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
		path_name(k->path), k->write ? "write" : "read", k->width);
	if (k->skipped)
		fprintf(stderr, "  skipped: %s\n", k->skipped);
	else
		fprintf(stderr, "  %9.1f ns [%.1f, %.1f] K=%d via %s\n",
			k->s.median, k->s.ci_lo, k->s.ci_hi, k->batch,
			k->route);
}

static int io_error(struct vfio_dev *d, const struct bench_case *k)
{
	snprintf(d->err, sizeof(d->err), "BAR%d+0x%llx width %d through %s: "
		 "%s", k->bar, (unsigned long long)k->offset, k->width,
		 k->route, strerror(errno));
	return BB_ERR_IO;
}

/* Route, first value, batch size and sample buffer of one case. */
static int prepare_case(struct vfio_dev *d, const struct options *o,
			const struct timer *t, struct bench_case *k,
			struct access *a)
{
	if (resolve(d, k, a))
		return 0;
	if (read_once(a, &k->value))
		return io_error(d, k);
	/* A write stores what the register holds: the device state stays. */
	a->value = k->value;
	k->batch = choose_batch(a, t, o);
	k->samples = calloc(o->samples, sizeof(double));
	if (k->samples)
		return 0;
	snprintf(d->err, sizeof(d->err), "out of memory for %d samples of "
		 "case BAR%d+0x%llx (lower --samples)", o->samples, k->bar,
		 (unsigned long long)k->offset);
	return BB_ERR_INTERNAL;
}

/* Warm up, then take @count more samples of case @k. */
static int sample_case(struct vfio_dev *d, const struct options *o,
		       const struct timer *t, struct bench_case *k,
		       const struct access *a, int count)
{
	for (int i = 0; i < o->warmup; i++)
		if (do_batch(a, k->batch))
			return io_error(d, k);
	for (int i = 0; i < count; i++) {
		uint64_t t0, t1;

		if (stop_requested)
			return BB_ERR_INTERRUPTED;
		t0 = timer_now(t);
		if (do_batch(a, k->batch))
			return io_error(d, k);
		t1 = timer_now(t);
		k->samples[k->s.n++] = timer_ns(t, t1 - t0) / k->batch;
	}
	return 0;
}

static int finish_case(struct vfio_dev *d, const struct options *o,
		       const struct timer *t, struct bench_case *k,
		       struct access *a)
{
	size_t n = k->s.n;

	summarize(k->samples, n, o->resamples,
		  o->seed ^ (k->offset << 8) ^ (uint64_t)k->width, &k->s);
	k->timer_fraction = t->overhead_ns / (k->s.median * k->batch);
	if (k->write) {
		uint64_t back, mask = k->width == 8 ? ~0ull :
				      (1ull << (8 * k->width)) - 1;

		if (do_batch(a, 1) || read_once(a, &back))
			return io_error(d, k);
		k->restored = (back & mask) == (k->value & mask);
	}
	return 0;
}

/*
 * Samples are taken in rounds: each round takes its share of every case in
 * turn.  Emulated (and busy) machines drift over seconds; interleaving
 * spreads that drift over all cases instead of biasing the ones run first.
 */
/*
 * --traps: with the timing done, attach the probes and run each case for a
 * few more batches; the BPF side charges every trap to barbench_case_id.
 * Timings are never taken with a probe on the path.
 */
static int count_traps(struct vfio_dev *d, const struct options *o,
		       struct trap_session *traps, struct bench_case *c,
		       struct access *a, int n)
{
	char err[256];

	if (trap_resume(traps, err, sizeof(err))) {
		snprintf(d->err, sizeof(d->err), "--traps: %s", err);
		return BB_ERR_TRAPS;
	}
	if (!o->quiet)
		fprintf(stderr, "barbench: counting trapped accesses (%s)\n",
			traps->mode);
	for (int i = 0; i < n; i++) {
		if (c[i].skipped || !c[i].batch)
			continue;
		barbench_case_id = i + 1;
		a[i].done = &c[i].pass_accesses;
		for (int b = 0; b < TRAP_PASS_BATCHES; b++)
			if (do_batch(&a[i], c[i].batch))
				return io_error(d, &c[i]);
		a[i].done = &c[i].accesses;
	}
	barbench_case_id = 0;
	trap_pause(traps);
	traps_collect(traps, c, n);
	return 0;
}

static int time_cases(struct vfio_dev *d, const struct options *o,
		      const struct timer *t, struct bench_case *c,
		      struct access *a, int n, struct trap_session *traps)
{
	int ret = 0;

	for (int i = 0; i < n && !ret; i++) {
		barbench_case_id = i + 1;
		ret = prepare_case(d, o, t, &c[i], &a[i]);
	}
	for (int r = 0; r < o->rounds && !ret; r++) {
		int want = o->samples * (r + 1) / o->rounds;

		if (!o->quiet && o->rounds > 1)
			fprintf(stderr, "barbench: round %d of %d\n", r + 1,
				o->rounds);
		for (int i = 0; i < n && !ret; i++) {
			barbench_case_id = i + 1;
			if (!c[i].skipped)
				ret = sample_case(d, o, t, &c[i], &a[i],
						  want - (int)c[i].s.n);
		}
	}
	if (!ret && traps)
		ret = count_traps(d, o, traps, c, a, n);
	/* Even after an interrupt: summarise what was taken, restore writes. */
	for (int i = 0; i < n; i++) {
		int done = 0;

		barbench_case_id = i + 1;
		if (!c[i].skipped && c[i].samples)
			done = finish_case(d, o, t, &c[i], &a[i]);
		barbench_case_id = 0;
		ret = ret ? ret : done;
		if (!ret && !o->quiet)
			print_case(d, &c[i], i, n);
	}
	return ret;
}

struct run_output {
	const struct options *o;
	const struct vfio_dev *d;
	const struct timer *t;
	struct bench_case *cases;
	int ncases;
	uint64_t page;
	int complete;
	struct trap_session *traps;	/* NULL without --traps */
};

static void json_case(struct jw *w, const struct bench_case *k, int raw,
		      int traps)
{
	jw_object(w, NULL);
	jw_int(w, "bar", k->bar);
	jw_int(w, "offset", (long long)k->offset);
	jw_str(w, "register", k->reg);
	jw_str(w, "place", place_name(k->place));
	jw_str(w, "path", path_name(k->path));
	jw_str(w, "op", k->write ? "write" : "read");
	jw_int(w, "width", k->width);
	jw_str(w, "route", k->route);
	if (k->skipped) {
		jw_str(w, "skipped", k->skipped);
		jw_end(w, '}');
		return;
	}
	jw_int(w, "value", (long long)k->value);
	if (k->write)
		jw_bool(w, "restored", k->restored);
	jw_int(w, "batch", k->batch);
	jw_int(w, "samples", (long long)k->s.n);
	jw_num(w, "median_ns", k->s.median);
	jw_num(w, "p5_ns", k->s.p5);
	jw_num(w, "p95_ns", k->s.p95);
	jw_num(w, "mad_ns", k->s.mad);
	jw_num(w, "mean_ns", k->s.mean);
	jw_num(w, "min_ns", k->s.min);
	jw_num(w, "max_ns", k->s.max);
	jw_num(w, "ci95_lo_ns", k->s.ci_lo);
	jw_num(w, "ci95_hi_ns", k->s.ci_hi);
	jw_num(w, "timer_fraction", k->timer_fraction);
	jw_int(w, "accesses", (long long)k->accesses);
	if (traps)
		json_case_traps(w, k);
	if (raw && k->samples)
		jw_nums(w, "raw_ns", k->samples, k->s.n);
	jw_end(w, '}');
}

static void fill_results(FILE *f, void *arg)
{
	const struct run_output *r = arg;
	const struct options *o = r->o;
	struct jw w;

	jw_init(&w, f);
	jw_object(&w, NULL);
	jw_str(&w, "schema", RESULTS_SCHEMA);
	jw_bool(&w, "complete", r->complete);
	json_provenance(&w, o);
	json_device(&w, r->d, r->page);
	jw_object(&w, "timer");
	jw_str(&w, "source", r->t->source);
	jw_num(&w, "ns_per_tick", r->t->ns_per_tick);
	jw_num(&w, "overhead_ns", r->t->overhead_ns);
	jw_end(&w, '}');
	jw_object(&w, "settings");
	jw_int(&w, "samples", o->samples);
	jw_int(&w, "rounds", o->rounds);
	jw_int(&w, "warmup_batches_per_round", o->warmup);
	jw_int(&w, "bootstrap_resamples", o->resamples);
	jw_int(&w, "seed", (long long)o->seed);
	jw_int(&w, "cpu", o->cpu);
	jw_bool(&w, "writes", o->writes);
	jw_bool(&w, "table_writes", o->allow_table_writes);
	jw_end(&w, '}');
	if (r->traps)
		json_traps_settings(&w, r->traps);
	jw_array(&w, "cases");
	for (int i = 0; i < r->ncases; i++)
		json_case(&w, &r->cases[i], o->raw, r->traps != NULL);
	jw_end(&w, ']');
	jw_end(&w, '}');
}

static int pick_bar(const struct vfio_dev *d, const struct options *o,
		    char *err, size_t errlen)
{
	int bar = o->bar;

	if (bar < 0)
		bar = d->msix.present ? d->msix.table_bar : 0;
	if (bar > 5 || (uint32_t)bar >= d->num_regions || !d->regions[bar].size) {
		snprintf(err, errlen, "%s has no BAR%d (or its size is 0)",
			 d->addr, bar);
		return -1;
	}
	if (vfio_bar_is_io(d, bar)) {
		snprintf(err, errlen, "BAR%d of %s is an I/O (port space) BAR: "
			 "barbench times memory BARs only", bar, d->addr);
		return -1;
	}
	if (!vfio_bar_usable(d, bar)) {
		snprintf(err, errlen, "BAR%d of %s is not readable through "
			 "VFIO", bar, d->addr);
		return -1;
	}
	return bar;
}

static int check_range(const struct vfio_dev *d, const struct options *o,
		       int bar, char *err, size_t errlen)
{
	uint64_t size = d->regions[bar].size;

	if (o->offset < 0)
		return 0;
	for (int w = 1; w <= 8; w *= 2) {
		if (!(o->widths & WIDTH_BIT(w)))
			continue;
		if ((uint64_t)o->offset % w) {
			snprintf(err, errlen, "offset 0x%llx is not aligned to "
				 "width %d", (unsigned long long)o->offset, w);
			return -1;
		}
		if ((uint64_t)o->offset + w > size) {
			snprintf(err, errlen, "offset 0x%llx width %d is "
				 "outside BAR%d (0x%llx bytes)",
				 (unsigned long long)o->offset, w, bar,
				 (unsigned long long)size);
			return -1;
		}
	}
	return 0;
}

static int save(struct run_output *r, char *err, size_t errlen)
{
	char partial[4096];
	const char *path = r->o->out;

	if (!path)
		return 0;
	/* A partial run never replaces a complete one: it goes beside it. */
	if (!r->complete && strcmp(path, "-")) {
		snprintf(partial, sizeof(partial), "%s.partial", path);
		path = partial;
	}
	return write_atomic(path, fill_results, r, err, errlen);
}

int cmd_run(struct vfio_dev *d, const struct options *o)
{
	uint64_t page = o->page_size ? o->page_size : system_page_size();
	static struct bench_case cases[MAX_CASES];
	static struct access accesses[MAX_CASES];
	struct run_output r = { o, d, NULL, cases, 0, page, 0, NULL };
	char err[512] = "";
	struct trap_session traps;
	struct timer t;
	int bar, n, ret = 0;

	bar = pick_bar(d, o, err, sizeof(err));
	if (bar < 0) {
		fprintf(stderr, "barbench: %s\n", err);
		return BB_ERR_NOBAR;
	}
	if (check_range(d, o, bar, err, sizeof(err))) {
		fprintf(stderr, "barbench: %s\n", err);
		return BB_ERR_RANGE;
	}
	n = build_cases(d, o, bar, page, cases, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "barbench: %s\n", err);
		return -n;
	}
	if (o->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "barbench: cannot pin to CPU %d: %s\n",
				o->cpu, strerror(errno));
			return BB_ERR_USAGE;
		}
	}
	if (timer_init(&t, o->timer)) {
		fprintf(stderr, "barbench: this CPU has no cycle counter; "
			"use --timer clock\n");
		return BB_ERR_USAGE;
	}
	r.t = &t;
	if (o->traps) {
		ret = traps_start(&traps, o, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "barbench: --traps: %s\n", err);
			return BB_ERR_TRAPS;
		}
		r.traps = &traps;
	}
	vfio_bar_map_all(d, bar);
	if (!o->quiet)
		fprintf(stderr, "barbench: %s %04x:%04x BAR%d, %d cases, "
			"%d samples each in %d rounds, timer %s (%.1f ns a "
			"read)\n", d->addr, d->vendor, d->device, bar, n,
			o->samples, o->rounds,
			t.source, t.overhead_ns);
	ret = time_cases(d, o, &t, cases, accesses, n, r.traps);
	r.ncases = n;
	r.complete = !ret;
	if (ret == BB_ERR_INTERRUPTED)
		fprintf(stderr, "barbench: interrupted; results are partial\n");
	else if (ret)
		fprintf(stderr, "barbench: %s\n", d->err);
	if (save(&r, err, sizeof(err))) {
		fprintf(stderr, "barbench: %s\n", err);
		ret = ret ? ret : BB_ERR_OUTPUT;
	}
	if (r.traps)
		trap_stop(r.traps);
	for (int i = 0; i < n; i++)
		free(cases[i].samples);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/* barbench run: time BAR accesses per place, path, op and width (run.h). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "counting.h"
#include "output.h"
#include "run.h"
#include "sample.h"

static int pin_cpu(int cpu, struct bb_err *e)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return bb_fail(e, BB_ERR_USAGE, "cannot pin to CPU %d: %s",
			       cpu, strerror(errno));
	return 0;
}

/* Everything that can be refused before the first access is made. */
static int prepare(struct vfio_dev *d, const struct options *o,
		   struct run_output *r, int *bar, struct bb_err *e)
{
	int ret = cases_pick_bar(d, &o->sel, bar, e);

	if (!ret)
		ret = cases_check_range(d, &o->sel, *bar, e);
	if (!ret)
		ret = cases_build(d, &o->sel, *bar, r->page, r->cases,
				  &r->ncases, e);
	if (!ret)
		ret = pin_cpu(o->cpu, e);
	return ret;
}

int cmd_run(struct vfio_dev *d, const struct options *o)
{
	static struct bench_case cases[CASES_MAX];
	struct run_output r = {
		.o = o, .d = d, .cases = cases,
		.page = options_page_size(o),
	};
	struct bb_err e, save_err;
	struct timer t;
	int bar, ret;

	ret = prepare(d, o, &r, &bar, &e);
	if (ret) {
		fprintf(stderr, "barbench: %s\n", e.msg);
		return ret;
	}
	if (timer_init(&t, o->timer)) {
		fprintf(stderr, "barbench: this CPU has no cycle counter; "
			"use --timer clock\n");
		return BB_ERR_USAGE;
	}
	r.t = &t;
	if (o->traps) {
		ret = counting_start(&r.counting, o->traps_kprobes,
				     o->page_size, o->verbose, &e);
		if (ret) {
			/* Whatever the cause (root, no function), one status. */
			fprintf(stderr, "barbench: --traps: %s\n", e.msg);
			return BB_ERR_TRAPS;
		}
	}
	vfio_bar_map_all(d, bar);
	if (!o->quiet)
		fprintf(stderr, "barbench: %s %04x:%04x BAR%d, %d cases, "
			"%d samples each in %d passes, timer %s (%.1f ns a "
			"read)\n", d->addr, d->vendor, d->device, bar,
			r.ncases, o->samples, o->passes, t.source,
			t.overhead_ns);
	ret = sample_cases(d, o, &t, cases, r.ncases, r.counting, &e);
	r.complete = !ret;
	if (ret == BB_ERR_INTERRUPTED)
		fprintf(stderr, "barbench: interrupted; results are partial\n");
	else if (ret)
		fprintf(stderr, "barbench: %s\n", e.msg);
	if (results_save(&r, &save_err)) {
		fprintf(stderr, "barbench: %s\n", save_err.msg);
		ret = ret ? ret : BB_ERR_OUTPUT;
	}
	counting_stop(r.counting);
	for (int i = 0; i < r.ncases; i++)
		free(cases[i].samples);
	return ret;
}

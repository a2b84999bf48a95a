// SPDX-License-Identifier: GPL-2.0
/*
 * barbench run: the results file (schema vfio-barbench/run/1), written so
 * that nothing saved before is ever lost or half-replaced.
 */
#include <string.h>

#include "output.h"
#include "provenance.h"
#include "write_atomic.h"

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
	if (k->vmm) {
		jw_str(w, "vmm", vmm_name(k->vmm));
		jw_str(w, "vmm_rule", k->rule);
	}
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
		counting_json_case(w, &k->counts);
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
	json_provenance(&w, o->variant, r->page);
	json_device(&w, r->d, r->page);
	jw_object(&w, "timer");
	jw_str(&w, "source", r->t->source);
	jw_num(&w, "ns_per_tick", r->t->ns_per_tick);
	jw_num(&w, "overhead_ns", r->t->overhead_ns);
	jw_end(&w, '}');
	jw_object(&w, "settings");
	jw_int(&w, "samples", o->samples);
	/* "rounds": the name results files have always had for --passes. */
	jw_int(&w, "rounds", o->passes);
	jw_int(&w, "warmup_batches_per_round", o->warmup);
	jw_int(&w, "bootstrap_resamples", o->resamples);
	jw_int(&w, "seed", (long long)o->seed);
	jw_int(&w, "cpu", o->cpu);
	jw_bool(&w, "writes", o->sel.writes);
	jw_bool(&w, "table_writes", o->sel.allow_table_writes);
	jw_end(&w, '}');
	if (r->counting)
		counting_json_settings(&w, r->counting);
	jw_array(&w, "cases");
	for (int i = 0; i < r->ncases; i++)
		json_case(&w, &r->cases[i], o->raw, r->counting != NULL);
	jw_end(&w, ']');
	jw_end(&w, '}');
}

int results_save(struct run_output *r, struct bb_err *e)
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
	return write_atomic(path, fill_results, r, e);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * barbench --traps on trapcount's library: its probes on barbench itself,
 * so that every case's results say how many of its accesses went through
 * the kernel, and where.  The BPF side reads the current case id from
 * barbench_case_id.
 */
#include <stdlib.h>
#include <unistd.h>

#include "cases.h"
#include "counting.h"
#include "sample.h"
#include "traplib.h"

const bool counting_built_in = true;

_Static_assert(COUNTING_KINDS == TRAP_KIND_COUNT,
	       "bench/counting.h's COUNTING_KINDS is bpf/trapcount.h's TRAP_KIND_COUNT");

struct counting {
	struct trap_session s;
};

int counting_start(struct counting **out, int force_kprobes,
		   uint64_t page_size, int verbose, struct bb_err *e)
{
	struct trap_opts to = {
		.force_kprobes = force_kprobes,
		.filter = 1,
		.page_size = page_size,
		.case_addr = (uint64_t)(uintptr_t)&barbench_case_id,
		.case_tgid = getpid(),
		.verbose = verbose,
	};
	struct counting *c = calloc(1, sizeof(*c));
	int ret;

	*out = NULL;
	if (!c)
		return bb_fail(e, BB_ERR_INTERNAL, "out of memory");
	ret = trap_start(&c->s, &to, e);
	if (ret) {
		free(c);
		return ret;
	}
	/* Loaded and checked now; attached only for the counting pass. */
	trap_pause(&c->s);
	if (trap_add_pid(&c->s, getpid())) {
		trap_stop(&c->s);
		free(c);
		return bb_fail(e, BB_ERR_TRAPS, "cannot add pid %d to the trap "
			       "filter", (int)getpid());
	}
	*out = c;
	return 0;
}

int counting_attach(struct counting *c, struct bb_err *e)
{
	return trap_resume(&c->s, e);
}

void counting_detach(struct counting *c)
{
	trap_pause(&c->s);
}

const char *counting_mode(const struct counting *c)
{
	return c->s.mode;
}

struct collect {
	struct bench_case *cases;
	int n;
};

static void add_trap(const struct trap_key *k, const struct trap_val *v,
		     void *arg)
{
	struct collect *c = arg;
	struct case_counts *cc;

	if (!k->case_id || k->case_id > (unsigned int)c->n ||
	    k->kind >= TRAP_KIND_COUNT)
		return;
	cc = &c->cases[k->case_id - 1].counts;
	cc->by_kind[k->kind] += v->count;
	if (k->kind == TRAP_KIND_BAR && k->place < PLACE_COUNT)
		cc->bar_by_place[k->place] += v->count;
}

void counting_collect(struct counting *c, struct bench_case *cases, int n)
{
	struct collect arg = { cases, n };

	trap_for_each(&c->s, add_trap, &arg);
}

void counting_json_case(struct jw *w, const struct case_counts *k)
{
	jw_int(w, "trap_pass_accesses", (long long)k->pass_accesses);
	jw_object(w, "traps");
	for (int kind = 0; kind < TRAP_KIND_COUNT; kind++)
		jw_int(w, trap_kind_name(kind), (long long)k->by_kind[kind]);
	jw_object(w, "bar_by_place");
	for (int p = 0; p < PLACE_COUNT; p++)
		jw_int(w, place_name(p), (long long)k->bar_by_place[p]);
	jw_end(w, '}');
	jw_end(w, '}');
}

void counting_json_settings(struct jw *w, struct counting *c)
{
	struct trap_session *s = &c->s;
	struct trap_lost lost;

	jw_object(w, "traps");
	jw_str(w, "mode", s->mode);
	jw_str(w, "counted", "in a pass after the timing, with the probes "
	       "attached only then");
	jw_int(w, "pass_batches", COUNTING_PASS_BATCHES);
	jw_array(w, "attached");
	for (int i = 0; i < s->nattached; i++)
		jw_str(w, NULL, s->attached[i]);
	jw_end(w, ']');
	jw_array(w, "not_attached");
	for (int i = 0; i < s->nnotes; i++)
		jw_str(w, NULL, s->notes[i]);
	jw_end(w, ']');
	trap_lost(s, &lost);
	jw_int(w, "lost", (long long)(lost.map_full + lost.no_start +
				      lost.starts_full));
	jw_end(w, '}');
}

void counting_stop(struct counting *c)
{
	if (!c)
		return;
	trap_stop(&c->s);
	free(c);
}

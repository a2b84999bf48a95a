// SPDX-License-Identifier: GPL-2.0
/*
 * barbench --traps: trapcount's probes on barbench itself, so that every
 * case's results say how many of its accesses went through the kernel, and
 * where.  The BPF side reads the current case id from barbench_case_id.
 */
#include <string.h>
#include <unistd.h>

#include "barbench.h"
#include "status.h"

int traps_start(struct trap_session *s, const struct options *o, char *err,
		size_t errlen)
{
	struct trap_opts to = {
		.force_kprobes = o->traps_kprobes,
		.filter = 1,
		.page_size = o->page_size,
		.case_addr = (uint64_t)(uintptr_t)&barbench_case_id,
		.case_tgid = getpid(),
	};
	int ret = trap_start(s, &to, err, errlen);

	if (ret)
		return ret;
	/* Loaded and checked now; attached only for the counting pass. */
	trap_pause(s);
	if (trap_add_pid(s, getpid())) {
		snprintf(err, errlen, "cannot add pid %d to the trap filter",
			 (int)getpid());
		trap_stop(s);
		return TRAP_ERR_LOAD;
	}
	return 0;
}

struct collect {
	struct bench_case *cases;
	int n;
};

static void add_trap(const struct trap_key *k, const struct trap_val *v,
		     void *arg)
{
	struct collect *c = arg;
	struct bench_case *bc;

	if (!k->case_id || k->case_id > (unsigned int)c->n ||
	    k->kind >= TRAP_KIND_COUNT)
		return;
	bc = &c->cases[k->case_id - 1];
	bc->traps[k->kind] += v->count;
	if (k->kind == TRAP_KIND_BAR && k->place < PLACE_COUNT)
		bc->trap_places[k->place] += v->count;
}

void traps_collect(struct trap_session *s, struct bench_case *cases, int n)
{
	struct collect c = { cases, n };

	trap_for_each(s, add_trap, &c);
}

void json_case_traps(struct jw *w, const struct bench_case *k)
{
	jw_int(w, "trap_pass_accesses", (long long)k->pass_accesses);
	jw_object(w, "traps");
	for (int kind = 0; kind < TRAP_KIND_COUNT; kind++)
		jw_int(w, trap_kind_name(kind), (long long)k->traps[kind]);
	jw_object(w, "bar_by_place");
	for (int p = 0; p < PLACE_COUNT; p++)
		jw_int(w, place_name(p), (long long)k->trap_places[p]);
	jw_end(w, '}');
	jw_end(w, '}');
}

void json_traps_settings(struct jw *w, struct trap_session *s)
{
	struct trap_lost lost;

	jw_object(w, "traps");
	jw_str(w, "mode", s->mode);
	jw_str(w, "counted", "in a pass after the timing, with the probes "
	       "attached only then");
	jw_int(w, "pass_batches", TRAP_PASS_BATCHES);
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

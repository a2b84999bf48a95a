// SPDX-License-Identifier: GPL-2.0
/*
 * barbench built without trap counting (make TRAPS=0): everything but
 * --traps works, and needs neither clang, bpftool nor a vmlinux.h.
 */
#include "counting.h"

const bool counting_built_in = false;

int counting_start(struct counting **out, int force_kprobes,
		   uint64_t page_size, int verbose, struct bb_err *e)
{
	(void)force_kprobes;
	(void)page_size;
	(void)verbose;
	*out = NULL;
	return bb_fail(e, BB_ERR_TRAPS, "this barbench was built without "
		       "trap counting (make TRAPS=0); build it with TRAPS=1");
}

/* Unreachable without a session: counting_start never gives one. */
int counting_attach(struct counting *c, struct bb_err *e)
{
	(void)c;
	return bb_fail(e, BB_ERR_TRAPS, "no trap counting in this build");
}

void counting_detach(struct counting *c)
{
	(void)c;
}

const char *counting_mode(const struct counting *c)
{
	(void)c;
	return "none";
}

void counting_collect(struct counting *c, struct bench_case *cases, int n)
{
	(void)c;
	(void)cases;
	(void)n;
}

void counting_json_settings(struct jw *w, struct counting *c)
{
	(void)w;
	(void)c;
}

void counting_json_case(struct jw *w, const struct case_counts *k)
{
	(void)w;
	(void)k;
}

void counting_stop(struct counting *c)
{
	(void)c;
}

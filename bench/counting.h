/* SPDX-License-Identifier: GPL-2.0 */
/*
 * barbench --traps: count, per case, the accesses that trapped into the
 * kernel, in a pass apart from the timing.  This is the one door from bench/
 * to bpf/: counting_bpf.c implements it on trapcount's library
 * (bpf/traplib.h); counting_none.c stands in when barbench is built without
 * the BPF toolchain (make TRAPS=0) and refuses --traps with a clear error.
 * One interface, two implementations: this header is both files' own.
 */
#ifndef BARBENCH_COUNTING_H
#define BARBENCH_COUNTING_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"
#include "place.h"
#include "status.h"

/* bar, config, other, mmap, fault: bpf/trapcount.h's enum trap_kind
 * (counting_bpf.c checks the two agree when it compiles). */
#define COUNTING_KINDS	5

/* Batches of each case in the counting pass. */
#define COUNTING_PASS_BATCHES	10

struct case_counts {
	uint64_t pass_accesses;		/* accesses made in the pass */
	uint64_t by_kind[COUNTING_KINDS];
	uint64_t bar_by_place[PLACE_COUNT];
};

struct bench_case;
struct counting;

/* false in a barbench built with TRAPS=0 (counting_none.c). */
extern const bool counting_built_in;

/*
 * Load and check the probes, detached: 0, or a status with the reason.
 * @force_kprobes: --traps-kprobes; @page_size: for places, 0 for the
 * kernel's; @verbose: libbpf's messages.
 */
int counting_start(struct counting **out, int force_kprobes,
		   uint64_t page_size, int verbose, struct bb_err *e);
/* Attach for the counting pass, and detach after it. */
int counting_attach(struct counting *c, struct bb_err *e);
void counting_detach(struct counting *c);
const char *counting_mode(const struct counting *c);
/* Charge what was counted to @cases (by barbench_case_id). */
void counting_collect(struct counting *c, struct bench_case *cases, int n);
void counting_json_settings(struct jw *w, struct counting *c);
void counting_json_case(struct jw *w, const struct case_counts *k);
/* Detach and unload; safe on NULL. */
void counting_stop(struct counting *c);

#endif

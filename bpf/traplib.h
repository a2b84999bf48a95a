/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Load, attach, read and detach trapcount's probes: shared by the trapcount
 * command and barbench --traps.
 */
#ifndef TRAPLIB_H
#define TRAPLIB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "status.h"
#include "trapcount.h"

#define TRAP_MAX_LINKS	12
#define TRAP_MAX_NOTES	8

struct trap_opts {
	int force_kprobes;
	int filter;		/* count only the pids added (and their forks) */
	uint64_t page_size;	/* for places; 0: the kernel's */
	uint64_t case_addr;	/* barbench: address of its case id */
	pid_t case_tgid;
	int verbose;		/* libbpf's messages on stderr */
	int empty;		/* empty fentry/fexit only: the probing floor */
	int timing;		/* time each access (latency histograms): an
				 * entry program too; else fexit alone counts */
};

struct trap_session {
	struct trapcount_bpf *skel;
	struct bpf_link *links[TRAP_MAX_LINKS];
	int nlinks;
	const char *mode;	/* "fexit", "fentry/fexit" or "kprobe/kretprobe" */
	int timing;		/* total_ns and the histograms are filled */
	char attached[TRAP_MAX_LINKS][64];
	int nattached;
	char notes[TRAP_MAX_NOTES][192];	/* what was not attached, why */
	int nnotes;
	uint64_t page_size;	/* for places (--page-size, else the kernel's) */
	uint64_t mm_page_size;	/* the kernel's: mmap rows count these */
	int kprobes;		/* which set was loaded, to attach again */
	const char *fault_fn;
};

/*
 * Failures return lib/status.h's statuses, the same numbers in trapcount and
 * barbench: BB_ERR_PERM (not root, no CAP_BPF+CAP_PERFMON), BB_ERR_NOFUNC
 * (no vfio-pci-core read/write to probe), BB_ERR_TRAPS (the kernel refused
 * the programs or an attach), with the reason in @e.
 */
int trap_start(struct trap_session *s, const struct trap_opts *o,
	       struct bb_err *e);
int trap_add_pid(struct trap_session *s, pid_t pid);
/*
 * Detach the probes but keep the programs and maps, and attach them again:
 * a benchmark times with no probe on the path and counts in a pass apart.
 */
void trap_pause(struct trap_session *s);
int trap_resume(struct trap_session *s, struct bb_err *e);
void trap_lost(struct trap_session *s, struct trap_lost *out);
/* Calls @fn for every entry of the traps map. */
int trap_for_each(struct trap_session *s,
		  void (*fn)(const struct trap_key *, const struct trap_val *,
			     void *), void *arg);
void trap_comm(struct trap_session *s, unsigned int tgid, char *comm);
void trap_stop(struct trap_session *s);

const char *trap_kind_name(int kind);
const char *trap_place_name(int place);

#endif

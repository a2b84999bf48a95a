/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit statuses of barbench, trapcount, vmmdrive and their tests, and the
 * one way C code here reports a failure: it returns one of these statuses
 * (0 for success, never a negative number) and leaves a message saying why
 * in a struct bb_err that the caller passed in.  Helpers that only answer yes
 * or no about their input (pci_addr_normalize, summarize) return 0 or -1.
 *
 * Each cause has its own number, the same in every tool, so that a script
 * (the harness, a CI job) can tell them apart without parsing messages.
 * The table of docs/exit-statuses.md is checked against this list by
 * tests/check-status-table.
 */
#ifndef BARBENCH_STATUS_H
#define BARBENCH_STATUS_H

#include <stddef.h>

enum bb_status {
	BB_OK = 0,
	BB_ERR_INTERNAL = 1,	/* a bug, or out of memory */
	BB_ERR_USAGE = 2,	/* bad command line */
	BB_ERR_NODEV = 3,	/* no such PCI device */
	BB_ERR_NOTVFIO = 4,	/* device not bound to vfio-pci */
	BB_ERR_PERM = 5,	/* no permission (VFIO nodes, or BPF without CAP_BPF) */
	BB_ERR_GROUP = 6,	/* IOMMU group not viable */
	BB_ERR_VFIO = 7,	/* a VFIO or iommufd ioctl failed */
	BB_ERR_CAPS = 8,	/* malformed capability chain or config space */
	BB_ERR_RANGE = 9,	/* offset or width outside the BAR, or misaligned */
	BB_ERR_UNSAFE = 10,	/* write refused: no profile declares it safe */
	BB_ERR_IO = 11,		/* a BAR access or mmap failed */
	BB_ERR_OUTPUT = 12,	/* results could not be written */
	BB_ERR_NOBAR = 13,	/* BAR absent, size 0, or an I/O BAR */
	BB_ERR_INTERRUPTED = 14,	/* stopped by a signal */
	BB_ERR_TRAPS = 15,	/* the BPF probes could not be loaded or attached */
	BB_ERR_LOST = 16,	/* trap events were lost: counts are not exact */
	BB_ERR_NOFUNC = 17,	/* no vfio-pci-core read/write function to probe */
	BB_ERR_EMULATED = 18,	/* the VMM profile emulates it: nothing to access */
	BB_ERR_VMM = 19,	/* vmmdrive: the VMM failed or died */
	BB_STATUS_COUNT
};

#define BB_ERRLEN	512

struct bb_err {
	char msg[BB_ERRLEN];
};

/* Say why in @e, and return @status: `return bb_fail(e, BB_ERR_IO, ...)`. */
int bb_fail(struct bb_err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One line per status for --help: "3 no such PCI device", ... */
const char *bb_status_text(int status);

#endif

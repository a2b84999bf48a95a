/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU under -qtest (no guest code runs): vmmdrive makes every access
 * itself, through QEMU's memory core, as a guest's load or store would
 * arrive (qtest.c).
 */
#ifndef VMMDRIVE_QTEST_H
#define VMMDRIVE_QTEST_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "vfio_dev.h"

#define QTEST_SLOT	4		/* -device vfio-pci,addr=4.0 */

struct qemu {
	pid_t pid;
	FILE *to, *from;
};

/*
 * Run @qargv (QEMU and its arguments) with -qtest stdio and device @addr
 * assigned (-device vfio-pci,host=ADDR,addr=4.0[,@opts]).  0, or -1 with
 * errno.
 */
int qemu_start(struct qemu *q, char **qargv, int qargc, const char *addr,
	       const char *opts);
/* One command; @value, if not NULL, gets the number QEMU answered. */
int qtest(struct qemu *q, uint64_t *value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Let QEMU exit, killing it after @timeout seconds; its wait status. */
int qemu_stop(struct qemu *q, int timeout);

/*
 * The emulated machine: how config space is reached, and where its PCI
 * memory BARs go (a PCI bus address, and where the CPU, here qtest, sees
 * it).
 */
struct machine {
	const char *name;
	int (*config_write)(struct qemu *q, int reg, uint32_t v, int width);
	uint64_t bar_base;	/* PCI address of the first BAR */
	uint64_t cpu_offset;	/* CPU address = PCI address + this */
};

/* "q35" or "pseries"; NULL for another name. */
const struct machine *machine_find(const char *name);
/*
 * Every memory BAR of @d at an address of its own, then memory decoding
 * on; @base gets the CPU address of each BAR (0: none), where qtest
 * reaches it.  0, or -1 when a config write failed.
 */
int program_bars(struct qemu *q, const struct machine *m,
		 const struct vfio_dev *d, uint64_t *base);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU under -qtest, as vmmdrive drives it: started with the device
 * assigned, one protocol command at a time, stopped; and the emulated
 * machine's way to config space, to place the device's BARs.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qtest.h"

int qemu_start(struct qemu *q, char **qargv, int qargc, const char *addr,
	       const char *opts)
{
	int in[2], out[2];
	char dev[256];
	char **argv = calloc((size_t)qargc + 7, sizeof(*argv));

	if (!argv || pipe(in) || pipe(out))
		return -1;
	snprintf(dev, sizeof(dev), "vfio-pci,host=%s,addr=%d.0%s%s", addr,
		 QTEST_SLOT, opts ? "," : "", opts ? opts : "");
	memcpy(argv, qargv, (size_t)qargc * sizeof(*argv));
	argv[qargc] = "-qtest";
	argv[qargc + 1] = "stdio";
	argv[qargc + 2] = "-qtest-log";	/* the protocol, not on stderr */
	argv[qargc + 3] = "/dev/null";
	argv[qargc + 4] = "-device";
	argv[qargc + 5] = dev;
	q->pid = fork();
	if (q->pid < 0)
		return -1;
	if (!q->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execvp(argv[0], argv);
		fprintf(stderr, "vmmdrive: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	free(argv);
	close(in[0]);
	close(out[1]);
	q->to = fdopen(in[1], "w");
	q->from = fdopen(out[0], "r");
	return q->to && q->from ? 0 : -1;
}

/*
 * One qtest command and its answer ("OK [VALUE]").  Lines QEMU sends on
 * its own ("IRQ ...") are not answers.
 */
int qtest(struct qemu *q, uint64_t *value, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vfprintf(q->to, fmt, ap);
	va_end(ap);
	fputc('\n', q->to);
	if (fflush(q->to))
		return -1;
	while (fgets(line, sizeof(line), q->from)) {
		if (!strncmp(line, "IRQ", 3))
			continue;
		if (strncmp(line, "OK", 2)) {
			fprintf(stderr, "vmmdrive: qtest answered: %s", line);
			return -1;
		}
		if (value)
			*value = strtoull(line + 2, NULL, 0);
		return 0;
	}
	fprintf(stderr, "vmmdrive: QEMU closed the qtest channel\n");
	return -1;
}


/* q35: configuration mechanism #1 on ports 0xcf8/0xcfc. */
static int q35_config_write(struct qemu *q, int reg, uint32_t v, int width)
{
	uint32_t cf8 = 0x80000000u | (QTEST_SLOT << 11) | (uint32_t)(reg & ~3);

	if (qtest(q, NULL, "outl 0xcf8 0x%x", cf8))
		return -1;
	return qtest(q, NULL, "%s 0x%x 0x%x", width == 2 ? "outw" : "outl",
		     0xcfc + (reg & 3), v);
}

/*
 * pseries: the RTAS call ibm,write-pci-config (PAPR), as QEMU's own
 * libqos/pci-spapr.c makes it: five argument cells in guest RAM (config
 * address, the PHB's BUID high and low, size, value), one return cell, the
 * status.  qtest's rtas command runs the call with no vCPU (-S).
 */
#define RTAS_ARGS	0x100000ull
#define RTAS_RET	0x100100ull
#define SPAPR_BUID	0x800000020000000ull	/* PHB 0 */

static int pseries_config_write(struct qemu *q, int reg, uint32_t v,
				int width)
{
	const uint32_t cell[5] = { (QTEST_SLOT << 11) | (uint32_t)reg,
				   (uint32_t)(SPAPR_BUID >> 32),
				   (uint32_t)SPAPR_BUID, (uint32_t)width, v };
	uint64_t status;

	for (int i = 0; i < 5; i++)
		if (qtest(q, NULL, "writel 0x%llx 0x%x",
			  (unsigned long long)RTAS_ARGS + 4 * i, cell[i]))
			return -1;
	if (qtest(q, NULL, "rtas ibm,write-pci-config 5 0x%llx 1 0x%llx",
		  (unsigned long long)RTAS_ARGS, (unsigned long long)RTAS_RET) ||
	    qtest(q, &status, "readl 0x%llx", (unsigned long long)RTAS_RET))
		return -1;
	if (status) {
		fprintf(stderr, "vmmdrive: ibm,write-pci-config of 0x%x at "
			"0x%x: RTAS status %lld\n", v, reg, (long long)status);
		return -1;
	}
	return 0;
}

static const struct machine machines[] = {
	/* Below 4G: q35's PCI hole. */
	{ "q35", q35_config_write, 0xe0000000ull, 0 },
	/* The PHB's 32-bit window: PCI 0x80000000 at CPU 0x200080000000
	 * (hw/ppc/spapr_pci.c's defaults for PHB 0). */
	{ "pseries", pseries_config_write, 0x80000000ull, 0x200000000000ull },
};

const struct machine *machine_find(const char *name)
{
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
		if (!strcmp(machines[i].name, name))
			return &machines[i];
	return NULL;
}

/*
 * Every memory BAR at an address of its own, then memory decoding on.
 * base[] gets the CPU address of each, where qtest accesses it.
 */
int program_bars(struct qemu *q, const struct machine *m,
			const struct vfio_dev *d, uint64_t *base)
{
	uint64_t next = m->bar_base;

	for (int bar = 0; bar < 6; bar++) {
		uint32_t lo;
		uint64_t size = d->regions[bar].size;

		memcpy(&lo, d->config + 0x10 + 4 * bar, 4);
		base[bar] = 0;
		if (!size || (lo & 1))
			continue;
		next = (next + size - 1) & ~(size - 1);
		base[bar] = next + m->cpu_offset;
		if (m->config_write(q, 0x10 + 4 * bar, (uint32_t)next, 4))
			return -1;
		if ((lo & 6) == 4) {	/* 64-bit: the upper half follows */
			if (m->config_write(q, 0x14 + 4 * bar,
					    (uint32_t)(next >> 32), 4))
				return -1;
			bar++;
		}
		next += size;
	}
	return m->config_write(q, 0x04, 0x0002, 2);	/* memory space */
}

/* Close QEMU's qtest input; it should exit, and is made to if not. */
int qemu_stop(struct qemu *q, int timeout)
{
	int status = 0;

	fclose(q->to);
	for (int i = 0; i < timeout * 10; i++) {
		if (waitpid(q->pid, &status, WNOHANG) == q->pid)
			goto done;
		if (i == 10)	/* -qtest does not always end at EOF */
			kill(q->pid, SIGTERM);
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	}
	kill(q->pid, SIGKILL);
	waitpid(q->pid, &status, 0);
done:
	fclose(q->from);
	return status;
}

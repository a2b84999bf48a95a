// SPDX-License-Identifier: GPL-2.0
/*
 * vmmdrive: a real VMM as the VFIO client, driven register by register.
 * It reads the device's regions and MSI-X layout once (as barbench does),
 * builds the suite's registers and the route the --vmm profile predicts for
 * each, closes the device, then starts QEMU with the device assigned
 * (-device vfio-pci) under -qtest, so that no guest code runs: it programs
 * the BARs through config space and makes every access itself, through
 * QEMU's memory core, exactly as a guest's load or store would arrive.
 * Whether QEMU trapped an access into the kernel is counted outside, by
 * trapcount and by QEMU's trace events (harness/drive-qemu, scripts/qemu-client-report).
 *
 * Writes go only to registers the device profile declares safe, and store
 * the value just read; the MSI-X table is never written.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "barbench.h"
#include "profile.h"
#include "run.h"
#include "vfio_compat.h"

volatile sig_atomic_t stop_requested;
volatile uint32_t barbench_case_id;

#define SLOT		4		/* -device vfio-pci,addr=4.0 */

static const char usage_text[] =
"usage: vmmdrive [--vmm NAME] [--accesses N] [--writes] [--timeout SECS]\n"
"                [--device-opts OPTS] [--machine q35|pseries]\n"
"                -o FILE ADDR -- QEMU [QEMU-ARGS...]\n"
"\n"
"Runs QEMU (e.g. qemu-system-x86_64 -M q35 -display none -nodefaults) with\n"
"ADDR assigned (-qtest stdio -device vfio-pci,host=ADDR,addr=4.0 are\n"
"added; --device-opts adds OPTS to the -device, e.g.\n"
"x-msix-relocation=bar2), programs the device's memory BARs through config\n"
"space (--machine: q35's ports 0xcf8/0xcfc, the default, or pseries' RTAS\n"
"calls ibm,write-pci-config, for qemu-system-ppc64 -M pseries -S), and\n"
"makes N accesses (default 10) to each register of barbench's suite, at\n"
"each width it takes; with --writes also writes of the value just read to\n"
"the registers the device profile declares safe.  FILE (JSON) lists each\n"
"register's accesses and the route the profile (default qemu) predicts.\n"
"QEMU's stdout is the qtest protocol; its stderr passes through.\n"
"Exit status: 0; 2 usage; barbench's for the device; 11 a qtest command\n"
"failed; 12 FILE not written; 121 QEMU did not start or died.\n";

struct access {
	struct bench_case k;
	enum vmm_route all[8];	/* every profile's, in vmm_at() order */
	enum vmm_route route;
	const char *rule;
	uint64_t value;
	int accesses;
	int reads_first;	/* a write case's read of the value to store */
};

struct qemu {
	pid_t pid;
	FILE *to, *from;
};

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "vmmdrive: %s\n", msg);
	fputs(usage_text, msg ? stderr : stdout);
	return msg ? BB_ERR_USAGE : 0;
}

static int qemu_start(struct qemu *q, char **qargv, int qargc,
		      const char *addr, const char *opts)
{
	int in[2], out[2];
	char dev[256];
	char **argv = calloc((size_t)qargc + 7, sizeof(*argv));

	if (!argv || pipe(in) || pipe(out))
		return -1;
	snprintf(dev, sizeof(dev), "vfio-pci,host=%s,addr=%d.0%s%s", addr, SLOT,
		 opts ? "," : "", opts ? opts : "");
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
static int qtest(struct qemu *q, uint64_t *value, const char *fmt, ...)
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

/* q35: configuration mechanism #1 on ports 0xcf8/0xcfc. */
static int q35_config_write(struct qemu *q, int reg, uint32_t v, int width)
{
	uint32_t cf8 = 0x80000000u | (SLOT << 11) | (uint32_t)(reg & ~3);

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
	const uint32_t cell[5] = { (SLOT << 11) | (uint32_t)reg,
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

static const struct machine *machine_find(const char *name)
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
static int program_bars(struct qemu *q, const struct machine *m,
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

static const char *op_name(int write, int width)
{
	static const char *const r[] = { "readb", "readw", "readl", "readq" };
	static const char *const w[] = { "writeb", "writew", "writel", "writeq" };
	int i = width == 1 ? 0 : width == 2 ? 1 : width == 4 ? 2 : 3;

	return write ? w[i] : r[i];
}

/*
 * @n accesses.  Values are as qtest's readX returns them, in the target's
 * order (byte-swapped for the little-endian registers on big-endian
 * pseries); a write stores the same bytes back.  A write stores what the
 * register holds: the value its read
 * case (the same register and width, driven just before) saw, else one read
 * of its own, counted apart so that every row's count stays exact.
 */
static int drive(struct qemu *q, struct access *a, const struct access *read,
		 uint64_t addr, int n)
{
	const char *rd = op_name(0, a->k.width), *wr = op_name(1, a->k.width);

	if (a->k.write && read) {
		a->value = read->value;
	} else if (a->k.write) {
		if (qtest(q, &a->value, "%s 0x%llx", rd, (unsigned long long)addr))
			return -1;
		a->reads_first = 1;
	}
	for (int i = 0; i < n && !stop_requested; i++) {
		uint64_t v;

		if (a->k.write ?
		    qtest(q, NULL, "%s 0x%llx 0x%llx", wr,
			  (unsigned long long)addr, (unsigned long long)a->value) :
		    qtest(q, &v, "%s 0x%llx", rd, (unsigned long long)addr))
			return -1;
		if (!i && !a->k.write)
			a->value = v;
		a->accesses++;
	}
	return 0;
}

/* The read case of the register and width a write case stores to. */
static const struct access *read_case(const struct access *a, int i)
{
	for (int j = i - 1; j >= 0; j--)
		if (!a[j].k.write && a[j].k.bar == a[i].k.bar &&
		    a[j].k.offset == a[i].k.offset &&
		    a[j].k.width == a[i].k.width)
			return &a[j];
	return NULL;
}

/* Close QEMU's qtest input; it should exit, and is made to if not. */
static int qemu_stop(struct qemu *q, int timeout)
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

struct output {
	const struct options *o;
	const struct vmm_profile *vmm;
	struct access *a;
	int n;
	char **qargv;
	int qargc;
	const uint64_t *base;
	const char *device_json;	/* written while the device was open */
	const char *device_opts;
	int complete;
};

static void fill(FILE *f, void *arg)
{
	const struct output *r = arg;
	struct jw w;

	jw_init(&w, f);
	jw_object(&w, NULL);
	jw_str(&w, "schema", "vfio-barbench/vmmdrive/1");
	json_provenance(&w, r->o);
	jw_raw(&w, NULL, r->device_json);	/* "device": {...} */
	jw_str(&w, "vmm", vmm_name(r->vmm));
	jw_str(&w, "device_opts", r->device_opts);
	jw_array(&w, "qemu_argv");
	for (int i = 0; i < r->qargc; i++)
		jw_str(&w, NULL, r->qargv[i]);
	jw_end(&w, ']');
	jw_array(&w, "bar_addresses");
	for (int bar = 0; bar < 6; bar++)
		jw_int(&w, NULL, (long long)r->base[bar]);
	jw_end(&w, ']');
	jw_bool(&w, "complete", r->complete);
	jw_array(&w, "registers");
	for (int i = 0; i < r->n; i++) {
		const struct access *a = &r->a[i];

		jw_object(&w, NULL);
		jw_int(&w, "bar", a->k.bar);
		jw_int(&w, "offset", (long long)a->k.offset);
		jw_str(&w, "register", a->k.reg);
		jw_str(&w, "place", place_name(a->k.place));
		jw_str(&w, "op", a->k.write ? "write" : "read");
		jw_int(&w, "width", a->k.width);
		jw_int(&w, "accesses", a->accesses);
		jw_int(&w, "reads_first", a->reads_first);
		jw_int(&w, "value", (long long)a->value);
		jw_str(&w, "route_predicted", vmm_route_name(a->route));
		jw_str(&w, "rule", a->rule);
		/* What each profile would say: scripts/qemu-client-report --profile checks
		 * QEMU's measurements against another VMM's rules. */
		jw_object(&w, "predictions");
		for (int v = 0; v < vmm_count() && v < 8; v++)
			jw_str(&w, vmm_name(vmm_at(v)), vmm_route_name(a->all[v]));
		jw_end(&w, '}');
		jw_end(&w, '}');
	}
	jw_end(&w, ']');
	jw_end(&w, '}');
	fputc('\n', f);
}

/* The device as barbench describes it, while it is still open. */
static char *device_text(const struct vfio_dev *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	struct jw w;

	if (!m)
		return NULL;
	jw_init(&w, m);
	json_device(&w, d, system_page_size());
	return fclose(m) ? NULL : buf;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "vmm", required_argument, NULL, 'V' },
		{ "accesses", required_argument, NULL, 'n' },
		{ "writes", no_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "device-opts", required_argument, NULL, 'D' },
		{ "machine", required_argument, NULL, 'M' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = {
		.bar = -1, .offset = -1, .widths = W1 | W2 | W4 | W8,
		.paths = 1u << PATH_VMM, .places = (1u << PLACE_COUNT) - 1,
		.variant = getenv("BARBENCH_VARIANT"), .timer = "auto",
	};
	const struct vmm_profile *vmm = vmm_find("qemu");
	const struct machine *machine = &machines[0];
	struct bench_case cases[CASES_MAX];
	static struct access acc[CASES_MAX];
	uint64_t base[6] = { 0 };
	int c, n = 0, count = 10, timeout = 10, ret, bar, status;
	const char *out = NULL, *device_opts = NULL;
	char *device_json, **qargv;
	int qargc;
	struct vfio_dev d;
	struct bb_err e;
	struct qemu q;
	struct sigaction sa = { .sa_handler = on_signal };

	while ((c = getopt_long(argc, argv, "+o:h", longs, NULL)) != -1) {
		switch (c) {
		case 'V':
			if (!(vmm = vmm_find(optarg)))
				return usage("--vmm: no such profile");
			break;
		case 'n':
			count = atoi(optarg);
			if (count < 1 || count > 100000)
				return usage("--accesses is 1 to 100000");
			break;
		case 't':
			timeout = atoi(optarg);
			if (timeout < 1 || timeout > 3600)
				return usage("--timeout is 1 to 3600");
			break;
		case 'w':
			o.writes = 1;
			break;
		case 'D':
			if (strlen(optarg) > 160 || strchr(optarg, ' '))
				return usage("--device-opts: one word, at most "
					     "160 characters");
			device_opts = optarg;
			break;
		case 'M':
			if (!(machine = machine_find(optarg)))
				return usage("--machine: q35 or pseries");
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			return usage(NULL);
		default:
			return usage("bad option");
		}
	}
	o.addr = optind < argc ? argv[optind++] : NULL;
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (!out || !o.addr || optind >= argc)
		return usage("needs -o FILE, ADDR and a QEMU command");
	qargv = argv + optind;
	qargc = argc - optind;
	for (int i = 0; i < vmm_count(); i++)
		if (vmm_at(i) == vmm)
			o.vmms = 1u << i;
	if (!o.variant || !*o.variant)
		o.variant = "unlabelled";
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a dead QEMU is an error, not a kill */

	/* The kernel's answer and the suite's registers, then let go: the
	 * device's group is QEMU's to open. */
	ret = vfio_dev_open(&d, o.addr, 0, &e);
	if (!ret)
		ret = cases_pick_bar(&d, &o, &bar, &e);
	if (!ret)
		ret = cases_build(&d, &o, bar, system_page_size(), cases, &n, &e);
	if (ret) {
		fprintf(stderr, "vmmdrive: %s\n", e.msg);
		vfio_dev_close(&d);
		return ret;
	}
	for (int i = 0; i < n; i++) {
		struct vmm_bar b = vmm_bar_of(&d, cases[i].bar);

		acc[i].k = cases[i];
		acc[i].route = vmm_route(vmm, &b, cases[i].offset,
					 cases[i].width, &acc[i].rule);
		for (int v = 0; v < vmm_count() && v < 8; v++)
			acc[i].all[v] = vmm_route(vmm_at(v), &b, cases[i].offset,
						  cases[i].width, NULL);
	}
	device_json = device_text(&d);
	vfio_dev_close(&d);
	if (!device_json)
		return BB_ERR_INTERNAL;

	if (qemu_start(&q, qargv, qargc, o.addr, device_opts)) {
		fprintf(stderr, "vmmdrive: cannot start QEMU: %s\n",
			strerror(errno));
		return 121;
	}
	ret = program_bars(&q, machine, &d, base) ? BB_ERR_IO : 0;
	for (int i = 0; i < n && !ret && !stop_requested; i++) {
		fprintf(stderr, "vmmdrive: [%2d/%d] BAR%d+0x%04llx %-16s %s w%d: "
			"%d accesses, predicted %s\n", i + 1, n, acc[i].k.bar,
			(unsigned long long)acc[i].k.offset,
			acc[i].k.reg ? acc[i].k.reg : "-",
			acc[i].k.write ? "write" : "read", acc[i].k.width,
			count, vmm_route_name(acc[i].route));
		if (drive(&q, &acc[i], read_case(acc, i),
			  base[acc[i].k.bar] + acc[i].k.offset, count))
			ret = BB_ERR_IO;
	}
	status = qemu_stop(&q, timeout);
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM) {
		fprintf(stderr, "vmmdrive: QEMU died of signal %d\n",
			WTERMSIG(status));
		ret = ret ? ret : 121;
	}
	{
		struct output r = { &o, vmm, acc, n, qargv, qargc, base,
				    device_json, device_opts,
				    !ret && !stop_requested };

		if (write_atomic(out, fill, &r, &e)) {
			fprintf(stderr, "vmmdrive: %s\n", e.msg);
			return BB_ERR_OUTPUT;
		}
	}
	return ret ? ret : stop_requested ? BB_ERR_INTERRUPTED : 0;
}

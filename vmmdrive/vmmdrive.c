// SPDX-License-Identifier: GPL-2.0
/*
 * vmmdrive: a real VMM as the VFIO client, driven register by register.
 * It reads the device's regions and MSI-X layout once (as barbench does),
 * builds the suite's registers (bench/cases.c) and the route the --vmm
 * profile predicts for each, closes the device, then starts QEMU with the
 * device assigned (-device vfio-pci) under -qtest, so that no guest code
 * runs: it programs the BARs through config space and makes every access
 * itself, through QEMU's memory core (qtest.c), exactly as a guest's load
 * or store would arrive.  Whether QEMU trapped an access into the kernel is
 * counted outside, by trapcount and by QEMU's trace events
 * (harness/drive-qemu, scripts/qemu-client-report).
 *
 * Writes go only to registers the device profile declares safe, and store
 * the value just read; the MSI-X table is never written.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cases.h"
#include "parse_num.h"
#include "profile.h"
#include "provenance.h"
#include "qtest.h"
#include "status.h"
#include "vfio_dev.h"
#include "vmm_profile.h"
#include "write_atomic.h"

#define DRIVE_SCHEMA	"vfio-barbench/vmmdrive/1"

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
"makes N accesses (--accesses, 1 to 100000, default 10) to each register\n"
"of barbench's suite, at each width it takes; with --writes also writes of\n"
"the value just read to the registers the device profile declares safe.\n"
"FILE (JSON) lists each register's accesses and the route the profile\n"
"(--vmm, default qemu) predicts.  QEMU gets --timeout seconds (1 to 3600,\n"
"default 10) to exit at the end.\n"
"QEMU's stdout is the qtest protocol; its stderr passes through.\n"
"Exit status: 0; 2 usage; barbench's for the device; 11 a qtest command\n"
"failed; 12 FILE not written; 14 interrupted; 19 QEMU did not start or\n"
"died.\n";

/* vmmdrive's command line. */
struct vmmdrive_options {
	const char *addr;		/* the device */
	const char *out;		/* -o FILE */
	const char *device_opts;	/* --device-opts, or NULL */
	const char *variant;		/* $BARBENCH_VARIANT, else unlabelled */
	const struct vmm_profile *vmm;	/* --vmm: the predictions' profile */
	const struct machine *machine;	/* --machine */
	int accesses;			/* --accesses, a register */
	int timeout;			/* --timeout, for QEMU to exit */
	int writes;			/* --writes */
	char **qemu_argv;		/* QEMU and its arguments */
	int qemu_argc;
};

/* One register at one width, read or written, as QEMU was made to. */
struct access {
	struct bench_case k;
	enum vmm_route all[8];	/* every profile's, in vmm_at() order */
	enum vmm_route route;
	const char *rule;
	uint64_t value;
	int accesses;
	int reads_first;	/* a write case's read of the value to store */
};

static volatile sig_atomic_t stop_requested;

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "vmmdrive: %s\n", msg);
	fputs(usage_text, msg ? stderr : stdout);
	return msg ? BB_ERR_USAGE : 0;
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
 * register holds: the value its read case (the same register and width,
 * driven just before) saw, else one read of its own, counted apart so that
 * every row's count stays exact.
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

struct output {
	const struct vmmdrive_options *o;
	struct access *a;
	int n;
	const uint64_t *base;
	const char *device_json;	/* written while the device was open */
	int complete;
};

static void json_register(struct jw *w, const struct access *a)
{
	jw_object(w, NULL);
	jw_int(w, "bar", a->k.bar);
	jw_int(w, "offset", (long long)a->k.offset);
	jw_str(w, "register", a->k.reg);
	jw_str(w, "place", place_name(a->k.place));
	jw_str(w, "op", a->k.write ? "write" : "read");
	jw_int(w, "width", a->k.width);
	jw_int(w, "accesses", a->accesses);
	jw_int(w, "reads_first", a->reads_first);
	jw_int(w, "value", (long long)a->value);
	jw_str(w, "route_predicted", vmm_route_name(a->route));
	jw_str(w, "rule", a->rule);
	/* What each profile would say: scripts/qemu-client-report --vmm checks
	 * QEMU's measurements against another VMM's rules. */
	jw_object(w, "predictions");
	for (int v = 0; v < vmm_count() && v < 8; v++)
		jw_str(w, vmm_name(vmm_at(v)), vmm_route_name(a->all[v]));
	jw_end(w, '}');
	jw_end(w, '}');
}

static void fill(FILE *f, void *arg)
{
	const struct output *r = arg;
	const struct vmmdrive_options *o = r->o;
	struct jw w;

	jw_init(&w, f);
	jw_object(&w, NULL);
	jw_str(&w, "schema", DRIVE_SCHEMA);
	json_provenance(&w, o->variant, system_page_size());
	jw_raw(&w, NULL, r->device_json);	/* "device": {...} */
	jw_str(&w, "vmm", vmm_name(o->vmm));
	jw_str(&w, "device_opts", o->device_opts);
	jw_array(&w, "qemu_argv");
	for (int i = 0; i < o->qemu_argc; i++)
		jw_str(&w, NULL, o->qemu_argv[i]);
	jw_end(&w, ']');
	jw_array(&w, "bar_addresses");
	for (int bar = 0; bar < 6; bar++)
		jw_int(&w, NULL, (long long)r->base[bar]);
	jw_end(&w, ']');
	jw_bool(&w, "complete", r->complete);
	jw_array(&w, "registers");
	for (int i = 0; i < r->n; i++)
		json_register(&w, &r->a[i]);
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

enum {
	OPT_VMM = 256, OPT_ACCESSES, OPT_WRITES, OPT_TIMEOUT, OPT_DEVICE_OPTS,
	OPT_MACHINE,
};

/* --device-opts has no short form: -D is trapcount's --device. */
static const struct option long_options[] = {
	{ "vmm", required_argument, NULL, OPT_VMM },
	{ "accesses", required_argument, NULL, OPT_ACCESSES },
	{ "writes", no_argument, NULL, OPT_WRITES },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "device-opts", required_argument, NULL, OPT_DEVICE_OPTS },
	{ "machine", required_argument, NULL, OPT_MACHINE },
	{ "out", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_option(struct vmmdrive_options *o, int c, const char *arg)
{
	switch (c) {
	case OPT_VMM:
		if (!(o->vmm = vmm_find(arg)))
			return usage("--vmm: no such profile");
		return 0;
	case OPT_ACCESSES:
		if (parse_int(arg, 1, 100000, &o->accesses))
			return usage("--accesses is 1 to 100000");
		return 0;
	case OPT_TIMEOUT:
		if (parse_int(arg, 1, 3600, &o->timeout))
			return usage("--timeout is 1 to 3600");
		return 0;
	case OPT_WRITES:
		o->writes = 1;
		return 0;
	case OPT_DEVICE_OPTS:
		if (strlen(arg) > 160 || strchr(arg, ' '))
			return usage("--device-opts: one word, at most 160 "
				     "characters");
		o->device_opts = arg;
		return 0;
	case OPT_MACHINE:
		if (!(o->machine = machine_find(arg)))
			return usage("--machine: q35 or pseries");
		return 0;
	case 'o':
		o->out = arg;
		return 0;
	default:
		return usage("bad option");
	}
}

/* 0 to go on, -1 after --help, else a usage status. */
static int parse_args(int argc, char **argv, struct vmmdrive_options *o)
{
	int c, ret;

	while ((c = getopt_long(argc, argv, "+o:h", long_options, NULL)) != -1) {
		if (c == 'h')
			return usage(NULL) ? BB_ERR_USAGE : -1;
		ret = parse_option(o, c, optarg);
		if (ret)
			return ret;
	}
	o->addr = optind < argc ? argv[optind++] : NULL;
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (!o->out || !o->addr || optind >= argc)
		return usage("needs -o FILE, ADDR and a QEMU command");
	o->qemu_argv = argv + optind;
	o->qemu_argc = argc - optind;
	return 0;
}

/*
 * The kernel's answer and the suite's registers with every profile's
 * prediction, then let go of the device: its group is QEMU's to open.
 * @device_json gets the device's description.
 */
static int plan(const struct vmmdrive_options *o, struct vfio_dev *d,
		struct access *acc, int *n, char **device_json)
{
	static struct bench_case cases[CASES_MAX];
	const struct case_select sel = {
		.bar = -1, .offset = -1, .widths = W1 | W2 | W4 | W8,
		.paths = 1u << PATH_VMM, .places = (1u << PLACE_COUNT) - 1,
		.vmms = vmm_bit(o->vmm), .writes = o->writes,
	};
	struct bb_err e;
	int ret, bar;

	ret = vfio_dev_open(d, o->addr, 0, &e);
	if (!ret)
		ret = cases_pick_bar(d, &sel, &bar, &e);
	if (!ret)
		ret = cases_build(d, &sel, bar, system_page_size(), cases, n,
				  &e);
	if (ret) {
		fprintf(stderr, "vmmdrive: %s\n", e.msg);
		vfio_dev_close(d);
		return ret;
	}
	for (int i = 0; i < *n; i++) {
		struct vmm_bar b = vmm_bar_of(d, cases[i].bar);

		acc[i].k = cases[i];
		acc[i].route = vmm_route(o->vmm, &b, cases[i].offset,
					 cases[i].width, &acc[i].rule);
		for (int v = 0; v < vmm_count() && v < 8; v++)
			acc[i].all[v] = vmm_route(vmm_at(v), &b, cases[i].offset,
						  cases[i].width, NULL);
	}
	*device_json = device_text(d);
	vfio_dev_close(d);
	return *device_json ? 0 : BB_ERR_INTERNAL;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int main(int argc, char **argv)
{
	struct vmmdrive_options o = {
		.vmm = vmm_find("qemu"), .machine = machine_find("q35"),
		.accesses = 10, .timeout = 10,
		.variant = getenv("BARBENCH_VARIANT"),
	};
	static struct access acc[CASES_MAX];
	uint64_t base[6] = { 0 };
	int n = 0, ret, status;
	char *device_json;
	struct vfio_dev d;
	struct bb_err e;
	struct qemu q;
	struct sigaction sa = { .sa_handler = on_signal };

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (!o.variant || !*o.variant)
		o.variant = "unlabelled";
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a dead QEMU is an error, not a kill */

	ret = plan(&o, &d, acc, &n, &device_json);
	if (ret)
		return ret;
	if (qemu_start(&q, o.qemu_argv, o.qemu_argc, o.addr, o.device_opts)) {
		fprintf(stderr, "vmmdrive: cannot start QEMU: %s\n",
			strerror(errno));
		return BB_ERR_VMM;
	}
	ret = program_bars(&q, o.machine, &d, base) ? BB_ERR_IO : 0;
	for (int i = 0; i < n && !ret && !stop_requested; i++) {
		fprintf(stderr, "vmmdrive: [%2d/%d] BAR%d+0x%04llx %-16s %s w%d: "
			"%d accesses, predicted %s\n", i + 1, n, acc[i].k.bar,
			(unsigned long long)acc[i].k.offset,
			acc[i].k.reg ? acc[i].k.reg : "-",
			acc[i].k.write ? "write" : "read", acc[i].k.width,
			o.accesses, vmm_route_name(acc[i].route));
		if (drive(&q, &acc[i], read_case(acc, i),
			  base[acc[i].k.bar] + acc[i].k.offset, o.accesses))
			ret = BB_ERR_IO;
	}
	status = qemu_stop(&q, o.timeout);
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM) {
		fprintf(stderr, "vmmdrive: QEMU died of signal %d\n",
			WTERMSIG(status));
		ret = ret ? ret : BB_ERR_VMM;
	}
	{
		struct output r = { &o, acc, n, base, device_json,
				    !ret && !stop_requested };

		if (write_atomic(o.out, fill, &r, &e)) {
			fprintf(stderr, "vmmdrive: %s\n", e.msg);
			return BB_ERR_OUTPUT;
		}
	}
	return ret ? ret : stop_requested ? BB_ERR_INTERRUPTED : 0;
}

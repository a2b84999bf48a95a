// SPDX-License-Identifier: GPL-2.0
/*
 * barbench: time VFIO BAR register accesses through an mmap of the BAR
 * versus pread/pwrite on the VFIO device fd, per place in the BAR.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counting.h"
#include "info.h"
#include "info_routes.h"
#include "options.h"
#include "parse_num.h"
#include "profile.h"
#include "read.h"
#include "run.h"
#include "sample.h"
#include "status.h"

static const char usage_text[] =
"usage: barbench info [--json] [--iommufd] [--page-size N] [--vmm NAME] ADDR\n"
"       barbench run  [options] ADDR\n"
"       barbench read [--iommufd] [--bar N] --offset OFF [--width W]\n"
"                     [--path mmap|fd|vmm] [--vmm NAME] [--count N] ADDR\n"
"\n"
"Times BAR accesses of a PCI device bound to vfio-pci: through an mmap of\n"
"the BAR (mmap), by pread/pwrite on the VFIO device fd (fd), and as a VMM\n"
"does it (vmm: the route a VMM profile takes, --vmm), per\n"
"place in the BAR: msix-table, msix-pba, table-page (shares a page with\n"
"the table or PBA) and other.  ADDR is a PCI address, e.g. 0000:00:02.0.\n"
"\n"
"run options:\n"
"  -o, --out FILE       write results as JSON to FILE ('-' for stdout);\n"
"                       written atomically; an interrupted run goes to\n"
"                       FILE.partial and never replaces FILE\n"
"  --paths LIST         mmap,fd,vmm (default: all)\n"
"  --vmm LIST           the vmm path's profiles, or 'all' (default qemu):\n"
"                       qemu, qemu-relocation (x-msix-relocation),\n"
"                       cloud-hypervisor, dpdk, crosvm.  Each routes\n"
"                       an access as that VMM's source does: direct (its\n"
"                       mmap), trapped (the fd) or emulated (the VMM\n"
"                       answers; reported, not timed)\n"
"  --places LIST        msix-table,msix-pba,table-page,other (default: all)\n"
"  --widths LIST        1,2,4,8 (default: all; the MSI-X table and PBA are\n"
"                       only ever accessed with 4 and 8, as PCIe requires)\n"
"  --bar N              BAR to measure (default: the MSI-X table's, else 0)\n"
"  --offset OFF         one offset instead of the default registers\n"
"  --writes             also time writes, only to registers a device\n"
"                       profile declares safe; each write stores the value\n"
"                       the register holds, which is checked after\n"
"  --allow-table-writes let --writes include the MSI-X table\n"
"  --samples N          samples per case (default 200)\n"
"  --passes N           take the samples in N interleaved passes over all\n"
"                       cases, so that drift spreads evenly (default 5)\n"
"  --warmup N           warm-up batches per case and pass (default 10)\n"
"  --batch K            accesses per sample (default: so that the timer\n"
"                       costs under 1% of a batch, and one tick of it\n"
"                       under 0.1%)\n"
"  --resamples N        bootstrap resamples for the median's CI (default 1000)\n"
"  --seed N             bootstrap seed (default 1)\n"
"  --cpu N              pin to CPU N\n"
"  --timer auto|cycles|clock  cycle counter or clock_gettime (default auto)\n"
"  --raw                keep every sample in the JSON\n"
"  --traps              count, per case, the accesses that trap into the\n"
"                       kernel (trapcount's BPF probes on barbench itself)\n"
"  --traps-kprobes      the same, with kprobes even where fentry works\n"
"  --variant LABEL      kernel variant label (default $BARBENCH_VARIANT,\n"
"                       else 'unlabelled')\n"
"  -q, --quiet          no progress lines\n"
"  -v, --verbose        libbpf's messages (with --traps)\n"
"read options:\n"
"  --path mmap|fd|vmm   how to reach the register (default mmap; vmm: the\n"
"                       route of --vmm's profile, said on stderr)\n"
"  --vmm NAME           the profile (default qemu); a register it emulates\n"
"                       is not read (exit 18)\n"
"  --count N            read it N times (default 1; trapcount -- barbench\n"
"                       read --count 1000 shows how many of them trap);\n"
"                       prints the last value\n"
"common options:\n"
"  --iommufd            open through /dev/vfio/devices and /dev/iommu\n"
"                       instead of the group/container path\n"
"  --page-size N        compute places for pages of N bytes (65536 on a 4K\n"
"                       host previews a 64K host); the real size is recorded\n"
"  --json               info: JSON on stdout\n"
"info options:\n"
"  --vmm NAME           per range of each BAR, the route NAME takes under\n"
"                       this kernel (direct, trapped, emulated) and the rule\n"
"                       of its source that decides it\n"
"  -h, --help           this text\n"
"\n"
"Examples:\n"
"  barbench info 0000:00:02.0\n"
"  barbench run --traps -o nvme.json 0000:00:02.0\n"
"  barbench read --path vmm --offset 0x1000 0000:00:02.0\n"
"  barbench info --vmm cloud-hypervisor 0000:00:02.0\n";

/*
 * The statuses come from lib/status.c, the one list of every tool.  Help
 * that cannot be written (a full disk) is an error too.
 */
static int print_usage(FILE *f, int status)
{
	fputs(usage_text, f);
	fprintf(f, "\nexit status:\n");
	for (int i = 0; i < BB_STATUS_COUNT; i++)
		fprintf(f, "  %2d  %s\n", i, bb_status_text(i));
	return fflush(f) || ferror(f) ? BB_ERR_OUTPUT : status;
}

enum {
	OPT_PATHS = 256, OPT_PLACES, OPT_WIDTHS, OPT_BAR, OPT_OFFSET,
	OPT_WRITES, OPT_TABLE_WRITES, OPT_SAMPLES, OPT_PASSES, OPT_WARMUP, OPT_BATCH,
	OPT_RESAMPLES, OPT_SEED, OPT_CPU, OPT_TIMER, OPT_RAW, OPT_VARIANT,
	OPT_IOMMUFD, OPT_PAGE_SIZE, OPT_JSON, OPT_WIDTH, OPT_PATH, OPT_TRAPS,
	OPT_TRAPS_KPROBES, OPT_COUNT, OPT_VMM,
};

static const struct option long_options[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "paths", required_argument, NULL, OPT_PATHS },
	{ "places", required_argument, NULL, OPT_PLACES },
	{ "widths", required_argument, NULL, OPT_WIDTHS },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "bar", required_argument, NULL, OPT_BAR },
	{ "offset", required_argument, NULL, OPT_OFFSET },
	{ "writes", no_argument, NULL, OPT_WRITES },
	{ "allow-table-writes", no_argument, NULL, OPT_TABLE_WRITES },
	{ "samples", required_argument, NULL, OPT_SAMPLES },
	{ "passes", required_argument, NULL, OPT_PASSES },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "resamples", required_argument, NULL, OPT_RESAMPLES },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "timer", required_argument, NULL, OPT_TIMER },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "variant", required_argument, NULL, OPT_VARIANT },
	{ "traps", no_argument, NULL, OPT_TRAPS },
	{ "traps-kprobes", no_argument, NULL, OPT_TRAPS_KPROBES },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "vmm", required_argument, NULL, OPT_VMM },
	{ "iommufd", no_argument, NULL, OPT_IOMMUFD },
	{ "page-size", required_argument, NULL, OPT_PAGE_SIZE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "barbench: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'barbench --help'.\n");
	return BB_ERR_USAGE;
}

/* Comma-separated names into a bit mask; -1 on an unknown name. */
static int parse_list(const char *s, const char *const *names, int count,
		      unsigned int *mask)
{
	char buf[256], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", s);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; i < count && strcmp(tok, names[i]); i++)
			;
		if (i == count)
			return -1;
		*mask |= 1u << i;
	}
	return *mask ? 0 : -1;
}

static int parse_widths(const char *s, unsigned int *mask)
{
	static const char *const names[] = { "1", "2", "4", "8" };

	return parse_list(s, names, 4, mask);
}

/* --vmm: profile names, comma-separated, or "all". */
static int parse_vmms(const char *arg, unsigned int *mask)
{
	const char *names[32];
	int n = vmm_count();

	for (int i = 0; i < n; i++)
		names[i] = vmm_name(vmm_at(i));
	if (!strcmp(arg, "all")) {
		*mask = (1u << n) - 1;
		return 0;
	}
	if (parse_list(arg, names, n, mask)) {
		fprintf(stderr, "barbench: --vmm takes %s or all, not '%s'\n"
			"Try 'barbench --help'.\n", vmm_names(), arg);
		return BB_ERR_USAGE;
	}
	return 0;
}

static int parse_option(struct options *o, int c, const char *arg,
			const char **path)
{
	static const char *const paths[] = { "mmap", "fd", "vmm" };
	const char *places[PLACE_COUNT];
	uint64_t v;
	int w;

	for (int p = 0; p < PLACE_COUNT; p++)
		places[p] = place_name(p);
	switch (c) {
	case 'o':
		o->out = arg;
		return 0;
	case OPT_PATHS:
		return parse_list(arg, paths, 3, &o->sel.paths) ?
		       usage_error("--paths takes mmap,fd,vmm, not '%s'", arg) : 0;
	case OPT_PLACES:
		return parse_list(arg, places, PLACE_COUNT, &o->sel.places) ?
		       usage_error("--places takes msix-table,msix-pba,"
				   "table-page,other, not '%s'", arg) : 0;
	case OPT_WIDTHS:
		return parse_widths(arg, &o->sel.widths) ?
		       usage_error("--widths takes 1,2,4,8, not '%s'", arg) : 0;
	case OPT_WIDTH:
		if (parse_int(arg, 1, 8, &w) || (w & (w - 1)))
			return usage_error("--width is 1, 2, 4 or 8, not '%s'",
					   arg);
		o->sel.widths = WIDTH_BIT(w);
		return 0;
	case OPT_PATH:
		if (strcmp(arg, "mmap") && strcmp(arg, "fd") &&
		    strcmp(arg, "vmm"))
			return usage_error("--path is mmap, fd or vmm, not '%s'",
					   arg);
		*path = arg;
		return 0;
	case OPT_BAR:
		return parse_int(arg, 0, 5, &o->sel.bar) ?
		       usage_error("--bar is 0 to 5, not '%s'", arg) : 0;
	case OPT_OFFSET:
		if (parse_u64(arg, INT64_MAX, &v))
			return usage_error("bad --offset '%s'", arg);
		o->sel.offset = (int64_t)v;
		return 0;
	case OPT_VMM:
		return parse_vmms(arg, &o->sel.vmms);
	case OPT_COUNT:
		return parse_int(arg, 1, 1000000000, &o->count) ?
		       usage_error("--count is 1 or more, not '%s'", arg) : 0;
	case OPT_SAMPLES:
		return parse_int(arg, 1, 10000000, &o->samples) ?
		       usage_error("bad --samples '%s'", arg) : 0;
	case OPT_PASSES:
		return parse_int(arg, 1, 1000, &o->passes) ?
		       usage_error("bad --passes '%s'", arg) : 0;
	case OPT_WARMUP:
		return parse_int(arg, 0, 1000000, &o->warmup) ?
		       usage_error("bad --warmup '%s'", arg) : 0;
	case OPT_BATCH:
		return parse_int(arg, 1, 1 << 20, &o->batch) ?
		       usage_error("bad --batch '%s'", arg) : 0;
	case OPT_RESAMPLES:
		return parse_int(arg, 0, 1000000, &o->resamples) ?
		       usage_error("bad --resamples '%s'", arg) : 0;
	case OPT_SEED:
		return parse_u64(arg, UINT64_MAX, &o->seed) ?
		       usage_error("bad --seed '%s'", arg) : 0;
	case OPT_CPU:
		return parse_int(arg, 0, CPU_SETSIZE - 1, &o->cpu) ?
		       usage_error("bad --cpu '%s'", arg) : 0;
	case OPT_TIMER:
		if (strcmp(arg, "auto") && strcmp(arg, "cycles") &&
		    strcmp(arg, "clock"))
			return usage_error("--timer is auto, cycles or clock, "
					   "not '%s'", arg);
		o->timer = arg;
		return 0;
	case OPT_PAGE_SIZE:
		if (parse_u64(arg, 1ull << 30, &v) || v < 1024 || (v & (v - 1)))
			return usage_error("--page-size must be a power of two "
					   ">= 1024, not '%s'", arg);
		o->page_size = v;
		return 0;
	case OPT_VARIANT:
		o->variant = arg;
		return 0;
	case OPT_TRAPS_KPROBES:
		o->traps_kprobes = 1;
		/* fall through */
	case OPT_TRAPS:
		o->traps = 1;
		return 0;
	case OPT_RAW:
		o->raw = 1;
		return 0;
	case OPT_WRITES:
		o->sel.writes = 1;
		return 0;
	case OPT_TABLE_WRITES:
		o->sel.allow_table_writes = 1;
		return 0;
	case OPT_IOMMUFD:
		o->iommufd = 1;
		return 0;
	case OPT_JSON:
		o->json = 1;
		return 0;
	case 'q':
		o->quiet = 1;
		return 0;
	case 'v':
		o->verbose = 1;
		return 0;
	default:
		return BB_ERR_USAGE;
	}
}

/* Can -o's file be written?  Asked now, not after the whole run. */
static int check_out(const char *out)
{
	char dir[4096];
	const char *slash;

	if (!out || !strcmp(out, "-"))
		return 0;
	if (!*out)
		return usage_error("%s", "-o needs a file name ('-' for stdout)");
	slash = strrchr(out, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - out + 1), out);
	if (access(dir, W_OK | X_OK)) {
		fprintf(stderr, "barbench: cannot write %s: %s: %s\n", out, dir,
			strerror(errno));
		return BB_ERR_OUTPUT;
	}
	return 0;
}

static int check_request(const char *cmd, const struct options *o)
{
	if (!strcmp(cmd, "read") && o->sel.offset < 0)
		return usage_error("%s", "read needs --offset OFF");
	if (strcmp(cmd, "run") && o->sel.vmms & (o->sel.vmms - 1))
		return usage_error("%s --vmm takes one profile", cmd);
	if (!utf8_valid(o->variant))
		return usage_error("%s", "the variant label is not UTF-8 text");
	for (const char *c = o->variant; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return usage_error("%s", "the variant label has a "
					   "control character");
	struct clock_info clock;

	if (clock_from_env(&clock))
		return usage_error("%s", "BARBENCH_CLOCK is not 'wall' or "
				   "'icount shift=N qemu=VERSION'");
	if (o->traps && !counting_built_in) {
		/* Before the device is opened: the build, not the device, is
		 * what is missing. */
		fprintf(stderr, "barbench: --traps: this barbench was built "
			"without trap counting (make TRAPS=0); build it with "
			"TRAPS=1\n");
		return BB_ERR_TRAPS;
	}
	return check_out(o->out);
}

/*
 * The first signal lets the run stop between samples, summarise, restore
 * and save a partial file; a second one means "now".  Every write stored
 * the value the register held, and the kernel unmaps and closes on exit.
 */
static void on_signal(int sig)
{
	(void)sig;
	if (stop_requested)
		_exit(BB_ERR_INTERRUPTED);
	stop_requested = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int main(int argc, char **argv)
{
	struct options o = {
		.sel = {
			.bar = -1, .offset = -1, .widths = W1 | W2 | W4 | W8,
			.paths = (1u << PATH_COUNT) - 1,
			.places = (1u << PLACE_COUNT) - 1,
			.vmms = 1,	/* qemu */
		},
		.samples = 200, .passes = 5, .warmup = 10, .resamples = 1000,
		.cpu = -1, .seed = 1, .timer = "auto",
	};
	const char *cmd, *how = "mmap";
	struct vfio_dev dev;
	struct bb_err e;
	int c, ret, vmm_given = 0;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		return argc < 2 ? print_usage(stderr, BB_ERR_USAGE) :
				  print_usage(stdout, 0);
	}
	cmd = argv[1];
	if (strcmp(cmd, "info") && strcmp(cmd, "run") && strcmp(cmd, "read"))
		return usage_error("unknown command '%s'", cmd);
	o.variant = getenv("BARBENCH_VARIANT");
	if (!o.variant || !*o.variant)
		o.variant = "unlabelled";
	optind = 2;
	while ((c = getopt_long(argc, argv, "o:qvh", long_options, NULL)) != -1) {
		if (c == 'h')
			return print_usage(stdout, 0);
		if (c == '?')
			return usage_error("%s", "bad option");
		ret = parse_option(&o, c, optarg, &how);
		if (ret)
			return ret;
		vmm_given |= c == OPT_VMM;
	}
	if (o.passes > o.samples)
		o.passes = o.samples;
	if (optind != argc - 1)
		return usage_error("%s", "expected exactly one PCI address");
	o.addr = argv[optind];
	/* Everything that can be refused is, before the device is opened. */
	ret = check_request(cmd, &o);
	if (ret)
		return ret;

	catch_signals();
	ret = vfio_dev_open(&dev, o.addr, o.iommufd, &e);
	if (ret) {
		fprintf(stderr, "barbench: %s\n", e.msg);
		return ret;
	}
	if (!strcmp(cmd, "info") && vmm_given)
		ret = cmd_info_vmm(&dev, &o, vmm_first(o.sel.vmms));
	else if (!strcmp(cmd, "info"))
		ret = cmd_info(&dev, &o);
	else if (!strcmp(cmd, "read"))
		ret = cmd_read(&dev, &o, how);
	else
		ret = cmd_run(&dev, &o);
	vfio_dev_close(&dev);
	/* A full disk or a closed pipe must not pass for success. */
	errno = 0;
	if ((fflush(stdout) || ferror(stdout)) && !ret) {
		fprintf(stderr, "barbench: cannot write to standard output: "
			"%s\n", strerror(errno ? errno : EIO));
		ret = BB_ERR_OUTPUT;
	}
	return ret;
}

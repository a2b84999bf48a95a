// SPDX-License-Identifier: GPL-2.0
/*
 * trapcount: count, classify and time the BAR accesses that trap into the
 * kernel through a VFIO device fd, for any VFIO user (QEMU, DPDK, SPDK,
 * barbench), per device, process, BAR, place, op and width.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "parse_num.h"
#include "timer.h"
#include "traplib.h"
#include "vfio_dev.h"	/* pci_addr_normalize */

#define MAX_ROWS	TRAP_MAX_ENTRIES
#define TRAPCOUNT_SCHEMA	"vfio-barbench/trapcount/1"

static const char usage_text[] =
"usage: trapcount [options] [-- COMMAND [ARGS...]]\n"
"\n"
"Counts the accesses that trap into the kernel through VFIO device fds\n"
"(vfio_pci_core_read/write), classed by device, process, BAR, place\n"
"(msix-table, msix-pba, table-page, other), op and width; with -H also\n"
"timed, with a log2 latency histogram per place and op; config-space\n"
"accesses apart; and the mmaps of regions and the page faults on them.\n"
"Counting alone is one fexit program per access; timing adds an fentry.\n"
"\n"
"  -- COMMAND     run COMMAND and count what it (and its children) does\n"
"  -p, --pid PID  count what process PID (and its children) does, until\n"
"                 it exits (or --duration ends)\n"
"                 (neither: every process, for --duration or until Ctrl-C)\n"
"  -d, --duration SECONDS  stop after SECONDS (system-wide or -p)\n"
"  -D, --device ADDR       show only this device\n"
"  --page-size N  compute table-page for pages of N bytes (default: the\n"
"                 kernel's)\n"
"  -k, --kprobes  use kprobes even where fentry/fexit work\n"
"  --empty        attach an empty fexit program (with -H, an empty fentry\n"
"                 too; with -k, a kprobe, and with -k -H its kretprobe)\n"
"                 and count nothing: what probing alone costs, to\n"
"                 compare with a count\n"
"  -H, --histograms  time each access too (an entry program as well, and\n"
"                 one on every context switch: it costs more) and print\n"
"                 the latency histograms\n"
"  -j, --json     the report as JSON\n"
"  -o, --out FILE write the report to FILE (atomically) instead of stdout\n"
"  -q, --quiet    no notes or progress on stderr\n"
"  -v, --verbose  libbpf's messages\n"
"  -h, --help     this text\n"
"\n"
"Ctrl-C (or SIGTERM, SIGHUP) ends the count and prints the report; with a\n"
"COMMAND, the COMMAND gets the same signal first and the report follows\n"
"its exit (a second signal kills it).\n"
"\n"
"Examples:\n"
"  trapcount -- barbench read --path vmm --count 1000 --offset 0x1000 ADDR\n"
"  trapcount -p $(pidof qemu-system-x86_64) -d 10 -j -o qemu-traps.json\n"
"\n"
"exit status: the COMMAND's, or 0; as barbench's (docs/exit-statuses.md):\n"
"2 bad usage, 5 not permitted (needs root), 12 report not written, 15 the\n"
"kernel refused the BPF programs, 16 events were lost (counts not exact),\n"
"17 no vfio-pci-core functions to probe; 127 COMMAND not run.\n";

static volatile sig_atomic_t stop;
/* Where the report goes: stdout, or the temporary file behind --out. */
static FILE *out;

/* The COMMAND, once started: signals are passed on to it, as perf does. */
static volatile pid_t command_pid;

/*
 * Ctrl-C, SIGTERM or SIGHUP end the count.  The COMMAND gets the same
 * signal (from a terminal it has it already; from kill(1) it would not),
 * and trapcount reports once it has exited; a second signal kills it.
 */
static void on_signal(int sig)
{
	if (command_pid > 0)
		kill(command_pid, stop ? SIGKILL : sig);
	stop = 1;
}

struct row {
	struct trap_key key;
	struct trap_val val;
};

struct table {
	struct row *rows;
	int n;
	const char *device;
};

static void collect(const struct trap_key *k, const struct trap_val *v,
		    void *arg)
{
	struct table *t = arg;

	if (t->device && strcmp(t->device, k->dev))
		return;
	if (t->n < MAX_ROWS)
		t->rows[t->n++] = (struct row){ *k, *v };
}

static int cmp_rows(const void *a, const void *b)
{
	const struct trap_key *x = &((const struct row *)a)->key;
	const struct trap_key *y = &((const struct row *)b)->key;
	int c = strcmp(x->dev, y->dev);

	if (c)
		return c;
	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	if (x->region != y->region)
		return x->region - y->region;
	if (x->place != y->place)
		return x->place - y->place;
	if (x->op != y->op)
		return x->op - y->op;
	if (x->pgoff != y->pgoff)
		return x->pgoff < y->pgoff ? -1 : 1;
	return (x->width > y->width) - (x->width < y->width);
}

/* The mean latency as printed: "-" when the accesses were not timed. */
static const char *avg_ns(const struct trap_session *s,
			  const struct trap_val *v, char *buf, size_t len)
{
	if (!s->timing)
		return "-";
	snprintf(buf, len, "%.1f", v->count ? (double)v->total_ns / v->count : 0);
	return buf;
}

static void print_section(struct trap_session *s, const struct table *t,
			  int kind, const char *title)
{
	int shown = 0;

	for (int i = 0; i < t->n; i++) {
		const struct row *r = &t->rows[i];
		char comm[TRAP_COMM_LEN], avg[32], off[24];

		if (r->key.kind != kind)
			continue;
		if (!shown++) {
			fprintf(out, "\n%s\n", title);
			if (kind == TRAP_KIND_MMAP)
				fprintf(out, "  %-13s %7s %-15s %-6s %10s %10s %-8s %8s\n",
				       "DEVICE", "PID", "COMM", "REGION",
				       "OFFSET", "BYTES", "RESULT", "COUNT");
			else if (kind == TRAP_KIND_FAULT)
				fprintf(out, "  %-13s %7s %-15s %-6s %-10s %8s\n",
				       "DEVICE", "PID", "COMM", "REGION",
				       "PLACE", "COUNT");
			else
				fprintf(out, "  %-13s %7s %-15s %-6s %-10s %-5s %3s "
				       "%8s %10s %9s\n", "DEVICE", "PID",
				       "COMM", "REGION", "PLACE", "OP", "W",
				       "COUNT", "BYTES",
				       strcmp(clock_unit(), "ns") ? "AVG insns" : "AVG ns");
		}
		trap_comm(s, r->key.tgid, comm);
		snprintf(off, sizeof(off), "0x%llx",
			 (unsigned long long)r->key.pgoff * s->mm_page_size);
		if (kind == TRAP_KIND_MMAP)
			fprintf(out, "  %-13s %7u %-15s %-6u %10s %10llu %-8s %8llu\n",
			       r->key.dev, r->key.tgid, comm, r->key.region, off,
			       (unsigned long long)r->key.width * s->mm_page_size,
			       r->key.err ? strerror(r->key.err) : "ok",
			       r->val.count);
		else if (kind == TRAP_KIND_FAULT)
			fprintf(out, "  %-13s %7u %-15s %-6u %-10s %8llu\n",
			       r->key.dev, r->key.tgid, comm, r->key.region,
			       trap_place_name(r->key.place), r->val.count);
		else
			fprintf(out, "  %-13s %7u %-15s %-6u %-10s %-5s %3u %8llu "
			       "%10llu %9s\n", r->key.dev, r->key.tgid, comm,
			       r->key.region, trap_place_name(r->key.place),
			       r->key.op ? "write" : "read", r->key.width,
			       r->val.count, r->val.bytes,
			       avg_ns(s, &r->val, avg, sizeof(avg)));
	}
}

/* One histogram per place and op, summed over devices and processes. */
static void print_histograms(const struct table *t)
{
	for (int place = 0; place < PLACE_COUNT; place++) {
		for (int op = 0; op < 2; op++) {
			unsigned long long h[TRAP_HIST_SLOTS] = { 0 }, max = 0;
			int first = -1, last = -1;

			for (int i = 0; i < t->n; i++) {
				const struct row *r = &t->rows[i];

				if (r->key.kind != TRAP_KIND_BAR ||
				    r->key.place != place || r->key.op != op)
					continue;
				for (int b = 0; b < TRAP_HIST_SLOTS; b++)
					h[b] += r->val.hist[b];
			}
			for (int b = 0; b < TRAP_HIST_SLOTS; b++) {
				if (h[b] && first < 0)
					first = b;
				if (h[b])
					last = b;
				if (h[b] > max)
					max = h[b];
			}
			if (last < 0)
				continue;
			fprintf(out, "\n%s %s latency:\n  %-22s : %-8s distribution\n",
			       trap_place_name(place), op ? "write" : "read",
			       clock_unit(), "count");
			for (int b = first; b <= last; b++) {
				int bars = (int)(h[b] * 30 / max);

				fprintf(out, "  %10llu -> %-9llu : %-8llu |%-30.*s|\n",
				       b ? 1ull << b : 0, (1ull << (b + 1)) - 1,
				       h[b], bars,
				       "******************************");
			}
		}
	}
}

/* One row of the traps array, on one line as it always was. */
static void json_row(struct jw *w, struct trap_session *s, const struct row *r)
{
	const struct trap_val *v = &r->val;
	int map = r->key.kind == TRAP_KIND_MMAP;
	char comm[TRAP_COMM_LEN];

	trap_comm(s, r->key.tgid, comm);
	jw_object_inline(w, NULL);
	jw_str(w, "device", r->key.dev);
	jw_int(w, "pid", r->key.tgid);
	/* Any name a process gives itself: jw_str escapes it. */
	jw_str(w, "comm", comm);
	jw_str(w, "kind", trap_kind_name(r->key.kind));
	jw_int(w, "region", r->key.region);
	jw_str(w, "place", trap_place_name(r->key.place));
	jw_str(w, "op", r->key.op ? "write" : "read");
	jw_int(w, "width", map ? 0 : r->key.width);
	/* An mmap's row is one range: where in the region, how big. */
	if (map) {
		jw_int(w, "offset", (long long)r->key.pgoff * s->mm_page_size);
		jw_int(w, "size", (long long)r->key.width * s->mm_page_size);
	}
	jw_int(w, "error", r->key.err);
	jw_int(w, "count", (long long)v->count);
	jw_int(w, "bytes", (long long)v->bytes);
	jw_int(w, "errors", (long long)v->errors);
	/* Not timed (no -H): null, as avg_ns() prints "-". */
	if (!s->timing) {
		jw_str(w, "avg_ns", NULL);
		jw_str(w, "hist_log2_ns", NULL);
		jw_end(w, '}');
		return;
	}
	jw_fixed(w, "avg_ns", v->count ? (double)v->total_ns / v->count : 0, 1);
	jw_array_inline(w, "hist_log2_ns");
	for (int b = 0; b < TRAP_HIST_SLOTS; b++)
		jw_int(w, NULL, v->hist[b]);
	jw_end(w, ']');
	jw_end(w, '}');
}

/* The trapcount/1 report, through lib/json.c's writer like every other. */
static void print_json(struct trap_session *s, const struct table *t,
		       double seconds, const struct trap_lost *lost)
{
	struct jw w;

	jw_init(&w, out);
	jw_object(&w, NULL);
	jw_str(&w, "schema", TRAPCOUNT_SCHEMA);
	jw_str(&w, "mode", s->mode);
	jw_fixed(&w, "seconds", seconds, 3);
	/* avg_ns and the histograms: ns, or guest instructions under icount. */
	jw_str(&w, "time_unit", clock_unit());
	jw_int(&w, "page_size", (long long)s->page_size);
	jw_array_inline(&w, "attached");
	for (int i = 0; i < s->nattached; i++)
		jw_str(&w, NULL, s->attached[i]);
	jw_end(&w, ']');
	jw_array_inline(&w, "not_attached");
	for (int i = 0; i < s->nnotes; i++)
		jw_str(&w, NULL, s->notes[i]);
	jw_end(&w, ']');
	jw_object_inline(&w, "lost");
	jw_int(&w, "map_full", (long long)lost->map_full);
	jw_int(&w, "no_start", (long long)lost->no_start);
	jw_int(&w, "starts_full", (long long)lost->starts_full);
	jw_end(&w, '}');
	jw_array(&w, "traps");
	for (int i = 0; i < t->n; i++)
		json_row(&w, s, &t->rows[i]);
	jw_end(&w, ']');
	jw_end(&w, '}');
}

/* Fork COMMAND stopped on a pipe, so the probes are on before it runs. */
static pid_t spawn(char **argv, int *go)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		char c;

		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "trapcount: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	*go = fds[1];
	return pid;
}

struct cli {
	struct trap_opts trap;
	const char *device;	/* -D */
	const char *out;	/* -o, NULL for stdout */
	uint64_t duration, pid;
	int json, hist, quiet;
	char **command;		/* after --, or NULL */
};

static const struct option opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "duration", required_argument, NULL, 'd' },
	{ "device", required_argument, NULL, 'D' },
	{ "page-size", required_argument, NULL, 'P' },
	{ "kprobes", no_argument, NULL, 'k' },
	{ "empty", no_argument, NULL, 'E' },
	{ "histograms", no_argument, NULL, 'H' },
	{ "json", no_argument, NULL, 'j' },
	{ "out", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The option as --help spells it: --page-size has no short form. */
static int bad_value(int c)
{
	const char *name = "?";

	for (const struct option *o = opts; o->name; o++)
		if (o->val == c)
			name = o->name;
	fprintf(stderr, "trapcount: bad value '%s' for --%s\n"
		"Try 'trapcount --help'.\n", optarg, name);
	return BB_ERR_USAGE;
}

static int usage_error(const char *what)
{
	fprintf(stderr, "trapcount: %s\nTry 'trapcount --help'.\n", what);
	return BB_ERR_USAGE;
}

/* 0 to go on, -1 after --help, else a usage status. */
static int parse_args(int argc, char **argv, struct cli *a)
{
	char addr[32];
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "+p:d:D:o:kHjqvh", opts,
				NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_u64(optarg, 4194304, &a->pid) || !a->pid)
				return bad_value(c);
			a->trap.filter = 1;
			break;
		case 'd':
			if (parse_u64(optarg, 86400 * 365, &a->duration) ||
			    !a->duration)
				return bad_value(c);
			break;
		case 'D':
			/* -D shows one device: say so when it cannot match. */
			if (pci_addr_normalize(optarg, addr, sizeof(addr)))
				return usage_error("-D takes a PCI address "
						   "(DDDD:BB:DD.F)");
			a->device = strdup(addr);
			break;
		case 'o':
			if (!*optarg)
				return bad_value(c);
			a->out = optarg;
			break;
		case 'P':
			if (parse_u64(optarg, 1ull << 30, &v) || v < 1024 ||
			    (v & (v - 1)))
				return bad_value(c);
			a->trap.page_size = v;
			break;
		case 'k':
			a->trap.force_kprobes = 1;
			break;
		case 'E':
			a->trap.empty = 1;
			break;
		case 'H':
			a->hist = 1;
			a->trap.timing = 1;
			break;
		case 'j':
			a->json = 1;
			break;
		case 'q':
			a->quiet = 1;
			break;
		case 'v':
			a->trap.verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			fprintf(stderr, "Try 'trapcount --help'.\n");
			return BB_ERR_USAGE;	/* getopt said what */
		}
	}
	if (optind < argc && a->pid)
		return usage_error("give -p PID or a COMMAND, not both");
	if (a->pid && kill((pid_t)a->pid, 0) && errno == ESRCH) {
		fprintf(stderr, "trapcount: no process %llu\n",
			(unsigned long long)a->pid);
		return BB_ERR_USAGE;
	}
	if (optind < argc) {
		a->command = argv + optind;
		a->trap.filter = 1;
	}
	return 0;
}

/* Run the command, or wait for -p's process, --duration or a signal. */
static int count(struct trap_session *s, const struct cli *a)
{
	int go, status = 0;
	pid_t child;

	if (!a->command) {
		if (!a->json && !a->quiet)
			fprintf(stderr, "trapcount: %s; counting%s, Ctrl-C to "
				"stop\n", s->mode, a->pid ? " one process" :
				" system-wide");
		/* -p: also stop when the process is gone, as perf -p does. */
		for (unsigned long long i = 0; !stop && (!a->duration ||
		     i < a->duration * 10); i++) {
			if (a->pid && kill((pid_t)a->pid, 0) && errno == ESRCH)
				break;
			usleep(100000);
		}
		return 0;
	}
	child = spawn(a->command, &go);
	if (child < 0 || trap_add_pid(s, child)) {
		fprintf(stderr, "trapcount: cannot start %s: %s\n",
			a->command[0], strerror(errno));
		return 127;
	}
	command_pid = child;
	if (stop)
		kill(child, SIGTERM);	/* a signal came while it was starting */
	if (write(go, "g", 1) != 1)
		stop = 1;
	close(go);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;	/* Ctrl-C reaches the command too; wait for it */
	return WIFEXITED(status) ? WEXITSTATUS(status) :
				   128 + WTERMSIG(status);
}

static void report(struct trap_session *s, const struct cli *a,
		   struct table *t, double secs, const struct trap_lost *lost)
{
	if (a->json) {
		print_json(s, t, secs, lost);
		return;
	}
	fprintf(out, "trapcount: %s, %.2f s, page size %llu\n", s->mode, secs,
		(unsigned long long)s->page_size);
	print_section(s, t, TRAP_KIND_BAR,
		      "BAR accesses trapped through the VFIO fd:");
	print_section(s, t, TRAP_KIND_CONFIG, "config-space accesses:");
	print_section(s, t, TRAP_KIND_OTHER,
		      "other regions (ROM, VGA, device-specific):");
	print_section(s, t, TRAP_KIND_MMAP, "mmaps of regions:");
	print_section(s, t, TRAP_KIND_FAULT, "faults on mmaps:");
	if (!t->n)
		fprintf(out, "\nno VFIO fd access, mmap or fault seen\n");
	if (a->hist)
		print_histograms(t);
	fprintf(out, "\nlost events: %llu\n", lost->map_full +
		lost->no_start + lost->starts_full);
}

/* The report into @path's temporary file, then renamed into place. */
static int open_out(const struct cli *a, char *tmp, size_t len)
{
	out = stdout;
	if (!a->out)
		return 0;
	snprintf(tmp, len, "%s.tmp.%d", a->out, (int)getpid());
	out = fopen(tmp, "w");
	if (out)
		return 0;
	fprintf(stderr, "trapcount: cannot create %s: %s\n", tmp,
		strerror(errno));
	out = stdout;
	return BB_ERR_OUTPUT;
}

static int close_out(const struct cli *a, const char *tmp)
{
	int bad;

	if (!a->out) {
		errno = 0;
		if (!fflush(stdout) && !ferror(stdout))
			return 0;
		fprintf(stderr, "trapcount: cannot write the report to standard "
			"output: %s\n", strerror(errno ? errno : EIO));
		return BB_ERR_OUTPUT;
	}
	bad = ferror(out) | fflush(out) | fsync(fileno(out));
	bad |= fclose(out);
	out = stdout;
	if (!bad && !rename(tmp, a->out))
		return 0;
	fprintf(stderr, "trapcount: cannot write %s: %s (earlier contents "
		"left as they were)\n", a->out, strerror(errno));
	unlink(tmp);
	return BB_ERR_OUTPUT;
}

int main(int argc, char **argv)
{
	struct cli a = { 0 };
	struct table t = { 0 };
	struct trap_session s;
	struct trap_lost lost;
	struct sigaction sa = { .sa_handler = on_signal };
	struct bb_err e;
	struct timespec t0, t1;
	char tmp[4096];
	int status, ret;
	unsigned long long nlost;

	ret = parse_args(argc, argv, &a);
	if (ret)
		return ret < 0 ? 0 : ret;
	t.device = a.device;
	ret = open_out(&a, tmp, sizeof(tmp));
	if (ret)
		return ret;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	ret = trap_start(&s, &a.trap, &e);
	if (ret) {
		fprintf(stderr, "trapcount: %s\n", e.msg);
		close_out(&a, tmp);
		return ret;
	}
	for (int i = 0; i < s.nnotes && !a.quiet; i++)
		fprintf(stderr, "trapcount: note: %s\n", s.notes[i]);
	if (a.pid && trap_add_pid(&s, (pid_t)a.pid)) {
		fprintf(stderr, "trapcount: cannot follow pid %llu\n",
			(unsigned long long)a.pid);
		trap_stop(&s);
		close_out(&a, tmp);
		return BB_ERR_TRAPS;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	status = count(&s, &a);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	t.rows = calloc(MAX_ROWS, sizeof(*t.rows));
	if (!t.rows) {
		fprintf(stderr, "trapcount: out of memory\n");
		trap_stop(&s);
		close_out(&a, tmp);
		return BB_ERR_INTERNAL;
	}
	trap_for_each(&s, collect, &t);
	qsort(t.rows, t.n, sizeof(*t.rows), cmp_rows);
	trap_lost(&s, &lost);
	report(&s, &a, &t, (t1.tv_sec - t0.tv_sec) +
	       (t1.tv_nsec - t0.tv_nsec) / 1e9, &lost);
	trap_stop(&s);
	free(t.rows);
	ret = close_out(&a, tmp);
	nlost = lost.map_full + lost.no_start + lost.starts_full;
	if (nlost) {
		fprintf(stderr, "trapcount: events were lost (map full %llu, "
			"exit without entry %llu, entry not saved %llu): "
			"counts are not exact\n", lost.map_full, lost.no_start,
			lost.starts_full);
		return BB_ERR_LOST;
	}
	return ret ? ret : status;
}

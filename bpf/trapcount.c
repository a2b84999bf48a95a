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

#include "traplib.h"

#define MAX_ROWS	TRAP_MAX_ENTRIES

static const char usage_text[] =
"usage: trapcount [options] [-- COMMAND [ARGS...]]\n"
"\n"
"Counts the accesses that trap into the kernel through VFIO device fds\n"
"(vfio_pci_core_read/write), classed by device, process, BAR, place\n"
"(msix-table, msix-pba, table-page, other), op and width, with a log2\n"
"latency histogram per place and op; config-space accesses apart; and the\n"
"mmaps of regions and the page faults on them.\n"
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
"  --empty        attach empty fentry/fexit programs and count nothing: what\n"
"                 probing alone costs, to compare with a full count\n"
"  -H, --histograms  print the latency histograms\n"
"  -j, --json     JSON on stdout\n"
"  -v, --verbose  libbpf's messages\n"
"  -h, --help     this text\n"
"\n"
"exit status: the COMMAND's, or 0; 2 bad usage, 3 the kernel refused the\n"
"BPF programs, 4 not permitted (needs root), 5 events were lost (counts\n"
"not exact), 6 no vfio-pci-core functions to probe, 127 COMMAND not run.\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
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
	return (x->width > y->width) - (x->width < y->width);
}

static double avg_ns(const struct trap_val *v)
{
	return v->count ? (double)v->total_ns / v->count : 0;
}

static void print_section(struct trap_session *s, const struct table *t,
			  int kind, const char *title)
{
	int shown = 0;

	for (int i = 0; i < t->n; i++) {
		const struct row *r = &t->rows[i];
		char comm[TRAP_COMM_LEN];

		if (r->key.kind != kind)
			continue;
		if (!shown++) {
			printf("\n%s\n", title);
			if (kind == TRAP_KIND_MMAP)
				printf("  %-13s %7s %-15s %-6s %10s %-8s %8s\n",
				       "DEVICE", "PID", "COMM", "REGION",
				       "BYTES", "RESULT", "COUNT");
			else if (kind == TRAP_KIND_FAULT)
				printf("  %-13s %7s %-15s %-6s %-10s %8s\n",
				       "DEVICE", "PID", "COMM", "REGION",
				       "PLACE", "COUNT");
			else
				printf("  %-13s %7s %-15s %-6s %-10s %-5s %3s "
				       "%8s %10s %9s\n", "DEVICE", "PID",
				       "COMM", "REGION", "PLACE", "OP", "W",
				       "COUNT", "BYTES", "AVG ns");
		}
		trap_comm(s, r->key.tgid, comm);
		if (kind == TRAP_KIND_MMAP)
			printf("  %-13s %7u %-15s %-6u %10llu %-8s %8llu\n",
			       r->key.dev, r->key.tgid, comm, r->key.region,
			       r->val.count ? r->val.bytes / r->val.count : 0,
			       r->key.err ? strerror(r->key.err) : "ok",
			       r->val.count);
		else if (kind == TRAP_KIND_FAULT)
			printf("  %-13s %7u %-15s %-6u %-10s %8llu\n",
			       r->key.dev, r->key.tgid, comm, r->key.region,
			       trap_place_name(r->key.place), r->val.count);
		else
			printf("  %-13s %7u %-15s %-6u %-10s %-5s %3u %8llu "
			       "%10llu %9.0f\n", r->key.dev, r->key.tgid, comm,
			       r->key.region, trap_place_name(r->key.place),
			       r->key.op ? "write" : "read", r->key.width,
			       r->val.count, r->val.bytes, avg_ns(&r->val));
	}
}

/* One histogram per place and op, summed over devices and processes. */
static void print_histograms(const struct table *t)
{
	for (int place = 0; place <= TRAP_PLACE_OTHER; place++) {
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
			printf("\n%s %s latency:\n  %-22s : %-8s distribution\n",
			       trap_place_name(place), op ? "write" : "read",
			       "ns", "count");
			for (int b = first; b <= last; b++) {
				int bars = (int)(h[b] * 30 / max);

				printf("  %10llu -> %-9llu : %-8llu |%-30.*s|\n",
				       b ? 1ull << b : 0, (1ull << (b + 1)) - 1,
				       h[b], bars,
				       "******************************");
			}
		}
	}
}

static void print_json(struct trap_session *s, const struct table *t,
		       double seconds, const struct trap_lost *lost)
{
	printf("{\n  \"schema\": \"vfio-barbench/trapcount/1\",\n");
	printf("  \"mode\": \"%s\",\n  \"seconds\": %.3f,\n", s->mode, seconds);
	printf("  \"page_size\": %llu,\n", (unsigned long long)s->page_size);
	printf("  \"attached\": [");
	for (int i = 0; i < s->nattached; i++)
		printf("%s\"%s\"", i ? ", " : "", s->attached[i]);
	printf("],\n  \"not_attached\": [");
	for (int i = 0; i < s->nnotes; i++)
		printf("%s\"%s\"", i ? ", " : "", s->notes[i]);
	printf("],\n  \"lost\": {\"map_full\": %llu, \"no_start\": %llu, "
	       "\"starts_full\": %llu},\n", lost->map_full, lost->no_start,
	       lost->starts_full);
	printf("  \"traps\": [");
	for (int i = 0; i < t->n; i++) {
		const struct row *r = &t->rows[i];
		char comm[TRAP_COMM_LEN];

		trap_comm(s, r->key.tgid, comm);
		printf("%s\n    {\"device\": \"%s\", \"pid\": %u, \"comm\": "
		       "\"%s\", \"kind\": \"%s\", \"region\": %u, \"place\": "
		       "\"%s\", \"op\": \"%s\", \"width\": %u, \"error\": %u, "
		       "\"count\": %llu, \"bytes\": %llu, \"errors\": %llu, "
		       "\"avg_ns\": %.1f, \"hist_log2_ns\": [", i ? "," : "",
		       r->key.dev, r->key.tgid, comm,
		       trap_kind_name(r->key.kind), r->key.region,
		       trap_place_name(r->key.place),
		       r->key.op ? "write" : "read", r->key.width, r->key.err,
		       r->val.count, r->val.bytes, r->val.errors,
		       avg_ns(&r->val));
		for (int b = 0; b < TRAP_HIST_SLOTS; b++)
			printf("%s%u", b ? ", " : "", r->val.hist[b]);
		printf("]}");
	}
	printf("\n  ]\n}\n");
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

static int parse_number(const char *s, unsigned long long max,
			unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return !*s || *s == '-' || *end || errno || *out > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "device", required_argument, NULL, 'D' },
		{ "page-size", required_argument, NULL, 'P' },
		{ "kprobes", no_argument, NULL, 'k' },
		{ "empty", no_argument, NULL, 'E' },
		{ "histograms", no_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct trap_opts o = { 0 };
	struct table t = { 0 };
	struct trap_session s;
	struct trap_lost lost;
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long long v, duration = 0, pid = 0;
	int c, json = 0, hist = 0, go = -1, status = 0, ret;
	char err[512];
	pid_t child = 0;
	struct timespec t0, t1;

	while ((c = getopt_long(argc, argv, "+p:d:D:kHjvh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_number(optarg, 4194304, &pid) || !pid)
				goto bad;
			o.filter = 1;
			break;
		case 'd':
			if (parse_number(optarg, 86400 * 365, &duration) ||
			    !duration)
				goto bad;
			break;
		case 'D':
			t.device = optarg;
			break;
		case 'P':
			if (parse_number(optarg, 1ull << 30, &v) || v < 1024 ||
			    (v & (v - 1)))
				goto bad;
			o.page_size = v;
			break;
		case 'k':
			o.force_kprobes = 1;
			break;
		case 'E':
			o.empty = 1;
			break;
		case 'H':
			hist = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind < argc && pid) {
		fprintf(stderr, "trapcount: give -p PID or a COMMAND, not both\n");
		goto usage;
	}
	if (optind < argc)
		o.filter = 1;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	ret = trap_start(&s, &o, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "trapcount: %s\n", err);
		return ret;
	}
	for (int i = 0; i < s.nnotes; i++)
		fprintf(stderr, "trapcount: note: %s\n", s.notes[i]);
	if (pid && trap_add_pid(&s, (pid_t)pid)) {
		fprintf(stderr, "trapcount: cannot follow pid %llu\n", pid);
		trap_stop(&s);
		return TRAP_ERR_LOAD;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (optind < argc) {
		child = spawn(argv + optind, &go);
		if (child < 0 || trap_add_pid(&s, child)) {
			fprintf(stderr, "trapcount: cannot start %s: %s\n",
				argv[optind], strerror(errno));
			trap_stop(&s);
			return 127;
		}
		if (write(go, "g", 1) != 1)
			stop = 1;
		close(go);
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;	/* Ctrl-C reaches the command too; wait for it */
		status = WIFEXITED(status) ? WEXITSTATUS(status) :
					     128 + WTERMSIG(status);
	} else {
		if (!json)
			fprintf(stderr, "trapcount: %s; counting%s, Ctrl-C to "
				"stop\n", s.mode, pid ? " one process" :
				" system-wide");
		/* -p: also stop when the process is gone, as perf -p does. */
		for (unsigned long long i = 0; !stop && (!duration ||
		     i < duration * 10); i++) {
			if (pid && kill((pid_t)pid, 0) && errno == ESRCH)
				break;
			usleep(100000);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	t.rows = calloc(MAX_ROWS, sizeof(*t.rows));
	if (!t.rows) {
		trap_stop(&s);
		return 1;
	}
	trap_for_each(&s, collect, &t);
	qsort(t.rows, t.n, sizeof(*t.rows), cmp_rows);
	trap_lost(&s, &lost);
	double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (json) {
		print_json(&s, &t, secs, &lost);
	} else {
		printf("trapcount: %s, %.2f s, page size %llu\n", s.mode, secs,
		       (unsigned long long)s.page_size);
		print_section(&s, &t, TRAP_KIND_BAR,
			      "BAR accesses trapped through the VFIO fd:");
		print_section(&s, &t, TRAP_KIND_CONFIG,
			      "config-space accesses:");
		print_section(&s, &t, TRAP_KIND_OTHER,
			      "other regions (ROM, VGA, device-specific):");
		print_section(&s, &t, TRAP_KIND_MMAP, "mmaps of regions:");
		print_section(&s, &t, TRAP_KIND_FAULT, "faults on mmaps:");
		if (!t.n)
			printf("\nno VFIO fd access, mmap or fault seen\n");
		if (hist)
			print_histograms(&t);
		printf("\nlost events: %llu\n", lost.map_full + lost.no_start +
		       lost.starts_full);
	}
	trap_stop(&s);
	free(t.rows);
	if (lost.map_full + lost.no_start + lost.starts_full) {
		fprintf(stderr, "trapcount: events were lost (map full %llu, "
			"exit without entry %llu, entry not saved %llu): "
			"counts are not exact\n", lost.map_full, lost.no_start,
			lost.starts_full);
		return TRAP_ERR_LOST;
	}
	return status;
bad:
	fprintf(stderr, "trapcount: bad value '%s' for -%c\n", optarg, c);
usage:
	fprintf(stderr, "Try 'trapcount --help'.\n");
	return TRAP_ERR_USAGE;
}

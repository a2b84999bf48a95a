// SPDX-License-Identifier: GPL-2.0
/*
 * trapcount's counts are exact: known numbers of fd accesses per place, op
 * and width on the guest's QEMU nvme give exactly those counts; accesses
 * through mmap count zero; nothing is lost; the kprobe fallback counts the
 * same; -H times each access once, one that sleeps mid-way too; and
 * stopping leaves no BPF program behind.
 * Usage: test_trapcount (reads BARBENCH_NVME); test_trapcount progs.
 * KTAP=1: the checks as KTAP too (tests/check.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "traplib.h"
#include "trapcount.skel.h"
#include "vfio_dev.h"
#include "check.h"

/* Why the last library call failed (lib/status.h). */
static struct bb_err err;

#define AQA	0x24

struct want {
	int kind, place, op, region;
	unsigned int width;
	unsigned long long count;	/* summed over matching entries */
	unsigned long long errors;
	unsigned long long timed;	/* in the latency histogram */
};

static void sum(const struct trap_key *k, const struct trap_val *v, void *arg)
{
	struct want *w = arg;

	if (k->kind == w->kind && k->place == w->place && k->op == w->op &&
	    k->width == w->width && k->region == w->region &&
	    k->tgid == (unsigned int)getpid()) {
		w->count += v->count;
		w->errors += v->errors;
		for (int b = 0; b < TRAP_HIST_SLOTS; b++)
			w->timed += v->hist[b];
	}
}

static unsigned long long counted(struct trap_session *s, int kind, int region,
				  int place, int op, unsigned int width)
{
	struct want w = { kind, place, op, region, width, 0, 0, 0 };

	trap_for_each(s, sum, &w);
	return w.count;
}

struct want_slow {
	int place, from_slot;
	unsigned int width;
	unsigned long long n;
};

static void sum_slow(const struct trap_key *k, const struct trap_val *v,
		     void *arg)
{
	struct want_slow *w = arg;

	if (k->kind == TRAP_KIND_BAR && k->place == w->place &&
	    k->width == w->width && k->tgid == (unsigned int)getpid())
		for (int b = w->from_slot; b < TRAP_HIST_SLOTS; b++)
			w->n += v->hist[b];
}

/* This process's @width-byte BAR accesses at @place timed at 2^@from_slot
 * ns or more. */
static unsigned long long slower_than(struct trap_session *s, int place,
				      unsigned int width, int from_slot)
{
	struct want_slow w = { place, from_slot, width, 0 };

	trap_for_each(s, sum_slow, &w);
	return w.n;
}

/* How many of those accesses the latency histogram holds (-H). */
static unsigned long long timed(struct trap_session *s, int kind, int region,
				int place, int op, unsigned int width)
{
	struct want w = { kind, place, op, region, width, 0, 0, 0 };

	trap_for_each(s, sum, &w);
	return w.timed;
}

struct want_map {
	int region;
	unsigned int pgoff;
	unsigned long long count;
};

static void sum_maps(const struct trap_key *k, const struct trap_val *v,
		     void *arg)
{
	struct want_map *w = arg;

	if (k->kind == TRAP_KIND_MMAP && k->region == w->region &&
	    k->pgoff == w->pgoff && k->tgid == (unsigned int)getpid())
		w->count += v->count;
}

/* mmaps of @region at page @pgoff of it. */
static unsigned long long mapped_at(struct trap_session *s, int region,
				    unsigned int pgoff)
{
	struct want_map w = { region, pgoff, 0 };

	trap_for_each(s, sum_maps, &w);
	return w.count;
}

/*
 * Is @name (as the kernel keeps it: at most BPF_OBJ_NAME_LEN - 1 bytes)
 * one of trapcount's programs?  Other tools' programs on the system are
 * none of this test's business.
 */
static int is_trapcount_program(const char *name)
{
	struct trapcount_bpf *skel = trapcount_bpf__open();
	struct bpf_program *p;
	int found = 0;

	if (!skel)
		return 0;
	bpf_object__for_each_program(p, skel->obj)
		if (!strncmp(bpf_program__name(p), name, BPF_OBJ_NAME_LEN - 1))
			found = 1;
	trapcount_bpf__destroy(skel);
	return found;
}

/* trapcount's programs loaded now (by this test or a trapcount). */
static int count_programs(void)
{
	__u32 id = 0;
	int n = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;	/* released since */
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    is_trapcount_program(info.name))
			n++;
		close(fd);
	}
	return n;
}

/*
 * Programs loaded on the system, once those released are gone: the kernel
 * frees a program after an RCU grace period, not at close.
 */
static int programs_left(int baseline)
{
	int n = count_programs();

	for (int i = 0; i < 50 && n > baseline; i++) {
		usleep(100000);
		n = count_programs();
	}
	return n;
}

static int baseline_programs;

static void fd_reads(struct vfio_dev *d, int region, uint64_t off, int width,
		     int n)
{
	uint64_t v;

	for (int i = 0; i < n; i++)
		CHECK(vfio_region_read(d, region, off, &v, width, &err) == 0);
}

/*
 * The same exact counts in each mode: fexit alone (counting), fentry/fexit
 * (-H, timing each access), and the kprobe fallback's two (a kprobe alone;
 * with -H its kretprobe too).
 */
static void exact_counts(const char *addr, int kprobes, int timing)
{
	struct trap_opts o = { .force_kprobes = kprobes, .filter = 1,
			       .timing = timing };
	const char *fentry_mode = timing ? "fentry/fexit" : "fexit";
	const char *kprobe_mode = timing ? "kprobe/kretprobe" : "kprobe";
	struct trap_session s;
	struct trap_lost lost;
	struct vfio_dev d;
	uint32_t aqa;
	volatile void *p;
	int ret = trap_start(&s, &o, &err);
	/*
	 * CAP (0x0), AQA (0x24) and the doorbells (0x1000) are "other" with
	 * 4K pages; from 16K pages on they share the MSI-X table's page.
	 */
	int low = sysconf(_SC_PAGESIZE) >= 0x4000 ? PLACE_TABLE_PAGE :
						    PLACE_OTHER;

	CHECK_EQ(ret, 0);
	if (ret) {
		fprintf(stderr, "# %s\n", err.msg);
		return;
	}
	printf("# %s\n", s.mode);
#ifdef __x86_64__
	CHECK(!strcmp(s.mode, kprobes ? kprobe_mode : fentry_mode));
#else
	/* Debian's ppc64el kernel has no BPF trampolines: kprobes either way. */
	CHECK(!strcmp(s.mode, kprobe_mode) ||
	      (!kprobes && !strcmp(s.mode, fentry_mode)));
#endif
	CHECK_EQ(trap_add_pid(&s, getpid()), 0);
	if (vfio_dev_open(&d, addr, 0, &err)) {
		CHECK(0);
		trap_stop(&s);
		return;
	}
	fd_reads(&d, 0, 0x2008, 4, 100);	/* msix-table */
	fd_reads(&d, 0, 0x3000, 8, 50);		/* msix-pba */
	fd_reads(&d, 0, 0x2410, 2, 30);		/* table-page */
	fd_reads(&d, 0, 0x0000, 4, 70);		/* CAP */
	fd_reads(&d, 0, 0x1000, 1, 3);		/* doorbell */
	fd_reads(&d, VFIO_DEV_CONFIG_INDEX, 0, 4, 10);
	/* AQA rewritten with its own value: harmless while CC.EN = 0. */
	CHECK(vfio_region_read(&d, 0, AQA, &aqa, 4, &err) == 0);
	for (int i = 0; i < 20; i++)
		CHECK(vfio_region_write(&d, 0, AQA, &aqa, 4, &err) == 0);
	/* 1000 loads through the mapping: none of them traps. */
	CHECK_EQ(vfio_bar_map_all(&d, 0), 1);
	p = vfio_bar_ptr(&d, 0, 0, 4);
	for (int i = 0; i < 1000 && p; i++)
		(void)mmio_read(p, 4);

	CHECK_EQ(counted(&s, TRAP_KIND_BAR, 0, PLACE_MSIX_TABLE, 0, 4), 100);
	CHECK_EQ(counted(&s, TRAP_KIND_BAR, 0, PLACE_MSIX_PBA, 0, 8), 50);
	CHECK_EQ(counted(&s, TRAP_KIND_BAR, 0, PLACE_TABLE_PAGE, 0, 2), 30);
	CHECK_EQ(counted(&s, TRAP_KIND_BAR, 0, low, 0, 4), 71);
	CHECK_EQ(counted(&s, TRAP_KIND_BAR, 0, low, 0, 1), 3);
	CHECK_EQ(counted(&s, TRAP_KIND_BAR, 0, low, 1, 4), 20);
	CHECK_EQ(counted(&s, TRAP_KIND_CONFIG, 7, PLACE_NONE, 0, 4), 10);
	/* With -H every access is timed once; without, none is. */
	CHECK_EQ(timed(&s, TRAP_KIND_BAR, 0, PLACE_MSIX_TABLE, 0, 4),
		 timing ? 100 : 0);
	CHECK_EQ(timed(&s, TRAP_KIND_BAR, 0, low, 1, 4), timing ? 20 : 0);
	/* vfio_dev_open read config space once, 256 bytes. */
	CHECK_EQ(counted(&s, TRAP_KIND_CONFIG, 7, PLACE_NONE, 0, 256), 1);
	/* The mapping: one mmap of the whole BAR at offset 0 (its row says
	 * where and how big, in pages), one fault on its first page. */
	CHECK_EQ(counted(&s, TRAP_KIND_MMAP, 0, PLACE_NONE, 0,
			 (d.regions[0].size + s.mm_page_size - 1) /
			 s.mm_page_size), 1);
	CHECK_EQ(mapped_at(&s, 0, 0), 1);
	CHECK(counted(&s, TRAP_KIND_FAULT, 0, low, 0, 0) >= 1);
	trap_lost(&s, &lost);
	CHECK_EQ(lost.map_full + lost.no_start + lost.starts_full, 0);
	vfio_dev_close(&d);
	trap_stop(&s);
	CHECK_EQ(programs_left(baseline_programs), baseline_programs);
}

/* --page-size 65536 on a 4K host: the doorbell shares the table's page. */
static void page_size_preview(const char *addr)
{
	struct trap_opts o = { .filter = 1, .page_size = 65536 };
	struct trap_session s;
	struct vfio_dev d;

	if (trap_start(&s, &o, &err)) {
		CHECK(0);
		fprintf(stderr, "# %s\n", err.msg);
		return;
	}
	trap_add_pid(&s, getpid());
	if (!vfio_dev_open(&d, addr, 0, &err)) {
		fd_reads(&d, 0, 0x1000, 4, 40);
		vfio_dev_close(&d);
	}
	CHECK_EQ(counted(&s, TRAP_KIND_BAR, 0, PLACE_TABLE_PAGE, 0, 4), 40);
	CHECK_EQ(counted(&s, TRAP_KIND_BAR, 0, PLACE_OTHER, 0, 4), 0);
	trap_stop(&s);
}

struct fault_server {
	int uffd, faults;
	long page;
	struct vfio_dev *d;
};

/*
 * Serve each fault on the reads' buffers 2 ms late, so that they sleep,
 * after an fd read of its own (CAP, 8 bytes) on the same CPU: that read's
 * stamp takes the CPU's slot while the sleeping read's is out.
 */
static void *serve_faults(void *arg)
{
	struct fault_server *f = arg;
	char *src = calloc(1, f->page);
	uint64_t cap;

	for (int i = 0; src && i < f->faults; i++) {
		struct uffd_msg msg;
		struct uffdio_copy copy;

		if (read(f->uffd, &msg, sizeof(msg)) != sizeof(msg))
			break;
		CHECK(vfio_region_read(f->d, 0, 0x0, &cap, 8, &err) == 0);
		usleep(2000);
		copy = (struct uffdio_copy){
			.dst = msg.arg.pagefault.address & ~(f->page - 1),
			.src = (unsigned long)src, .len = f->page };
		ioctl(f->uffd, UFFDIO_COPY, &copy);
	}
	free(src);
	return NULL;
}

/*
 * -H times an access during which its task is switched out: each read's
 * buffer is a page that userfaultfd holds back, so the read sleeps in
 * copy_to_user and its stamp travels with the task (on_switch).
 */
static void switched_out(const char *addr, int kprobes)
{
	enum { READS = 5 };
	struct vfio_dev d;
	struct trap_opts o = { .filter = 1, .timing = 1,
			       .force_kprobes = kprobes };
	struct fault_server f = { .faults = READS,
				  .page = sysconf(_SC_PAGESIZE), .d = &d };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct trap_session s;
	struct trap_lost lost;
	pthread_t server;
	cpu_set_t one, all;
	char *bufs;
	int low = f.page >= 0x4000 ? PLACE_TABLE_PAGE : PLACE_OTHER;
	unsigned long long slow;

	f.uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (f.uffd < 0 && errno == ENOSYS) {
		/* A kernel built without CONFIG_USERFAULTFD (make defconfig's). */
		check_skip(kprobes ? "switched-out reads, -H kprobes" :
			   "switched-out reads, -H fentry/fexit",
			   "no userfaultfd in this kernel");
		return;
	}
	bufs = mmap(NULL, READS * f.page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg = (struct uffdio_register){
		.range = { (unsigned long)bufs, READS * f.page },
		.mode = UFFDIO_REGISTER_MODE_MISSING };
	CHECK(f.uffd >= 0 && bufs != MAP_FAILED &&
	      !ioctl(f.uffd, UFFDIO_API, &api) &&
	      !ioctl(f.uffd, UFFDIO_REGISTER, &reg));
	if (f.uffd < 0 || bufs == MAP_FAILED)
		return;
	if (trap_start(&s, &o, &err)) {
		CHECK(0);
		fprintf(stderr, "# %s\n", err.msg);
		return;
	}
	trap_add_pid(&s, getpid());
	/* One CPU for both threads: the server runs where the read slept. */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	CHECK(sched_getaffinity(0, sizeof(all), &all) == 0 &&
	      sched_setaffinity(0, sizeof(one), &one) == 0);
	if (!vfio_dev_open(&d, addr, 0, &err)) {
		CHECK_EQ(pthread_create(&server, NULL, serve_faults, &f), 0);
		for (int i = 0; i < READS; i++)
			CHECK(vfio_region_read(&d, 0, 0x14, bufs + i * f.page,
					       4, &err) == 0);
		pthread_join(server, NULL);
		vfio_dev_close(&d);
	}
	sched_setaffinity(0, sizeof(all), &all);
	CHECK_EQ(counted(&s, TRAP_KIND_BAR, 0, low, 0, 4), READS);
	CHECK_EQ(counted(&s, TRAP_KIND_BAR, 0, low, 0, 8), READS);
	CHECK_EQ(timed(&s, TRAP_KIND_BAR, 0, low, 0, 4), READS);
	/* Each took the 2 ms its fault was held: 2^20 ns (1 ms) or more. */
	slow = slower_than(&s, low, 4, 20);
	CHECK_EQ(slow, READS);
	trap_lost(&s, &lost);
	CHECK_EQ(lost.map_full + lost.no_start + lost.starts_full, 0);
	trap_stop(&s);
	munmap(bufs, READS * f.page);
	close(f.uffd);
}

/* A filtered session does not count another process's accesses. */
static void filter_other_pid(const char *addr)
{
	struct trap_opts o = { .filter = 1 };
	struct trap_session s;
	struct vfio_dev d;
	int opened;

	if (trap_start(&s, &o, &err)) {
		CHECK(0);
		return;
	}
	trap_add_pid(&s, 1);	/* init: it never touches the device */
	/* Without the reads made, "0 counted" would say nothing. */
	opened = !vfio_dev_open(&d, addr, 0, &err);
	CHECK(opened);
	if (opened) {
		fd_reads(&d, 0, 0x0, 4, 25);
		vfio_dev_close(&d);
	}
	CHECK_EQ(counted(&s, TRAP_KIND_BAR, 0, PLACE_OTHER, 0, 4), 0);
	trap_stop(&s);
}

int main(int argc, char **argv)
{
	const char *nvme = getenv("BARBENCH_NVME");

	if (argc > 1 && !strcmp(argv[1], "progs")) {
		printf("%d\n", count_programs());
		return 0;
	}
	if (!nvme) {
		/*
		 * Under KTAP=1 a runner reads the skip, and 4 is kselftest's
		 * KSFT_SKIP (and BB_ERR_NOTVFIO: no device bound to vfio-pci).
		 */
		check_skip_all("BARBENCH_NVME not set: no vfio-pci device");
		fprintf(stderr, "test_trapcount: set BARBENCH_NVME\n");
		return check_ktap() ? 4 : 2;
	}
	baseline_programs = count_programs();
	exact_counts(nvme, 0, 0);
	exact_counts(nvme, 0, 1);
	exact_counts(nvme, 1, 0);
	exact_counts(nvme, 1, 1);
	switched_out(nvme, 0);
	switched_out(nvme, 1);
	page_size_preview(nvme);
	filter_other_pid(nvme);
	return check_summary("trapcount");
}

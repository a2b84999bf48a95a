// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end facts of the real vfio-pci driver, checked on the embedded
 * guest's QEMU nvme and qemu-xhci (or any device given in the environment):
 *  - the kernel reports MSIX_MAPPABLE and a whole-BAR mmap succeeds;
 *  - a register read through mmap equals the same read through the fd;
 *  - MSI-X table reads through the fd give all ones, mmap shows the entry;
 *  - a pwrite to the table reports success and is dropped;
 *  - an fd read of a register costs more than an mmap read of it (the one
 *    timing fact asserted, with a wide margin).
 * Usage: test_vfio_facts (reads BARBENCH_NVME and BARBENCH_XHCI; with
 * BARBENCH_ACCESS=iommufd every device is opened through its cdev and
 * /dev/iommu instead of the group, and the same facts must hold)
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msix.h"
#include "stats.h"
#include "status.h"
#include "timer.h"
#include "vfio_dev.h"
#include "check.h"

/* Why the last library call failed (lib/status.h). */
static struct bb_err err;
/* 1: open through the iommufd cdev path (BARBENCH_ACCESS=iommufd). */
static int use_iommufd;

#define NVME_CAP	0x0
#define NVME_VS		0x8
#define TIMING_SAMPLES	201
#define TIMING_BATCH	8

static uint64_t fd_read(struct vfio_dev *d, uint64_t off, int width)
{
	uint64_t v = 0;

	CHECK(vfio_region_read(d, 0, off, &v, width, &err) == 0);
	return v;
}

static uint64_t map_read(struct vfio_dev *d, uint64_t off, int width)
{
	volatile void *p = vfio_bar_ptr(d, 0, off, width);

	CHECK(p != NULL);
	return p ? mmio_read(p, width) : 0;
}

/* BAR0 facts every MSI-X device has under a stock 6.12 kernel. */
static void check_whole_bar(struct vfio_dev *d)
{
	struct mmap_area r[4];
	const struct vfio_region *bar0 = &d->regions[0];

	printf("# %s %04x:%04x: BAR0 %llu bytes, flags 0x%x\n", d->addr,
	       d->vendor, d->device, (unsigned long long)bar0->size,
	       bar0->flags);
	CHECK(d->msix.present);
	CHECK_EQ(d->msix.table_bar, 0);
	CHECK(bar0->caps.has_msix_mappable);
	CHECK(!bar0->caps.has_sparse);
	CHECK_EQ(vfio_mmap_ranges(d, 0, r, 4), 1);
	CHECK_EQ(r[0].offset, 0);
	CHECK_EQ(r[0].size, bar0->size);
	CHECK_EQ(vfio_bar_try_mmap(d, 0, 0, bar0->size), 0);
	CHECK_EQ(vfio_bar_map_all(d, 0), 1);
	CHECK(d->maps[0][0].addr != NULL);
}

/* Through the fd the kernel masks the table; through mmap it shows. */
static void check_table(struct vfio_dev *d)
{
	uint64_t t = d->msix.table_offset;
	uint32_t data, probe = 0x5a5a5a5a;

	for (int dw = 0; dw < 4; dw++)
		CHECK_EQ(fd_read(d, t + dw * 4, 4), 0xffffffff);
	CHECK_EQ(fd_read(d, t, 8), ~0ull);
	/* QEMU resets every entry with its vector masked (bit 0 set). */
	CHECK_EQ(map_read(d, t + 12, 4), 1);
	CHECK_EQ(map_read(d, t + 4, 4), 0);
	/* The PBA is not masked: both paths read the same pending bits. */
	CHECK_EQ(fd_read(d, d->msix.pba_offset, 8),
		 map_read(d, d->msix.pba_offset, 8));

	data = (uint32_t)map_read(d, t + 8, 4);
	CHECK(vfio_region_write(d, 0, t + 8, &probe, 4, &err) == 0);
	CHECK_EQ(map_read(d, t + 8, 4), data);
}

/* Open the test's way; a failure is a failed check, with why. */
static int open_checked(struct vfio_dev *d, const char *addr)
{
	int ret = vfio_dev_open(d, addr, use_iommufd, &err);

	CHECK_EQ(ret, 0);
	if (ret)
		fprintf(stderr, "# %s\n", err.msg);
	return ret;
}

static void check_nvme(const char *addr)
{
	struct vfio_dev d;

	if (open_checked(&d, addr))
		return;
	CHECK_EQ(d.vendor, 0x1b36);
	CHECK_EQ(d.device, 0x0010);
	CHECK_EQ(d.msix.entries, 65);
	CHECK_EQ(d.msix.table_offset, 0x2000);
	CHECK_EQ(d.msix.pba_offset, 0x3000);
	check_whole_bar(&d);

	/* Same register, both paths, every width. */
	CHECK_EQ(map_read(&d, NVME_CAP, 8), fd_read(&d, NVME_CAP, 8));
	CHECK_EQ(map_read(&d, NVME_CAP, 4), fd_read(&d, NVME_CAP, 4));
	CHECK_EQ(map_read(&d, NVME_CAP, 2), fd_read(&d, NVME_CAP, 2));
	CHECK_EQ(map_read(&d, NVME_VS, 4), fd_read(&d, NVME_VS, 4));
	CHECK(fd_read(&d, NVME_VS, 4) >= 0x00010000);	/* NVMe 1.x or later */
	CHECK(fd_read(&d, NVME_CAP, 8) != 0);
	check_table(&d);

	/* A group, and a cdev, is opened once: a second open names why. */
	{
		struct vfio_dev again;

		CHECK_EQ(vfio_dev_open(&again, addr, use_iommufd, &err),
			 BB_ERR_VFIO);
		CHECK(strstr(err.msg, "in use") != NULL);
		CHECK(!use_iommufd || strstr(err.msg, "/dev/vfio/devices/"));
	}
	vfio_dev_close(&d);
	CHECK_EQ(d.device_fd, -1);
}

static void check_xhci(const char *addr)
{
	struct vfio_dev d;

	if (open_checked(&d, addr))
		return;
	CHECK_EQ(d.device, 0x000d);
	CHECK_EQ(d.msix.entries, 16);
	CHECK_EQ(d.msix.table_offset, 0x3000);
	CHECK_EQ(d.msix.pba_offset, 0x3800);
	check_whole_bar(&d);
	CHECK_EQ(map_read(&d, 0x0, 4), fd_read(&d, 0x0, 4));
	CHECK_EQ(map_read(&d, 0x4, 4), fd_read(&d, 0x4, 4));
	check_table(&d);
	vfio_dev_close(&d);
}

/* The iommufd cdev path where the kernel has it, a clear error where not. */
static void check_iommufd(const char *addr)
{
	struct vfio_dev d;
	int ret = vfio_dev_open(&d, addr, 1, &err);

	if (access("/dev/vfio/devices", F_OK) == 0) {
		printf("# %s: iommufd cdev present\n", addr);
		CHECK_EQ(ret, 0);
		if (!ret) {
			CHECK(!strcmp(d.iommu, "iommufd"));
			CHECK_EQ(vfio_bar_map_all(&d, 0), 1);
			CHECK_EQ(map_read(&d, NVME_CAP, 8),
				 fd_read(&d, NVME_CAP, 8));
			vfio_dev_close(&d);
		}
		return;
	}
	printf("# %s: kernel has no VFIO device cdev\n", addr);
	CHECK_EQ(ret, BB_ERR_VFIO);
	CHECK(strstr(err.msg, "CONFIG_VFIO_DEVICE_CDEV") != NULL);
}

static double median_cost(struct vfio_dev *d, const struct timer *t,
			  volatile void *p)
{
	double s[TIMING_SAMPLES];
	uint64_t v;

	for (int i = 0; i < TIMING_SAMPLES; i++) {
		uint64_t t0 = timer_now(t);

		for (int k = 0; k < TIMING_BATCH; k++) {
			if (p)
				v = mmio_read(p, 4);
			else
				vfio_region_read(d, 0, NVME_VS, &v, 4, &err);
		}
		s[i] = timer_ns(t, timer_now(t) - t0) / TIMING_BATCH;
	}
	return median_of(s, TIMING_SAMPLES);
}

static void check_fd_costs_more(const char *addr)
{
	struct vfio_dev d;
	struct timer t;
	double fd, map;

	if (vfio_dev_open(&d, addr, use_iommufd, &err) ||
	    timer_init(&t, "auto")) {
		CHECK(0);
		return;
	}
	vfio_bar_map_all(&d, 0);
	map = median_cost(&d, &t, vfio_bar_ptr(&d, 0, NVME_VS, 4));
	fd = median_cost(&d, &t, NULL);
	printf("# VS read: mmap %.0f ns, fd %.0f ns (timer %s)\n", map, fd,
	       t.source);
	/* A trap into the kernel against one load: expect 10x, demand 2x. */
	CHECK(fd > 2 * map);
	vfio_dev_close(&d);
}

int main(void)
{
	const char *nvme = getenv("BARBENCH_NVME");
	const char *xhci = getenv("BARBENCH_XHCI");
	const char *access_path = getenv("BARBENCH_ACCESS");

	if (!nvme || !xhci) {
		fprintf(stderr, "test_vfio_facts: set BARBENCH_NVME and "
			"BARBENCH_XHCI to the vfio-pci devices\n");
		return 2;
	}
	use_iommufd = access_path && !strcmp(access_path, "iommufd");
	printf("# access through the %s\n", use_iommufd ?
	       "iommufd cdev (/dev/vfio/devices, /dev/iommu)" :
	       "group and container");
	check_nvme(nvme);
	check_xhci(xhci);
	check_iommufd(nvme);
	check_fd_costs_more(nvme);
	return check_summary("guest");
}

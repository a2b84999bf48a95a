/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one way in to a vfio-pci device for every benchmark and test: open it
 * through the legacy group/container path or the iommufd cdev path, read its
 * regions' info and capability chains, its config space and MSI-X layout,
 * and reach BAR registers by mmap or by pread/pwrite on the device fd.
 *
 * Every failure returns an enum bb_status and leaves a message naming the
 * call and errno in the struct bb_err passed in (status.h).
 */
#ifndef BARBENCH_VFIO_DEV_H
#define BARBENCH_VFIO_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "msix.h"
#include "regcaps.h"
#include "status.h"

#define VFIO_DEV_REGIONS	9	/* BAR0-5, ROM, config, VGA */
#define VFIO_DEV_CONFIG_INDEX	7
#define VFIO_DEV_ROM_INDEX	6

struct vfio_region {
	uint32_t index;
	uint32_t flags;		/* VFIO_REGION_INFO_FLAG_* */
	uint64_t size;
	uint64_t offset;	/* of the region within the device fd */
	struct region_caps caps;
};

struct bar_map {
	uint64_t offset;	/* in the BAR */
	uint64_t size;
	void *addr;		/* NULL if the kernel refused */
	int error;		/* errno of the refused mmap */
};

struct vfio_dev {
	char addr[32];		/* 0000:00:02.0 */
	char driver[64];
	int group;		/* -1 on the iommufd path */
	const char *iommu;	/* "type1v2", "type1", "spapr-tce-v2", "iommufd" */
	int container_fd, group_fd, iommufd, device_fd;
	uint16_t vendor, device;
	uint32_t num_regions;
	struct vfio_region regions[VFIO_DEV_REGIONS];
	uint8_t config[256];
	struct msix_info msix;
	/* mappings made by vfio_bar_map_all(), one set per BAR */
	struct bar_map maps[6][REGCAPS_MAX_AREAS];
	int nmaps[6];
};

/* The host's page size: what an mmap of a BAR is made of. */
uint64_t system_page_size(void);

/* Accept "0000:00:02.0" or "00:02.0"; write the full form to @out. */
int pci_addr_normalize(const char *in, char *out, size_t outlen);

/* Open @addr (see bb_status for what a failure returns). */
int vfio_dev_open(struct vfio_dev *d, const char *addr, int use_iommufd,
		  struct bb_err *e);
/* Unmap everything and close every fd; safe on a half-opened device. */
void vfio_dev_close(struct vfio_dev *d);

/* Is BAR @bar a memory BAR the kernel reports with a size? */
int vfio_bar_usable(const struct vfio_dev *d, int bar);
/* Is BAR @bar an I/O (port space) BAR?  From its config space register. */
int vfio_bar_is_io(const struct vfio_dev *d, int bar);

/*
 * The ranges of @bar the kernel lets a user mmap: none without the MMAP flag,
 * the SPARSE_MMAP areas when that capability is present, else the whole BAR.
 */
int vfio_mmap_ranges(const struct vfio_dev *d, int bar, struct mmap_area *out,
		     int max);

/* Try to mmap every range vfio_mmap_ranges() gives; refusals are recorded. */
int vfio_bar_map_all(struct vfio_dev *d, int bar);
/* Address of @offset..+@len in a mapping of @bar, or NULL if not mapped. */
volatile void *vfio_bar_ptr(const struct vfio_dev *d, int bar, uint64_t offset,
			    uint64_t len);

/* Would the kernel mmap @len bytes at @offset of @bar?  0 or an errno. */
int vfio_bar_try_mmap(const struct vfio_dev *d, int bar, uint64_t offset,
		      uint64_t len);

/* pread/pwrite of exactly @len bytes at @offset of region @index. */
int vfio_region_read(struct vfio_dev *d, int index, uint64_t offset,
		     void *buf, size_t len, struct bb_err *e);
int vfio_region_write(struct vfio_dev *d, int index, uint64_t offset,
		      const void *buf, size_t len, struct bb_err *e);

/* One load or store of @width bytes through a mapping. */
uint64_t mmio_read(volatile void *p, int width);
void mmio_write(volatile void *p, int width, uint64_t value);

#endif

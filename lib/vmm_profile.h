/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMM profiles: how one VMM (or user-space driver) routes an access to a
 * BAR register, given what the kernel told it about that BAR.  Each profile
 * is a small table of rules that follows the VMM's own source and cites the
 * function whose decision it copies (lib/vmm_profile.c).  Pure: no device is
 * touched, so the rules are unit-tested on made-up kernel answers.
 */
#ifndef BARBENCH_VMM_H
#define BARBENCH_VMM_H

#include <stdint.h>

#include "msix.h"
#include "regcaps.h"

enum vmm_route {
	VMM_DIRECT,	/* through the VMM's mmap of the BAR */
	VMM_TRAPPED,	/* pread/pwrite on the device fd: a kernel trap */
	VMM_EMULATED,	/* the VMM answers it itself, no kernel trap */
};

/* What the kernel says about one BAR: all a VMM decides on. */
struct vmm_bar {
	int bar;
	uint64_t size;
	int mmap_flag;			/* VFIO_REGION_INFO_FLAG_MMAP */
	const struct region_caps *caps;	/* SPARSE_MMAP, MSIX_MAPPABLE */
	const struct msix_info *msix;	/* where the table and PBA are */
	uint64_t page;			/* the host's page size */
	/* The VMM's machine has a paravirt MSI interface (QEMU's pseries,
	 * the machine of ppc64 hosts: vfio-no-msix-emulation). */
	int paravirt_msi;
};

struct vmm_profile;
struct vfio_dev;

/*
 * What the kernel says of BAR @bar of an open device, as a profile reads
 * it: the host's page size (the VMM runs here), and on ppc64 pseries'
 * paravirt MSI.
 */
struct vmm_bar vmm_bar_of(const struct vfio_dev *d, int bar);

#define VMM_MAX_MAPS	(REGCAPS_MAX_AREAS + 4)

/* Profiles by name ("qemu", ...); NULL if unknown. */
const struct vmm_profile *vmm_find(const char *name);
int vmm_count(void);
const struct vmm_profile *vmm_at(int i);
/* A set of profiles is a mask of 1 << their vmm_at() index (--vmm LIST). */
unsigned int vmm_bit(const struct vmm_profile *p);
/* The first profile of @mask; qemu's (vmm_at(0)) if it is empty. */
const struct vmm_profile *vmm_first(unsigned int mask);
const char *vmm_name(const struct vmm_profile *p);
/* The source file its rules follow, e.g. "hw/vfio/pci.c". */
const char *vmm_source(const struct vmm_profile *p);
/* "qemu, cloud-hypervisor, dpdk, crosvm": for messages. */
const char *vmm_names(void);
const char *vmm_route_name(enum vmm_route r);

/*
 * The ranges of the BAR this VMM mmaps, in offset order, none of size 0.
 * Returns their number (at most @max); @why gets the rule's citation.
 */
int vmm_maps(const struct vmm_profile *p, const struct vmm_bar *b,
	     struct mmap_area *out, int max, const char **why);

/*
 * The route of an access of @width bytes at @offset.  @why, if not NULL,
 * gets the citation of the rule that decided.
 */
enum vmm_route vmm_route(const struct vmm_profile *p, const struct vmm_bar *b,
			 uint64_t offset, int width, const char **why);

struct vmm_segment {
	uint64_t start, end;	/* [start, end) */
	enum vmm_route route;
	const char *why;
};

/* Split the BAR into runs of one route (byte accesses).  Returns count. */
int vmm_segments(const struct vmm_profile *p, const struct vmm_bar *b,
		 struct vmm_segment *out, int max);

#endif

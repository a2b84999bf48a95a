/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parser for the capability chain that VFIO_DEVICE_GET_REGION_INFO appends
 * to struct vfio_region_info.  It works on a plain buffer so that it can be
 * unit tested and fuzzed without a device: the buffer is whatever the kernel
 * (or a test) handed over, and nothing in it is trusted.
 */
#ifndef BARBENCH_REGCAPS_H
#define BARBENCH_REGCAPS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define REGCAPS_MAX_AREAS	64
#define REGCAPS_MAX_CAPS	32

/* Capability ids of include/uapi/linux/vfio.h, kept here for old headers. */
#define REGCAP_SPARSE_MMAP	1
#define REGCAP_TYPE		2
#define REGCAP_MSIX_MAPPABLE	3

struct mmap_area {
	uint64_t offset;	/* from the start of the region */
	uint64_t size;
};

struct region_caps {
	int ncaps;
	uint16_t ids[REGCAPS_MAX_CAPS];	/* every id seen, in chain order */
	uint16_t versions[REGCAPS_MAX_CAPS];
	int has_sparse;
	int nareas;
	struct mmap_area areas[REGCAPS_MAX_AREAS];
	int has_msix_mappable;
	int has_type;
	uint32_t type, subtype;
};

/*
 * Walk the chain starting at @first (an offset into @buf, 0 = no chain).
 * Returns 0, or BB_ERR_CAPS with the reason in @e when the chain is
 * malformed: a header outside the buffer, a misaligned or backward next
 * pointer (which is how a loop shows), a capability body that does not fit.
 */
int regcaps_parse(const void *buf, size_t len, uint32_t first,
		  struct region_caps *caps, struct bb_err *e);

const char *regcap_name(uint16_t id);

#endif

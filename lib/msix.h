/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MSI-X capability, found by walking the PCI capability list of a config
 * space image, and the classes of BAR offsets ("places") it implies.
 */
#ifndef BARBENCH_MSIX_H
#define BARBENCH_MSIX_H

#include <stddef.h>
#include <stdint.h>

#include "place_classify.h"
#include "status.h"

struct msix_info {
	int present;
	uint8_t cap_offset;	/* in config space */
	uint16_t entries;
	uint8_t table_bar;
	uint32_t table_offset;
	uint8_t pba_bar;
	uint32_t pba_offset;
};

/* Each table entry is 16 bytes; the PBA holds one bit per entry in qwords. */
static inline uint32_t msix_table_size(const struct msix_info *m)
{
	return (uint32_t)m->entries * 16;
}

static inline uint32_t msix_pba_size(const struct msix_info *m)
{
	return ((uint32_t)(m->entries + 63) / 64) * 8;
}

/*
 * Find MSI-X in a config space image of @len bytes (at least 64).  Returns
 * 0 (m->present tells whether the device has MSI-X) or BB_ERR_CAPS with the
 * reason in @e for a malformed list: a pointer into the header, past the
 * image, or a loop.
 */
int msix_parse(const void *config, size_t len, struct msix_info *m,
	       struct bb_err *e);

const char *place_name(enum place p);
int place_from_name(const char *name);	/* -1 if unknown */

/* The table and PBA as place_classify.h's place_at() reads them. */
struct place_layout msix_place_layout(const struct msix_info *m);
/*
 * Class of the byte at @offset of BAR @bar with pages of @page_size (a power
 * of two): place_at(), the classifier trapcount's BPF side runs too.
 */
enum place place_classify(const struct msix_info *m, int bar, uint64_t offset,
			  uint64_t page_size);

struct place_segment {
	uint64_t start, end;	/* [start, end) */
	enum place place;
};

/*
 * Split BAR @bar of @size bytes into runs of one place class.  Returns the
 * number of segments written to @out (at most @max).
 */
int place_segments(const struct msix_info *m, int bar, uint64_t size,
		   uint64_t page_size, struct place_segment *out, int max);

#endif

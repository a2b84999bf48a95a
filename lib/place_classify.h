/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which place of a BAR an offset is (lib/place.h): the one classifier,
 * header-only, so that the C library (lib/msix.c's place_classify) and
 * trapcount's BPF programs (bpf/counting.bpf.h) run the same code.  Hence
 * plain C types, no includes but place.h, no loops and no division: the
 * BPF verifier takes it as it is, inlined.
 */
#ifndef BARBENCH_PLACE_CLASSIFY_H
#define BARBENCH_PLACE_CLASSIFY_H

#include "place.h"

/* A BAR index no BAR has: the table and PBA of a device without MSI-X. */
#define PLACE_NO_BAR	0xffu

/* Where a device's MSI-X table and PBA are, in bytes of their BARs. */
struct place_layout {
	unsigned int table_bar, table_offset, table_size;
	unsigned int pba_bar, pba_offset, pba_size;
};

/* Is @x in [start, start + size)?  No overflow near 2^64. */
static inline __attribute__((always_inline)) int
place_in_range(unsigned long long x, unsigned long long start,
	       unsigned long long size)
{
	return x >= start && x - start < size;
}

/* Does the page of @x hold a byte of [start, start + size)? */
static inline __attribute__((always_inline)) int
place_same_page(unsigned long long x, unsigned long long start,
		unsigned long long size, unsigned int page_shift)
{
	unsigned long long page = x >> page_shift;

	return size && page >= start >> page_shift &&
	       page <= (start + size - 1) >> page_shift;
}

/*
 * The place of the byte at @offset of BAR @bar, with pages of
 * 2^@page_shift bytes: in the table, in the PBA, on a page either touches
 * (table-page), or other.
 */
static inline __attribute__((always_inline)) enum place
place_at(const struct place_layout *l, unsigned int bar,
	 unsigned long long offset, unsigned int page_shift)
{
	int on_table = bar == l->table_bar, on_pba = bar == l->pba_bar;

	if (on_table && place_in_range(offset, l->table_offset, l->table_size))
		return PLACE_MSIX_TABLE;
	if (on_pba && place_in_range(offset, l->pba_offset, l->pba_size))
		return PLACE_MSIX_PBA;
	if (on_table && place_same_page(offset, l->table_offset,
					l->table_size, page_shift))
		return PLACE_TABLE_PAGE;
	if (on_pba && place_same_page(offset, l->pba_offset, l->pba_size,
				      page_shift))
		return PLACE_TABLE_PAGE;
	return PLACE_OTHER;
}

#endif

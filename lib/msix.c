// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msix.h"

#define PCI_STATUS		0x06
#define PCI_STATUS_CAP_LIST	0x10
#define PCI_CAPABILITY_LIST	0x34
#define PCI_CAP_ID_MSIX		0x11
#define PCI_STD_HEADER_SIZE	0x40

int msix_parse(const void *config, size_t len, struct msix_info *m,
	       struct bb_err *e)
{
	const uint8_t *c = config;
	uint8_t seen[256] = { 0 };
	unsigned int pos;

	memset(m, 0, sizeof(*m));
	if (len < PCI_STD_HEADER_SIZE)
		return bb_fail(e, BB_ERR_CAPS, "config space image of %zu "
			       "bytes is shorter than the 64-byte header",
			       len);
	if (len > 256)
		len = 256;	/* standard capabilities live in the first 256 */
	if (!(c[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return 0;

	/* The two low bits of every pointer are reserved: mask them. */
	pos = c[PCI_CAPABILITY_LIST] & 0xfc;
	while (pos) {
		uint16_t ctrl;
		uint32_t table, pba;

		if (pos < PCI_STD_HEADER_SIZE || pos + 12 > len)
			return bb_fail(e, BB_ERR_CAPS, "capability pointer "
				       "0x%x is outside 0x40..0x%zx", pos,
				       len - 12);
		if (seen[pos])
			return bb_fail(e, BB_ERR_CAPS, "capability list loops "
				       "at 0x%x", pos);
		seen[pos] = 1;
		if (c[pos] != PCI_CAP_ID_MSIX) {
			pos = c[pos + 1] & 0xfc;
			continue;
		}
		ctrl = (uint16_t)(c[pos + 2] | c[pos + 3] << 8);
		memcpy(&table, c + pos + 4, 4);
		memcpy(&pba, c + pos + 8, 4);
		m->present = 1;
		m->cap_offset = (uint8_t)pos;
		m->entries = (ctrl & 0x7ff) + 1;
		m->table_bar = table & 7;
		m->table_offset = table & ~7u;
		m->pba_bar = pba & 7;
		m->pba_offset = pba & ~7u;
		if (m->table_bar > 5 || m->pba_bar > 5)
			return bb_fail(e, BB_ERR_CAPS, "MSI-X at 0x%x names "
				       "BAR %u/%u (BIRs 6 and 7 are reserved)",
				       pos, m->table_bar, m->pba_bar);
		return 0;
	}
	return 0;
}

#define PLACE_NAME(id, name) [id] = name,
static const char *const place_names[PLACE_COUNT] = { PLACES(PLACE_NAME) };
#undef PLACE_NAME

const char *place_name(enum place p)
{
	return p < PLACE_COUNT ? place_names[p] : "?";
}

int place_from_name(const char *name)
{
	for (int i = 0; i < PLACE_COUNT; i++)
		if (!strcmp(name, place_names[i]))
			return i;
	return -1;
}

struct place_layout msix_place_layout(const struct msix_info *m)
{
	if (!m->present)
		return (struct place_layout){ .table_bar = PLACE_NO_BAR,
					      .pba_bar = PLACE_NO_BAR };
	return (struct place_layout){
		.table_bar = m->table_bar, .table_offset = m->table_offset,
		.table_size = msix_table_size(m),
		.pba_bar = m->pba_bar, .pba_offset = m->pba_offset,
		.pba_size = msix_pba_size(m),
	};
}

enum place place_classify(const struct msix_info *m, int bar, uint64_t offset,
			  uint64_t page_size)
{
	struct place_layout l = msix_place_layout(m);
	/* Pages are powers of two: the shift is the division. */
	unsigned int shift = page_size ? __builtin_ctzll(page_size) : 0;

	return place_at(&l, (unsigned int)bar, offset, shift);
}

static int add_cut(uint64_t *cuts, int n, uint64_t x, uint64_t size)
{
	if (x < size)
		cuts[n++] = x;
	return n;
}

/* The edges of [start, start + len) and of the pages it touches. */
static int add_range_cuts(uint64_t *cuts, int n, uint64_t start, uint64_t len,
			  uint64_t page_size, uint64_t size)
{
	uint64_t end = start + len;

	n = add_cut(cuts, n, start, size);
	n = add_cut(cuts, n, end, size);
	n = add_cut(cuts, n, start / page_size * page_size, size);
	return add_cut(cuts, n, (end + page_size - 1) / page_size * page_size,
		       size);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int place_segments(const struct msix_info *m, int bar, uint64_t size,
		   uint64_t page_size, struct place_segment *out, int max)
{
	uint64_t cuts[16];
	int n = 0, nseg = 0;

	/* The class can only change at a table/PBA edge or its page's edge. */
	n = add_cut(cuts, n, 0, size);
	if (m->present && bar == m->table_bar)
		n = add_range_cuts(cuts, n, m->table_offset, msix_table_size(m),
				   page_size, size);
	if (m->present && bar == m->pba_bar)
		n = add_range_cuts(cuts, n, m->pba_offset, msix_pba_size(m),
				   page_size, size);
	qsort(cuts, n, sizeof(cuts[0]), cmp_u64);
	for (int i = 0; i < n; i++) {
		uint64_t end = i + 1 < n ? cuts[i + 1] : size;
		enum place p;

		if (end == cuts[i])
			continue;	/* a duplicate cut */
		p = place_classify(m, bar, cuts[i], page_size);
		if (nseg && out[nseg - 1].place == p) {
			out[nseg - 1].end = end;
			continue;
		}
		if (nseg == max)
			break;
		out[nseg].start = cuts[i];
		out[nseg].end = end;
		out[nseg].place = p;
		nseg++;
	}
	return nseg;
}

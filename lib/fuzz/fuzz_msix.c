// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: msix_parse() on an arbitrary config space image, then
 * place_segments()/place_classify() on what it found.
 *
 * Input: 8 bytes (little-endian u64) P, then the config space image (any
 * length, so short and over-long images are tried too).  From P: the BAR
 * to split is P & 7 (6 and 7 exist on no device: everything is "other"),
 * its size (P >> 3) & (2^34 - 1), 16 GiB at most, which covers every
 * table/PBA offset a 32-bit MSI-X register can name.
 *
 * Checked, abort() on violation:
 *  - failure sets a message;
 *  - on success with present: BIRs <= 5, 1..2048 entries, the capability
 *    lies at 0x40.. inside the image, holds id 0x11 and the reported
 *    fields;
 *  - place_segments at 4 KiB and 64 KiB pages, on the chosen BAR and on
 *    the table and PBA BARs: ascending, contiguous segments covering
 *    [0, size), each of a valid place that place_classify() gives at its
 *    first, middle and last byte, neighbours of different places; with
 *    a smaller @max, a prefix of the same answer and no write past @max.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msix.h"

#define FUZZ_NAME "fuzz_msix"
#include "fuzz.h"

#define MAX_SEGS	16

static void check_segments(const struct msix_info *m, int bar, uint64_t size,
			   uint64_t page)
{
	/* Exactly sized heap arrays: ASan catches a write past @max. */
	struct place_segment *seg = malloc(MAX_SEGS * sizeof(*seg));
	struct place_segment *few = malloc(2 * sizeof(*few));
	int n, k;

	if (!seg || !few)
		abort();
	n = place_segments(m, bar, size, page, seg, MAX_SEGS);
	if (n < 0 || n > MAX_SEGS)
		FAIL("bar %d size 0x%llx page %llu: %d segments", bar,
		     (unsigned long long)size, (unsigned long long)page, n);
	if (!size && n)
		FAIL("%d segments in an empty BAR", n);
	if (size && !n)
		FAIL("no segment for a BAR of 0x%llx bytes",
		     (unsigned long long)size);
	for (int i = 0; i < n; i++) {
		const struct place_segment *s = &seg[i];
		uint64_t mid = s->start + (s->end - s->start) / 2;

		if (s->start != (i ? seg[i - 1].end : 0))
			FAIL("bar %d page %llu: segment %d starts at 0x%llx, "
			     "not where the previous ended", bar,
			     (unsigned long long)page, i,
			     (unsigned long long)s->start);
		if (s->end <= s->start || s->end > size)
			FAIL("bar %d page %llu: segment %d [0x%llx, 0x%llx) "
			     "empty, backward or past 0x%llx", bar,
			     (unsigned long long)page, i,
			     (unsigned long long)s->start,
			     (unsigned long long)s->end,
			     (unsigned long long)size);
		if ((unsigned int)s->place >= PLACE_COUNT)
			FAIL("segment %d: place %d", i, (int)s->place);
		if (i && s->place == seg[i - 1].place)
			FAIL("segments %d and %d both %s, not merged", i - 1,
			     i, place_name(s->place));
		if (place_classify(m, bar, s->start, page) != s->place ||
		    place_classify(m, bar, mid, page) != s->place ||
		    place_classify(m, bar, s->end - 1, page) != s->place)
			FAIL("bar %d page %llu: segment %d [0x%llx, 0x%llx) "
			     "is %s but place_classify disagrees inside it",
			     bar, (unsigned long long)page, i,
			     (unsigned long long)s->start,
			     (unsigned long long)s->end, place_name(s->place));
		if (place_from_name(place_name(s->place)) != (int)s->place)
			FAIL("place name of %d does not round-trip", s->place);
	}
	if (n && seg[n - 1].end != size)
		FAIL("bar %d page %llu: segments end at 0x%llx, BAR at 0x%llx",
		     bar, (unsigned long long)page,
		     (unsigned long long)seg[n - 1].end,
		     (unsigned long long)size);

	k = place_segments(m, bar, size, page, few, 2);
	if (k != (n < 2 ? n : 2) || memcmp(few, seg, k * sizeof(*few)))
		FAIL("with max 2: %d segments, not the first of %d", k, n);
	free(seg);
	free(few);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t pages[] = { 4096, 65536 };
	struct msix_info m;
	struct bb_err e;
	const uint8_t *cfg;
	uint64_t p, bar_size;
	size_t len;
	int bar;

	if (size < 8)
		return 0;
	memcpy(&p, data, 8);
	bar = (int)(p & 7);
	bar_size = (p >> 3) & ((1ull << 34) - 1);
	cfg = data + 8;		/* ends where the input does: ASan-exact */
	len = size - 8;

	e.msg[0] = 0;
	if (msix_parse(cfg, len, &m, &e)) {
		if (!e.msg[0] || !memchr(e.msg, 0, sizeof(e.msg)))
			FAIL("failed without a message");
		return 0;
	}
	if (len < 64)
		FAIL("accepted a %zu-byte image", len);
	if (m.present) {
		size_t at = m.cap_offset, img = len < 256 ? len : 256;
		uint16_t ctrl;
		uint32_t table, pba;

		if (m.table_bar > 5 || m.pba_bar > 5)
			FAIL("BIRs %u/%u", m.table_bar, m.pba_bar);
		if (m.entries < 1 || m.entries > 2048)
			FAIL("%u entries", m.entries);
		if (!(cfg[0x06] & 0x10))
			FAIL("MSI-X found without the capability list bit");
		if (at < 0x40 || at + 12 > img || at % 4)
			FAIL("MSI-X cap at 0x%zx in a %zu-byte image", at, len);
		memcpy(&ctrl, cfg + at + 2, 2);
		memcpy(&table, cfg + at + 4, 4);
		memcpy(&pba, cfg + at + 8, 4);
		if (cfg[at] != 0x11 || m.entries != (ctrl & 0x7ff) + 1 ||
		    m.table_bar != (table & 7) ||
		    m.table_offset != (table & ~7u) ||
		    m.pba_bar != (pba & 7) || m.pba_offset != (pba & ~7u))
			FAIL("MSI-X cap at 0x%zx decoded wrong", at);
		if (msix_table_size(&m) != m.entries * 16u ||
		    msix_pba_size(&m) < (m.entries + 7u) / 8 ||
		    msix_pba_size(&m) % 8)
			FAIL("table/PBA sizes of %u entries", m.entries);
	}

	for (int i = 0; i < 2; i++) {
		check_segments(&m, bar, bar_size, pages[i]);
		if (m.present) {
			check_segments(&m, m.table_bar, bar_size, pages[i]);
			if (m.pba_bar != m.table_bar)
				check_segments(&m, m.pba_bar, bar_size,
					       pages[i]);
		}
	}
	return 0;
}

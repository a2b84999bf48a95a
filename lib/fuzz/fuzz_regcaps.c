// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: regcaps_parse() on an arbitrary region info buffer.
 *
 * Input: 4 bytes (little-endian u32) give the offset of the first
 * capability, as vfio_region_info.cap_offset would; the rest is the buffer
 * the kernel appended the chain to (its first 32 bytes stand for the
 * region info header itself).
 *
 * Beyond "no sanitizer report", on success the result must agree with an
 * independent walk of the chain done here: the same caps in the same order,
 * within the limits of regcaps.h, and the sparse areas copied from bytes
 * that lie inside the buffer.  On failure a message must be set.  Any
 * violation abort()s, which libFuzzer (or lib/fuzz/replay.c) reports.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regcaps.h"

#define FUZZ_NAME "fuzz_regcaps"
#include "fuzz.h"

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct region_caps c;
	struct bb_err e;
	const uint8_t *buf;
	size_t len, off, sparse_at = 0, type_at = 0;
	uint32_t first;
	int n = 0, msix = 0;

	if (size < 4)
		return 0;
	first = rd32(data);
	/* The buffer ends where the input does, so ASan sees any over-read. */
	buf = data + 4;
	len = size - 4;

	e.msg[0] = 0;
	if (regcaps_parse(buf, len, first, &c, &e)) {
		if (!e.msg[0] || !memchr(e.msg, 0, sizeof(e.msg)))
			FAIL("failed without a message");
		return 0;
	}

	if (c.ncaps < 0 || c.ncaps > REGCAPS_MAX_CAPS)
		FAIL("ncaps %d out of 0..%d", c.ncaps, REGCAPS_MAX_CAPS);
	if (c.nareas < 0 || c.nareas > REGCAPS_MAX_AREAS)
		FAIL("nareas %d out of 0..%d", c.nareas, REGCAPS_MAX_AREAS);

	/* Walk the chain again: each header must have lain in the buffer. */
	for (off = first; off; off = rd32(buf + off + 4), n++) {
		uint16_t id, ver;

		if (n >= c.ncaps)
			FAIL("chain has more than the %d caps reported",
			     c.ncaps);
		if (off % 8 || off > len || len - off < 8)
			FAIL("cap %d at %zu: header not inside the %zu-byte "
			     "buffer or misaligned", n, off, len);
		memcpy(&id, buf + off, 2);
		memcpy(&ver, buf + off + 2, 2);
		if (c.ids[n] != id || c.versions[n] != ver)
			FAIL("cap %d at %zu: id/version %u/%u reported as "
			     "%u/%u", n, off, id, ver, c.ids[n],
			     c.versions[n]);
		if (id == REGCAP_SPARSE_MMAP)
			sparse_at = off;	/* the last one wins */
		if (id == REGCAP_MSIX_MAPPABLE)
			msix = 1;
		if (id == REGCAP_TYPE) {
			if (len - off < 16)
				FAIL("TYPE at %zu read past the buffer", off);
			type_at = off;		/* the last one wins too */
		}
		if (rd32(buf + off + 4) && rd32(buf + off + 4) <= off)
			FAIL("accepted a backward next pointer at %zu", off);
		(void)regcap_name(id);
	}
	if (n != c.ncaps)
		FAIL("chain has %d caps, %d reported", n, c.ncaps);
	if (!!c.has_msix_mappable != msix || !!c.has_type != !!type_at)
		FAIL("has_msix_mappable/has_type disagree with the chain");
	if (type_at && (c.type != rd32(buf + type_at + 8) ||
			c.subtype != rd32(buf + type_at + 12)))
		FAIL("TYPE at %zu: type/subtype reported wrong", type_at);

	if (!sparse_at) {
		if (c.has_sparse || c.nareas)
			FAIL("sparse areas without a SPARSE_MMAP cap");
		return 0;
	}
	if (!c.has_sparse)
		FAIL("SPARSE_MMAP cap at %zu not reported", sparse_at);
	/* Every area read must lie inside the buffer, and be what it holds. */
	if (rd32(buf + sparse_at + 8) != (uint32_t)c.nareas)
		FAIL("nareas %d, the cap says %u", c.nareas,
		     rd32(buf + sparse_at + 8));
	if (len - sparse_at < 16 + (size_t)c.nareas * 16)
		FAIL("%d areas at %zu read past the %zu-byte buffer",
		     c.nareas, sparse_at, len);
	for (int i = 0; i < c.nareas; i++) {
		const uint8_t *a = buf + sparse_at + 16 + (size_t)i * 16;

		if (c.areas[i].offset != rd64(a) ||
		    c.areas[i].size != rd64(a + 8))
			FAIL("area %d differs from the buffer", i);
	}
	return 0;
}

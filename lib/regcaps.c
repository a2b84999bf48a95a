// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "regcaps.h"
#include "status.h"

/* struct vfio_info_cap_header: u16 id, u16 version, u32 next. */
#define CAP_HDR_SIZE	8
/* struct vfio_region_info is 32 bytes; capabilities follow it. */
#define REGION_INFO_SIZE	32
/*
 * The kernel (vfio_info_cap_add) aligns every capability to 8 bytes, so
 * anything else means the buffer is not what the kernel wrote.
 */
#define CAP_ALIGN	8

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

const char *regcap_name(uint16_t id)
{
	switch (id) {
	case REGCAP_SPARSE_MMAP:
		return "SPARSE_MMAP";
	case REGCAP_TYPE:
		return "TYPE";
	case REGCAP_MSIX_MAPPABLE:
		return "MSIX_MAPPABLE";
	case 4:
		return "NVLINK2_SSATGT";
	case 5:
		return "NVLINK2_LNKSPD";
	default:
		return NULL;
	}
}

static int parse_sparse(const uint8_t *b, size_t len, size_t off,
			struct region_caps *caps, struct bb_err *e)
{
	uint32_t n;
	size_t need;

	/* header, u32 nr_areas, u32 reserved, then {u64 offset, u64 size}[] */
	if (len - off < CAP_HDR_SIZE + 8)
		return bb_fail(e, BB_ERR_CAPS, "SPARSE_MMAP at %zu: truncated "
			       "header", off);
	n = get32(b + off + CAP_HDR_SIZE);
	if (n > REGCAPS_MAX_AREAS)
		return bb_fail(e, BB_ERR_CAPS, "SPARSE_MMAP at %zu: %u areas "
			       "(max %d)", off, n, REGCAPS_MAX_AREAS);
	need = CAP_HDR_SIZE + 8 + (size_t)n * 16;
	if (len - off < need)
		return bb_fail(e, BB_ERR_CAPS, "SPARSE_MMAP at %zu: %u areas "
			       "need %zu bytes, %zu left", off, n, need,
			       len - off);
	caps->has_sparse = 1;
	caps->nareas = (int)n;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *a = b + off + CAP_HDR_SIZE + 8 + i * 16;

		caps->areas[i].offset = get64(a);
		caps->areas[i].size = get64(a + 8);
	}
	return 0;
}

int regcaps_parse(const void *buf, size_t len, uint32_t first,
		  struct region_caps *caps, struct bb_err *e)
{
	const uint8_t *b = buf;
	size_t off = first;

	memset(caps, 0, sizeof(*caps));
	if (!first)
		return 0;
	if (first < REGION_INFO_SIZE)
		return bb_fail(e, BB_ERR_CAPS, "first capability at %u lies "
			       "inside the region info header", first);
	while (off) {
		uint16_t id;
		uint32_t next;

		if (off % CAP_ALIGN)
			return bb_fail(e, BB_ERR_CAPS, "capability at %zu is "
				       "not %d-byte aligned", off, CAP_ALIGN);
		if (off > len || len - off < CAP_HDR_SIZE)
			return bb_fail(e, BB_ERR_CAPS, "capability at %zu is "
				       "outside the %zu-byte buffer", off,
				       len);
		if (caps->ncaps == REGCAPS_MAX_CAPS)
			return bb_fail(e, BB_ERR_CAPS, "more than %d "
				       "capabilities", REGCAPS_MAX_CAPS);
		id = get16(b + off);
		next = get32(b + off + 4);
		caps->ids[caps->ncaps] = id;
		caps->versions[caps->ncaps] = get16(b + off + 2);
		caps->ncaps++;

		if (id == REGCAP_SPARSE_MMAP &&
		    parse_sparse(b, len, off, caps, e))
			return BB_ERR_CAPS;
		if (id == REGCAP_MSIX_MAPPABLE)
			caps->has_msix_mappable = 1;
		if (id == REGCAP_TYPE) {
			if (len - off < CAP_HDR_SIZE + 8)
				return bb_fail(e, BB_ERR_CAPS, "TYPE at %zu: "
					       "truncated", off);
			caps->has_type = 1;
			caps->type = get32(b + off + CAP_HDR_SIZE);
			caps->subtype = get32(b + off + CAP_HDR_SIZE + 4);
		}
		/*
		 * The kernel only appends, so each next pointer lies past the
		 * one before.  Requiring that also makes a loop impossible.
		 */
		if (next && next <= off)
			return bb_fail(e, BB_ERR_CAPS, "capability at %zu "
				       "points back to %u (a loop)", off,
				       next);
		off = next;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of what needs no device: the region capability chain parser
 * (malformed chains included), the MSI-X capability parser, place classes
 * at 4K, 16K and 64K (the classifier trapcount's BPF side runs too), the
 * statistics, PCI address and number parsing, and the JSON writer (as
 * trapcount writes its report with it).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "msix.h"
#include "parse_num.h"
#include "place_classify.h"
#include "regcaps.h"
#include "stats.h"
#include "status.h"
#include "vfio_dev.h"
#include "check.h"

/* Build a region info buffer: 32-byte header, then capabilities. */
static uint8_t info[512];

static void put16(size_t off, uint16_t v)
{
	memcpy(info + off, &v, 2);
}

static void put32(size_t off, uint32_t v)
{
	memcpy(info + off, &v, 4);
}

static void put64(size_t off, uint64_t v)
{
	memcpy(info + off, &v, 8);
}

static void cap(size_t off, uint16_t id, uint32_t next)
{
	put16(off, id);
	put16(off + 2, 1);
	put32(off + 4, next);
}

static int parse(size_t len, uint32_t first, struct region_caps *c)
{
	struct bb_err e;

	return regcaps_parse(info, len, first, c, &e);
}

static void test_regcaps_valid(void)
{
	struct region_caps c;

	/* What a 6.12 kernel gives for an MSI-X BAR: MSIX_MAPPABLE alone. */
	memset(info, 0, sizeof(info));
	cap(32, REGCAP_MSIX_MAPPABLE, 0);
	CHECK(parse(40, 32, &c) == 0);
	CHECK_EQ(c.ncaps, 1);
	CHECK(c.has_msix_mappable);
	CHECK(!c.has_sparse);

	/* Pre-4.16: sparse areas around the table page, then an unknown id. */
	memset(info, 0, sizeof(info));
	cap(32, REGCAP_SPARSE_MMAP, 80);
	put32(40, 2);
	put64(48, 0x0);
	put64(56, 0x2000);
	put64(64, 0x3000);
	put64(72, 0x1000);
	cap(80, 77, 0);
	CHECK(parse(88, 32, &c) == 0);
	CHECK_EQ(c.ncaps, 2);
	CHECK(c.has_sparse);
	CHECK(!c.has_msix_mappable);
	CHECK_EQ(c.nareas, 2);
	CHECK_EQ(c.areas[0].size, 0x2000);
	CHECK_EQ(c.areas[1].offset, 0x3000);
	CHECK_EQ(c.areas[1].size, 0x1000);
	CHECK_EQ(c.ids[1], 77);
	CHECK(regcap_name(77) == NULL);

	/* The old-kernel quirk: one area of size 0 is valid input. */
	memset(info, 0, sizeof(info));
	cap(32, REGCAP_SPARSE_MMAP, 0);
	put32(40, 1);
	CHECK(parse(64, 32, &c) == 0);
	CHECK_EQ(c.nareas, 1);
	CHECK_EQ(c.areas[0].size, 0);

	/* No chain at all. */
	CHECK(parse(32, 0, &c) == 0);
	CHECK_EQ(c.ncaps, 0);
}

static void test_regcaps_malformed(void)
{
	struct region_caps c;

	memset(info, 0, sizeof(info));
	cap(32, REGCAP_MSIX_MAPPABLE, 32);	/* points at itself */
	CHECK(parse(64, 32, &c) == BB_ERR_CAPS);

	cap(32, REGCAP_MSIX_MAPPABLE, 40);	/* a two-cap loop */
	cap(40, REGCAP_TYPE, 32);
	CHECK(parse(64, 32, &c) == BB_ERR_CAPS);

	cap(32, REGCAP_MSIX_MAPPABLE, 4096);	/* outside the buffer */
	CHECK(parse(64, 32, &c) == BB_ERR_CAPS);

	cap(32, REGCAP_MSIX_MAPPABLE, 60);	/* header crosses the end */
	CHECK(parse(64, 32, &c) == BB_ERR_CAPS);

	cap(32, REGCAP_MSIX_MAPPABLE, 44);	/* misaligned */
	CHECK(parse(128, 32, &c) == BB_ERR_CAPS);

	CHECK(parse(64, 8, &c) == BB_ERR_CAPS);		/* inside the info header */
	CHECK(parse(64, 0xfffffff8u, &c) == BB_ERR_CAPS);

	/* A sparse cap claiming more areas than the buffer holds. */
	memset(info, 0, sizeof(info));
	cap(32, REGCAP_SPARSE_MMAP, 0);
	put32(40, 3);
	CHECK(parse(64, 32, &c) == BB_ERR_CAPS);
	put32(40, 0xffffffffu);
	CHECK(parse(sizeof(info), 32, &c) == BB_ERR_CAPS);

	/* A TYPE cap cut short. */
	memset(info, 0, sizeof(info));
	cap(32, REGCAP_TYPE, 0);
	CHECK(parse(44, 32, &c) == BB_ERR_CAPS);
}

/* Config space with MSI-X at 0x40 like QEMU's nvme: 65 vectors. */
static uint8_t cfg[256];

static void make_config(uint16_t entries, uint32_t table, uint32_t pba)
{
	uint16_t ctrl = entries - 1;

	memset(cfg, 0, sizeof(cfg));
	cfg[0] = 0x36;
	cfg[1] = 0x1b;
	cfg[0x06] = 0x10;	/* capability list present */
	cfg[0x34] = 0x60;
	cfg[0x60] = 0x05;	/* MSI, then MSI-X */
	cfg[0x61] = 0x40;
	cfg[0x40] = 0x11;
	cfg[0x41] = 0x00;
	memcpy(cfg + 0x42, &ctrl, 2);
	memcpy(cfg + 0x44, &table, 4);
	memcpy(cfg + 0x48, &pba, 4);
}

static void test_msix(void)
{
	struct msix_info m;
	struct bb_err e;

	make_config(65, 0x2000, 0x3000);
	CHECK(msix_parse(cfg, sizeof(cfg), &m, &e) == 0);
	CHECK(m.present);
	CHECK_EQ(m.cap_offset, 0x40);
	CHECK_EQ(m.entries, 65);
	CHECK_EQ(m.table_bar, 0);
	CHECK_EQ(m.table_offset, 0x2000);
	CHECK_EQ(msix_table_size(&m), 0x410);
	CHECK_EQ(m.pba_offset, 0x3000);
	CHECK_EQ(msix_pba_size(&m), 16);

	/* BIR in the low three bits. */
	make_config(16, 0x3000 | 2, 0x3800 | 4);
	CHECK(msix_parse(cfg, sizeof(cfg), &m, &e) == 0);
	CHECK_EQ(m.table_bar, 2);
	CHECK_EQ(m.pba_bar, 4);
	CHECK_EQ(m.table_offset, 0x3000);

	make_config(16, 0x3000 | 7, 0x3800);	/* reserved BIR */
	CHECK(msix_parse(cfg, sizeof(cfg), &m, &e) == BB_ERR_CAPS);

	make_config(16, 0x3000, 0x3800);
	cfg[0x06] = 0;				/* no capability list */
	CHECK(msix_parse(cfg, sizeof(cfg), &m, &e) == 0);
	CHECK(!m.present);

	make_config(16, 0x3000, 0x3800);
	cfg[0x40] = 0x09;			/* not MSI-X: vendor cap */
	CHECK(msix_parse(cfg, sizeof(cfg), &m, &e) == 0);
	CHECK(!m.present);

	make_config(16, 0x3000, 0x3800);
	cfg[0x40] = 0x09;
	cfg[0x41] = 0x60;			/* loops back to 0x60 */
	CHECK(msix_parse(cfg, sizeof(cfg), &m, &e) == BB_ERR_CAPS);

	make_config(16, 0x3000, 0x3800);
	cfg[0x34] = 0x20;			/* into the header */
	CHECK(msix_parse(cfg, sizeof(cfg), &m, &e) == BB_ERR_CAPS);

	make_config(16, 0x3000, 0x3800);
	cfg[0x34] = 0xfc;			/* too close to the end */
	CHECK(msix_parse(cfg, sizeof(cfg), &m, &e) == BB_ERR_CAPS);

	CHECK(msix_parse(cfg, 32, &m, &e) == BB_ERR_CAPS);
}

static void test_places(void)
{
	struct msix_info nvme = { 1, 0x40, 65, 0, 0x2000, 0, 0x3000 };
	struct msix_info xhci = { 1, 0x40, 16, 0, 0x3000, 0, 0x3800 };
	struct msix_info none = { 0 };
	struct place_segment seg[16];
	int n;

	/* 4K: the doorbells at 0x1000 have a page of their own. */
	CHECK_EQ(place_classify(&nvme, 0, 0x0000, 4096), PLACE_OTHER);
	CHECK_EQ(place_classify(&nvme, 0, 0x1000, 4096), PLACE_OTHER);
	CHECK_EQ(place_classify(&nvme, 0, 0x2000, 4096), PLACE_MSIX_TABLE);
	CHECK_EQ(place_classify(&nvme, 0, 0x240f, 4096), PLACE_MSIX_TABLE);
	CHECK_EQ(place_classify(&nvme, 0, 0x2410, 4096), PLACE_TABLE_PAGE);
	CHECK_EQ(place_classify(&nvme, 0, 0x3000, 4096), PLACE_MSIX_PBA);
	CHECK_EQ(place_classify(&nvme, 0, 0x300f, 4096), PLACE_MSIX_PBA);
	CHECK_EQ(place_classify(&nvme, 0, 0x3010, 4096), PLACE_TABLE_PAGE);
	CHECK_EQ(place_classify(&nvme, 1, 0x2000, 4096), PLACE_OTHER);
	/* 64K: everything in the 16K BAR shares the table's page. */
	CHECK_EQ(place_classify(&nvme, 0, 0x0000, 65536), PLACE_TABLE_PAGE);
	CHECK_EQ(place_classify(&nvme, 0, 0x1000, 65536), PLACE_TABLE_PAGE);
	CHECK_EQ(place_classify(&nvme, 0, 0x2000, 65536), PLACE_MSIX_TABLE);
	CHECK_EQ(place_classify(&nvme, 0, 0x3000, 65536), PLACE_MSIX_PBA);
	/* xhci: table and PBA share one 4K page. */
	CHECK_EQ(place_classify(&xhci, 0, 0x2000, 4096), PLACE_OTHER);
	CHECK_EQ(place_classify(&xhci, 0, 0x30fc, 4096), PLACE_MSIX_TABLE);
	CHECK_EQ(place_classify(&xhci, 0, 0x3100, 4096), PLACE_TABLE_PAGE);
	CHECK_EQ(place_classify(&xhci, 0, 0x3800, 4096), PLACE_MSIX_PBA);
	CHECK_EQ(place_classify(&xhci, 0, 0x3ffc, 4096), PLACE_TABLE_PAGE);
	CHECK_EQ(place_classify(&none, 0, 0x3000, 4096), PLACE_OTHER);

	n = place_segments(&nvme, 0, 0x4000, 4096, seg, 16);
	CHECK_EQ(n, 5);
	CHECK_EQ(seg[0].end, 0x2000);
	CHECK_EQ(seg[0].place, PLACE_OTHER);
	CHECK_EQ(seg[1].end, 0x2410);
	CHECK_EQ(seg[2].place, PLACE_TABLE_PAGE);
	CHECK_EQ(seg[3].start, 0x3000);
	CHECK_EQ(seg[4].end, 0x4000);
	n = place_segments(&nvme, 0, 0x4000, 65536, seg, 16);
	CHECK_EQ(n, 5);
	CHECK_EQ(seg[0].place, PLACE_TABLE_PAGE);
	CHECK_EQ(seg[0].end, 0x2000);
	n = place_segments(&none, 0, 0x4000, 4096, seg, 16);
	CHECK_EQ(n, 1);

	CHECK_EQ(place_from_name("table-page"), PLACE_TABLE_PAGE);
	CHECK(place_from_name("nowhere") == -1);
}

/*
 * place_at() itself, as the BPF side calls it: a layout of plain numbers
 * (no MSI-X: PLACE_NO_BAR) and a page shift.
 */
static void test_place_at(void)
{
	/* nvme: 65 entries (0x410 bytes) at 0x2000, PBA 16 bytes at 0x3000. */
	const struct place_layout nvme = { 0, 0x2000, 0x410, 0, 0x3000, 16 };
	/* Table in BAR 2, PBA in BAR 4 (x-msix-relocation's split). */
	const struct place_layout split = { 2, 0, 0x100, 4, 0x8000, 8 };
	const struct place_layout none = { PLACE_NO_BAR, 0, 0, PLACE_NO_BAR,
					   0, 0 };
	/* A table at the top of the 32-bit offsets: no wrap at 2^32. */
	const struct place_layout top = { 0, 0xfffff000, 0x1000, PLACE_NO_BAR,
					  0, 0 };

	CHECK_EQ(place_at(&nvme, 0, 0x0000, 12), PLACE_OTHER);
	CHECK_EQ(place_at(&nvme, 0, 0x1fff, 12), PLACE_OTHER);
	CHECK_EQ(place_at(&nvme, 0, 0x2000, 12), PLACE_MSIX_TABLE);
	CHECK_EQ(place_at(&nvme, 0, 0x240f, 12), PLACE_MSIX_TABLE);
	CHECK_EQ(place_at(&nvme, 0, 0x2410, 12), PLACE_TABLE_PAGE);
	CHECK_EQ(place_at(&nvme, 0, 0x2fff, 12), PLACE_TABLE_PAGE);
	CHECK_EQ(place_at(&nvme, 0, 0x3000, 12), PLACE_MSIX_PBA);
	CHECK_EQ(place_at(&nvme, 0, 0x300f, 12), PLACE_MSIX_PBA);
	CHECK_EQ(place_at(&nvme, 0, 0x3010, 12), PLACE_TABLE_PAGE);
	CHECK_EQ(place_at(&nvme, 0, 0x4000, 12), PLACE_OTHER);
	CHECK_EQ(place_at(&nvme, 1, 0x2000, 12), PLACE_OTHER);
	/* 16K pages: 0x0-0x3fff is one page, holding table and PBA. */
	CHECK_EQ(place_at(&nvme, 0, 0x0000, 14), PLACE_TABLE_PAGE);
	CHECK_EQ(place_at(&nvme, 0, 0x3fff, 14), PLACE_TABLE_PAGE);
	CHECK_EQ(place_at(&nvme, 0, 0x4000, 14), PLACE_OTHER);
	/* 64K: all of the first 64K. */
	CHECK_EQ(place_at(&nvme, 0, 0xffff, 16), PLACE_TABLE_PAGE);
	CHECK_EQ(place_at(&nvme, 0, 0x10000, 16), PLACE_OTHER);
	/* Each on its own BAR: the other BAR's offsets are not its. */
	CHECK_EQ(place_at(&split, 2, 0x0ff, 12), PLACE_MSIX_TABLE);
	CHECK_EQ(place_at(&split, 2, 0x100, 12), PLACE_TABLE_PAGE);
	CHECK_EQ(place_at(&split, 2, 0x8000, 12), PLACE_OTHER);
	CHECK_EQ(place_at(&split, 4, 0x0ff, 12), PLACE_OTHER);
	CHECK_EQ(place_at(&split, 4, 0x8007, 12), PLACE_MSIX_PBA);
	CHECK_EQ(place_at(&split, 4, 0x8008, 12), PLACE_TABLE_PAGE);
	CHECK_EQ(place_at(&split, 4, 0x7fff, 12), PLACE_OTHER);
	CHECK_EQ(place_at(&split, 4, 0x7fff, 16), PLACE_TABLE_PAGE);
	/* No MSI-X: every BAR, even one numbered PLACE_NO_BAR's size 0. */
	CHECK_EQ(place_at(&none, 0, 0, 12), PLACE_OTHER);
	CHECK_EQ(place_at(&none, PLACE_NO_BAR, 0, 12), PLACE_OTHER);
	CHECK_EQ(place_at(&top, 0, 0xffffffffull, 12), PLACE_MSIX_TABLE);
	CHECK_EQ(place_at(&top, 0, 0x100000000ull, 12), PLACE_OTHER);
	CHECK_EQ(place_at(&top, 0, ~0ull, 12), PLACE_OTHER);
	/* The C library's wrapper agrees: msix_info to layout, size to shift. */
	{
		struct msix_info m = { 1, 0x40, 65, 0, 0x2000, 0, 0x3000 };
		struct place_layout l = msix_place_layout(&m);

		CHECK_EQ(l.table_size, 0x410);
		CHECK_EQ(l.pba_size, 16);
		m.present = 0;
		CHECK_EQ(msix_place_layout(&m).table_bar, PLACE_NO_BAR);
		CHECK_EQ(msix_place_layout(&m).pba_bar, PLACE_NO_BAR);
	}
}

/* The one number parser: every tool's options, the hostile values too. */
static void test_parse_num(void)
{
	static const char *const bad[] = {
		"-1", " -1", "18446744073709551616", "99999999999999999999",
		"12abc", "1e3", "0x", "08x", " 5", "", "+5", "5 ", "0x1g",
	};
	uint64_t v = 42;
	int i = 42;

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		CHECK(parse_u64(bad[k], UINT64_MAX, &v) == -1);
		CHECK(parse_int(bad[k], 0, 1000, &i) == -1);
	}
	CHECK(parse_u64(NULL, 10, &v) == -1);
	CHECK_EQ(v, 42);		/* untouched on failure */
	CHECK_EQ(i, 42);
	CHECK(parse_u64("18446744073709551615", UINT64_MAX, &v) == 0);
	CHECK_EQ(v, UINT64_MAX);
	CHECK(parse_u64("0x10", 16, &v) == 0);
	CHECK_EQ(v, 16);
	CHECK(parse_u64("010", 100, &v) == 0);	/* octal, as C reads it */
	CHECK_EQ(v, 8);
	CHECK(parse_u64("0x11", 16, &v) == -1);	/* past max */
	CHECK(parse_int("0", 1, 5, &i) == -1);	/* under min */
	CHECK(parse_int("6", 1, 5, &i) == -1);
	CHECK(parse_int("5", 1, 5, &i) == 0);
	CHECK_EQ(i, 5);
	CHECK(parse_int("2147483648", 0, 2147483647, &i) == -1);
	CHECK(parse_int("2147483647", 0, 2147483647, &i) == 0);
	CHECK_EQ(i, 2147483647);
	CHECK(parse_int("0", 0, -1, &i) == -1);	/* no range at all */
}

static void test_stats(void)
{
	double odd[] = { 5, 1, 4, 2, 3 };
	double outlier[] = { 1, 2, 3, 4, 100 };
	double same[50];
	struct summary s, s2;

	CHECK(summarize(odd, 5, 200, 7, &s) == 0);
	CHECK(s.median == 3);
	CHECK(s.min == 1 && s.max == 5);
	CHECK(fabs(s.p5 - 1.2) < 1e-9);		/* 1 + 0.05 * 4 */
	CHECK(fabs(s.p95 - 4.8) < 1e-9);
	CHECK(s.mad == 1);
	CHECK(s.ci_lo <= s.median && s.median <= s.ci_hi);
	CHECK(s.ci_lo >= 1 && s.ci_hi <= 5);

	CHECK(summarize(outlier, 5, 200, 7, &s) == 0);
	CHECK(s.median == 3);
	CHECK(s.mad == 1);		/* the outlier does not move it */
	CHECK(s.mean == 22);

	for (int i = 0; i < 50; i++)
		same[i] = 42;
	CHECK(summarize(same, 50, 500, 1, &s) == 0);
	CHECK(s.ci_lo == 42 && s.ci_hi == 42 && s.mad == 0);

	/* Same seed, same interval: a run can be reproduced. */
	CHECK(summarize(outlier, 5, 300, 99, &s) == 0);
	CHECK(summarize(outlier, 5, 300, 99, &s2) == 0);
	CHECK(s.ci_lo == s2.ci_lo && s.ci_hi == s2.ci_hi);

	/* Even n: the median of each resample averages the middle two. */
	CHECK(summarize(odd, 4, 400, 3, &s) == 0);
	CHECK(s.median == 3);			/* sorted 1 2 4 5 */
	CHECK(s.ci_lo >= 1 && s.ci_hi <= 5 && s.ci_lo < s.ci_hi);

	/* 0..1000: the CI of the median holds 500 and is narrow. */
	{
		static double ramp[1001];

		for (int i = 0; i <= 1000; i++)
			ramp[i] = 1000 - i;
		CHECK(summarize(ramp, 1001, 1000, 5, &s) == 0);
		CHECK(s.median == 500);
		CHECK(s.ci_lo < 500 && s.ci_hi > 500);
		CHECK(s.ci_hi - s.ci_lo < 120);	/* about 2 * 1.96 * 29 */
		CHECK(s.p5 == 50 && s.p95 == 950);
		CHECK(s.mad == 250);
	}

	/* Found by fuzzing: values near DBL_MAX must not overflow to inf. */
	{
		double big[] = { -1.7e308, 1.7e308, 1.7e308 };

		CHECK(summarize(big, 3, 200, 1, &s) == 0);
		CHECK(isfinite(s.mean) && isfinite(s.p5) && isfinite(s.p95));
		CHECK(s.p5 <= s.median && s.median <= s.p95);
		CHECK(s.ci_lo <= s.median && s.median <= s.ci_hi);
		CHECK(isfinite(s.ci_lo) && isfinite(s.ci_hi));
		CHECK(!isnan(s.mad));
	}
	{
		double wide[] = { -8e307, -8e307, 1.7e308 };

		CHECK(summarize(wide, 3, 200, 1, &s) == 0);
		CHECK(!isnan(s.mad) && !isnan(s.ci_lo) && !isnan(s.ci_hi));
		CHECK(s.median == -8e307);
	}

	CHECK(summarize(odd, 0, 100, 1, &s) == -1);
	CHECK(isnan(s.median));
	CHECK(isnan(median_of(odd, 0)));
	CHECK(median_of(odd, 4) == 3);		/* (2 + 4) / 2 */
}

static void test_addr(void)
{
	char out[32];

	CHECK(pci_addr_normalize("0000:00:02.0", out, sizeof(out)) == 0);
	CHECK(!strcmp(out, "0000:00:02.0"));
	CHECK(pci_addr_normalize("3:0.1", out, sizeof(out)) == 0);
	CHECK(!strcmp(out, "0000:03:00.1"));
	CHECK(pci_addr_normalize("1:a1:1f.7", out, sizeof(out)) == 0);
	CHECK(!strcmp(out, "0001:a1:1f.7"));
	CHECK(pci_addr_normalize("00:20.0", out, sizeof(out)) == -1);
	CHECK(pci_addr_normalize("00:02.8", out, sizeof(out)) == -1);
	CHECK(pci_addr_normalize("00:02.0x", out, sizeof(out)) == -1);
	CHECK(pci_addr_normalize("../../etc", out, sizeof(out)) == -1);
	CHECK(pci_addr_normalize("", out, sizeof(out)) == -1);
	/* Found by fuzzing: a domain too big for its field must not wrap. */
	CHECK(pci_addr_normalize("100000000:00:02.0", out, sizeof(out)) == -1);
	CHECK(pci_addr_normalize("10000:00:02.0", out, sizeof(out)) == -1);
	CHECK(pci_addr_normalize("000:00:02.0", out, sizeof(out)) == 0);
	CHECK(!strcmp(out, "0000:00:02.0"));
	CHECK(pci_addr_normalize("0000:000:02.0", out, sizeof(out)) == -1);
	CHECK(pci_addr_normalize("0000:00:02.00", out, sizeof(out)) == -1);
	CHECK(pci_addr_normalize("0000:00:02", out, sizeof(out)) == -1);
	CHECK(pci_addr_normalize("ABCD:EF:1F.7", out, sizeof(out)) == 0);
	CHECK(!strcmp(out, "abcd:ef:1f.7"));
}

static void test_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	double v[] = { 1.5, NAN };
	struct jw w;

	jw_init(&w, f);
	jw_object(&w, NULL);
	jw_str(&w, "s", "a\"b\n");
	jw_int(&w, "i", -3);
	jw_num(&w, "nan", NAN);
	jw_nums(&w, "v", v, 2);
	jw_array(&w, "e");
	jw_end(&w, ']');
	jw_end(&w, '}');
	fclose(f);
	CHECK(!strcmp(buf, "{\n  \"s\": \"a\\\"b\\n\",\n  \"i\": -3,\n"
		      "  \"nan\": null,\n  \"v\": [1.5, null],\n  \"e\": []\n}\n"));
	free(buf);
}

/*
 * The JSON string at "@key": " in @json, decoded into @out (as a JSON
 * reader would: every escape jw_str writes), or NULL.
 */
static const char *json_string_at(const char *json, const char *key,
				  char *out, size_t len)
{
	const char *p = strstr(json, key);
	size_t n = 0;

	if (!p || *(p += strlen(key)) != '"')
		return NULL;
	for (p++; *p && *p != '"' && n + 1 < len; p++) {
		unsigned int u;

		if (*p != '\\') {
			if ((unsigned char)*p < 0x20)
				return NULL;	/* JSON has no raw controls */
			out[n++] = *p;
			continue;
		}
		switch (*++p) {
		case 'n':
			out[n++] = '\n';
			break;
		case 'u':
			if (sscanf(p + 1, "%4x", &u) != 1 || u > 0x7f)
				return NULL;
			out[n++] = (char)u;
			p += 4;
			break;
		case '"':
		case '\\':
		case '/':
			out[n++] = *p;
			break;
		default:
			return NULL;
		}
	}
	if (*p != '"')
		return NULL;
	out[n] = 0;
	return out;
}

/*
 * trapcount's report goes through this writer (bpf/trapcount.c): rows on
 * one line, and a process name that needs escaping, as any process can
 * name itself, comes back exactly.
 */
static void test_json_trapcount(void)
{
	static const char *const comms[] = {
		"a\"b\\c", "a\"b\\c\td\x01\x1f\n\x7f", "\\\"\\", "plain",
	};
	char *buf = NULL, back[64];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned int hist[2] = { 0, 4294967295u };
	struct jw w;

	jw_init(&w, f);
	jw_object(&w, NULL);
	jw_str(&w, "schema", "vfio-barbench/trapcount/1");
	jw_fixed(&w, "seconds", 1.5, 3);
	jw_array_inline(&w, "attached");
	jw_end(&w, ']');
	jw_object_inline(&w, "lost");
	jw_int(&w, "map_full", 0);
	jw_int(&w, "no_start", 0);
	jw_end(&w, '}');
	jw_array(&w, "traps");
	jw_object_inline(&w, NULL);
	jw_int(&w, "pid", 7);
	jw_str(&w, "comm", comms[0]);
	jw_fixed(&w, "avg_ns", 12.34, 1);
	jw_array_inline(&w, "hist_log2_ns");
	for (int b = 0; b < 2; b++)
		jw_int(&w, NULL, hist[b]);
	jw_end(&w, ']');
	jw_end(&w, '}');
	jw_object_inline(&w, NULL);
	jw_str(&w, "avg_ns", NULL);
	jw_end(&w, '}');
	jw_end(&w, ']');
	jw_end(&w, '}');
	fclose(f);
	CHECK_STR(buf, "{\n"
		  "  \"schema\": \"vfio-barbench/trapcount/1\",\n"
		  "  \"seconds\": 1.500,\n"
		  "  \"attached\": [],\n"
		  "  \"lost\": {\"map_full\": 0, \"no_start\": 0},\n"
		  "  \"traps\": [\n"
		  "    {\"pid\": 7, \"comm\": \"a\\\"b\\\\c\", \"avg_ns\": 12.3, "
		  "\"hist_log2_ns\": [0, 4294967295]},\n"
		  "    {\"avg_ns\": null}\n"
		  "  ]\n"
		  "}\n");
	free(buf);

	/* Each name, written as trapcount writes it, read back exactly. */
	for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		buf = NULL;
		f = open_memstream(&buf, &len);
		jw_init(&w, f);
		jw_object_inline(&w, NULL);
		jw_str(&w, "comm", comms[i]);
		jw_end(&w, '}');
		fclose(f);
		/* No raw control character: one line, then its newline. */
		CHECK(!strpbrk(buf, "\t\x01\x1f") &&
		      strchr(buf, '\n') == buf + strlen(buf) - 1);
		CHECK_STR(json_string_at(buf, "\"comm\": ", back,
					 sizeof(back)), comms[i]);
		free(buf);
	}
}

/* Labels reach results files: bytes that are not UTF-8 must not. */
static void test_utf8(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	struct jw w;

	CHECK(utf8_valid("stock-6.12"));
	CHECK(utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
	CHECK(!utf8_valid("\xff"));
	CHECK(!utf8_valid("a\xc3"));		/* cut short */
	CHECK(!utf8_valid("\xc0\xaf"));		/* overlong '/' */
	CHECK(!utf8_valid("\xed\xa0\x80"));	/* a surrogate */
	CHECK(!utf8_valid("\xf4\x90\x80\x80"));	/* past U+10FFFF */
	CHECK_EQ(utf8_len("\xe2\x82\xac"), 3);
	f = open_memstream(&buf, &len);
	jw_init(&w, f);
	jw_str(&w, NULL, "a\xff" "b\xc3\xa9");
	fclose(f);
	CHECK(!strcmp(buf, "\"a\\ufffdb\xc3\xa9\""));
	free(buf);
}

/* The one error convention: a status returned, the reason in a bb_err. */
static void test_status(void)
{
	struct bb_err e = { "" };

	CHECK_EQ(bb_fail(&e, BB_ERR_RANGE, "offset 0x%x width %d", 0x2410, 8),
		 BB_ERR_RANGE);
	CHECK(!strcmp(e.msg, "offset 0x2410 width 8"));
	CHECK(!strcmp(bb_status_text(BB_ERR_LOST),
		      "trap events were lost: counts are not exact"));
	CHECK(!strcmp(bb_status_text(BB_STATUS_COUNT), "unknown"));
	CHECK(!strcmp(bb_status_text(-1), "unknown"));
	for (int i = 0; i < BB_STATUS_COUNT; i++)
		CHECK(bb_status_text(i) && strcmp(bb_status_text(i), "unknown"));
	/* A message longer than the buffer is cut, and still terminated. */
	CHECK_EQ(bb_fail(&e, BB_ERR_IO, "%600s", "x"), BB_ERR_IO);
	CHECK_EQ(strlen(e.msg), BB_ERRLEN - 1);
	/* A malformed chain reports through the same convention. */
	CHECK_EQ(msix_parse("", 0, &(struct msix_info){ 0 }, &e), BB_ERR_CAPS);
	CHECK(strstr(e.msg, "shorter than the 64-byte header") != NULL);
}

int main(void)
{
	test_status();
	test_regcaps_valid();
	test_regcaps_malformed();
	test_msix();
	test_places();
	test_place_at();
	test_parse_num();
	test_stats();
	test_addr();
	test_json();
	test_json_trapcount();
	test_utf8();
	return check_summary("unit");
}

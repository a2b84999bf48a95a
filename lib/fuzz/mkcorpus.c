// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpora of the fuzz targets: realistic inputs, so the
 * fuzzers start from chains and config spaces as the kernel and QEMU give
 * them rather than from nothing.  The output is committed; run this again
 * only to change the seeds:
 *
 *   cc -o /tmp/mkcorpus lib/fuzz/mkcorpus.c && /tmp/mkcorpus lib/fuzz/corpus
 *
 * Layouts (see each target's comment): regcaps = u32 first-cap offset +
 * region info buffer; msix = u64 (size << 3 | bar) + config space image;
 * addr = the string; stats = rounds byte + u64 seed + doubles.  All
 * little-endian, as on the hosts this runs on.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *root;
static uint8_t b[8192];
static size_t blen;

static void put(size_t off, const void *v, size_t n)
{
	memcpy(b + off, v, n);
	if (off + n > blen)
		blen = off + n;
}

static void p8(size_t off, uint8_t v) { put(off, &v, 1); }
static void p16(size_t off, uint16_t v) { put(off, &v, 2); }
static void p32(size_t off, uint32_t v) { put(off, &v, 4); }
static void p64(size_t off, uint64_t v) { put(off, &v, 8); }
static void pdbl(size_t off, double v) { put(off, &v, 8); }

static void start(void)
{
	memset(b, 0, sizeof(b));
	blen = 0;
}

static void save(const char *target, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, target);
	if (mkdir(path, 0777) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b, 1, blen, f) != blen || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* ---- regcaps: 4-byte first offset, then the region info buffer ---- */

#define RI	4	/* where the buffer starts in the input */

/* struct vfio_region_info: argsz flags index cap_offset size offset */
static void region_info(uint32_t argsz, uint32_t index, uint32_t cap_offset,
			uint64_t size)
{
	p32(0, cap_offset);			/* the target's first offset */
	p32(RI + 0, argsz);
	p32(RI + 4, 0xf);			/* READ WRITE MMAP CAPS */
	p32(RI + 8, index);
	p32(RI + 12, cap_offset);
	p64(RI + 16, size);
	p64(RI + 24, (uint64_t)index << 40);	/* VFIO_PCI_INDEX_TO_OFFSET */
}

static void cap(size_t off, uint16_t id, uint16_t ver, uint32_t next)
{
	p16(RI + off, id);
	p16(RI + off + 2, ver);
	p32(RI + off + 4, next);
}

static void regcaps(void)
{
	/* 4.16+ kernels on an MSI-X BAR: MSIX_MAPPABLE alone. */
	start();
	region_info(40, 0, 32, 0x4000);
	cap(32, 3, 1, 0);
	save("regcaps", "msix-mappable");

	/* Pre-4.16 (or msix-sparse variant): areas around the table page. */
	start();
	region_info(80, 0, 32, 0x4000);
	cap(32, 1, 1, 0);
	p32(RI + 40, 2);
	p64(RI + 48, 0x0);
	p64(RI + 56, 0x2000);
	p64(RI + 64, 0x3000);
	p64(RI + 72, 0x1000);
	save("regcaps", "sparse-two-areas");

	/* Sparse areas, then MSIX_MAPPABLE, then an id no header knows. */
	start();
	region_info(104, 2, 32, 0x10000);
	cap(32, 1, 1, 80);
	p32(RI + 40, 2);
	p64(RI + 48, 0x0);
	p64(RI + 56, 0x3000);
	p64(RI + 64, 0x4000);
	p64(RI + 72, 0xc000);
	cap(80, 3, 1, 88);
	cap(88, 77, 1, 0);
	save("regcaps", "sparse-msix-unknown");

	/* A device-specific region: TYPE (IGD OpRegion). */
	start();
	region_info(48, 9, 32, 0x2000);
	cap(32, 2, 1, 0);
	p32(RI + 40, 0x80000000u | 0x8086);
	p32(RI + 44, 3);
	save("regcaps", "type-igd-opregion");

	/* TYPE, then a one-area sparse cap, then MSIX_MAPPABLE. */
	start();
	region_info(96, 1, 32, 0x1000);
	cap(32, 2, 1, 48);
	p32(RI + 40, 1);
	p32(RI + 44, 1);
	cap(48, 1, 1, 88);
	p32(RI + 56, 1);
	p64(RI + 64, 0x0);
	p64(RI + 72, 0x1000);
	cap(88, 3, 1, 0);
	save("regcaps", "type-sparse-msix");

	/* No capabilities (cap_offset 0), as for a BAR without MSI-X. */
	start();
	region_info(32, 4, 0, 0x1000);
	save("regcaps", "no-chain");

	/*
	 * The longest chain accepted, REGCAPS_MAX_CAPS (32) caps (ids 1-5
	 * and unknown ones; the NVLINK2 ids 4 and 5 of POWER9 GPUs), and
	 * one more than that.
	 */
	for (int ncap = 32; ncap <= 33; ncap++) {
		static const uint16_t ids[] = { 3, 4, 5, 77, 2, 0 };
		size_t off = 32;

		start();
		region_info((uint32_t)(32 + ncap * 16), 0, 32, 0x4000);
		for (int i = 0; i < ncap; i++, off += 16) {
			uint16_t id = ids[i % 6];

			cap(off, id, 1, i + 1 < ncap ? (uint32_t)off + 16 : 0);
			p32(RI + off + 8, 0x80000000u | 0x10de);
			p32(RI + off + 12, (uint32_t)i);
		}
		save("regcaps", ncap == 32 ? "max-caps" : "too-many-caps");
	}

	/* Malformed: a loop, and a sparse cap that claims too many areas. */
	start();
	region_info(48, 0, 32, 0x4000);
	cap(32, 3, 1, 40);
	cap(40, 77, 1, 32);
	save("regcaps", "loop");
	start();
	region_info(64, 0, 32, 0x4000);
	cap(32, 1, 1, 0);
	p32(RI + 40, 64);
	save("regcaps", "sparse-truncated");
}

/* ---- msix: 8-byte parameter, then the config space image ---- */

#define CFG	8

static void param(int bar, uint64_t size)
{
	p64(0, size << 3 | (uint64_t)bar);
}

static void header(uint16_t vendor, uint16_t device, uint8_t cap_ptr)
{
	p16(CFG + 0x00, vendor);
	p16(CFG + 0x02, device);
	p16(CFG + 0x04, 0x0507);		/* io mem master ... */
	p16(CFG + 0x06, cap_ptr ? 0x0010 : 0);	/* capability list */
	p8(CFG + 0x0e, 0);			/* type 0 header */
	p8(CFG + 0x34, cap_ptr);
}

static void msix_cap(uint8_t at, uint8_t next, uint16_t entries,
		     int table_bar, uint32_t table, int pba_bar, uint32_t pba)
{
	p8(CFG + at, 0x11);
	p8(CFG + at + 1, next);
	p16(CFG + at + 2, (uint16_t)(entries - 1));
	p32(CFG + at + 4, table | (uint32_t)table_bar);
	p32(CFG + at + 8, pba | (uint32_t)pba_bar);
}

static void simple_cap(uint8_t at, uint8_t id, uint8_t next)
{
	p8(CFG + at, id);
	p8(CFG + at + 1, next);
}

static void msix(void)
{
	/* QEMU nvme: MSI-X at 0x40, 65 vectors, table 0x2000 PBA 0x3000. */
	start();
	param(0, 0x4000);
	header(0x1b36, 0x0010, 0x40);
	msix_cap(0x40, 0x60, 65, 0, 0x2000, 0, 0x3000);
	simple_cap(0x60, 0x01, 0x80);		/* PM */
	simple_cap(0x80, 0x10, 0);		/* PCIe */
	p32(CFG + 0x10, 0xfebf0004);		/* BAR0, 64-bit mem */
	blen = CFG + 256;
	save("msix", "qemu-nvme");

	/* QEMU xhci: table and PBA in one 4K page. */
	start();
	param(0, 0x4000);
	header(0x1b36, 0x000d, 0x90);
	simple_cap(0x90, 0x05, 0xa0);		/* MSI */
	msix_cap(0xa0, 0, 16, 0, 0x3000, 0, 0x3800);
	blen = CFG + 256;
	save("msix", "qemu-xhci");

	/* virtio-net (modern): vendor caps, MSI-X in BAR1. */
	start();
	param(1, 0x1000);
	header(0x1af4, 0x1041, 0x98);
	msix_cap(0x98, 0x84, 3, 1, 0x0, 1, 0x800);
	simple_cap(0x84, 0x09, 0x70);
	simple_cap(0x70, 0x09, 0x60);
	simple_cap(0x60, 0x09, 0x50);
	simple_cap(0x50, 0x09, 0x40);
	simple_cap(0x40, 0x09, 0);
	blen = CFG + 256;
	save("msix", "virtio-net");

	/* e1000e: MSI-X table in BAR3, PCIe extended space present. */
	start();
	param(3, 0x4000);
	header(0x8086, 0x10d3, 0xc8);
	simple_cap(0xc8, 0x01, 0xd0);
	simple_cap(0xd0, 0x05, 0xe0);
	simple_cap(0xe0, 0x10, 0xa0);
	msix_cap(0xa0, 0, 5, 3, 0x0, 3, 0x2000);
	p32(CFG + 0x100, 0x14010001);		/* AER, next 0x140 */
	blen = CFG + 4096;
	save("msix", "e1000e-4k");

	/* A 64K-page host: table at 64K in a 128K BAR2, PBA in BAR4. */
	start();
	param(2, 0x20000);
	header(0x15b3, 0x101b, 0x40);
	msix_cap(0x40, 0, 2048, 2, 0x10000, 4, 0x0);
	blen = CFG + 256;
	save("msix", "mlx-64k");

	/* No capability list at all, and a chain without MSI-X. */
	start();
	param(0, 0x1000);
	header(0x8086, 0x100e, 0);
	blen = CFG + 64;
	save("msix", "no-caps");
	start();
	param(0, 0x1000);
	header(0x1af4, 0x1000, 0x40);
	simple_cap(0x40, 0x05, 0);
	blen = CFG + 256;
	save("msix", "msi-only");
}

/* ---- addr: strings ---- */

static void addr(void)
{
	static const char *const a[] = {
		"0000:00:02.0", "00:02.0", "3:0.1", "1:a1:1f.7",
		"0000:3B:00.1", "ffff:ff:1f.7", "00:20.0", "00:02.8",
		"../../etc", "",
	};
	char name[32];

	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
		start();
		put(0, a[i], strlen(a[i]));
		snprintf(name, sizeof(name), "addr-%zu", i);
		save("addr", name);
	}
}

/* ---- stats: rounds byte, seed, doubles ---- */

static void samples(uint8_t rounds, uint64_t seed, const double *x, size_t n)
{
	start();
	p8(0, rounds);
	p64(1, seed);
	for (size_t i = 0; i < n; i++)
		pdbl(9 + i * 8, x[i]);
}

static void stats(void)
{
	static const double odd[] = { 5, 1, 4, 2, 3 };
	static const double even[] = { 5, 1, 4, 2 };
	static const double special[] = { 1200, NAN, 1300, INFINITY, 900 };
	double t[512];
	uint64_t r = 12345;

	samples(200, 7, odd, 5);
	save("stats", "odd");
	samples(3, 3, even, 4);
	save("stats", "even-3-rounds");
	samples(0, 1, odd, 5);
	save("stats", "no-bootstrap");
	samples(200, 9, special, 5);
	save("stats", "nan-inf");
	/* ns per mmap read under TCG: ~1200 with a long tail. */
	for (int i = 0; i < 512; i++) {
		r ^= r >> 12;
		r ^= r << 25;
		r ^= r >> 27;
		t[i] = 1100 + (double)(r % 200) + (i % 61 == 0 ? 40000 : 0);
	}
	samples(200, 42, t, 512);
	save("stats", "timings-512");
	for (int i = 0; i < 50; i++)
		t[i] = 42;
	samples(200, 1, t, 50);
	save("stats", "constant-50");
	samples(200, 1, t, 1);
	save("stats", "one");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	root = argv[1];
	if (mkdir(root, 0777) && errno != EEXIST) {
		perror(root);
		return 1;
	}
	regcaps();
	msix();
	addr();
	stats();
	return 0;
}

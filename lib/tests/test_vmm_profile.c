// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the VMM profiles (lib/vmm_profile.c) on the kernel answers seen
 * for QEMU's NVMe (BAR0 16 KiB, table 0x2000 of 65 entries, PBA 0x3000):
 * stock (MSIX_MAPPABLE), msix-sparse at 4K (two sparse areas) and at 16K
 * (one area of size 0), a 64K host, and a BAR the kernel will not mmap.
 */
#include <string.h>

#include "vmm_profile.h"
#include "check.h"

static const struct msix_info nvme_msix = {
	.present = 1, .entries = 65, .table_bar = 0, .table_offset = 0x2000,
	.pba_bar = 0, .pba_offset = 0x3000,
};

static struct region_caps stock_caps = { .has_msix_mappable = 1 };
static struct region_caps sparse4k_caps = {
	.has_sparse = 1, .nareas = 2,
	.areas = { { 0, 0x2000 }, { 0x3000, 0x1000 } },
};
static struct region_caps sparse16k_caps = {
	.has_sparse = 1, .nareas = 1, .areas = { { 0, 0 } },
};

static struct vmm_bar bar0(const struct region_caps *caps, uint64_t page)
{
	return (struct vmm_bar){ .bar = 0, .size = 0x4000, .mmap_flag = 1,
				 .caps = caps, .msix = &nvme_msix,
				 .page = page };
}

static enum vmm_route route(const char *vmm, struct vmm_bar b, uint64_t off,
			    int width)
{
	return vmm_route(vmm_find(vmm), &b, off, width, NULL);
}

/* The mmaps as "OFF+SIZE ..." for one compare. */
static const char *maps(const char *vmm, struct vmm_bar b)
{
	static char buf[256];
	struct mmap_area a[VMM_MAX_MAPS];
	int n = vmm_maps(vmm_find(vmm), &b, a, VMM_MAX_MAPS, NULL);
	size_t len = 0;

	buf[0] = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%llx+%llx",
					i ? " " : "",
					(unsigned long long)a[i].offset,
					(unsigned long long)a[i].size);
	return buf;
}

static void test_names(void)
{
	CHECK_EQ(vmm_count(), 5);
	for (int i = 0; i < vmm_count(); i++) {
		CHECK(vmm_find(vmm_name(vmm_at(i))) == vmm_at(i));
		CHECK(strstr(vmm_names(), vmm_name(vmm_at(i))) != NULL);
		CHECK(vmm_source(vmm_at(i))[0] != 0);
		/* --vmm's masks: each profile's bit leads back to it. */
		CHECK_EQ(vmm_bit(vmm_at(i)), 1u << i);
		CHECK(vmm_first(vmm_bit(vmm_at(i))) == vmm_at(i));
	}
	CHECK(vmm_first(0) == vmm_find("qemu"));	/* none: qemu */
	CHECK(vmm_first(0x6) == vmm_at(1));		/* the first of two */
	CHECK(vmm_find("kvmtool") == NULL);
	CHECK(vmm_find(NULL) == NULL);
	CHECK(vmm_at(5) == NULL);
	CHECK_STR(vmm_route_name(VMM_EMULATED), "emulated");
}

static void test_stock(void)
{
	struct vmm_bar b = bar0(&stock_caps, 4096);

	CHECK_STR(maps("qemu", b), "0+4000");
	CHECK_EQ(route("qemu", b, 0x2008, 4), VMM_EMULATED);
	CHECK_EQ(route("qemu", b, 0x2410, 4), VMM_DIRECT);
	CHECK_EQ(route("qemu", b, 0x3000, 8), VMM_DIRECT);
	/* cloud-hypervisor cuts holes even with the cap, and traps in them. */
	CHECK_STR(maps("cloud-hypervisor", b), "0+2000");
	CHECK_EQ(route("cloud-hypervisor", b, 0x2410, 4), VMM_TRAPPED);
	/* Its PBA is the device's, in a hole: through the fd. */
	CHECK_EQ(route("cloud-hypervisor", b, 0x3000, 4), VMM_TRAPPED);
	CHECK_EQ(route("cloud-hypervisor", b, 0x2008, 4), VMM_EMULATED);
	CHECK_EQ(route("cloud-hypervisor", b, 0x1000, 4), VMM_DIRECT);
	/* DPDK emulates nothing: the table is reached through the mmap. */
	CHECK_EQ(route("dpdk", b, 0x2008, 4), VMM_DIRECT);
	/* crosvm maps all of it, table and PBA: its emulation sees only
	 * what traps, so the guest reaches the device's own table. */
	CHECK_STR(maps("crosvm", b), "0+4000");
	CHECK_EQ(route("crosvm", b, 0x2008, 4), VMM_DIRECT);
	CHECK_EQ(route("crosvm", b, 0x3000, 4), VMM_DIRECT);
	CHECK_EQ(route("crosvm", b, 0x2410, 4), VMM_DIRECT);
	/* An access that straddles the table's end is the table's. */
	CHECK_EQ(route("qemu", b, 0x240c, 8), VMM_EMULATED);
}

static void test_sparse_4k(void)
{
	struct vmm_bar b = bar0(&sparse4k_caps, 4096);

	CHECK_STR(maps("qemu", b), "0+2000 3000+1000");
	CHECK_EQ(route("qemu", b, 0x2410, 4), VMM_TRAPPED);
	CHECK_EQ(route("qemu", b, 0x2008, 4), VMM_EMULATED);
	/* Relocated, the table's offsets in BAR0 are the device's: they trap
	 * where the kernel maps nothing (seen: 20 more traps of 0x2008). */
	CHECK_STR(maps("qemu-relocation", b), "0+2000 3000+1000");
	CHECK_EQ(route("qemu-relocation", b, 0x2008, 4), VMM_TRAPPED);
	CHECK_EQ(route("qemu-relocation", b, 0x3000, 4), VMM_DIRECT);
	CHECK_EQ(route("qemu", b, 0x3000, 4), VMM_DIRECT);
	CHECK_STR(maps("cloud-hypervisor", b), "");
	CHECK_EQ(route("cloud-hypervisor", b, 0x1000, 4), VMM_TRAPPED);
	CHECK_EQ(route("dpdk", b, 0x2008, 4), VMM_TRAPPED);
	/* crosvm takes the sparse areas as given; the unmapped table is
	 * emulated, the rest of its page traps. */
	CHECK_STR(maps("crosvm", b), "0+2000 3000+1000");
	CHECK_EQ(route("crosvm", b, 0x2008, 4), VMM_EMULATED);
	CHECK_EQ(route("crosvm", b, 0x2410, 4), VMM_TRAPPED);
	CHECK_EQ(route("crosvm", b, 0x3010, 4), VMM_DIRECT);
}

static void test_plain_region(void)
{
	/* No capability at all: crosvm cuts the table's and PBA's pages out
	 * of the whole region (adjust_bar_mmap) and emulates them. */
	static const struct region_caps none = { 0 };
	struct vmm_bar b = bar0(&none, 4096);

	CHECK_STR(maps("crosvm", b), "0+2000");
	CHECK_EQ(route("crosvm", b, 0x3000, 4), VMM_EMULATED);
	CHECK_EQ(route("crosvm", b, 0x3010, 4), VMM_TRAPPED);
	/* QEMU cuts only the table's page. */
	CHECK_STR(maps("qemu", b), "0+2000 3000+1000");
}

static void test_sparse_16k(void)
{
	/* One area of size 0: nothing is mapped, the PBA traps (seen with
	 * Debian's QEMU in the aarch64 guest). */
	struct vmm_bar b = bar0(&sparse16k_caps, 16384);

	CHECK_STR(maps("qemu", b), "");
	CHECK_EQ(route("qemu", b, 0x0, 4), VMM_TRAPPED);
	CHECK_EQ(route("qemu", b, 0x3000, 8), VMM_TRAPPED);
	CHECK_EQ(route("qemu", b, 0x2000, 4), VMM_EMULATED);
}

static void test_64k_and_no_mmap(void)
{
	struct vmm_bar b = bar0(&stock_caps, 65536);

	/* The table at 0x2000 is off the 64K page boundary: cloud-hypervisor
	 * moves it to the upper half of a doubled BAR and maps all of the
	 * device's BAR, the old table offsets included (fixup_msix_region). */
	CHECK_STR(maps("cloud-hypervisor", b), "0+4000");
	CHECK_EQ(route("cloud-hypervisor", b, 0x1000, 4), VMM_DIRECT);
	CHECK_EQ(route("cloud-hypervisor", b, 0x2008, 4), VMM_DIRECT);
	/* Without the cap it maps nothing, and emulates nothing here. */
	b.caps = &sparse16k_caps;
	CHECK_STR(maps("cloud-hypervisor", b), "");
	CHECK_EQ(route("cloud-hypervisor", b, 0x2008, 4), VMM_TRAPPED);
	b.caps = &stock_caps;
	CHECK_STR(maps("qemu", b), "0+4000");
	/* On pseries (ppc64 hosts) QEMU emulates no table: seen in the
	 * ppc64le guest, 10 of 10 table reads trapped under msix-sparse. */
	b.paravirt_msi = 1;
	CHECK_EQ(route("qemu", b, 0x2008, 4), VMM_DIRECT);
	b.caps = &sparse16k_caps;
	CHECK_EQ(route("qemu", b, 0x2008, 4), VMM_TRAPPED);
	CHECK_EQ(route("qemu", b, 0x2008, 8), VMM_TRAPPED);
	CHECK_EQ(route("cloud-hypervisor", b, 0x2008, 4), VMM_TRAPPED);
	b.paravirt_msi = 0;
	CHECK_EQ(route("qemu", b, 0x2008, 4), VMM_EMULATED);
	b.caps = &stock_caps;
	b.mmap_flag = 0;
	for (int i = 0; i < vmm_count(); i++) {
		CHECK_STR(maps(vmm_name(vmm_at(i)), b), "");
		CHECK_EQ(route(vmm_name(vmm_at(i)), b, 0x1000, 4), VMM_TRAPPED);
	}
}

static void test_segments(void)
{
	struct vmm_bar b = bar0(&sparse4k_caps, 4096);
	struct vmm_segment s[16];
	int n = vmm_segments(vmm_find("qemu"), &b, s, 16);

	CHECK_EQ(n, 4);
	CHECK(s[0].start == 0 && s[0].end == 0x2000 && s[0].route == VMM_DIRECT);
	CHECK(s[1].start == 0x2000 && s[1].end == 0x2410 &&
	      s[1].route == VMM_EMULATED);
	CHECK(s[2].end == 0x3000 && s[2].route == VMM_TRAPPED);
	CHECK(s[3].end == 0x4000 && s[3].route == VMM_DIRECT);
	CHECK(strstr(s[2].why, "pread") != NULL);
	/* Every byte is in exactly one segment. */
	n = vmm_segments(vmm_find("crosvm"), &b, s, 16);
	CHECK(n > 0 && s[0].start == 0 && s[n - 1].end == 0x4000);
	for (int i = 1; i < n; i++)
		CHECK(s[i].start == s[i - 1].end);
}

int main(void)
{
	test_names();
	test_stock();
	test_sparse_4k();
	test_sparse_16k();
	test_plain_region();
	test_64k_and_no_mmap();
	test_segments();
	return check_summary("vmm-profiles");
}

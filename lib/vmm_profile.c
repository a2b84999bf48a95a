// SPDX-License-Identifier: GPL-2.0
/*
 * VMM profiles (vmm_profile.h).  A profile answers two questions the way
 * the VMM's source does: what of the BAR it mmaps, given the kernel's
 * answer, and who answers the MSI-X table and PBA.  An access is then
 * emulated (the VMM answers), direct (inside one of its mmaps) or trapped
 * (pread/pwrite on the device fd, which the kernel serves).
 */
#include <stddef.h>
#include <string.h>

#include "vfio_compat.h"
#include "vfio_dev.h"
#include "vmm_profile.h"

enum map_rule {
	MAP_NOTHING,
	MAP_WHOLE,		/* the whole BAR */
	MAP_KERNEL,		/* the kernel's offer: SPARSE_MMAP, else all */
	MAP_KERNEL_BUT_TABLE,	/* ...minus the host pages of the table */
	MAP_KERNEL_BUT_MSIX,	/* ...minus the pages of the table and PBA */
	MAP_SPARSE_ELSE_BUT_MSIX, /* SPARSE_MMAP's areas as given, else the
				   * whole BAR minus the table and PBA pages */
};

struct map_choice {
	enum map_rule rule;
	const char *why;
};

struct vmm_profile {
	const char *name;
	const char *source;
	/* The BAR that holds the table or PBA, with and without the cap. */
	struct map_choice msix_mappable, not_mappable;
	/* Any other BAR. */
	struct map_choice plain;
	/* VMM_EMULATED, or VMM_DIRECT: "the device's, like any register". */
	enum vmm_route table, pba;
	const char *table_why, *pba_why;
	const char *trap_why;
	/* The emulation only sees the accesses that trap: where the table or
	 * PBA is mapped, the guest reaches the device's own. */
	int emulate_unmapped_only;
	/* A table off a page boundary moves (with the PBA) to the upper half
	 * of a BAR of twice the size: nothing is emulated at the BAR's own
	 * offsets, and no hole is cut for them. */
	const char *relocate_unaligned;
	/* With a paravirt MSI interface the table is not emulated: QEMU's
	 * pseries sets vfio-no-msix-emulation. */
	const char *paravirt_table;
};

static const struct vmm_profile profiles[] = {
	{
		.name = "qemu",
		.source = "qemu hw/vfio/pci.c",
		.msix_mappable = { MAP_KERNEL, "vfio_pci_fixup_msix_region: "
			"MSIX_MAPPABLE, the whole BAR is mapped and the table "
			"emulated on top" },
		.not_mappable = { MAP_KERNEL_BUT_TABLE,
			"vfio_pci_fixup_msix_region: the table's host pages "
			"are cut out of the mmap" },
		.plain = { MAP_KERNEL, "vfio_region_mmap: every area the "
			"kernel offers" },
		.table = VMM_EMULATED,
		.table_why = "vfio_msix_setup/msix_init: QEMU's table "
			"overlay (msix_table_mmio_ops)",
		.pba = VMM_DIRECT,
		.pba_why = "vfio_msix_setup: the emulated PBA is disabled, "
			"the device's passes through",
		.trap_why = "vfio_region_read/write: pread/pwrite",
		.paravirt_table = "vfio_msix_setup: the machine's "
			"vfio-no-msix-emulation (pseries) disables the table "
			"overlay; the table is the device's",
	},
	{
		/* QEMU with -device vfio-pci,x-msix-relocation=barN. */
		.name = "qemu-relocation",
		.source = "qemu hw/vfio/pci.c",
		.msix_mappable = { MAP_KERNEL, "vfio_pci_fixup_msix_region: "
			"MSIX_MAPPABLE, the whole BAR is mapped" },
		.not_mappable = { MAP_KERNEL_BUT_TABLE,
			"vfio_pci_fixup_msix_region (before the relocation): "
			"the table's host pages are cut out of the mmap" },
		.plain = { MAP_KERNEL, "vfio_region_mmap: every area the "
			"kernel offers" },
		.table = VMM_DIRECT,
		.table_why = "vfio_pci_relocate_msix: QEMU's table moves to a "
			"BAR of its own; these offsets are the device's",
		.pba = VMM_DIRECT,
		.pba_why = "vfio_pci_relocate_msix: the PBA moves too; these "
			"offsets are the device's",
		.trap_why = "vfio_region_read/write: pread/pwrite",
		.paravirt_table = "vfio_msix_setup: the machine's "
			"vfio-no-msix-emulation (pseries) disables the table "
			"overlay; the table is the device's",
	},
	{
		.name = "cloud-hypervisor",
		.source = "cloud-hypervisor pci/src/vfio.rs",
		.msix_mappable = { MAP_KERNEL_BUT_MSIX, "generate_sparse_areas: "
			"page-aligned holes around the table and PBA, even "
			"with MSIX_MAPPABLE" },
		.not_mappable = { MAP_NOTHING, "map_mmio_regions: no "
			"MSIX_MAPPABLE, the BAR holding MSI-X is not mapped" },
		.plain = { MAP_KERNEL, "map_mmio_regions: the kernel's "
			"sparse areas, else the whole BAR" },
		.table = VMM_EMULATED,
		.table_why = "read_bar/write_bar: msix_table_accessed, "
			"MsixConfig serves the table",
		/* Not emulated: in its hole, so through the fd. */
		.pba = VMM_DIRECT,
		.pba_why = "read_bar/write_bar: the PBA is the device's",
		.trap_why = "read_bar/write_bar: region_read/write, "
			"pread/pwrite",
		.relocate_unaligned = "fixup_msix_region: a table off the "
			"page boundary moves to the upper half of a BAR twice "
			"the size, so generate_sparse_areas cuts no hole",
	},
	{
		.name = "dpdk",
		.source = "dpdk drivers/bus/pci/linux/pci_vfio.c",
		.msix_mappable = { MAP_KERNEL, "pci_vfio_msix_is_mappable: "
			"the whole BAR is mapped" },
		.not_mappable = { MAP_KERNEL_BUT_TABLE, "pci_vfio_map_resource:"
			" SPARSE_MMAP's areas, else around the page-aligned "
			"table; a BAR the table fills is skipped" },
		.plain = { MAP_KERNEL, "pci_vfio_mmap_bar: the kernel's "
			"sparse areas, else the whole BAR" },
		/* A driver: no VMM emulates anything under it. */
		.table = VMM_DIRECT,
		.table_why = "a driver, not a VMM: the table is the device's "
			"(the fd path masks it)",
		.pba = VMM_DIRECT,
		.pba_why = "a driver, not a VMM: the PBA is the device's",
		.trap_why = "rte_pci_read_bar/write_bar: pread/pwrite",
	},
	{
		.name = "crosvm",
		.source = "crosvm devices/src/pci/vfio_pci.rs",
		.msix_mappable = { MAP_KERNEL, "get_regions/add_bar_mmap: "
			"MSIX_MAPPABLE, the whole region is mapped, table and "
			"PBA included" },
		.not_mappable = { MAP_SPARSE_ELSE_BUT_MSIX, "add_bar_mmap: "
			"the kernel's sparse areas as given; a plain region "
			"less the table's and PBA's pages (adjust_bar_mmap)" },
		.plain = { MAP_KERNEL, "add_bar_mmap: the kernel's sparse "
			"areas, else the whole region" },
		.table = VMM_EMULATED,
		.table_why = "read_bar/write_bar: is_msix_table, read_table/"
			"write_table (only what traps: a mapped table is the "
			"device's)",
		.pba = VMM_EMULATED,
		.pba_why = "read_bar/write_bar: is_msix_pba, read_pba/write_pba",
		.trap_why = "read_bar/write_bar: region_read/write, "
			"pread/pwrite",
		.emulate_unmapped_only = 1,
	},
};

#define NPROFILES	((int)(sizeof(profiles) / sizeof(profiles[0])))

const struct vmm_profile *vmm_find(const char *name)
{
	for (int i = 0; name && i < NPROFILES; i++)
		if (!strcmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

int vmm_count(void)
{
	return NPROFILES;
}

const struct vmm_profile *vmm_at(int i)
{
	return i >= 0 && i < NPROFILES ? &profiles[i] : NULL;
}

const struct vmm_profile *vmm_first(unsigned int mask)
{
	for (int i = 0; i < NPROFILES; i++)
		if (mask & (1u << i))
			return &profiles[i];
	return &profiles[0];
}

unsigned int vmm_bit(const struct vmm_profile *p)
{
	return 1u << (p - profiles);
}

struct vmm_bar vmm_bar_of(const struct vfio_dev *d, int bar)
{
	const struct vfio_region *r = &d->regions[bar];

	/* The VMM runs on this host: its page size, not --page-size's. */
	return (struct vmm_bar){
		.bar = bar, .size = r->size,
		.mmap_flag = !!(r->flags & VFIO_REGION_INFO_FLAG_MMAP),
		.caps = &r->caps, .msix = &d->msix,
		.page = system_page_size(),
#ifdef __powerpc64__
		.paravirt_msi = 1,	/* QEMU runs pseries here */
#endif
	};
}

const char *vmm_name(const struct vmm_profile *p)
{
	return p->name;
}

const char *vmm_source(const struct vmm_profile *p)
{
	return p->source;
}

const char *vmm_names(void)
{
	return "qemu, qemu-relocation, cloud-hypervisor, dpdk, crosvm";
}

const char *vmm_route_name(enum vmm_route r)
{
	switch (r) {
	case VMM_DIRECT:
		return "direct";
	case VMM_TRAPPED:
		return "trapped";
	default:
		return "emulated";
	}
}

struct span {
	uint64_t start, end;	/* [start, end), 0-length when absent */
};

static struct span table_span(const struct vmm_bar *b)
{
	const struct msix_info *m = b->msix;

	if (!m || !m->present || m->table_bar != b->bar)
		return (struct span){ 0, 0 };
	return (struct span){ m->table_offset,
			      (uint64_t)m->table_offset + msix_table_size(m) };
}

static struct span pba_span(const struct vmm_bar *b)
{
	const struct msix_info *m = b->msix;

	if (!m || !m->present || m->pba_bar != b->bar)
		return (struct span){ 0, 0 };
	return (struct span){ m->pba_offset,
			      (uint64_t)m->pba_offset + msix_pba_size(m) };
}

/* The host pages a span touches. */
static struct span page_span(struct span s, uint64_t page)
{
	if (s.end <= s.start || !page)
		return s;
	s.start &= ~(page - 1);
	s.end = (s.end + page - 1) & ~(page - 1);
	return s;
}

/* Remove [cut.start, cut.end) from the areas; returns the new count. */
static int subtract(struct mmap_area *a, int n, int max, struct span cut)
{
	struct mmap_area out[VMM_MAX_MAPS];
	int k = 0;

	if (cut.end <= cut.start)
		return n;
	for (int i = 0; i < n; i++) {
		uint64_t s = a[i].offset, e = a[i].offset + a[i].size;

		if (e <= cut.start || s >= cut.end) {
			if (k < VMM_MAX_MAPS)
				out[k++] = a[i];
			continue;
		}
		if (s < cut.start && k < VMM_MAX_MAPS)
			out[k++] = (struct mmap_area){ s, cut.start - s };
		if (e > cut.end && k < VMM_MAX_MAPS)
			out[k++] = (struct mmap_area){ cut.end, e - cut.end };
	}
	if (k > max)
		k = max;
	memcpy(a, out, (size_t)k * sizeof(*a));
	return k;
}

/* What the kernel lets a user map: no MMAP flag, nothing. */
static int kernel_offer(const struct vmm_bar *b, struct mmap_area *out,
			int max)
{
	int n = 0;

	if (!b->mmap_flag || !b->size)
		return 0;
	if (!b->caps || !b->caps->has_sparse) {
		out[0] = (struct mmap_area){ 0, b->size };
		return 1;
	}
	/* Areas of size 0 (a table in the first page, pre-4.16) map nothing;
	 * an area past the BAR is the kernel's error, not a mapping. */
	for (int i = 0; i < b->caps->nareas && n < max; i++) {
		const struct mmap_area *a = &b->caps->areas[i];

		if (a->size && a->offset < b->size &&
		    a->size <= b->size - a->offset)
			out[n++] = *a;
	}
	return n;
}

static int by_offset(struct mmap_area *a, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && a[j - 1].offset > a[j].offset; j--) {
			struct mmap_area t = a[j];

			a[j] = a[j - 1];
			a[j - 1] = t;
		}
	return n;
}

/* The profile moves this BAR's table away (relocate_unaligned). */
static int relocated(const struct vmm_profile *p, const struct vmm_bar *b)
{
	struct span t = table_span(b);

	return p->relocate_unaligned && t.end > t.start && b->page &&
	       t.start % b->page;
}

int vmm_maps(const struct vmm_profile *p, const struct vmm_bar *b,
	     struct mmap_area *out, int max, const char **why)
{
	struct mmap_area a[VMM_MAX_MAPS];
	const struct map_choice *c;
	enum map_rule rule;
	int n;

	if (table_span(b).end || pba_span(b).end)
		c = b->caps && b->caps->has_msix_mappable ?
		    &p->msix_mappable : &p->not_mappable;
	else
		c = &p->plain;
	rule = c->rule;
	if (why)
		*why = c->why;
	if (relocated(p, b) && rule == MAP_KERNEL_BUT_MSIX) {
		rule = MAP_KERNEL;
		if (why)
			*why = p->relocate_unaligned;
	}
	if (rule == MAP_SPARSE_ELSE_BUT_MSIX)
		rule = b->caps && b->caps->has_sparse ? MAP_KERNEL :
		       MAP_KERNEL_BUT_MSIX;
	n = kernel_offer(b, a, VMM_MAX_MAPS);
	switch (rule) {
	case MAP_NOTHING:
		n = 0;
		break;
	case MAP_WHOLE:
		n = b->mmap_flag && b->size ? 1 : 0;
		a[0] = (struct mmap_area){ 0, b->size };
		break;
	case MAP_KERNEL:
	case MAP_SPARSE_ELSE_BUT_MSIX:	/* resolved above */
		break;
	case MAP_KERNEL_BUT_MSIX:
		n = subtract(a, n, VMM_MAX_MAPS, page_span(pba_span(b), b->page));
		/* fall through */
	case MAP_KERNEL_BUT_TABLE:
		n = subtract(a, n, VMM_MAX_MAPS,
			     page_span(table_span(b), b->page));
		break;
	}
	if (n > max)
		n = max;
	memcpy(out, a, (size_t)n * sizeof(*a));
	return by_offset(out, n);
}

static int overlaps(struct span s, uint64_t off, int width)
{
	return s.end > s.start && off < s.end && off + (uint64_t)width > s.start;
}

enum vmm_route vmm_route(const struct vmm_profile *p, const struct vmm_bar *b,
			 uint64_t offset, int width, const char **why)
{
	struct mmap_area m[VMM_MAX_MAPS];
	const char *map_why;
	int n = vmm_maps(p, b, m, VMM_MAX_MAPS, &map_why), mapped = 0;
	int moved = relocated(p, b);

	for (int i = 0; i < n; i++)
		if (offset >= m[i].offset &&
		    offset + (uint64_t)width <= m[i].offset + m[i].size)
			mapped = 1;
	if (!moved && !(p->emulate_unmapped_only && mapped)) {
		if (p->table == VMM_EMULATED &&
		    !(b->paravirt_msi && p->paravirt_table) &&
		    overlaps(table_span(b), offset, width)) {
			if (why)
				*why = p->table_why;
			return VMM_EMULATED;
		}
		if (p->pba == VMM_EMULATED &&
		    overlaps(pba_span(b), offset, width)) {
			if (why)
				*why = p->pba_why;
			return VMM_EMULATED;
		}
	}
	if (mapped) {
		if (why)
			*why = map_why;
		return VMM_DIRECT;
	}
	if (b->paravirt_msi && p->paravirt_table &&
	    overlaps(table_span(b), offset, width)) {
		if (why)
			*why = p->paravirt_table;
		return VMM_TRAPPED;
	}
	if (moved && overlaps(table_span(b), offset, width)) {
		if (why)	/* its emulation is elsewhere now */
			*why = p->relocate_unaligned;
		return VMM_TRAPPED;
	}
	if (why)
		*why = p->trap_why;
	return VMM_TRAPPED;
}

static int add_cut(uint64_t *cuts, int n, uint64_t at, uint64_t size)
{
	if (at > 0 && at < size && n < 4 * VMM_MAX_MAPS + 8)
		cuts[n++] = at;
	return n;
}

int vmm_segments(const struct vmm_profile *p, const struct vmm_bar *b,
		 struct vmm_segment *out, int max)
{
	uint64_t cuts[4 * VMM_MAX_MAPS + 10];
	struct mmap_area m[VMM_MAX_MAPS];
	struct span t = table_span(b), pba = pba_span(b);
	int nm = vmm_maps(p, b, m, VMM_MAX_MAPS, NULL), nc = 0, k = 0;
	uint64_t start = 0;

	nc = add_cut(cuts, nc, t.start, b->size);
	nc = add_cut(cuts, nc, t.end, b->size);
	nc = add_cut(cuts, nc, pba.start, b->size);
	nc = add_cut(cuts, nc, pba.end, b->size);
	for (int i = 0; i < nm; i++) {
		nc = add_cut(cuts, nc, m[i].offset, b->size);
		nc = add_cut(cuts, nc, m[i].offset + m[i].size, b->size);
	}
	cuts[nc++] = b->size;
	for (int i = 1; i < nc; i++)	/* few: insertion sort */
		for (int j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
			uint64_t x = cuts[j];

			cuts[j] = cuts[j - 1];
			cuts[j - 1] = x;
		}
	for (int i = 0; i < nc && k < max; i++) {
		const char *why;
		enum vmm_route r;

		if (cuts[i] == start)
			continue;
		r = vmm_route(p, b, start, 1, &why);
		/* Neighbours with the same route and rule are one run. */
		if (k && out[k - 1].route == r && out[k - 1].why == why)
			out[k - 1].end = cuts[i];
		else
			out[k++] = (struct vmm_segment){ start, cuts[i], r, why };
		start = cuts[i];
	}
	return k;
}

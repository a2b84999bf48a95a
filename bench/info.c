// SPDX-License-Identifier: GPL-2.0
/* barbench info: what the kernel tells a user about a vfio-pci device. */
#include <errno.h>
#include <string.h>

#include "info.h"
#include "profile.h"
#include "provenance.h"
#include "vfio_compat.h"

static void print_size(uint64_t size)
{
	if (size >= (1ull << 20) && !(size % (1ull << 20)))
		printf("%llu MiB", (unsigned long long)(size >> 20));
	else if (size >= 1024 && !(size % 1024))
		printf("%llu KiB", (unsigned long long)(size >> 10));
	else
		printf("%llu B", (unsigned long long)size);
}

static void print_flags(uint32_t f)
{
	if (f & VFIO_REGION_INFO_FLAG_READ)
		printf(" READ");
	if (f & VFIO_REGION_INFO_FLAG_WRITE)
		printf(" WRITE");
	if (f & VFIO_REGION_INFO_FLAG_MMAP)
		printf(" MMAP");
	if (f & VFIO_REGION_INFO_FLAG_CAPS)
		printf(" CAPS");
}

static void print_caps(const struct region_caps *c)
{
	printf("    capabilities:");
	if (!c->ncaps)
		printf(" none");
	for (int i = 0; i < c->ncaps; i++) {
		const char *name = regcap_name(c->ids[i]);

		if (name)
			printf(" %s (id %u, v%u)", name, c->ids[i],
			       c->versions[i]);
		else
			printf(" unknown id %u (v%u)", c->ids[i],
			       c->versions[i]);
	}
	printf("\n");
	for (int i = 0; i < c->nareas; i++)
		printf("    sparse area %d: 0x%llx-0x%llx (%llu bytes)\n", i,
		       (unsigned long long)c->areas[i].offset,
		       (unsigned long long)(c->areas[i].offset +
					    c->areas[i].size),
		       (unsigned long long)c->areas[i].size);
}

static void print_bar(const struct vfio_dev *d, int bar, uint64_t page)
{
	const struct vfio_region *r = &d->regions[bar];
	struct place_segment seg[16];
	int n, e = EINVAL;

	printf("  BAR%d  ", bar);
	print_size(r->size);
	print_flags(r->flags);
	printf("\n");
	print_caps(&r->caps);
	printf("    user-mappable ranges:");
	if (!d->nmaps[bar])
		printf(" none (fd access only)");
	for (int i = 0; i < d->nmaps[bar]; i++) {
		const struct bar_map *m = &d->maps[bar][i];

		printf(" 0x%llx-0x%llx (%s)", (unsigned long long)m->offset,
		       (unsigned long long)(m->offset + m->size),
		       m->addr ? "mapped" : strerror(m->error));
	}
	printf("\n");
	if (r->flags & VFIO_REGION_INFO_FLAG_MMAP)
		e = vfio_bar_try_mmap(d, bar, 0, r->size);
	printf("    whole-BAR mmap: %s\n", e ? strerror(e) : "ok");
	n = place_segments(&d->msix, bar, r->size, page, seg, 16);
	printf("    places at %llu-byte pages:",
	       (unsigned long long)page);
	for (int i = 0; i < n; i++)
		printf("%s 0x%llx-0x%llx %s", i ? "," : "",
		       (unsigned long long)seg[i].start,
		       (unsigned long long)seg[i].end - 1,
		       place_name(seg[i].place));
	printf("\n");
}

static void print_info(const struct vfio_dev *d, const struct options *o)
{
	const struct device_profile *prof = profile_find(d->vendor, d->device);
	uint64_t page = options_page_size(o);
	const struct msix_info *m = &d->msix;

	printf("device %s  %04x:%04x%s%s  driver %s\n", d->addr, d->vendor,
	       d->device, prof ? "  profile " : "", prof ? prof->name : "",
	       d->driver);
	printf("  iommu %s", d->iommu);
	if (d->group >= 0)
		printf(", group %d", d->group);
	printf("\n  page size %llu", (unsigned long long)system_page_size());
	if (o->page_size)
		printf(" (places computed for %llu)",
		       (unsigned long long)o->page_size);
	printf("\n");
	if (m->present)
		printf("  MSI-X: %u entries, table BAR%u+0x%x (0x%x bytes), "
		       "PBA BAR%u+0x%x (0x%x bytes)\n", m->entries,
		       m->table_bar, m->table_offset, msix_table_size(m),
		       m->pba_bar, m->pba_offset, msix_pba_size(m));
	else
		printf("  MSI-X: none\n");
	for (int bar = 0; bar < 6 && (uint32_t)bar < d->num_regions; bar++) {
		if (!d->regions[bar].size)
			continue;
		if (vfio_bar_is_io(d, bar)) {
			printf("  BAR%d  I/O ports, %llu bytes (not timed: "
			       "memory BARs only)\n", bar,
			       (unsigned long long)d->regions[bar].size);
			continue;
		}
		if (!(d->regions[bar].flags & VFIO_REGION_INFO_FLAG_READ)) {
			printf("  BAR%d  not readable through VFIO\n", bar);
			continue;
		}
		print_bar(d, bar, page);
	}
}

int cmd_info(struct vfio_dev *d, const struct options *o)
{
	uint64_t page = options_page_size(o);
	struct jw w;

	for (int bar = 0; bar < 6; bar++)
		vfio_bar_map_all(d, bar);
	if (!o->json) {
		print_info(d, o);
		return 0;
	}
	jw_init(&w, stdout);
	jw_object(&w, NULL);
	jw_str(&w, "schema", INFO_SCHEMA);
	json_provenance(&w, o->variant, page);
	json_device(&w, d, page);
	jw_end(&w, '}');
	return 0;	/* main() checks that stdout took it all */
}

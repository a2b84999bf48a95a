// SPDX-License-Identifier: GPL-2.0
/*
 * barbench info --vmm NAME: the route that VMM profile (lib/vmm_profile.c)
 * takes to each range of each BAR under the running kernel.
 */
#include <stdio.h>

#include "info_routes.h"
#include "provenance.h"
#include "vfio_compat.h"

/* The BARs info describes: memory BARs the kernel lets a user read. */
static int described(const struct vfio_dev *d, int bar)
{
	return (uint32_t)bar < d->num_regions && d->regions[bar].size &&
	       !vfio_bar_is_io(d, bar) &&
	       (d->regions[bar].flags & VFIO_REGION_INFO_FLAG_READ);
}

/* A run of one place and one route. */
struct route_range {
	uint64_t start, end;
	enum place place;
	enum vmm_route route;
	const char *why;
};

#define MAX_RANGES	(4 * VMM_MAX_MAPS + 16)

/* The profile's route segments, cut again where the place changes. */
static int route_ranges(const struct vfio_dev *d, const struct vmm_profile *p,
			const struct vmm_bar *b, struct route_range *out)
{
	struct vmm_segment s[MAX_RANGES];
	struct place_segment ps[16];
	int ns = vmm_segments(p, b, s, MAX_RANGES);
	int np = place_segments(&d->msix, b->bar, b->size, b->page, ps, 16);
	int n = 0;

	for (int i = 0; i < ns; i++)
		for (int j = 0; j < np && n < MAX_RANGES; j++) {
			uint64_t lo = s[i].start > ps[j].start ? s[i].start :
				      ps[j].start;
			uint64_t hi = s[i].end < ps[j].end ? s[i].end : ps[j].end;

			if (lo < hi)
				out[n++] = (struct route_range){
					lo, hi, ps[j].place, s[i].route,
					s[i].why };
		}
	return n;
}

static void print_routes(const struct vfio_dev *d,
			 const struct vmm_profile *p)
{
	printf("device %s %04x:%04x: routes of %s (%s), page size %llu\n",
	       d->addr, d->vendor, d->device, vmm_name(p), vmm_source(p),
	       (unsigned long long)system_page_size());
	for (int bar = 0; bar < 6; bar++) {
		struct vmm_bar b = vmm_bar_of(d, bar);
		struct mmap_area m[VMM_MAX_MAPS];
		struct route_range s[MAX_RANGES];
		const char *why;
		int n;

		if (!described(d, bar))
			continue;
		n = vmm_maps(p, &b, m, VMM_MAX_MAPS, &why);
		printf("  BAR%d  %s mmaps:", bar, vmm_name(p));
		if (!n)
			printf(" nothing");
		for (int i = 0; i < n; i++)
			printf(" 0x%llx-0x%llx",
			       (unsigned long long)m[i].offset,
			       (unsigned long long)(m[i].offset + m[i].size));
		printf("  (%s)\n", why);
		n = route_ranges(d, p, &b, s);
		for (int i = 0; i < n; i++)
			printf("    0x%04llx-0x%04llx  %-10s %-8s  %s\n",
			       (unsigned long long)s[i].start,
			       (unsigned long long)s[i].end - 1,
			       place_name(s[i].place),
			       vmm_route_name(s[i].route), s[i].why);
	}
}

static void json_routes(const struct vfio_dev *d, const struct options *o,
			const struct vmm_profile *p)
{
	struct jw w;

	jw_init(&w, stdout);
	jw_object(&w, NULL);
	jw_str(&w, "schema", VMM_ROUTES_SCHEMA);
	json_provenance(&w, o->variant, options_page_size(o));
	json_device(&w, d, system_page_size());
	jw_object(&w, "vmm");
	jw_str(&w, "name", vmm_name(p));
	jw_str(&w, "source", vmm_source(p));
	jw_end(&w, '}');
	jw_array(&w, "bars");
	for (int bar = 0; bar < 6; bar++) {
		struct vmm_bar b = vmm_bar_of(d, bar);
		struct mmap_area m[VMM_MAX_MAPS];
		struct route_range s[MAX_RANGES];
		const char *why;
		int n;

		if (!described(d, bar))
			continue;
		jw_object(&w, NULL);
		jw_int(&w, "index", bar);
		n = vmm_maps(p, &b, m, VMM_MAX_MAPS, &why);
		jw_array(&w, "mmaps");
		for (int i = 0; i < n; i++) {
			jw_object(&w, NULL);
			jw_int(&w, "offset", (long long)m[i].offset);
			jw_int(&w, "size", (long long)m[i].size);
			jw_end(&w, '}');
		}
		jw_end(&w, ']');
		jw_str(&w, "mmap_rule", why);
		jw_array(&w, "ranges");
		n = route_ranges(d, p, &b, s);
		for (int i = 0; i < n; i++) {
			jw_object(&w, NULL);
			jw_int(&w, "start", (long long)s[i].start);
			jw_int(&w, "end", (long long)s[i].end);
			jw_str(&w, "place", place_name(s[i].place));
			jw_str(&w, "route", vmm_route_name(s[i].route));
			jw_str(&w, "rule", s[i].why);
			jw_end(&w, '}');
		}
		jw_end(&w, ']');
		jw_end(&w, '}');
	}
	jw_end(&w, ']');
	jw_end(&w, '}');
	fputc('\n', stdout);
}

int cmd_info_vmm(struct vfio_dev *d, const struct options *o,
		 const struct vmm_profile *p)
{
	if (o->json)
		json_routes(d, o, p);
	else
		print_routes(d, p);
	return 0;
}

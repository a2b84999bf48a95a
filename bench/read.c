// SPDX-License-Identifier: GPL-2.0
/*
 * barbench read: one register, read N times through the mmap, the fd, or
 * as a VMM would reach it; prints the last value.  With trapcount around it,
 * it shows how many of the reads trapped.
 */
#include <stdio.h>
#include <string.h>

#include "profile.h"
#include "read.h"

int cmd_read(struct vfio_dev *d, const struct options *o, const char *how)
{
	int bar = o->sel.bar < 0 ? 0 : o->sel.bar, width = 4;
	uint64_t off = (uint64_t)o->sel.offset;
	int count = o->count > 0 ? o->count : 1;
	uint64_t value = 0;
	volatile void *p;
	struct bb_err e;
	enum place place;

	for (int w = 1; w <= 8; w *= 2)
		if (o->sel.widths == (unsigned int)WIDTH_BIT(w))
			width = w;
	if (vfio_bar_is_io(d, bar) || !vfio_bar_usable(d, bar)) {
		fprintf(stderr, "barbench: %s has no readable memory BAR%d%s\n",
			d->addr, bar, vfio_bar_is_io(d, bar) ?
			" (it is an I/O BAR)" : "");
		return BB_ERR_NOBAR;
	}
	if (off % width || off + width > d->regions[bar].size) {
		fprintf(stderr, "barbench: offset 0x%llx width %d is "
			"misaligned or outside BAR%d (0x%llx bytes)\n",
			(unsigned long long)off, width, bar,
			(unsigned long long)d->regions[bar].size);
		return BB_ERR_RANGE;
	}
	/* PCIe: the table and PBA take aligned DWORD or QWORD only. */
	place = place_classify(&d->msix, bar, off, 4096);
	if (width < 4 && (place == PLACE_MSIX_TABLE || place == PLACE_MSIX_PBA)) {
		fprintf(stderr, "barbench: BAR%d+0x%llx is in the MSI-X %s, "
			"which is read 4 or 8 bytes wide only, not %d\n", bar,
			(unsigned long long)off,
			place == PLACE_MSIX_TABLE ? "table" : "PBA", width);
		return BB_ERR_RANGE;
	}
	p = NULL;
	if (!strcmp(how, "mmap")) {
		vfio_bar_map_all(d, bar);
		p = vfio_bar_ptr(d, bar, off, width);
		if (!p) {
			fprintf(stderr, "barbench: BAR%d+0x%llx: the kernel "
				"lets no mmap cover it\n", bar,
				(unsigned long long)off);
			return BB_ERR_IO;
		}
	} else if (!strcmp(how, "vmm")) {
		const struct vmm_profile *v = vmm_first(o->sel.vmms);
		struct vmm_bar b = vmm_bar_of(d, bar);
		const char *why;
		enum vmm_route r = vmm_route(v, &b, off, width,
					     &why);

		fprintf(stderr, "barbench: BAR%d+0x%llx: %s, as %s does it "
			"(%s)\n", bar, (unsigned long long)off,
			vmm_route_name(r), vmm_name(v), why);
		if (r == VMM_EMULATED)
			return BB_ERR_EMULATED;
		vfio_bar_map_all(d, bar);
		if (r == VMM_DIRECT &&
		    !(p = vfio_bar_ptr(d, bar, off, width))) {
			fprintf(stderr, "barbench: but the kernel lets no mmap "
				"cover it\n");
			return BB_ERR_IO;
		}
	}
	for (int i = 0; i < count; i++) {
		if (p) {
			value = mmio_read(p, width);
		} else if (vfio_region_read(d, bar, off, &value, width, &e)) {
			fprintf(stderr, "barbench: %s\n", e.msg);
			return BB_ERR_IO;
		}
	}
	printf("0x%0*llx\n", width * 2, (unsigned long long)value);
	return 0;
}

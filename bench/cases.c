// SPDX-License-Identifier: GPL-2.0
/*
 * Which BAR, which registers (targets) and which cases, for barbench run
 * and vmmdrive.  A case is one target, path, op and width.  On a device
 * with a profile the targets are its named registers, table entry 0 and the
 * PBA; on any other device the first offset of each place.
 */
#include <stdio.h>

#include "cases.h"
#include "profile.h"

#define MAX_TARGETS	32

static const char *const path_names[PATH_COUNT] = {
	[PATH_MMAP] = "mmap",
	[PATH_FD] = "fd",
	[PATH_VMM] = "vmm",
};

const char *path_name(enum path p)
{
	return p < PATH_COUNT ? path_names[p] : "?";
}

const char *case_path_label(const struct bench_case *k)
{
	static char buf[64];

	if (k->path != PATH_VMM || !k->vmm)
		return path_name(k->path);
	snprintf(buf, sizeof(buf), "vmm:%s", vmm_name(k->vmm));
	return buf;
}

struct target {
	const char *reg;
	int bar;
	uint64_t offset;
	unsigned int read_widths, write_widths;
	enum place place;
};

static int add_target(struct target *t, int n, const char *reg, int bar,
		      uint64_t off, unsigned int rw, unsigned int ww)
{
	for (int i = 0; i < n; i++)
		if (t[i].bar == bar && t[i].offset == off)
			return n;
	if (n == MAX_TARGETS)
		return n;
	t[n] = (struct target){ reg, bar, off, rw, ww, PLACE_OTHER };
	return n + 1;
}

/* The first 8-byte-aligned offset of each class no register stands for. */
static int add_class_targets(const struct vfio_dev *d, int bar, uint64_t page,
			     struct target *t, int n)
{
	struct place_segment seg[16];
	int nseg = place_segments(&d->msix, bar, d->regions[bar].size, page,
				  seg, 16);

	for (int p = 0; p < PLACE_COUNT; p++) {
		int have = 0;

		for (int i = 0; i < n; i++)
			have |= place_classify(&d->msix, t[i].bar, t[i].offset,
					       page) == (enum place)p;
		for (int s = 0; s < nseg && !have; s++) {
			uint64_t off = (seg[s].start + 7) & ~7ull;

			if (seg[s].place != (enum place)p || off >= seg[s].end)
				continue;
			n = add_target(t, n, NULL, bar, off,
				       W1 | W2 | W4 | W8, 0);
			have = 1;
		}
	}
	return n;
}

static int build_targets(const struct vfio_dev *d,
			 const struct case_select *sel, int bar, uint64_t page,
			 struct target *t)
{
	const struct device_profile *prof = profile_find(d->vendor, d->device);
	const struct msix_info *m = &d->msix;
	int n = 0;

	if (sel->offset >= 0) {
		unsigned int ww = 0;
		const char *reg = NULL;

		for (int i = 0; prof && i < prof->nregs; i++)
			if (prof->regs[i].bar == bar &&
			    prof->regs[i].offset == (uint64_t)sel->offset) {
				reg = prof->regs[i].name;
				ww = prof->regs[i].write_widths;
			}
		n = add_target(t, n, reg, bar, (uint64_t)sel->offset,
			       W1 | W2 | W4 | W8, ww);
	} else {
		for (int i = 0; prof && i < prof->nregs; i++)
			if (prof->regs[i].bar == bar)
				n = add_target(t, n, prof->regs[i].name, bar,
					       prof->regs[i].offset,
					       prof->regs[i].read_widths,
					       prof->regs[i].write_widths);
		/* Writing entry 0's message data back is only ever opt-in. */
		if (m->present && m->table_bar == bar)
			n = add_target(t, n, "MSIX_ENTRY0_DATA", bar,
				       m->table_offset + 8, W4 | W8, W4);
		if (m->present && m->pba_bar == bar)
			n = add_target(t, n, "MSIX_PBA0", bar, m->pba_offset,
				       W4 | W8, 0);
		n = add_class_targets(d, bar, page, t, n);
	}
	for (int i = 0; i < n; i++) {
		t[i].place = place_classify(m, bar, t[i].offset, page);
		/* PCIe: the table and PBA take aligned DWORD or QWORD only. */
		if (t[i].place == PLACE_MSIX_TABLE ||
		    t[i].place == PLACE_MSIX_PBA) {
			t[i].read_widths &= W4 | W8;
			t[i].write_widths &= W4 | W8;
		}
	}
	return n;
}

static int add_widths(const struct target *t, enum path path,
		      const struct vmm_profile *vmm, int write,
		      unsigned int widths, struct bench_case *c, int n)
{
	for (int w = 1; w <= 8; w *= 2) {
		if (!(widths & WIDTH_BIT(w)) || t->offset % w || n == CASES_MAX)
			continue;
		c[n++] = (struct bench_case){
			.bar = t->bar, .offset = t->offset, .reg = t->reg,
			.place = t->place, .path = path, .vmm = vmm,
			.write = write, .width = w,
		};
	}
	return n;
}

/* One case per path and width; the vmm path once per --vmm profile. */
static int add_cases(const struct target *t, const struct case_select *sel,
		     int write, unsigned int widths, struct bench_case *c,
		     int n)
{
	for (int path = 0; path < PATH_COUNT; path++) {
		if (!(sel->paths & (1u << path)))
			continue;
		if (path != PATH_VMM) {
			n = add_widths(t, (enum path)path, NULL, write, widths,
				       c, n);
			continue;
		}
		for (int v = 0; v < vmm_count(); v++)
			if (sel->vmms & (1u << v))
				n = add_widths(t, PATH_VMM, vmm_at(v), write,
					       widths, c, n);
	}
	return n;
}

int cases_build(const struct vfio_dev *d, const struct case_select *sel,
		int bar, uint64_t page, struct bench_case *c, int *count,
		struct bb_err *e)
{
	struct target t[MAX_TARGETS];
	int nt = build_targets(d, sel, bar, page, t), n = 0;

	if (sel->writes && !profile_find(d->vendor, d->device))
		return bb_fail(e, BB_ERR_UNSAFE, "no device profile for "
			       "%04x:%04x: writes refused, the device is "
			       "read-only", d->vendor, d->device);
	for (int i = 0; i < nt; i++) {
		unsigned int ww = t[i].write_widths & sel->widths;

		if (!(sel->places & (1u << t[i].place)))
			continue;
		n = add_cases(&t[i], sel, 0, t[i].read_widths & sel->widths,
			      c, n);
		if (!sel->writes)
			continue;
		if (t[i].place == PLACE_MSIX_TABLE && !sel->allow_table_writes)
			continue;
		if (sel->offset >= 0 && !ww)
			return bb_fail(e, BB_ERR_UNSAFE, "BAR%d+0x%llx: no "
				       "profile declares a write there safe",
				       bar, (unsigned long long)t[i].offset);
		n = add_cases(&t[i], sel, 1, ww, c, n);
	}
	*count = n;
	return 0;
}

int cases_pick_bar(const struct vfio_dev *d, const struct case_select *sel,
		   int *out, struct bb_err *e)
{
	int bar = sel->bar;

	if (bar < 0)
		bar = d->msix.present ? d->msix.table_bar : 0;
	if (bar > 5 || (uint32_t)bar >= d->num_regions || !d->regions[bar].size)
		return bb_fail(e, BB_ERR_NOBAR, "%s has no BAR%d (or its size "
			       "is 0)", d->addr, bar);
	if (vfio_bar_is_io(d, bar))
		return bb_fail(e, BB_ERR_NOBAR, "BAR%d of %s is an I/O (port "
			       "space) BAR: barbench times memory BARs only",
			       bar, d->addr);
	if (!vfio_bar_usable(d, bar))
		return bb_fail(e, BB_ERR_NOBAR, "BAR%d of %s is not readable "
			       "through VFIO", bar, d->addr);
	*out = bar;
	return 0;
}

int cases_check_range(const struct vfio_dev *d,
		      const struct case_select *sel, int bar, struct bb_err *e)
{
	uint64_t size = d->regions[bar].size;

	if (sel->offset < 0)
		return 0;
	for (int w = 1; w <= 8; w *= 2) {
		if (!(sel->widths & WIDTH_BIT(w)))
			continue;
		if ((uint64_t)sel->offset % w)
			return bb_fail(e, BB_ERR_RANGE, "offset 0x%llx is not "
				       "aligned to width %d",
				       (unsigned long long)sel->offset, w);
		if ((uint64_t)sel->offset + w > size)
			return bb_fail(e, BB_ERR_RANGE, "offset 0x%llx width %d "
				       "is outside BAR%d (0x%llx bytes)",
				       (unsigned long long)sel->offset, w, bar,
				       (unsigned long long)size);
	}
	return 0;
}


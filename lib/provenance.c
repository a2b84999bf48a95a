// SPDX-License-Identifier: GPL-2.0
/*
 * Everything a reviewer needs to trust and reproduce a number: which kernel,
 * which page size, which CPU and device, which tool version, and what the
 * kernel said about the device's regions.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "parse_num.h"
#include "provenance.h"
#include "timer.h"
#include "vfio_compat.h"

#ifndef BARBENCH_VERSION
#define BARBENCH_VERSION "unknown"
#endif

/* First line of @path, without its newline; "" if unreadable. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* "model name" on x86, "cpu" on ppc64, "CPU part" on arm64. */
static void cpu_model(char *buf, size_t len)
{
	static const char *const keys[] = { "model name", "cpu", "CPU part" };
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	buf[0] = 0;
	if (!f)
		return;
	while (!buf[0] && fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			size_t k = strlen(keys[i]);
			char *v;

			/* The key, then blanks, then ':': "cpu" must not
			 * take x86's "cpu family" line. */
			if (strncmp(line, keys[i], k) ||
			    line[k + strspn(line + k, " \t")] != ':')
				continue;
			v = strchr(line, ':');
			if (!v)
				continue;
			v += strspn(v + 1, " \t") + 1;
			v[strcspn(v, "\n")] = 0;
			snprintf(buf, len, "%s", v);
			break;
		}
	}
	fclose(f);
}

static void json_clock(struct jw *w)
{
	struct clock_info c;

	jw_object(w, "clock");
	if (clock_from_env(&c)) {	/* refused before the run started */
		jw_str(w, "kind", "unknown");
	} else if (!strcmp(c.kind, "icount")) {
		jw_str(w, "kind", "icount");
		jw_int(w, "shift", c.shift);
		jw_str(w, "qemu", c.qemu);
		jw_str(w, "unit", "guest instructions");
	} else {
		jw_str(w, "kind", "wall");
		jw_str(w, "unit", "ns");
	}
	jw_end(w, '}');
}

void json_provenance(struct jw *w, const char *variant,
		     uint64_t class_page_size)
{
	char cmdline[2048], model[256], date[64], module[128];
	const char *round;
	struct utsname u;
	time_t now = time(NULL);
	int round_num;

	uname(&u);
	read_line("/proc/cmdline", cmdline, sizeof(cmdline));
	cpu_model(model, sizeof(model));
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));

	jw_object(w, "tool");
	jw_str(w, "name", "barbench");
	jw_str(w, "version", BARBENCH_VERSION);
	jw_end(w, '}');
	jw_object(w, "provenance");
	jw_str(w, "date", date);
	jw_str(w, "hostname", u.nodename);
	jw_str(w, "arch", u.machine);
	jw_str(w, "kernel_release", u.release);
	jw_str(w, "kernel_version", u.version);
	jw_str(w, "kernel_cmdline", cmdline);
	jw_int(w, "page_size", (long long)system_page_size());
	jw_int(w, "class_page_size", (long long)class_page_size);
	jw_str(w, "cpu_model", model);
	jw_int(w, "cpus_online", sysconf(_SC_NPROCESSORS_ONLN));
	jw_str(w, "variant", variant);
	/* Set by the harness when variants alternate in one boot; a value
	 * that is not a round number is left out, not guessed at. */
	round = getenv("BARBENCH_ROUND");
	if (round && !parse_int(round, 0, INT_MAX, &round_num))
		jw_int(w, "round", round_num);
	/* Which vfio-pci-core measured: "OE" marks an out-of-tree rebuild. */
	read_line("/sys/module/vfio_pci_core/taint", module, sizeof(module));
	jw_str(w, "vfio_pci_core_taint", module);
	json_clock(w);
	jw_end(w, '}');
}

static void json_region_flags(struct jw *w, uint32_t flags)
{
	jw_array(w, "flags");
	if (flags & VFIO_REGION_INFO_FLAG_READ)
		jw_str(w, NULL, "READ");
	if (flags & VFIO_REGION_INFO_FLAG_WRITE)
		jw_str(w, NULL, "WRITE");
	if (flags & VFIO_REGION_INFO_FLAG_MMAP)
		jw_str(w, NULL, "MMAP");
	if (flags & VFIO_REGION_INFO_FLAG_CAPS)
		jw_str(w, NULL, "CAPS");
	jw_end(w, ']');
}

static void json_caps(struct jw *w, const struct region_caps *c)
{
	jw_array(w, "capabilities");
	for (int i = 0; i < c->ncaps; i++) {
		const char *name = regcap_name(c->ids[i]);

		jw_object(w, NULL);
		jw_int(w, "id", c->ids[i]);
		jw_int(w, "version", c->versions[i]);
		jw_str(w, "name", name ? name : "unknown");
		if (c->ids[i] == REGCAP_SPARSE_MMAP) {
			jw_array(w, "areas");
			for (int a = 0; a < c->nareas; a++) {
				jw_object(w, NULL);
				jw_int(w, "offset", (long long)c->areas[a].offset);
				jw_int(w, "size", (long long)c->areas[a].size);
				jw_end(w, '}');
			}
			jw_end(w, ']');
		}
		if (c->ids[i] == REGCAP_TYPE) {
			jw_int(w, "type", c->type);
			jw_int(w, "subtype", c->subtype);
		}
		jw_end(w, '}');
	}
	jw_end(w, ']');
}

static void json_msix(struct jw *w, const struct msix_info *m)
{
	jw_object(w, "msix");
	jw_bool(w, "present", m->present);
	if (m->present) {
		jw_int(w, "cap_offset", m->cap_offset);
		jw_int(w, "entries", m->entries);
		jw_int(w, "table_bar", m->table_bar);
		jw_int(w, "table_offset", m->table_offset);
		jw_int(w, "table_size", msix_table_size(m));
		jw_int(w, "pba_bar", m->pba_bar);
		jw_int(w, "pba_offset", m->pba_offset);
		jw_int(w, "pba_size", msix_pba_size(m));
	}
	jw_end(w, '}');
}

static void json_whole_bar(struct jw *w, const struct vfio_dev *d, int bar)
{
	int e = EINVAL;

	if (d->regions[bar].flags & VFIO_REGION_INFO_FLAG_MMAP)
		e = vfio_bar_try_mmap(d, bar, 0, d->regions[bar].size);
	jw_str(w, "whole_bar_mmap", e ? strerror(e) : "ok");
}

static void json_places(struct jw *w, const struct vfio_dev *d, int bar,
			uint64_t page_size)
{
	struct place_segment seg[16];
	int n = place_segments(&d->msix, bar, d->regions[bar].size, page_size,
			       seg, 16);

	jw_array(w, "places");
	for (int i = 0; i < n; i++) {
		jw_object(w, NULL);
		jw_int(w, "start", (long long)seg[i].start);
		jw_int(w, "end", (long long)seg[i].end);
		jw_str(w, "place", place_name(seg[i].place));
		jw_end(w, '}');
	}
	jw_end(w, ']');
}

void json_device(struct jw *w, const struct vfio_dev *d, uint64_t page_size)
{
	char id[16];

	jw_object(w, "device");
	jw_str(w, "address", d->addr);
	snprintf(id, sizeof(id), "%04x:%04x", d->vendor, d->device);
	jw_str(w, "id", id);
	jw_str(w, "driver", d->driver);
	/* How the device was opened: the group and container, or the cdev. */
	jw_str(w, "access", d->group < 0 ? "iommufd" : "group");
	jw_str(w, "iommu", d->iommu);
	jw_int(w, "iommu_group", d->group);
	json_msix(w, &d->msix);
	jw_array(w, "bars");
	for (int bar = 0; bar < 6 && (uint32_t)bar < d->num_regions; bar++) {
		const struct vfio_region *r = &d->regions[bar];

		if (!r->size)
			continue;
		jw_object(w, NULL);
		jw_int(w, "index", bar);
		jw_int(w, "size", (long long)r->size);
		jw_int(w, "region_offset", (long long)r->offset);
		json_region_flags(w, r->flags);
		jw_bool(w, "msix_mappable", r->caps.has_msix_mappable);
		json_caps(w, &r->caps);
		jw_array(w, "mmap_ranges");
		for (int i = 0; i < d->nmaps[bar]; i++) {
			const struct bar_map *m = &d->maps[bar][i];

			jw_object(w, NULL);
			jw_int(w, "offset", (long long)m->offset);
			jw_int(w, "size", (long long)m->size);
			jw_bool(w, "mapped", m->addr != NULL);
			if (!m->addr)
				jw_str(w, "error", strerror(m->error));
			jw_end(w, '}');
		}
		jw_end(w, ']');
		json_whole_bar(w, d, bar);
		json_places(w, d, bar, page_size);
		jw_end(w, '}');
	}
	jw_end(w, ']');
	jw_end(w, '}');
}

// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse_num.h"
#include "status.h"
#include "vfio_compat.h"
#include "vfio_dev.h"

#define SYSFS_PCI	"/sys/bus/pci/devices"

/* errno of a failed open of a VFIO node, as a status. */
static int open_status(int err)
{
	return err == EACCES || err == EPERM ? BB_ERR_PERM : BB_ERR_VFIO;
}

/* @n hex digits (at least @min, at most @max) of @s into @v; the end. */
static const char *hex_field(const char *s, int min, int max, unsigned int *v)
{
	int n = 0;

	*v = 0;
	for (; n < max && isxdigit((unsigned char)s[n]); n++)
		*v = *v << 4 | (unsigned int)(isdigit((unsigned char)s[n]) ?
			s[n] - '0' : (tolower((unsigned char)s[n]) - 'a' + 10));
	return n >= min && !isxdigit((unsigned char)s[n]) ? s + n : NULL;
}

uint64_t system_page_size(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

/*
 * A strict parser: scanf's %x takes signs, "0x" and numbers too big for
 * their field (which wrap), so "100000000:00:02.0" would become domain 0.
 */
int pci_addr_normalize(const char *in, char *out, size_t outlen)
{
	unsigned int dom = 0, bus, dev, fn;
	const char *p = in, *q;

	/* Optional domain: up to four digits, then ':' and a bus. */
	q = hex_field(p, 1, 4, &dom);
	if (q && *q == ':' && (q = hex_field(q + 1, 1, 2, &bus)) && *q == ':')
		p = q + 1;
	else if ((q = hex_field(in, 1, 2, &bus)) && *q == ':')
		dom = 0, p = q + 1;
	else
		return -1;
	q = hex_field(p, 1, 2, &dev);
	if (!q || *q != '.')
		return -1;
	q = hex_field(q + 1, 1, 1, &fn);
	if (!q || *q || dev > 0x1f || fn > 7)
		return -1;
	snprintf(out, outlen, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

/* Basename of the symlink @dir/@link, or -1 if there is none. */
static int link_name(const char *dir, const char *link, char *out, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = 0;
	snprintf(out, len, "%s", basename(target));
	return 0;
}

/* vfio-pci itself, or a vendor variant driver built on vfio-pci-core. */
static int is_vfio_driver(const char *name)
{
	return strstr(name, "vfio") != NULL;
}

static int check_sysfs(struct vfio_dev *d, char *sysdir, size_t len,
		       struct bb_err *e)
{
	struct stat st;

	snprintf(sysdir, len, SYSFS_PCI "/%s", d->addr);
	if (stat(sysdir, &st))
		return bb_fail(e, BB_ERR_NODEV, "no PCI device %s (%s: %s)",
			    d->addr, sysdir, strerror(errno));
	if (link_name(sysdir, "driver", d->driver, sizeof(d->driver)))
		return bb_fail(e, BB_ERR_NOTVFIO,
			    "%s is not bound to any driver; bind it to "
			    "vfio-pci first (see docs/lab.md: driver_override)",
			    d->addr);
	if (!is_vfio_driver(d->driver))
		return bb_fail(e, BB_ERR_NOTVFIO,
			    "%s is bound to %s, not vfio-pci", d->addr,
			    d->driver);
	return 0;
}

static int set_container_iommu(struct vfio_dev *d, struct bb_err *e)
{
	static const struct {
		int type;
		const char *name;
	} types[] = {
		{ VFIO_TYPE1v2_IOMMU, "type1v2" },
		{ VFIO_TYPE1_IOMMU, "type1" },
		{ VFIO_SPAPR_TCE_v2_IOMMU, "spapr-tce-v2" },
	};
	int api;

	d->container_fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (d->container_fd < 0)
		return bb_fail(e, open_status(errno), "open /dev/vfio/vfio: %s",
			    strerror(errno));
	api = ioctl(d->container_fd, VFIO_GET_API_VERSION);
	if (api != VFIO_API_VERSION)
		return bb_fail(e, BB_ERR_VFIO, "VFIO_GET_API_VERSION gave %d, "
			    "expected %d", api, VFIO_API_VERSION);
	if (ioctl(d->group_fd, VFIO_GROUP_SET_CONTAINER, &d->container_fd))
		return bb_fail(e, BB_ERR_VFIO, "VFIO_GROUP_SET_CONTAINER "
			    "(group %d): %s", d->group, strerror(errno));
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (ioctl(d->container_fd, VFIO_CHECK_EXTENSION,
			  types[i].type) <= 0)
			continue;
		if (ioctl(d->container_fd, VFIO_SET_IOMMU, types[i].type))
			return bb_fail(e, BB_ERR_VFIO, "VFIO_SET_IOMMU %s: %s",
				    types[i].name, strerror(errno));
		d->iommu = types[i].name;
		return 0;
	}
	return bb_fail(e, BB_ERR_VFIO, "the container offers none of Type1v2, "
		    "Type1, sPAPR TCE v2");
}

static int open_legacy(struct vfio_dev *d, const char *sysdir,
		       struct bb_err *e)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char name[64], path[64];
	int ret;

	if (link_name(sysdir, "iommu_group", name, sizeof(name)))
		return bb_fail(e, BB_ERR_VFIO, "%s has no IOMMU group: is an "
			    "IOMMU enabled (intel_iommu=on, amd_iommu=on)?",
			    d->addr);
	if (parse_int(name, 0, INT_MAX, &d->group))
		return bb_fail(e, BB_ERR_VFIO, "%s's IOMMU group '%s' is not "
			    "a number", d->addr, name);
	snprintf(path, sizeof(path), "/dev/vfio/%d", d->group);
	d->group_fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->group_fd < 0) {
		if (errno == EBUSY)
			return bb_fail(e, BB_ERR_VFIO, "open %s: group in use by "
				    "another process", path);
		return bb_fail(e, open_status(errno), "open %s: %s", path,
			    strerror(errno));
	}
	if (ioctl(d->group_fd, VFIO_GROUP_GET_STATUS, &status))
		return bb_fail(e, BB_ERR_VFIO, "VFIO_GROUP_GET_STATUS: %s",
			    strerror(errno));
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return bb_fail(e, BB_ERR_GROUP, "IOMMU group %d is not viable: "
			    "every device in %s/%s/iommu_group/devices must be "
			    "bound to vfio-pci or to no driver", d->group,
			    SYSFS_PCI, d->addr);
	ret = set_container_iommu(d, e);
	if (ret)
		return ret;
	d->device_fd = ioctl(d->group_fd, VFIO_GROUP_GET_DEVICE_FD, d->addr);
	if (d->device_fd < 0)
		return bb_fail(e, BB_ERR_VFIO, "VFIO_GROUP_GET_DEVICE_FD %s: %s",
			    d->addr, strerror(errno));
	return 0;
}

static int open_iommufd(struct vfio_dev *d, const char *sysdir,
			struct bb_err *e)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach) };
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	char dir[192], path[PATH_MAX];
	struct dirent *ent;
	DIR *dh;

	snprintf(dir, sizeof(dir), "%s/vfio-dev", sysdir);
	dh = opendir(dir);
	if (!dh)
		return bb_fail(e, BB_ERR_VFIO, "%s: %s: this kernel has no VFIO "
			    "device cdev (CONFIG_VFIO_DEVICE_CDEV)", dir,
			    strerror(errno));
	path[0] = 0;
	while ((ent = readdir(dh)))
		if (!strncmp(ent->d_name, "vfio", 4))
			snprintf(path, sizeof(path), "/dev/vfio/devices/%s",
				 ent->d_name);
	closedir(dh);
	if (!path[0])
		return bb_fail(e, BB_ERR_VFIO, "%s lists no vfioN device", dir);

	d->device_fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->device_fd < 0 && errno == ENOENT)
		return bb_fail(e, BB_ERR_VFIO, "no %s: this kernel has no VFIO "
			    "device cdev (CONFIG_VFIO_DEVICE_CDEV); use the "
			    "group path (drop --iommufd)", path);
	if (d->device_fd < 0)
		return bb_fail(e, open_status(errno), "open %s: %s", path,
			    strerror(errno));
	d->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (d->iommufd < 0 && errno == ENOENT)
		return bb_fail(e, BB_ERR_VFIO, "no /dev/iommu: iommufd is not "
			    "loaded (modprobe iommufd) or the kernel lacks "
			    "CONFIG_IOMMUFD; the group path needs neither "
			    "(drop --iommufd)");
	if (d->iommufd < 0)
		return bb_fail(e, open_status(errno), "open /dev/iommu: %s",
			    strerror(errno));
	bind.iommufd = d->iommufd;
	/* The cdev path opens a device once (vfio_df_open): EINVAL then. */
	if (ioctl(d->device_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return bb_fail(e, BB_ERR_VFIO, "VFIO_DEVICE_BIND_IOMMUFD on %s: "
			    "%s%s", path, strerror(errno), errno == EINVAL ?
			    " (is the device in use? a cdev is opened once)" :
			    "");
	if (ioctl(d->iommufd, IOMMU_IOAS_ALLOC, &ioas))
		return bb_fail(e, BB_ERR_VFIO, "IOMMU_IOAS_ALLOC: %s",
			    strerror(errno));
	attach.pt_id = ioas.out_ioas_id;
	if (ioctl(d->device_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return bb_fail(e, BB_ERR_VFIO, "VFIO_DEVICE_ATTACH_IOMMUFD_PT: %s",
			    strerror(errno));
	d->iommu = "iommufd";
	return 0;
}

/* GET_REGION_INFO twice: once for the size the capabilities need. */
static int read_region(struct vfio_dev *d, uint32_t index, struct bb_err *e)
{
	struct vfio_region_info *info;
	struct vfio_region *r = &d->regions[index];
	uint32_t argsz = sizeof(*info);
	struct bb_err why;

	for (int pass = 0; pass < 2; pass++) {
		info = calloc(1, argsz);
		if (!info)
			return bb_fail(e, BB_ERR_INTERNAL, "out of memory");
		info->argsz = argsz;
		info->index = index;
		if (ioctl(d->device_fd, VFIO_DEVICE_GET_REGION_INFO, info)) {
			int saved = errno;

			free(info);
			/* Absent optional regions (VGA) answer EINVAL. */
			if (saved == EINVAL)
				return 0;
			return bb_fail(e, BB_ERR_VFIO, "VFIO_DEVICE_GET_REGION_INFO "
				    "%u: %s", index, strerror(saved));
		}
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;
		free(info);
		info = NULL;
	}
	if (!info)
		return bb_fail(e, BB_ERR_VFIO, "region %u: argsz kept growing",
			    index);
	r->index = index;
	r->flags = info->flags;
	r->size = info->size;
	r->offset = info->offset;
	if ((info->flags & VFIO_REGION_INFO_FLAG_CAPS) &&
	    regcaps_parse(info, argsz, info->cap_offset, &r->caps, &why)) {
		free(info);
		return bb_fail(e, BB_ERR_CAPS, "region %u capability chain is "
			    "malformed: %s", index, why.msg);
	}
	free(info);
	return 0;
}

static int read_device(struct vfio_dev *d, struct bb_err *e)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct bb_err why;
	int ret;

	if (ioctl(d->device_fd, VFIO_DEVICE_GET_INFO, &info))
		return bb_fail(e, BB_ERR_VFIO, "VFIO_DEVICE_GET_INFO: %s",
			    strerror(errno));
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI))
		return bb_fail(e, BB_ERR_VFIO, "%s is not a vfio-pci device",
			    d->addr);
	d->num_regions = info.num_regions;
	if (d->num_regions > VFIO_DEV_REGIONS)
		d->num_regions = VFIO_DEV_REGIONS;
	for (uint32_t i = 0; i < d->num_regions; i++) {
		ret = read_region(d, i, e);
		if (ret)
			return ret;
	}
	ret = vfio_region_read(d, VFIO_DEV_CONFIG_INDEX, 0, d->config,
			       sizeof(d->config), e);
	if (ret)
		return ret;
	d->vendor = (uint16_t)(d->config[0] | d->config[1] << 8);
	d->device = (uint16_t)(d->config[2] | d->config[3] << 8);
	if (msix_parse(d->config, sizeof(d->config), &d->msix, &why))
		return bb_fail(e, BB_ERR_CAPS, "config space of %s: %s", d->addr,
			    why.msg);
	return 0;
}

int vfio_dev_open(struct vfio_dev *d, const char *addr, int use_iommufd,
		  struct bb_err *e)
{
	char sysdir[128];
	int ret;

	memset(d, 0, sizeof(*d));
	d->container_fd = d->group_fd = d->iommufd = d->device_fd = -1;
	d->group = -1;
	if (pci_addr_normalize(addr, d->addr, sizeof(d->addr)))
		return bb_fail(e, BB_ERR_USAGE, "'%s' is not a PCI address "
			    "(expected DDDD:BB:DD.F, e.g. 0000:00:02.0)", addr);
	ret = check_sysfs(d, sysdir, sizeof(sysdir), e);
	if (!ret)
		ret = use_iommufd ? open_iommufd(d, sysdir, e) :
				    open_legacy(d, sysdir, e);
	if (!ret)
		ret = read_device(d, e);
	if (ret)
		vfio_dev_close(d);
	return ret;
}

static void unmap_bar(struct vfio_dev *d, int bar)
{
	for (int i = 0; i < d->nmaps[bar]; i++)
		if (d->maps[bar][i].addr)
			munmap(d->maps[bar][i].addr, d->maps[bar][i].size);
	d->nmaps[bar] = 0;
}

void vfio_dev_close(struct vfio_dev *d)
{
	for (int bar = 0; bar < 6; bar++)
		unmap_bar(d, bar);
	/* Device first: the group cannot leave its container while open. */
	if (d->device_fd >= 0)
		close(d->device_fd);
	if (d->iommufd >= 0)
		close(d->iommufd);
	if (d->group_fd >= 0)
		close(d->group_fd);
	if (d->container_fd >= 0)
		close(d->container_fd);
	d->device_fd = d->iommufd = d->group_fd = d->container_fd = -1;
}

int vfio_bar_is_io(const struct vfio_dev *d, int bar)
{
	/* PCI_BASE_ADDRESS_0 + 4 * bar; bit 0 set means I/O space. */
	return bar >= 0 && bar <= 5 && (d->config[0x10 + 4 * bar] & 1);
}

int vfio_bar_usable(const struct vfio_dev *d, int bar)
{
	const struct vfio_region *r;

	if (bar < 0 || bar > 5 || (uint32_t)bar >= d->num_regions)
		return 0;
	r = &d->regions[bar];
	return r->size && (r->flags & VFIO_REGION_INFO_FLAG_READ) &&
	       !vfio_bar_is_io(d, bar);
}

int vfio_mmap_ranges(const struct vfio_dev *d, int bar, struct mmap_area *out,
		     int max)
{
	const struct vfio_region *r = &d->regions[bar];
	int n = 0;

	if (!vfio_bar_usable(d, bar) || !(r->flags & VFIO_REGION_INFO_FLAG_MMAP))
		return 0;
	if (!r->caps.has_sparse) {
		out[0].offset = 0;
		out[0].size = r->size;
		return 1;
	}
	for (int i = 0; i < r->caps.nareas && n < max; i++)
		out[n++] = r->caps.areas[i];
	return n;
}

int vfio_bar_map_all(struct vfio_dev *d, int bar)
{
	struct mmap_area ranges[REGCAPS_MAX_AREAS];
	const struct vfio_region *r = &d->regions[bar];
	int n = vfio_mmap_ranges(d, bar, ranges, REGCAPS_MAX_AREAS);
	int prot = PROT_READ;

	if (r->flags & VFIO_REGION_INFO_FLAG_WRITE)
		prot |= PROT_WRITE;
	unmap_bar(d, bar);
	for (int i = 0; i < n; i++) {
		struct bar_map *m = &d->maps[bar][i];
		void *p = MAP_FAILED;

		m->offset = ranges[i].offset;
		m->size = ranges[i].size;
		m->addr = NULL;
		m->error = EINVAL;
		/* An old kernel's quirk: an area of size 0; mmap refuses it. */
		if (m->size)
			p = mmap(NULL, m->size, prot, MAP_SHARED, d->device_fd,
				 (off_t)(r->offset + m->offset));
		if (p != MAP_FAILED) {
			m->addr = p;
			m->error = 0;
		} else if (m->size) {
			m->error = errno;
		}
	}
	d->nmaps[bar] = n;
	return n;
}

volatile void *vfio_bar_ptr(const struct vfio_dev *d, int bar, uint64_t offset,
			    uint64_t len)
{
	for (int i = 0; i < d->nmaps[bar]; i++) {
		const struct bar_map *m = &d->maps[bar][i];

		if (m->addr && offset >= m->offset &&
		    offset - m->offset + len <= m->size)
			return (volatile uint8_t *)m->addr +
			       (offset - m->offset);
	}
	return NULL;
}

int vfio_bar_try_mmap(const struct vfio_dev *d, int bar, uint64_t offset,
		      uint64_t len)
{
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, d->device_fd,
		       (off_t)(d->regions[bar].offset + offset));

	if (p == MAP_FAILED)
		return errno;
	/* Mapping touches no register: only a load would fault one in. */
	munmap(p, len);
	return 0;
}

int vfio_region_read(struct vfio_dev *d, int index, uint64_t offset,
		     void *buf, size_t len, struct bb_err *e)
{
	ssize_t n = pread(d->device_fd, buf, len,
			  (off_t)(d->regions[index].offset + offset));

	if (n == (ssize_t)len)
		return 0;
	return bb_fail(e, BB_ERR_IO, "pread region %d offset 0x%llx len %zu: %s",
		    index, (unsigned long long)offset, len,
		    n < 0 ? strerror(errno) : "short read");
}

int vfio_region_write(struct vfio_dev *d, int index, uint64_t offset,
		      const void *buf, size_t len, struct bb_err *e)
{
	ssize_t n = pwrite(d->device_fd, buf, len,
			   (off_t)(d->regions[index].offset + offset));

	if (n == (ssize_t)len)
		return 0;
	return bb_fail(e, BB_ERR_IO, "pwrite region %d offset 0x%llx len %zu: %s",
		    index, (unsigned long long)offset, len,
		    n < 0 ? strerror(errno) : "short write");
}

uint64_t mmio_read(volatile void *p, int width)
{
	switch (width) {
	case 1:
		return *(volatile uint8_t *)p;
	case 2:
		return *(volatile uint16_t *)p;
	case 4:
		return *(volatile uint32_t *)p;
	default:
		return *(volatile uint64_t *)p;
	}
}

void mmio_write(volatile void *p, int width, uint64_t value)
{
	switch (width) {
	case 1:
		*(volatile uint8_t *)p = (uint8_t)value;
		break;
	case 2:
		*(volatile uint16_t *)p = (uint16_t)value;
		break;
	case 4:
		*(volatile uint32_t *)p = (uint32_t)value;
		break;
	default:
		*(volatile uint64_t *)p = value;
		break;
	}
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UAPI that build hosts with older kernel headers lack (Debian 12 ships
 * 6.1's): the iommufd cdev path, added in Linux 6.6.  Values are those of
 * include/uapi/linux/vfio.h and iommufd.h; they are ABI and never change.
 */
#ifndef BARBENCH_VFIO_COMPAT_H
#define BARBENCH_VFIO_COMPAT_H

#include <linux/types.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>

#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)

struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)
#endif

#ifndef IOMMU_IOAS_ALLOC
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMUFD_TYPE		(';')
#define IOMMU_IOAS_ALLOC	_IO(IOMMUFD_TYPE, 0x81)
#endif

#endif

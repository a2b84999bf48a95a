/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit statuses of barbench and its tests.  Each failure cause has its own
 * number so that a script (the harness, a CI job) can tell them apart
 * without parsing the message.  Documented in barbench --help and README.md.
 */
#ifndef BARBENCH_STATUS_H
#define BARBENCH_STATUS_H

enum bb_status {
	BB_OK = 0,
	BB_ERR_INTERNAL = 1,	/* a bug, or out of memory */
	BB_ERR_USAGE = 2,	/* bad command line */
	BB_ERR_NODEV = 3,	/* no such PCI device */
	BB_ERR_NOTVFIO = 4,	/* device not bound to vfio-pci */
	BB_ERR_PERM = 5,	/* no permission to open the group or device */
	BB_ERR_GROUP = 6,	/* IOMMU group not viable */
	BB_ERR_VFIO = 7,	/* a VFIO or iommufd ioctl failed */
	BB_ERR_CAPS = 8,	/* malformed capability chain or config space */
	BB_ERR_RANGE = 9,	/* offset/width outside the BAR, or misaligned */
	BB_ERR_UNSAFE = 10,	/* write refused: no profile declares it safe */
	BB_ERR_IO = 11,		/* a BAR access or mmap failed */
	BB_ERR_OUTPUT = 12,	/* results could not be written */
	BB_ERR_NOBAR = 13,	/* BAR absent, size 0, or an I/O BAR */
	BB_ERR_INTERRUPTED = 14,	/* stopped by a signal */
	BB_ERR_TRAPS = 15,	/* --traps: the BPF probes could not start */
};

#endif

// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

#include "status.h"

int bb_fail(struct bb_err *e, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return status;
}

/* The words of the comments in status.h, for the tools' --help. */
static const char *const texts[BB_STATUS_COUNT] = {
	[BB_OK] = "success",
	[BB_ERR_INTERNAL] = "a bug, or out of memory",
	[BB_ERR_USAGE] = "bad command line",
	[BB_ERR_NODEV] = "no such PCI device",
	[BB_ERR_NOTVFIO] = "device not bound to vfio-pci",
	[BB_ERR_PERM] = "no permission",
	[BB_ERR_GROUP] = "IOMMU group not viable",
	[BB_ERR_VFIO] = "a VFIO or iommufd ioctl failed",
	[BB_ERR_CAPS] = "malformed capability chain or config space",
	[BB_ERR_RANGE] = "offset or width outside the BAR, or misaligned",
	[BB_ERR_UNSAFE] = "write refused: no profile declares it safe",
	[BB_ERR_IO] = "a BAR access or mmap failed",
	[BB_ERR_OUTPUT] = "results could not be written",
	[BB_ERR_NOBAR] = "BAR absent, size 0, or an I/O BAR",
	[BB_ERR_INTERRUPTED] = "stopped by a signal",
	[BB_ERR_TRAPS] = "the BPF probes could not be loaded or attached",
	[BB_ERR_LOST] = "trap events were lost: counts are not exact",
	[BB_ERR_NOFUNC] = "no vfio-pci-core read/write function to probe",
	[BB_ERR_EMULATED] = "the VMM profile emulates that register: nothing to access",
	[BB_ERR_VMM] = "the VMM failed or died",
};

const char *bb_status_text(int status)
{
	if (status < 0 || status >= BB_STATUS_COUNT)
		return "unknown";
	return texts[status];
}

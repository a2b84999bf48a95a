// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>

#include "profile.h"

/*
 * QEMU's emulated NVMe (hw/nvme/ctrl.c).  With no driver the controller
 * stays disabled (CC.EN = 0), so rewriting the admin queue attributes is
 * allowed and has no effect, and a doorbell write to a queue that does not
 * exist is dropped.  Both registers take only 32-bit writes: a narrower one
 * would zero the upper bytes.
 */
static const struct reg_desc qemu_nvme_regs[] = {
	{ "CAP", 0, 0x0000, W1 | W2 | W4 | W8, 0, NULL },
	{ "VS", 0, 0x0008, W1 | W2 | W4, 0, NULL },
	{ "CSTS", 0, 0x001c, W1 | W2 | W4, 0, NULL },
	{ "AQA", 0, 0x0024, W4, W4,
	  "admin queue attributes; ignored while CC.EN=0" },
	{ "SQ0TDBL", 0, 0x1000, W4, W4,
	  "admin SQ doorbell; dropped while the controller is disabled" },
};

/*
 * QEMU's qemu-xhci (hw/usb/hcd-xhci.c): capability registers at 0, runtime
 * at 0x1000, doorbells at 0x2000.  Doorbell writes are ignored while the
 * controller is halted, and IMOD is a plain stored value.
 */
static const struct reg_desc qemu_xhci_regs[] = {
	{ "CAPLENGTH", 0, 0x0000, W1 | W2 | W4, 0, NULL },
	{ "HCSPARAMS1", 0, 0x0004, W4, 0, NULL },
	{ "MFINDEX", 0, 0x1000, W4, 0, NULL },
	{ "IMOD0", 0, 0x1024, W4, W4,
	  "interrupter 0 moderation; a stored value" },
	{ "DB0", 0, 0x2000, W4, W4,
	  "host doorbell; ignored while the controller is halted" },
};

#define PROFILE(v, d, n, r) { v, d, n, r, sizeof(r) / sizeof(r[0]) }

static const struct device_profile profiles[] = {
	PROFILE(0x1b36, 0x0010, "qemu-nvme", qemu_nvme_regs),
	PROFILE(0x1b36, 0x000d, "qemu-xhci", qemu_xhci_regs),
};

const struct device_profile *profile_find(uint16_t vendor, uint16_t device)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (profiles[i].vendor == vendor &&
		    profiles[i].device == device)
			return &profiles[i];
	return NULL;
}

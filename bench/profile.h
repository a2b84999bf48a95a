/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device profiles: the registers worth timing on a known device, and the
 * only ones barbench will ever write.  A device without a profile is
 * read-only.  A write always stores the value the register held, so the
 * device's state does not change; the value is restored and checked after.
 */
#ifndef BARBENCH_PROFILE_H
#define BARBENCH_PROFILE_H

#include <stdint.h>

#define W1	(1u << 0)
#define W2	(1u << 1)
#define W4	(1u << 2)
#define W8	(1u << 3)
#define WIDTH_BIT(w)	((w) == 1 ? W1 : (w) == 2 ? W2 : (w) == 4 ? W4 : W8)

struct reg_desc {
	const char *name;
	int bar;
	uint32_t offset;
	unsigned int read_widths;	/* W1|W2|... */
	unsigned int write_widths;	/* 0: never written */
	const char *why;		/* why a write is harmless */
};

struct device_profile {
	uint16_t vendor, device;
	const char *name;
	const struct reg_desc *regs;
	int nregs;
};

const struct device_profile *profile_find(uint16_t vendor, uint16_t device);

#endif

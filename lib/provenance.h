/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The provenance and device description every results file carries
 * (barbench run and info --json, vmmdrive): which kernel, page size, CPU,
 * tool version and clock, and what the kernel said of the device.
 */
#ifndef BARBENCH_PROVENANCE_H
#define BARBENCH_PROVENANCE_H

#include <stdint.h>

#include "json.h"
#include "vfio_dev.h"

/*
 * "tool" and "provenance": @variant is the kernel variant's label,
 * @class_page_size the page size places were computed for.
 */
void json_provenance(struct jw *w, const char *variant,
		     uint64_t class_page_size);
/* "device": the regions, capabilities, MSI-X and places at @page_size. */
void json_device(struct jw *w, const struct vfio_dev *d, uint64_t page_size);

#endif

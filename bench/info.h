/* SPDX-License-Identifier: GPL-2.0 */
/* barbench info: what the kernel tells a user about a vfio-pci device. */
#ifndef BARBENCH_INFO_H
#define BARBENCH_INFO_H

#include "options.h"
#include "vfio_dev.h"

#define INFO_SCHEMA	"vfio-barbench/info/1"

/* The text, or with --json the info/1 document, on stdout. */
int cmd_info(struct vfio_dev *d, const struct options *o);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * barbench read: one register, read --count times through the mmap, the
 * fd (@how "mmap", "fd") or as --vmm's profile reaches it ("vmm").
 */
#ifndef BARBENCH_READ_H
#define BARBENCH_READ_H

#include "options.h"
#include "vfio_dev.h"

int cmd_read(struct vfio_dev *d, const struct options *o, const char *how);

#endif

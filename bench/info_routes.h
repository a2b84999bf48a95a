/* SPDX-License-Identifier: GPL-2.0 */
/*
 * barbench info --vmm NAME: the route that VMM profile takes to each range
 * of each BAR under the running kernel, and the rule of its source that
 * decides it.
 */
#ifndef BARBENCH_INFO_ROUTES_H
#define BARBENCH_INFO_ROUTES_H

#include "options.h"
#include "vfio_dev.h"
#include "vmm_profile.h"

#define VMM_ROUTES_SCHEMA	"vfio-barbench/vmm-routes/1"

/* The text, or with --json the vmm-routes/1 document, on stdout. */
int cmd_info_vmm(struct vfio_dev *d, const struct options *o,
		 const struct vmm_profile *p);

#endif

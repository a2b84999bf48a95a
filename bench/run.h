/* SPDX-License-Identifier: GPL-2.0 */
/*
 * barbench run: check the request, set up the timer and the trap counting,
 * and hand over to cases.c (what to time), sample.c (timing) and output.c
 * (saving).
 */
#ifndef BARBENCH_RUN_H
#define BARBENCH_RUN_H

#include "options.h"
#include "vfio_dev.h"

int cmd_run(struct vfio_dev *d, const struct options *o);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Results files written so that nothing saved before is ever lost or
 * half-replaced: into a temporary file beside the target, fsync'd, then
 * renamed over it.  Used by barbench run and vmmdrive.
 */
#ifndef BARBENCH_WRITE_ATOMIC_H
#define BARBENCH_WRITE_ATOMIC_H

#include <stdio.h>

#include "status.h"

/*
 * Write @fill's output to @path atomically ("-": to stdout).  0, or
 * BB_ERR_OUTPUT with the reason in @e and @path as it was.
 */
int write_atomic(const char *path, void (*fill)(FILE *, void *), void *arg,
		 struct bb_err *e);

#endif

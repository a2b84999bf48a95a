/* SPDX-License-Identifier: GPL-2.0 */
/* What every fuzz target shares. */
#ifndef BARBENCH_FUZZ_H
#define BARBENCH_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

/*
 * A broken invariant: say which, in a line libFuzzer's log keeps, and
 * abort() so that libFuzzer (or replay.c) counts the input as a crash.
 * FUZZ_NAME is the target's name, defined before including this file.
 */
#define FAIL(...)							\
	do {								\
		fprintf(stderr, FUZZ_NAME ": " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

#endif

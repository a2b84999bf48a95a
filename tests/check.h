/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test harness: CHECK records a pass or a failure with the line
 * and the expression; check_summary() prints "N passed, M failed" (the line
 * CI reads) and gives the exit status.
 */
#ifndef BARBENCH_CHECK_H
#define BARBENCH_CHECK_H

#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond)							\
	do {								\
		if (cond) {						\
			check_passed++;					\
		} else {						\
			check_failed++;					\
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__,	\
				__LINE__, #cond);			\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		unsigned long long _a = (a), _b = (b);			\
		if (_a == _b) {						\
			check_passed++;					\
		} else {						\
			check_failed++;					\
			fprintf(stderr, "FAIL %s:%d: %s == %s "		\
				"(0x%llx != 0x%llx)\n", __FILE__,	\
				__LINE__, #a, #b, _a, _b);		\
		}							\
	} while (0)

static inline int check_summary(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif

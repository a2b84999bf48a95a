// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>

#include "parse_num.h"

int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	/* A digit first: strtoull would skip spaces, then wrap " -1". */
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_int(const char *s, int min, int max, int *out)
{
	uint64_t v;

	if (max < 0 || parse_u64(s, (uint64_t)max, &v) || (int64_t)v < min)
		return -1;
	*out = (int)v;
	return 0;
}

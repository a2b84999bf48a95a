/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one parser of numbers from a command line, for every tool (barbench,
 * trapcount, vmmdrive, the fuzz replayer).  A number is written as C writes
 * it (decimal, 0x hex, 0 octal), with a digit first and nothing after it:
 * strtoull alone would skip leading spaces and wrap " -1" to 2^64 - 1, and
 * atoi would take "12abc" as 12.  Out of range is refused, never clamped.
 */
#ifndef BARBENCH_PARSE_NUM_H
#define BARBENCH_PARSE_NUM_H

#include <stdint.h>

/* @s as a number from 0 to @max into @out: 0, or -1 (@out untouched). */
int parse_u64(const char *s, uint64_t max, uint64_t *out);
/* @s as a number from @min (0 or more) to @max into @out: 0, or -1. */
int parse_int(const char *s, int min, int max, int *out);

#endif

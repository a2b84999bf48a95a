// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "timer.h"

#define CALIB_ROUNDS	5
#define CALIB_NS	20000000ull	/* 20 ms a round */
#define OVERHEAD_PAIRS	2001

static int cycles_supported(void)
{
#if defined(__x86_64__) || defined(__powerpc64__) || defined(__aarch64__)
	return 1;
#else
	return 0;
#endif
}

/* Ticks per CLOCK_MONOTONIC_RAW nanosecond over a short busy wait. */
static double calibrate_once(void)
{
	uint64_t c0, c1, n0, n1;

	n0 = clock_now_ns();
	c0 = cycles_now();
	do
		n1 = clock_now_ns();
	while (n1 - n0 < CALIB_NS);
	c1 = cycles_now();
	if (c1 <= c0)
		return 0;
	return (double)(n1 - n0) / (double)(c1 - c0);
}

static double measure_overhead(const struct timer *t)
{
	double pairs[OVERHEAD_PAIRS];

	for (int i = 0; i < OVERHEAD_PAIRS; i++) {
		uint64_t a = timer_now(t);
		uint64_t b = timer_now(t);

		pairs[i] = timer_ns(t, b - a);
	}
	return median_of(pairs, OVERHEAD_PAIRS);
}

int timer_init(struct timer *t, const char *want)
{
	double r[CALIB_ROUNDS];
	int ok = 1;

	memset(t, 0, sizeof(*t));
	if (strcmp(want, "clock") && cycles_supported()) {
		for (int i = 0; i < CALIB_ROUNDS; i++) {
			r[i] = calibrate_once();
			ok &= r[i] > 0;
		}
		if (ok) {
			t->kind = TIMER_CYCLES;
#if defined(__x86_64__)
			t->source = "tsc";
#elif defined(__powerpc64__)
			t->source = "timebase";
#else
			t->source = "cntvct";
#endif
			t->ns_per_tick = median_of(r, CALIB_ROUNDS);
			t->overhead_ns = measure_overhead(t);
			return 0;
		}
	}
	if (!strcmp(want, "cycles"))
		return -1;
	t->kind = TIMER_CLOCK;
	t->source = "clock_gettime";
	t->ns_per_tick = 1.0;
	t->overhead_ns = measure_overhead(t);
	return 0;
}

/*
 * The clock the times are on.  Only the harness that started the guest
 * knows it, and says so in $BARBENCH_CLOCK: "wall" (or unset), or
 * "icount shift=N qemu=VERSION", under which the guest's clock advances
 * 2^N ns per guest instruction and every time is a count of instructions.
 */
int clock_from_env(struct clock_info *c)
{
	const char *env = getenv("BARBENCH_CLOCK");
	int n = 0;

	memset(c, 0, sizeof(*c));
	c->kind = "wall";
	if (!env || !*env || !strcmp(env, "wall"))
		return 0;
	if (sscanf(env, "icount shift=%d qemu=%63[0-9A-Za-z.+~:-]%n",
		   &c->shift, c->qemu, &n) != 2 || env[n] || c->shift < 0 ||
	    c->shift > 10)
		return -1;
	c->kind = "icount";
	return 0;
}

const char *clock_unit(void)
{
	struct clock_info c;

	return !clock_from_env(&c) && !strcmp(c.kind, "icount") ? "insns" :
								   "ns";
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A cheap timestamp: the CPU's cycle counter (TSC on x86_64, the timebase on
 * ppc64, cntvct_el0 on arm64) calibrated against CLOCK_MONOTONIC_RAW, with
 * clock_gettime itself as the fallback.  Batches of accesses are timed
 * between two reads, so the cost of one read is measured and reported.
 */
#ifndef BARBENCH_TIMER_H
#define BARBENCH_TIMER_H

#include <stdint.h>
#include <time.h>

enum timer_kind { TIMER_CYCLES, TIMER_CLOCK };

/* The clock the times are on: wall, or QEMU icount ($BARBENCH_CLOCK). */
struct clock_info {
	const char *kind;	/* "wall" or "icount" */
	int shift;		/* icount: 2^shift ns a guest instruction */
	char qemu[64];		/* icount: QEMU's version */
};

/* From $BARBENCH_CLOCK: 0, or -1 when it is neither form. */
int clock_from_env(struct clock_info *c);
/* The unit of a time, as printed: "ns", or "insns" under icount. */
const char *clock_unit(void);

struct timer {
	enum timer_kind kind;
	const char *source;	/* "tsc", "timebase", "cntvct", "clock_gettime" */
	double ns_per_tick;
	double overhead_ns;	/* median cost of one back-to-back pair */
};

static inline uint64_t cycles_now(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi;

	/* lfence keeps earlier loads from drifting past the timestamp. */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
#elif defined(__powerpc64__)
	uint64_t tb;

	__asm__ volatile("mfspr %0, 268" : "=r"(tb) :: "memory");
	return tb;
#elif defined(__aarch64__)
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) :: "memory");
	return v;
#else
	return 0;
#endif
}

static inline uint64_t clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t timer_now(const struct timer *t)
{
	return t->kind == TIMER_CYCLES ? cycles_now() : clock_now_ns();
}

static inline double timer_ns(const struct timer *t, uint64_t ticks)
{
	return (double)ticks * t->ns_per_tick;
}

/*
 * Set up @t.  @want is "auto", "cycles" or "clock".  Returns 0, or -1 when
 * "cycles" was asked for and this CPU has no usable counter.
 */
int timer_init(struct timer *t, const char *want);

#endif

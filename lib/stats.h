/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Robust summaries of timing samples: the median with a bootstrap 95%
 * confidence interval, p5/p95 for the spread, and the median absolute
 * deviation.  Medians because an emulated or busy machine gives long tails.
 */
#ifndef BARBENCH_STATS_H
#define BARBENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

struct summary {
	size_t n;
	double median, p5, p95, mad, mean, min, max;
	double ci_lo, ci_hi;	/* bootstrap 95% CI of the median */
};

/* Percentile @p (0..100) of sorted @x by linear interpolation. */
double percentile_sorted(const double *x, size_t n, double p);
/* Median of @x (not modified); NaN when n == 0. */
double median_of(const double *x, size_t n);

/*
 * Summarise @n samples.  @resamples bootstrap rounds drawn with a
 * deterministic generator seeded by @seed, so a run can be reproduced.
 * Returns 0, or -1 if n == 0 or memory ran out (@s is then all NaN).
 */
int summarize(const double *x, size_t n, int resamples, uint64_t seed,
	      struct summary *s);

#endif

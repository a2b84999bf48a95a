// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double percentile_sorted(const double *x, size_t n, double p)
{
	double pos, frac;
	size_t i;

	if (!n)
		return NAN;
	pos = p / 100.0 * (double)(n - 1);
	i = (size_t)pos;
	if (i >= n - 1)
		return x[n - 1];
	frac = pos - (double)i;
	/* An endpoint of weight 0 is not touched: 0 * inf would be NaN. */
	if (frac == 0)
		return x[i];
	/* Weighted, not x[i] + frac * (x[i+1] - x[i]): that can overflow. */
	return (1.0 - frac) * x[i] + frac * x[i + 1];
}

double median_of(const double *x, size_t n)
{
	double *c, m;

	if (!n)
		return NAN;
	c = malloc(n * sizeof(*c));
	if (!c)
		return NAN;
	memcpy(c, x, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	m = percentile_sorted(c, n, 50);
	free(c);
	return m;
}

/* xorshift64*: small, fast, and the same sequence on every machine. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/*
 * Median of a resample of sorted @x: draw n indices, count how often each
 * is drawn, and walk the counts to the middle rank.  O(n), no sorting, so
 * a bootstrap of a large run stays quick.
 */
static double resample_median(const double *x, size_t n, uint32_t *counts,
			      uint64_t *state)
{
	size_t lo = (n - 1) / 2, hi = n / 2, seen = 0, i;
	double a = NAN;

	memset(counts, 0, n * sizeof(*counts));
	for (i = 0; i < n; i++)
		counts[next_random(state) % n]++;
	for (i = 0; i < n; i++) {
		if (seen <= lo && lo < seen + counts[i])
			a = x[i];
		if (seen <= hi && hi < seen + counts[i])
			return a / 2 + x[i] / 2;	/* (a + b) / 2 can overflow */
		seen += counts[i];
	}
	return a;
}

static void fill_nan(struct summary *s, size_t n)
{
	s->n = n;
	s->median = s->p5 = s->p95 = s->mad = s->mean = NAN;
	s->min = s->max = s->ci_lo = s->ci_hi = NAN;
}

int summarize(const double *x, size_t n, int resamples, uint64_t seed,
	      struct summary *s)
{
	double *sorted, *dev, *boot, mean = 0;
	uint32_t *counts;
	uint64_t state = seed ? seed : 0x9e3779b97f4a7c15ull;
	int ret = -1;

	fill_nan(s, n);
	if (!n)
		return -1;
	sorted = malloc(n * sizeof(*sorted));
	dev = malloc(n * sizeof(*dev));
	counts = malloc(n * sizeof(*counts));
	boot = malloc((resamples > 0 ? resamples : 1) * sizeof(*boot));
	if (!sorted || !dev || !counts || !boot)
		goto out;

	memcpy(sorted, x, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	/*
	 * A running mean, weighted so that no intermediate value leaves the
	 * range of the inputs: a plain sum (or x - mean) of huge values
	 * overflows.
	 */
	for (size_t i = 0; i < n; i++)
		mean = mean * ((double)i / (double)(i + 1)) +
		       sorted[i] / (double)(i + 1);
	s->mean = mean;
	s->min = sorted[0];
	s->max = sorted[n - 1];
	s->median = percentile_sorted(sorted, n, 50);
	s->p5 = percentile_sorted(sorted, n, 5);
	s->p95 = percentile_sorted(sorted, n, 95);
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(sorted[i] - s->median);
	qsort(dev, n, sizeof(*dev), cmp_double);
	s->mad = percentile_sorted(dev, n, 50);

	/* Percentile bootstrap: medians of resamples drawn with replacement. */
	for (int b = 0; b < resamples; b++)
		boot[b] = resample_median(sorted, n, counts, &state);
	if (resamples > 0) {
		qsort(boot, resamples, sizeof(*boot), cmp_double);
		s->ci_lo = percentile_sorted(boot, resamples, 2.5);
		s->ci_hi = percentile_sorted(boot, resamples, 97.5);
	}
	ret = 0;
out:
	free(sorted);
	free(dev);
	free(counts);
	free(boot);
	return ret;
}

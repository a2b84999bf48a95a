// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: summarize() (and median_of()) on arbitrary doubles.
 *
 * Input: 1 byte R choosing the bootstrap rounds, 8 bytes of seed, then the
 * samples as raw doubles (so NaN, infinities, denormals and huge values
 * all occur), at most 4096 of them.  R: 0 -> no bootstrap, 1..15 -> that
 * many rounds (too few for an interval to mean anything: only checked to
 * lie within the data), else 200 rounds.
 *
 * No input may crash it or trip a sanitizer.  For finite samples, within
 * a rounding tolerance (abort() on violation):
 *   min <= p5 <= median <= p95 <= max, min <= mean <= max, 0 <= mad,
 *   min <= ci_lo <= ci_hi <= max, ci_lo <= median <= ci_hi (200 rounds),
 *   no NaN, median_of() == median.
 * (The sample median falling outside a 200-round percentile interval
 * would take ~195 of 200 resample medians on one side of it: not a thing
 * a deterministic seed will show.)
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define MAX_SAMPLES	4096

#define FUZZ_NAME "fuzz_stats"
#include "fuzz.h"

static void dump(const struct summary *s)
{
	fprintf(stderr, "  n %zu min %.17g p5 %.17g median %.17g p95 %.17g "
		"max %.17g\n  mean %.17g mad %.17g ci [%.17g, %.17g]\n",
		s->n, s->min, s->p5, s->median, s->p95, s->max, s->mean,
		s->mad, s->ci_lo, s->ci_hi);
}

/* a <= b, allowing @tol for rounding (b + tol could overflow: a - b). */
#define LE(a, b, what)							\
	do {								\
		if (!((a) <= (b) || (a) - (b) <= tol)) {		\
			dump(&s);					\
			FAIL("%s: %.17g > %.17g", what, (double)(a),	\
			     (double)(b));				\
		}							\
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct summary s;
	double *x, maxabs = 0, tol, med;
	uint64_t seed;
	size_t n;
	int rounds, finite = 1, rc;

	if (size < 9)
		return 0;
	rounds = data[0] == 0 ? 0 : data[0] < 16 ? data[0] : 200;
	memcpy(&seed, data + 1, 8);
	n = (size - 9) / sizeof(double);
	if (n > MAX_SAMPLES)
		n = MAX_SAMPLES;
	/* An exactly sized heap copy (also aligned, unlike @data). */
	x = malloc(n ? n * sizeof(*x) : 1);
	if (!x)
		abort();
	memcpy(x, data + 9, n * sizeof(*x));
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(x[i]))
			finite = 0;
		else if (fabs(x[i]) > maxabs)
			maxabs = fabs(x[i]);
	}

	rc = summarize(x, n, rounds, seed, &s);
	med = median_of(x, n);
	if (s.n != n)
		FAIL("n %zu for %zu samples", s.n, n);
	if (!n) {
		if (rc != -1 || !isnan(s.median) || !isnan(med))
			FAIL("no samples: rc %d, median %g", rc, s.median);
		free(x);
		return 0;
	}
	if (rc)
		FAIL("summarize failed on %zu samples", n);
	if (!finite) {
		free(x);
		return 0;
	}

	/* Relative rounding, and absolute among denormals; cannot overflow. */
	tol = maxabs * (64 * DBL_EPSILON) + 64 * DBL_TRUE_MIN;
	if (isnan(s.median) || isnan(s.p5) || isnan(s.p95) || isnan(s.mad) ||
	    isnan(s.mean) || isnan(s.min) || isnan(s.max)) {
		dump(&s);
		FAIL("NaN in the summary of %zu finite samples", n);
	}
	if (med != s.median)
		FAIL("median_of %.17g, summarize %.17g", med, s.median);
	LE(s.min, s.p5, "min <= p5");
	LE(s.p5, s.median, "p5 <= median");
	LE(s.median, s.p95, "median <= p95");
	LE(s.p95, s.max, "p95 <= max");
	LE(s.min, s.max, "min <= max");
	/* A mean of n values may be off by n roundings (the sum's bound). */
	tol = maxabs * ((double)(n + 64) * DBL_EPSILON) + 64 * DBL_TRUE_MIN;
	LE(s.min, s.mean, "min <= mean");
	LE(s.mean, s.max, "mean <= max");
	tol = maxabs * (64 * DBL_EPSILON) + 64 * DBL_TRUE_MIN;
	LE(0, s.mad, "0 <= mad");
	if (!rounds) {
		if (!isnan(s.ci_lo) || !isnan(s.ci_hi))
			FAIL("an interval without bootstrap rounds");
	} else {
		if (isnan(s.ci_lo) || isnan(s.ci_hi)) {
			dump(&s);
			FAIL("NaN interval from %d rounds", rounds);
		}
		LE(s.min, s.ci_lo, "min <= ci_lo");
		LE(s.ci_lo, s.ci_hi, "ci_lo <= ci_hi");
		LE(s.ci_hi, s.max, "ci_hi <= max");
		if (rounds >= 200) {
			LE(s.ci_lo, s.median, "ci_lo <= median");
			LE(s.median, s.ci_hi, "median <= ci_hi");
		}
	}
	free(x);
	return 0;
}

"""Statistics for scripts/compare-report and scripts/gate, standard library only.

Why these methods:
- Medians, not means: timings under emulation have long right tails (a
  preempted batch costs 10x), and a median ignores them.
- A bootstrap CI for the ratio of two medians: the ratio has no simple
  closed-form distribution, and the bootstrap needs no assumption about the
  shape of the samples.
- The Mann-Whitney U test: rank-based, so it also ignores the tails, and it
  asks the question a reviewer asks ("is one variant's access cost
  stochastically larger?") without assuming normal data.

The bootstrap draws each resample's median straight from its exact
distribution instead of drawing n values and sorting them (see
bootstrap_medians): the same distribution, but 2000 resamples of 1000
samples take 10 ms instead of 400 ms, which keeps a comparison of ~120
cases, both sides bootstrapped twice, at seconds instead of minutes.
"""
import math
import random


def median(xs):
    s = sorted(xs)
    n = len(s)
    if n == 0:
        raise ValueError("median of no samples")
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2


def bootstrap_medians(xs, resamples, rng):
    """The medians of `resamples` bootstrap resamples of xs, in draw order.

    A resample draws n positions of sorted(xs) uniformly with replacement;
    position = ceil(n * U) for U uniform on (0, 1), a non-decreasing map, so
    the resample's k-th smallest position is ceil(n * U_(k)), where U_(k) is
    the k-th order statistic of n uniforms: Beta(k, n + 1 - k).  For even
    n, given U_(k) = u, the other n - k uniforms are uniform on (u, 1), so
    U_(k+1) = u + (1 - u) * Beta(1, n - k).  Drawing those one or two Beta
    variates gives each resample's median exactly as resampling would.
    """
    s = sorted(xs)
    n = len(s)
    if n == 0:
        raise ValueError("bootstrap of no samples")
    k = (n + 1) // 2            # the lower middle order statistic, 1-based

    def at(u):
        return s[min(n, max(1, math.ceil(n * u))) - 1]

    out = []
    for _ in range(resamples):
        u = rng.betavariate(k, n + 1 - k)
        if n % 2:
            out.append(at(u))
        else:
            v = u + (1 - u) * rng.betavariate(1, n - k)
            out.append((at(u) + at(v)) / 2)
    return out


def bootstrap_medians_naive(xs, resamples, rng):
    """Resample-and-sort, the textbook way; the tests check that
    bootstrap_medians has the same distribution."""
    return [median(rng.choices(xs, k=len(xs))) for _ in range(resamples)]


def percentile_ci(values, level=0.95):
    """Percentile interval of bootstrap values (like scripts/overhead)."""
    s = sorted(values)
    n = len(s)
    lo = int((1 - level) / 2 * n)
    hi = int((1 + level) / 2 * n) - 1
    return s[lo], s[max(lo, hi)]


def median_ci(xs, resamples, rng):
    return percentile_ci(bootstrap_medians(xs, resamples, rng))


def ratio_ci(base, cand, resamples, rng):
    """95% bootstrap CI of median(cand) / median(base): both sides are
    resampled independently, each pair of resampled medians gives a ratio."""
    mb = bootstrap_medians(base, resamples, rng)
    mc = bootstrap_medians(cand, resamples, rng)
    ratios = [c / b if b else math.inf for b, c in zip(mb, mc)]
    return percentile_ci(ratios)


def ranks(values):
    """1-based ranks, ties given their average rank; also the tie sizes."""
    order = sorted(range(len(values)), key=values.__getitem__)
    r = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        avg = (i + j) / 2 + 1
        for m in range(i, j + 1):
            r[order[m]] = avg
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return r, ties


def mann_whitney_u(x, y):
    """Two-sided Mann-Whitney U test, normal approximation.

    Returns (U of x, p).  U_x counts the pairs (a in x, b in y) with a > b,
    ties counting 1/2.  Under H0, U has mean n1*n2/2 and variance
    n1*n2/12 * ((n+1) - sum(t^3 - t) / (n(n-1))) over tie groups of size t
    (the tie correction); z uses a continuity correction of 1/2, as
    scipy.stats.mannwhitneyu(method="asymptotic") does.  With n in the
    hundreds, as here, the approximation is tight.
    """
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        raise ValueError("Mann-Whitney U needs samples on both sides")
    r, ties = ranks(list(x) + list(y))
    u = sum(r[:n1]) - n1 * (n1 + 1) / 2
    n = n1 + n2
    mean = n1 * n2 / 2
    tie_term = sum(t ** 3 - t for t in ties) / (n * (n - 1))
    var = n1 * n2 / 12 * ((n + 1) - tie_term)
    if var <= 0:                 # every value equal: no evidence either way
        return u, 1.0
    z = max(0.0, abs(u - mean) - 0.5) / math.sqrt(var)
    return u, min(1.0, math.erfc(z / math.sqrt(2)))


def mark(p):
    """The significance mark of report.txt."""
    if p is None:
        return ""
    return "**" if p < 0.01 else "*" if p < 0.05 else ""


def rng(seed):
    return random.Random(seed)

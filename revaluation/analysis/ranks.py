"""Rank tests computed from counts of distinct values, for large groups of tied answers.

Survey answers are a handful of distinct values (a five-point item, a 0-10 rating) repeated
across thousands of people. Ranking 100,000 such answers one by one, as scipy does, sorts them
all; the same mid-ranks follow from how often each distinct value occurs, which numpy counts
without sorting. The statistics and p-values here are scipy's own formulas
(``scipy.stats.mannwhitneyu`` with its asymptotic method and continuity correction,
``scipy.stats.wilcoxon`` with ``zero_method="wilcox"`` and its normal approximation, both
two-sided) applied to those counts, and are used only where scipy itself would use them: both
groups larger than 8 for Mann-Whitney, more than 50 differences for Wilcoxon. Smaller groups go
to scipy. The tests compare every figure with scipy's on tied, untied and continuous data.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from .values import tally

#: scipy's asymptotic Mann-Whitney method applies when both groups are larger than this.
MANN_WHITNEY_ASYMPTOTIC_ABOVE = 8
#: scipy's Wilcoxon test is asymptotic when there are more differences than this.
WILCOXON_ASYMPTOTIC_ABOVE = 50


def counted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values in ascending order and how often each occurs."""
    return tally(values)


def counts_on(distinct: np.ndarray, values: np.ndarray) -> np.ndarray:
    """How often each of ``distinct`` (ascending, holding every value) occurs in ``values``."""
    found, counts = counted(values)
    out = np.zeros(len(distinct), dtype=np.int64)
    out[np.searchsorted(distinct, found)] = counts
    return out


def u_statistic(count_a: np.ndarray, count_b: np.ndarray) -> float:
    """Mann-Whitney U of group a from counts over the same ascending distinct values: each pair
    (a, b) with a > b counts 1, a tie ½. Equal to the rank-sum form R_a − n_a(n_a + 1)/2."""
    below_b = np.cumsum(count_b) - count_b
    return float((count_a * (below_b + count_b / 2)).sum())


def mann_whitney(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(U of ``a``, two-sided p) as ``scipy.stats.mannwhitneyu(a, b)`` gives them."""
    n1, n2 = len(a), len(b)
    if min(n1, n2) <= MANN_WHITNEY_ASYMPTOTIC_ABOVE:
        result = stats.mannwhitneyu(a, b, alternative="two-sided")
        return float(result.statistic), float(result.pvalue)
    distinct, ties = counted(np.concatenate([a, b]))
    u1 = u_statistic(counts_on(distinct, a), counts_on(distinct, b))
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    ties = ties.astype(float)
    tie_term = np.sum(ties**3 - ties)
    s = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (u - n1 * n2 / 2 - 0.5) / s
    p = float(np.clip(2 * special.ndtr(-z), 0.0, 1.0))
    return u1, p


def signed_rank_sums(distinct: np.ndarray, counts: np.ndarray) -> tuple[float, float, np.ndarray]:
    """(T+, T−, tie sizes of |d|) from the counts of distinct non-zero differences: mid-ranks of
    |d| over the non-zero differences, as scipy ranks them after dropping the zeros."""
    magnitudes = np.abs(distinct)
    levels, where = np.unique(magnitudes, return_inverse=True)
    sizes = np.bincount(where.reshape(-1), weights=counts, minlength=len(levels))
    midranks = np.cumsum(sizes) - sizes + (sizes + 1) / 2
    ranks = midranks[where.reshape(-1)] * counts
    return float(ranks[distinct > 0].sum()), float(ranks[distinct < 0].sum()), sizes


def wilcoxon(differences: np.ndarray, alternative: str = "two-sided") -> tuple[float, float]:
    """(statistic, p) as ``scipy.stats.wilcoxon(differences, zero_method="wilcox",
    alternative=alternative)`` gives them; the caller makes sure at least one difference is
    not zero. Two-sided, the statistic is the smaller rank sum; one-sided, T+."""
    if len(differences) <= WILCOXON_ASYMPTOTIC_ABOVE or alternative not in (
            "two-sided", "greater", "less"):
        result = stats.wilcoxon(differences, zero_method="wilcox", alternative=alternative)
        return float(result.statistic), float(result.pvalue)
    distinct, counts = counted(differences[differences != 0])
    r_plus, r_minus, ties = signed_rank_sums(distinct, counts.astype(float))
    count = float(counts.sum())
    mean = count * (count + 1.0) * 0.25
    spread = count * (count + 1.0) * (2.0 * count + 1.0)
    se = np.sqrt((spread - np.sum(ties**3 - ties) / 2) / 24)
    z = (r_plus - mean) / se
    if alternative == "greater":
        return r_plus, float(special.ndtr(-z))
    if alternative == "less":
        return r_plus, float(special.ndtr(z))
    return min(r_plus, r_minus), float(2 * special.ndtr(-abs(z)))

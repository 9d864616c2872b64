"""Effect sizes with 95% intervals, each naming how its interval was found.

- Cohen's d_z (paired): mean difference / SD of differences; interval by inverting the noncentral
  t distribution of the paired t statistic (exact under normality), divided by √n.
- Cohen's d and Hedges' g (independent): pooled-SD standardised difference; g applies the
  small-sample factor J = 1 − 3/(4(n₁+n₂) − 9). Interval: Hedges–Olkin normal approximation,
  SE = √((n₁+n₂)/(n₁n₂) + d²/(2(n₁+n₂))).
- Rank-biserial correlations (matched-pairs, Kerby 2014; independent, from Mann-Whitney U):
  percentile bootstrap interval, 2000 resamples with the fixed seed ``BOOTSTRAP_SEED`` so the
  same data always give the same interval.
- Cramér's V (optionally Bergsma's 2013 bias correction) and epsilon² for Kruskal-Wallis
  (H / (n − 1)): point values only.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special, stats

from .intervals import Estimate, _z_quantile, undefined
from .ranks import counted, counts_on, signed_rank_sums, u_statistic
from .values import CONFIDENCE

BOOTSTRAP_SEED = 20240601
BOOTSTRAP_RESAMPLES = 2000
#: Above this many answers, data with few distinct values are resampled as counts
#: (multinomial draws over the distinct values): the same bootstrap distribution, small memory.
COUNT_BOOTSTRAP_FROM = 100
COUNT_BOOTSTRAP_MAX_VALUES = 60
BOOTSTRAP_NOTE = f"percentile bootstrap, {BOOTSTRAP_RESAMPLES} resamples, seed {BOOTSTRAP_SEED}"


def _noncentrality_bounds(t_value: float, df: int, confidence: float) -> tuple[float, float]:
    """Noncentrality parameters whose t distribution puts ``t_value`` at the tail quantiles."""
    tail = (1 - confidence) / 2

    def solve(probability: float) -> float:
        def gap(ncp: float) -> float:
            # scipy.stats.nct.cdf's own function (nct._cdf), called directly: the same
            # number without the distribution machinery's checks on every one of the solver's
            # steps (a large paired comparison spent most of its time there).
            cdf = float(special.nctdtr(df, ncp, t_value))
            if math.isnan(cdf):
                # scipy's nct.cdf can return NaN far in the tails; the limit is 0 or 1 there.
                cdf = 0.0 if ncp > t_value else 1.0
            return cdf - probability

        span = 10.0 + abs(t_value) * 2
        return float(optimize.brentq(gap, t_value - span, t_value + span, xtol=1e-10))

    return solve(1 - tail), solve(tail)


def cohen_dz(differences: np.ndarray, confidence: float = CONFIDENCE) -> Estimate:
    """Standardised mean of paired differences with a noncentral-t interval."""
    method = "Cohen's d_z with noncentral-t interval"
    n = len(differences)
    if n < 2:
        return undefined(method, "needs at least two pairs")
    sd = float(np.std(differences, ddof=1))
    if sd == 0:
        return undefined(method, "every pair changed by the same amount: d_z is undefined")
    dz = float(np.mean(differences)) / sd
    low, high = _noncentrality_bounds(dz * math.sqrt(n), n - 1, confidence)
    return Estimate(dz, low / math.sqrt(n), high / math.sqrt(n), method)


def cohen_d(
    a: np.ndarray, b: np.ndarray, *, hedges: bool = False, confidence: float = CONFIDENCE
) -> Estimate:
    """Cohen's d (or Hedges' g) for a − b with the Hedges–Olkin normal-approximation interval."""
    name = "Hedges' g" if hedges else "Cohen's d"
    method = f"{name} (pooled SD) with Hedges–Olkin normal-approximation interval"
    n_a, n_b = len(a), len(b)
    if n_a < 2 or n_b < 2:
        return undefined(method, "each group needs at least two answers")
    pooled = math.sqrt(
        ((n_a - 1) * np.var(a, ddof=1) + (n_b - 1) * np.var(b, ddof=1)) / (n_a + n_b - 2)
    )
    if pooled == 0:
        return undefined(method, "no variation within the groups: the effect size is undefined")
    d = (float(np.mean(a)) - float(np.mean(b))) / pooled
    if hedges:
        d *= 1 - 3 / (4 * (n_a + n_b) - 9)
    se = math.sqrt((n_a + n_b) / (n_a * n_b) + d * d / (2 * (n_a + n_b)))
    z = _z_quantile(confidence)
    return Estimate(d, d - z * se, d + z * se, method)


def _signed_rank_sums(differences: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """T+ and T− per column of a (pairs by resamples) array, zero differences dropped."""
    zeros = (differences == 0).sum(axis=0)
    ranks = stats.rankdata(np.abs(differences), axis=0)
    # Zeros take the lowest ranks; removing them shifts every other rank down by their count.
    adjusted = ranks - zeros
    positive = np.where(differences > 0, adjusted, 0).sum(axis=0)
    negative = np.where(differences < 0, adjusted, 0).sum(axis=0)
    return positive, negative


def _matched_rbc(differences: np.ndarray) -> np.ndarray:
    positive, negative = _signed_rank_sums(differences)
    total = positive + negative
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (positive - negative) / np.where(total > 0, total, 1), np.nan)


def _percentile(values: np.ndarray, confidence: float) -> tuple[float | None, float | None]:
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return None, None
    tail = 100 * (1 - confidence) / 2
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))


def matched_pairs_rank_biserial(
    differences: np.ndarray, confidence: float = CONFIDENCE
) -> Estimate:
    """(T+ − T−)/(T+ + T−) over non-zero differences, with a bootstrap interval."""
    method = f"matched-pairs rank-biserial correlation; {BOOTSTRAP_NOTE}"
    nonzero = differences[differences != 0]
    if len(nonzero) == 0:
        return undefined(method, "no pair changed: the rank-biserial correlation is undefined")
    # T+ and T- from counts of the distinct differences: the ranked form's value, unranked.
    positive, negative, _ = signed_rank_sums(*counted(nonzero))
    value = (positive - negative) / (positive + negative)
    if len(differences) < 2:
        return Estimate(value, None, None, method, "one pair: no interval can be computed")
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    distinct, counts = counted(differences)
    if len(differences) > COUNT_BOOTSTRAP_FROM and len(distinct) <= COUNT_BOOTSTRAP_MAX_VALUES:
        resampled = rng.multinomial(len(differences), counts / counts.sum(), BOOTSTRAP_RESAMPLES)
        return Estimate(value, *_percentile(_matched_rbc_counts(distinct, resampled.T),
                                            confidence), method)
    picks = rng.integers(0, len(differences), size=(len(differences), BOOTSTRAP_RESAMPLES))
    low, high = _percentile(_matched_rbc(differences[picks]), confidence)
    return Estimate(value, low, high, method)


def _matched_rbc_counts(distinct: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Matched-pairs r per column of a (distinct differences by resamples) count matrix.

    The same statistic as :func:`_matched_rbc` on the expanded data (mid-ranks of |d| over the
    non-zero differences), computed from counts so a large wave's bootstrap stays small.
    """
    nonzero = distinct != 0
    values, counts = distinct[nonzero], counts[nonzero]
    magnitudes = np.unique(np.abs(values))
    members = (np.abs(values)[None, :] == magnitudes[:, None]).astype(float)  # groups by values
    group_counts = members @ counts
    below = np.cumsum(group_counts, axis=0) - group_counts
    midranks = below + (group_counts + 1) / 2
    ranks = members.T @ midranks  # values by resamples
    positive = np.where(values[:, None] > 0, counts * ranks, 0).sum(axis=0)
    negative = np.where(values[:, None] < 0, counts * ranks, 0).sum(axis=0)
    total = positive + negative
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (positive - negative) / np.where(total > 0, total, 1), np.nan)


def _independent_rbc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 − 2U_b/(n_a n_b) per column: positive when a tends to be larger than b."""
    n_a, n_b = a.shape[0], b.shape[0]
    ranks = stats.rankdata(np.concatenate([a, b], axis=0), axis=0)
    u_a = ranks[:n_a].sum(axis=0) - n_a * (n_a + 1) / 2
    return 2 * u_a / (n_a * n_b) - 1


def _independent_rbc_counts(count_a: np.ndarray, count_b: np.ndarray) -> np.ndarray:
    """Independent r per column from (ordered distinct values by resamples) counts: ties half."""
    below_b = np.cumsum(count_b, axis=0) - count_b
    u_a = (count_a * (below_b + count_b / 2)).sum(axis=0)
    return 2 * u_a / (count_a.sum(axis=0) * count_b.sum(axis=0)) - 1


def rank_biserial(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE) -> Estimate:
    """Rank-biserial correlation of two independent groups with a bootstrap interval."""
    method = f"rank-biserial correlation from Mann-Whitney U; {BOOTSTRAP_NOTE}"
    if len(a) == 0 or len(b) == 0:
        return undefined(method, "a group has no answers")
    # U from counts of the distinct values: the rank-sum form's value, without ranking.
    distinct = counted(np.concatenate([a, b]))[0]
    count_a, count_b = counts_on(distinct, a), counts_on(distinct, b)
    value = 2 * u_statistic(count_a, count_b) / (len(a) * len(b)) - 1
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    if len(a) + len(b) > COUNT_BOOTSTRAP_FROM and len(distinct) <= COUNT_BOOTSTRAP_MAX_VALUES:
        resampled_a = rng.multinomial(len(a), count_a / len(a), BOOTSTRAP_RESAMPLES).T
        resampled_b = rng.multinomial(len(b), count_b / len(b), BOOTSTRAP_RESAMPLES).T
        return Estimate(value, *_percentile(_independent_rbc_counts(resampled_a, resampled_b),
                                            confidence), method)
    resample_a = a[rng.integers(0, len(a), size=(len(a), BOOTSTRAP_RESAMPLES))]
    resample_b = b[rng.integers(0, len(b), size=(len(b), BOOTSTRAP_RESAMPLES))]
    low, high = _percentile(_independent_rbc(resample_a, resample_b), confidence)
    return Estimate(value, low, high, method)


def cramers_v(chi2: float, table: np.ndarray, *, bias_corrected: bool = False) -> Estimate:
    """Cramér's V from a chi-square statistic (Bergsma's correction when asked)."""
    method = "Cramér's V" + (" (Bergsma 2013 bias-corrected)" if bias_corrected else "")
    n = float(table.sum())
    rows, cols = table.shape
    if n == 0 or min(rows, cols) < 2:
        return undefined(method, "the table needs at least two rows and two columns with answers")
    phi2 = chi2 / n
    if not bias_corrected:
        return Estimate(math.sqrt(phi2 / (min(rows, cols) - 1)), method=method)
    if n <= 1:
        return undefined(method, "too few answers for the bias correction")
    phi2 = max(0.0, phi2 - (rows - 1) * (cols - 1) / (n - 1))
    rows_c = rows - (rows - 1) ** 2 / (n - 1)
    cols_c = cols - (cols - 1) ** 2 / (n - 1)
    denominator = min(rows_c, cols_c) - 1
    if denominator <= 0:
        return undefined(method, "too few answers for the bias correction")
    return Estimate(math.sqrt(phi2 / denominator), method=method)


def epsilon_squared(h: float, n: int) -> Estimate:
    """Epsilon² = H/(n − 1) for the Kruskal-Wallis test (Tomczak & Tomczak 2014)."""
    method = "epsilon squared for Kruskal-Wallis"
    if n < 2:
        return undefined(method, "needs at least two answers")
    return Estimate(h / (n - 1), method=method)

"""Point estimates with 95% confidence intervals, each naming the method it used.

- mean: Student's t interval, ``mean ± t(0.975, n-1) · sd/√n``;
- median: the exact distribution-free interval from order statistics, whose coverage comes from
  the Binomial(n, ½) distribution (the smallest symmetric pair of order statistics with coverage
  at least 95%; the achieved coverage is reported in the method text);
- proportion: Wilson score interval (the default shown) and Clopper-Pearson exact interval;
- difference of two independent proportions: Newcombe's hybrid score interval (method 10, 1998).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import stats

from .suppression import suppression_reason, too_few
from .values import CONFIDENCE, json_number


@dataclass(frozen=True)
class Estimate:
    """A statistic with its confidence interval, the method used and, when undefined, a reason."""

    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    method: str = ""
    reason: str | None = None
    suppressed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": json_number(self.value),
            "ci_low": json_number(self.ci_low),
            "ci_high": json_number(self.ci_high),
            "confidence": CONFIDENCE,
            "method": self.method,
            "reason": self.reason,
            "suppressed": self.suppressed,
        }

    def hidden(self, threshold: int) -> Estimate:
        """The same estimate with every number replaced by the small-cell marker."""
        return Estimate(None, None, None, self.method, suppression_reason(threshold), True)


def undefined(method: str, reason: str) -> Estimate:
    """An estimate that cannot be computed, with the reason a reader sees."""
    return Estimate(None, None, None, method, reason)


def guarded(estimate: Estimate, n: int, threshold: int) -> Estimate:
    """Hide the estimate when it rests on fewer than ``threshold`` respondents."""
    return estimate.hidden(threshold) if too_few(n, threshold) else estimate


T_METHOD = "mean with Student's t interval"


def mean_ci(values: np.ndarray, confidence: float = CONFIDENCE) -> Estimate:
    """Mean with a t-based confidence interval; zero-width when every answer is the same."""
    n = len(values)
    if n == 0:
        return undefined(T_METHOD, "no answers")
    mean = float(np.mean(values))
    if n == 1:
        return Estimate(mean, None, None, T_METHOD, "one answer: no interval can be computed")
    sd = float(np.std(values, ddof=1))
    if sd == 0:
        return Estimate(mean, mean, mean, T_METHOD, "every answer is the same: zero-width interval")
    half = _t_quantile(confidence, n - 1) * sd / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, T_METHOD)


@lru_cache(maxsize=4096)
def _t_quantile(confidence: float, df: int) -> float:
    """The two-sided t critical value (kept: every table of one size asks for the same one)."""
    return float(stats.t.ppf(0.5 + confidence / 2, df))


@lru_cache(maxsize=16)
def _z_quantile(confidence: float) -> float:
    """The two-sided normal critical value (1.96 at 95%), computed once per confidence."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def median_ci(values: np.ndarray, confidence: float = CONFIDENCE) -> Estimate:
    """Median with the exact order-statistic (binomial) interval.

    The interval is ``[x(k), x(n-k+1)]`` for the largest ``k`` whose coverage
    ``1 - 2·P(Binomial(n, ½) ≤ k-1)`` is at least ``confidence``. Below n = 6 no such pair exists
    at 95%, so the median is reported without an interval.
    """
    n = len(values)
    method = "median with exact order-statistic (binomial) interval"
    if n == 0:
        return undefined(method, "no answers")
    # Only four order statistics are needed (the middle one or two, and the interval's ends),
    # so the answers are partitioned around those places instead of sorted: what lands at each
    # place is what sorting would put there.
    middle = n // 2
    best_k = _largest_order_statistic(n, confidence)
    places = sorted({middle, max(middle - 1, 0), max(best_k - 1, 0), n - max(best_k, 1)})
    ordered = np.partition(np.asarray(values, dtype=float), places)
    # np.median's value: the mean of the two middle answers for an even count.
    median = float(ordered[middle]) if n % 2 else float((ordered[middle - 1] + ordered[middle]) / 2)
    if best_k == 0:
        reason = f"{n} answers are too few for an exact {confidence:.0%} interval (needs 6)"
        return Estimate(median, None, None, method, reason)
    coverage = _coverage(best_k, n)
    return Estimate(
        median,
        float(ordered[best_k - 1]),
        float(ordered[n - best_k]),
        f"{method}; order statistics {best_k} and {n - best_k + 1}, coverage {coverage:.3f}",
    )


@lru_cache(maxsize=4096)
def _largest_order_statistic(n: int, confidence: float) -> int:
    """The largest k <= n/2 with coverage 1 - 2·P(Binomial(n, ½) ≤ k-1) >= confidence, or 0.

    Found from the binomial quantile and checked on both sides, instead of walking k upwards:
    the walk would take n/2 steps for a large wave.
    """
    tail = (1 - confidence) / 2

    def covers(k: int) -> bool:
        return k >= 1 and 1 - 2 * float(stats.binom.cdf(k - 1, n, 0.5)) >= confidence

    k = min(max(int(stats.binom.ppf(tail, n, 0.5)), 0), n // 2)
    while k > 0 and not covers(k):
        k -= 1
    while k < n // 2 and covers(k + 1):
        k += 1
    return k


@lru_cache(maxsize=4096)
def _coverage(k: int, n: int) -> float:
    """Coverage of the order statistics k and n-k+1 as an interval for the median."""
    return 1 - 2 * stats.binom.cdf(k - 1, n, 0.5)


def wilson_ci(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a proportion (``n`` must be positive)."""
    z = _z_quantile(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def clopper_pearson_ci(
    successes: int, n: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Clopper-Pearson exact interval for a proportion (``n`` must be positive)."""
    tail = (1 - confidence) / 2
    low = 0.0 if successes == 0 else float(stats.beta.ppf(tail, successes, n - successes + 1))
    high = 1.0 if successes == n else float(stats.beta.ppf(1 - tail, successes + 1, n - successes))
    return low, high


WILSON_METHOD = "proportion with Wilson score interval"


def proportion_ci(successes: int, n: int, confidence: float = CONFIDENCE) -> Estimate:
    """Proportion with its Wilson score interval."""
    if n == 0:
        return undefined(WILSON_METHOD, "no answers")
    low, high = wilson_ci(successes, n, confidence)
    return Estimate(successes / n, low, high, WILSON_METHOD)


PAIRED_DIFFERENCE_METHOD = "difference in means (paired) with Student's t interval"
WELCH_DIFFERENCE_METHOD = "difference in means with Welch–Satterthwaite t interval"


def paired_mean_difference_ci(differences: np.ndarray,
                              confidence: float = CONFIDENCE) -> Estimate:
    """Mean of paired differences (follow-up − baseline), with the paired t-test's t interval."""
    estimate = mean_ci(differences, confidence)
    return Estimate(estimate.value, estimate.ci_low, estimate.ci_high, PAIRED_DIFFERENCE_METHOD,
                    estimate.reason)


def welch_mean_difference_ci(a: np.ndarray, b: np.ndarray,
                             confidence: float = CONFIDENCE) -> Estimate:
    """Difference in means (a − b) of two independent samples with the Welch t interval (the
    interval of Welch's t-test: unequal variances, Welch–Satterthwaite degrees of freedom)."""
    method = WELCH_DIFFERENCE_METHOD
    n_a, n_b = len(a), len(b)
    if n_a == 0 or n_b == 0:
        return undefined(method, "a group has no answers")
    difference = float(np.mean(a)) - float(np.mean(b))
    if n_a < 2 or n_b < 2:
        return Estimate(difference, None, None, method,
                        "a group has one answer: no interval can be computed")
    share_a, share_b = np.var(a, ddof=1) / n_a, np.var(b, ddof=1) / n_b
    se = math.sqrt(share_a + share_b)
    if se == 0:
        return Estimate(difference, difference, difference, method,
                        "no variation within either group: zero-width interval")
    df = (share_a + share_b) ** 2 / (share_a**2 / (n_a - 1) + share_b**2 / (n_b - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    return Estimate(difference, difference - half, difference + half, method)


def newcombe_difference_ci(
    successes_a: int, n_a: int, successes_b: int, n_b: int, confidence: float = CONFIDENCE
) -> Estimate:
    """Difference of two independent proportions (a − b) with Newcombe's hybrid score interval."""
    method = "risk difference with Newcombe hybrid score interval"
    if n_a == 0 or n_b == 0:
        return undefined(method, "a group has no answers")
    p_a, p_b = successes_a / n_a, successes_b / n_b
    low_a, high_a = wilson_ci(successes_a, n_a, confidence)
    low_b, high_b = wilson_ci(successes_b, n_b, confidence)
    difference = p_a - p_b
    low = difference - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    high = difference + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    return Estimate(difference, low, high, method)

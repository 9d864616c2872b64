"""Intended versus actual: compare an outcome's indicator with its target.

The status is read from the two-sided 95% interval of the actual value, so a commissioner sees the
same rule whatever the indicator:

- ``increase``: achieved when the whole interval is above the target, not achieved when it is
  wholly below, too early to say when it contains the target;
- ``decrease``: the mirror image;
- ``maintain``: the level is kept when it has not fallen below ``target - tolerance``: achieved
  when the whole interval is at or above that floor, not achieved when it is wholly below it,
  too early otherwise (a non-inferiority reading; ``tolerance`` defaults to 0);
- ``not_measurable``: fewer than ``min_n`` respondents (default: the small-cell threshold) or an
  indicator that cannot be computed.

The accompanying test: one-sample t (mean), Wilcoxon signed-rank of the differences from the
target with zero differences dropped (scipy's ``zero_method='wilcox'``) (median), exact binomial
test (proportion at or above ``cutoff``). One-sided in the intended direction; for ``maintain``
the null is "below target − tolerance".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from .intervals import Estimate, clopper_pearson_ci, mean_ci, median_ci, proportion_ci
from .ranks import wilcoxon
from .suppression import SMALL_CELL_THRESHOLD, public_count, suppression_reason
from .values import finite, json_number

STATUSES = ("achieved", "not_achieved", "too_early", "not_measurable")
DIRECTIONS = ("increase", "decrease", "maintain")
INDICATORS = ("mean", "median", "proportion")


@dataclass(frozen=True)
class OutcomeSpec:
    """What was intended: the indicator, its target and baseline, and which way is better.

    For ``statistic='proportion'`` the indicator is the share of answers ``>= cutoff`` and the
    target and baseline are proportions between 0 and 1.
    """

    statistic: str
    target: float
    direction: str
    baseline: float | None = None
    cutoff: float | None = None
    tolerance: float = 0.0
    min_n: int | None = None


@dataclass(frozen=True)
class OutcomeResult:
    """What actually happened, and whether it meets the target."""

    status: str
    reason: str
    actual: Estimate
    n: int
    target: float
    direction: str
    baseline: float | None
    change: float | None
    test: str
    statistic: float | None
    p_value: float | None
    exact_ci: Estimate | None
    threshold: int
    p_adjusted: float | None = None
    adjustment: str = "none"

    @property
    def suppressed(self) -> bool:
        return public_count(self.n, self.threshold) is None

    def to_dict(self) -> dict[str, Any]:
        hidden = self.suppressed
        return {
            "status": self.status,
            "reason": self.reason,
            "actual": self.actual.to_dict(),
            "exact_ci": self.exact_ci.to_dict() if self.exact_ci else None,
            "n": public_count(self.n, self.threshold),
            "target": json_number(self.target),
            "direction": self.direction,
            "baseline": json_number(self.baseline),
            "change_from_baseline": None if hidden else json_number(self.change),
            "test": self.test,
            "statistic": None if hidden else json_number(self.statistic),
            "p_value": None if hidden else json_number(self.p_value),
            "p_adjusted": None if hidden else json_number(self.p_adjusted),
            "adjustment": self.adjustment,
            "suppressed": hidden,
        }


def _alternative(direction: str) -> str:
    return "less" if direction == "decrease" else "greater"


def _status(estimate: Estimate, spec: OutcomeSpec) -> tuple[str, str]:
    low, high = estimate.ci_low, estimate.ci_high
    if low is None or high is None:
        return "not_measurable", estimate.reason or "no confidence interval could be computed"
    interval = f"the 95% interval ({low:.3g} to {high:.3g})"
    if spec.direction == "maintain":
        floor = spec.target - spec.tolerance
        if low >= floor:
            return "achieved", f"{interval} lies at or above {floor:.3g}: the level was kept"
        if high < floor:
            return "not_achieved", f"{interval} lies wholly below {floor:.3g}: the level fell"
        return "too_early", f"{interval} includes {floor:.3g}: too early to say it was kept"
    target = spec.target
    good_low, good_high = (low > target, high < target)
    if spec.direction == "decrease":
        good_low, good_high = good_high, good_low
    word = "above" if spec.direction == "increase" else "below"
    other = "below" if spec.direction == "increase" else "above"
    if good_low:
        return "achieved", f"{interval} lies wholly {word} the target {target:.3g}"
    if good_high:
        return "not_achieved", f"{interval} lies wholly {other} the target {target:.3g}"
    return "too_early", f"{interval} includes the target {target:.3g}: too early to say"


def _test(data: np.ndarray, spec: OutcomeSpec) -> tuple[str, float | None, float | None]:
    """Run the indicator's test against the target (or the maintain floor)."""
    reference = spec.target - spec.tolerance if spec.direction == "maintain" else spec.target
    alternative = _alternative(spec.direction)
    if spec.statistic == "proportion":
        successes = int(np.sum(data >= spec.cutoff))
        result = stats.binomtest(successes, len(data), min(max(reference, 0.0), 1.0), alternative)
        return "exact binomial test", float(successes), float(result.pvalue)
    differences = data - reference
    if spec.statistic == "mean":
        name = "one-sample t-test"
        if len(data) < 2 or np.std(differences) == 0:
            return name, None, None
        result = stats.ttest_1samp(data, reference, alternative=alternative)
        return name, float(result.statistic), float(result.pvalue)
    name = "Wilcoxon signed-rank test against the target (zero differences dropped: 'wilcox')"
    if not np.any(differences != 0):
        return name, None, None
    statistic, p_value = wilcoxon(differences, alternative)
    return name, statistic, p_value


def _spec_problem(spec: OutcomeSpec) -> str | None:
    if spec.statistic not in INDICATORS:
        return f"unknown indicator statistic {spec.statistic!r}; use mean, median or proportion"
    if spec.direction not in DIRECTIONS:
        return f"unknown direction {spec.direction!r}; use increase, decrease or maintain"
    if spec.statistic == "proportion" and spec.cutoff is None:
        return "a proportion indicator needs the cut-off value it counts answers at or above"
    return None


def compare_with_target(
    values: Any, spec: OutcomeSpec, *, threshold: int = SMALL_CELL_THRESHOLD
) -> OutcomeResult:
    """Compute the actual indicator with its 95% interval, test it and give the status."""
    data = finite(values)
    n = len(data)
    min_n = spec.min_n if spec.min_n is not None else threshold
    method = {"mean": "mean", "median": "median"}.get(spec.statistic, "proportion")

    def unmeasurable(reason: str, actual: Estimate | None = None) -> OutcomeResult:
        shown = actual or Estimate(None, method=method, reason=reason)
        return OutcomeResult(
            "not_measurable",
            reason,
            shown,
            n,
            spec.target,
            spec.direction,
            spec.baseline,
            None,
            "",
            None,
            None,
            None,
            threshold,
        )

    problem = _spec_problem(spec)
    if problem:
        return unmeasurable(problem)
    if n == 0:
        return unmeasurable("no answers to measure this outcome with")
    if public_count(n, threshold) is None:
        return unmeasurable(
            f"only {threshold - 1} or fewer answers: {suppression_reason(threshold)}",
            Estimate(None, method=method, reason=suppression_reason(threshold), suppressed=True),
        )
    if n < min_n:
        return unmeasurable(f"{n} answers are fewer than the {min_n} needed to measure it")
    exact = None
    if spec.statistic == "mean":
        actual = mean_ci(data)
    elif spec.statistic == "median":
        actual = median_ci(data)
    else:
        successes = int(np.sum(data >= spec.cutoff))
        actual = proportion_ci(successes, n)
        low, high = clopper_pearson_ci(successes, n)
        exact = Estimate(actual.value, low, high, "proportion with Clopper-Pearson exact interval")
    status, reason = _status(actual, spec)
    test, statistic, p_value = _test(data, spec)
    change = None
    if spec.baseline is not None and actual.value is not None:
        change = actual.value - spec.baseline
    return OutcomeResult(
        status,
        reason,
        actual,
        n,
        spec.target,
        spec.direction,
        spec.baseline,
        change,
        test,
        statistic,
        p_value,
        exact,
        threshold,
    )

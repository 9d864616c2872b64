"""Confidence intervals checked against statsmodels and first principles."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from revaluation.analysis import (
    clopper_pearson_ci,
    mean_ci,
    median_ci,
    newcombe_difference_ci,
    proportion_ci,
    wilson_ci,
)


def test_mean_ci_matches_statsmodels(likert: np.ndarray) -> None:
    # Tolerance 1e-10: both are the same closed-form t interval.
    estimate = mean_ci(likert)
    low, high = DescrStatsW(likert).tconfint_mean(alpha=0.05)
    assert estimate.value == pytest.approx(likert.mean(), abs=1e-12)
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((low, high), abs=1e-10)
    assert "t interval" in estimate.method


@pytest.mark.parametrize(("successes", "n"), [(0, 12), (3, 37), (18, 37), (12, 12), (1, 2)])
def test_wilson_and_clopper_pearson_match_statsmodels(successes: int, n: int) -> None:
    # Tolerance 1e-9: statsmodels computes the same formulas (Wilson) and beta quantiles (CP).
    assert wilson_ci(successes, n) == pytest.approx(
        proportion_confint(successes, n, method="wilson"), abs=1e-9
    )
    assert clopper_pearson_ci(successes, n) == pytest.approx(
        proportion_confint(successes, n, method="beta"), abs=1e-9
    )
    assert "Wilson" in proportion_ci(successes, n).method


@pytest.mark.parametrize(("n", "ranks"), [(6, (1, 6)), (10, (2, 9)), (20, (6, 15)), (40, (14, 27))])
def test_median_ci_uses_published_order_statistics(n: int, ranks: tuple[int, int]) -> None:
    # Ranks from the standard binomial table (e.g. Conover; n=20 -> x(6), x(15), coverage 95.9%).
    values = np.arange(1, n + 1, dtype=float) * 1.5
    estimate = median_ci(values)
    assert estimate.ci_low == values[ranks[0] - 1]
    assert estimate.ci_high == values[ranks[1] - 1]
    coverage = 1 - 2 * stats.binom.cdf(ranks[0] - 1, n, 0.5)
    assert coverage >= 0.95
    assert f"{coverage:.3f}" in estimate.method


def test_median_ci_too_few_answers_has_reason() -> None:
    estimate = median_ci(np.array([3.0, 4.0, 4.0, 5.0, 5.0]))
    assert estimate.value == 4.0
    assert estimate.ci_low is None
    assert "needs 6" in estimate.reason


@pytest.mark.parametrize(("a", "na", "b", "nb"), [(15, 37, 2, 12), (0, 10, 5, 10), (20, 20, 3, 9)])
def test_newcombe_difference_matches_statsmodels(a: int, na: int, b: int, nb: int) -> None:
    # Tolerance 1e-9: statsmodels' "newcomb" method is Newcombe's hybrid score interval.
    low, high = confint_proportions_2indep(a, na, b, nb, method="newcomb", compare="diff")
    estimate = newcombe_difference_ci(a, na, b, nb)
    assert estimate.value == pytest.approx(a / na - b / nb)
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((low, high), abs=1e-9)

"""Intended versus actual: statuses, reasons and the tests behind them."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from revaluation.analysis import OutcomeSpec, compare_with_target


def test_mean_outcome_uses_one_sample_t(ratings_members: np.ndarray) -> None:
    spec = OutcomeSpec("mean", target=5.5, direction="increase", baseline=5.0)
    result = compare_with_target(ratings_members, spec)
    low, high = DescrStatsW(ratings_members).tconfint_mean()
    reference = stats.ttest_1samp(ratings_members, 5.5, alternative="greater")
    assert (result.actual.ci_low, result.actual.ci_high) == pytest.approx((low, high), abs=1e-10)
    assert result.p_value == pytest.approx(reference.pvalue, abs=1e-12)
    assert result.change == pytest.approx(ratings_members.mean() - 5.0)
    assert result.status == ("achieved" if low > 5.5 else "too_early")


def test_median_outcome_uses_wilcoxon_with_zeros_dropped(likert: np.ndarray) -> None:
    spec = OutcomeSpec("median", target=3, direction="increase")
    result = compare_with_target(likert, spec)
    reference = stats.wilcoxon(likert - 3, zero_method="wilcox", alternative="greater")
    assert result.p_value == pytest.approx(reference.pvalue, abs=1e-12)
    assert "'wilcox'" in result.test
    assert result.actual.value == np.median(likert)


def test_proportion_outcome_exact_binomial_with_both_intervals(
    ratings_members: np.ndarray,
) -> None:
    spec = OutcomeSpec("proportion", target=0.4, direction="increase", cutoff=7)
    result = compare_with_target(ratings_members, spec)
    successes = int(np.sum(ratings_members >= 7))
    assert result.actual.value == pytest.approx(successes / 37)
    assert (result.actual.ci_low, result.actual.ci_high) == pytest.approx(
        proportion_confint(successes, 37, method="wilson"), abs=1e-9
    )
    assert (result.exact_ci.ci_low, result.exact_ci.ci_high) == pytest.approx(
        proportion_confint(successes, 37, method="beta"), abs=1e-9
    )
    reference = stats.binomtest(successes, 37, 0.4, alternative="greater")
    assert result.p_value == pytest.approx(reference.pvalue, abs=1e-12)


SHIFTED = np.array([6.0, 7, 7, 8, 8, 8, 9, 9, 7, 8, 6, 8])  # mean 7.58, 95% CI about 6.98-8.19


@pytest.mark.parametrize(
    ("direction", "target", "tolerance", "status", "words"),
    [
        ("increase", 6.0, 0.0, "achieved", "wholly above the target"),
        ("increase", 9.0, 0.0, "not_achieved", "wholly below the target"),
        ("increase", 7.5, 0.0, "too_early", "too early"),
        ("decrease", 9.0, 0.0, "achieved", "wholly below the target"),
        ("decrease", 6.0, 0.0, "not_achieved", "wholly above the target"),
        ("maintain", 7.0, 0.0, "too_early", "too early"),
        ("maintain", 7.0, 0.5, "achieved", "the level was kept"),
        ("maintain", 9.0, 0.5, "not_achieved", "the level fell"),
    ],
)
def test_status_table(
    direction: str, target: float, tolerance: float, status: str, words: str
) -> None:
    spec = OutcomeSpec("mean", target=target, direction=direction, tolerance=tolerance)
    result = compare_with_target(SHIFTED, spec)
    assert result.status == status
    assert words in result.reason


@pytest.mark.parametrize(
    ("values", "spec", "words"),
    [
        ([], OutcomeSpec("mean", 3, "increase"), "no answers"),
        ([np.nan, None], OutcomeSpec("mean", 3, "increase"), "no answers"),
        ([4, 5, 3], OutcomeSpec("mean", 3, "increase"), "fewer than 5"),
        ([4, 5, 3, 4, 4, 5], OutcomeSpec("mean", 3, "increase", min_n=10), "fewer than the 10"),
        ([4, 5, 3, 4, 4], OutcomeSpec("median", 3, "increase"), "needs 6"),
        ([4, 5, 3, 4, 4], OutcomeSpec("proportion", 0.5, "increase"), "cut-off"),
        ([4, 5, 3, 4, 4], OutcomeSpec("mode", 3, "increase"), "unknown indicator"),
        ([4, 5, 3, 4, 4], OutcomeSpec("mean", 3, "sideways"), "unknown direction"),
    ],
)
def test_not_measurable_cases_explain_why(values: list, spec: OutcomeSpec, words: str) -> None:
    result = compare_with_target(values, spec)
    out = result.to_dict()
    assert out["status"] == "not_measurable"
    assert words in out["reason"]


def test_constant_answers_give_zero_width_interval_and_no_t() -> None:
    result = compare_with_target([4] * 8, OutcomeSpec("mean", 3, "increase"))
    assert result.status == "achieved"
    assert result.actual.ci_low == result.actual.ci_high == 4
    assert result.p_value is None and "same" in result.actual.reason

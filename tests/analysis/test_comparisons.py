"""Wave and group comparisons checked against scipy, pingouin and statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats
from scipy.stats.contingency import association
from statsmodels.stats.contingency_tables import mcnemar

from revaluation.analysis import (
    choose_test,
    compare_groups,
    compare_independent,
    compare_paired,
)


def test_welch_t_with_cohen_d_and_hedges_g(
    ratings_members: np.ndarray, ratings_staff: np.ndarray
) -> None:
    result = compare_independent(ratings_members, ratings_staff, "continuous")
    reference = stats.ttest_ind(ratings_members, ratings_staff, equal_var=False)
    assert result.test == "Welch t-test" and result.ns == (37, 12)
    # Tolerance 1e-10: scipy is the reference implementation of the test itself.
    assert result.statistic == pytest.approx(reference.statistic, abs=1e-10)
    assert result.df == pytest.approx(reference.df, abs=1e-10)
    assert result.p_value == pytest.approx(reference.pvalue, abs=1e-10)
    d, g, _difference = result.effects
    assert d.value == pytest.approx(
        pingouin.compute_effsize(ratings_members, ratings_staff, eftype="cohen"), abs=1e-10
    )
    assert g.value == pytest.approx(
        pingouin.compute_effsize(ratings_members, ratings_staff, eftype="hedges"), abs=1e-10
    )
    # pingouin uses the same Hedges-Olkin SE but a t critical value; compare the implied SEs.
    pg_low, pg_high = pingouin.compute_esci(d.value, 37, 12, eftype="cohen", decimals=12)
    pg_se = (pg_high - pg_low) / 2 / stats.t.ppf(0.975, 47)
    assert (d.ci_high - d.ci_low) / 2 / stats.norm.ppf(0.975) == pytest.approx(pg_se, rel=1e-9)


def test_mann_whitney_with_rank_biserial(
    ratings_members: np.ndarray, ratings_staff: np.ndarray
) -> None:
    result = compare_independent(ratings_members, ratings_staff, "ordinal")
    reference = pingouin.mwu(ratings_members, ratings_staff)
    scipy_result = stats.mannwhitneyu(ratings_members, ratings_staff, alternative="two-sided")
    assert result.statistic == scipy_result.statistic
    assert result.p_value == pytest.approx(scipy_result.pvalue, abs=1e-12)
    (rbc,) = result.effects
    assert rbc.value == pytest.approx(reference["RBC"].iloc[0], abs=1e-12)
    assert rbc.ci_low < rbc.value < rbc.ci_high and rbc.ci_low >= -1 and rbc.ci_high <= 1
    assert "seed" in rbc.method
    again = compare_independent(ratings_members, ratings_staff, "ordinal").effects[0]
    assert (again.ci_low, again.ci_high) == (rbc.ci_low, rbc.ci_high)  # fixed seed


def test_paired_t_with_dz_and_noncentral_interval(panel: tuple[np.ndarray, np.ndarray]) -> None:
    before, after = panel
    result = compare_paired(before, after, "continuous")
    reference = stats.ttest_rel(after, before)
    assert result.test == "paired t-test"
    assert result.statistic == pytest.approx(reference.statistic, abs=1e-10)
    assert result.p_value == pytest.approx(reference.pvalue, abs=1e-10)
    dz, _difference = result.effects
    assert dz.value == pytest.approx(
        pingouin.compute_effsize(after, before, paired=True, eftype="cohen_dz"), abs=1e-10
    )
    # The noncentral-t bounds put the observed t at the 97.5% and 2.5% points (tolerance 1e-7).
    n = len(before)
    assert stats.nct.cdf(reference.statistic, n - 1, dz.ci_low * math.sqrt(n)) == pytest.approx(
        0.975, abs=1e-7
    )
    assert stats.nct.cdf(reference.statistic, n - 1, dz.ci_high * math.sqrt(n)) == pytest.approx(
        0.025, abs=1e-7
    )
    # And it agrees with the normal approximation pingouin uses to within 0.05 at n = 25.
    approx_low, approx_high = pingouin.compute_esci(dz.value, n, 1, eftype="cohen", decimals=12)
    assert (dz.ci_low, dz.ci_high) == pytest.approx((approx_low, approx_high), abs=0.05)


def test_wilcoxon_with_matched_pairs_rank_biserial(panel: tuple[np.ndarray, np.ndarray]) -> None:
    before, after = panel
    before = before.copy()
    before[0] = np.nan  # a pair with a missing answer is dropped
    result = compare_paired(before, after, "ordinal")
    keep = ~np.isnan(before)
    reference = stats.wilcoxon(after[keep] - before[keep], zero_method="wilcox")
    assert result.ns == (24, 24)
    assert result.statistic == reference.statistic
    assert result.p_value == pytest.approx(reference.pvalue, abs=1e-12)
    assert "wilcox" in result.reason
    (rbc,) = result.effects
    # pingouin also drops zero differences before computing the matched-pairs RBC.
    expected = pingouin.wilcoxon(after[keep], before[keep])["RBC"].iloc[0]
    assert rbc.value == pytest.approx(expected, abs=1e-12)
    assert rbc.ci_low <= rbc.value <= rbc.ci_high


@pytest.mark.parametrize(("b", "c", "exact"), [(3, 9, True), (20, 35, False)])
def test_mcnemar_exact_and_chi_square(b: int, c: int, exact: bool) -> None:
    before = np.array([1] * b + [0] * c + [1] * 10 + [0] * 8)
    after = np.array([0] * b + [1] * c + [1] * 10 + [0] * 8)
    result = compare_paired(before, after, "binary")
    reference = mcnemar([[8, c], [b, 10]], exact=exact, correction=True)
    assert result.p_value == pytest.approx(reference.pvalue, abs=1e-12)
    assert ("exact" in result.reason) is exact
    (difference,) = result.effects
    assert difference.value == pytest.approx((c - b) / len(before))
    assert difference.ci_low < difference.value < difference.ci_high


def test_chi_square_with_cramers_v_and_risk_difference() -> None:
    members = np.array([1] * 20 + [0] * 17)
    staff = np.array([1] * 9 + [0] * 23)
    result = compare_independent(members, staff, "binary", labels=("member", "staff"))
    table = np.array([[17, 20], [23, 9]])
    chi2, p_value, df, _ = stats.chi2_contingency(table, correction=False)
    assert result.test == "chi-square"
    assert (result.statistic, result.p_value, result.df) == pytest.approx((chi2, p_value, df))
    v, difference = result.effects
    assert v.value == pytest.approx(association(table, method="cramer"), abs=1e-12)
    assert difference.value == pytest.approx(20 / 37 - 9 / 32)
    assert "Newcombe" in difference.method


def test_sparse_two_by_two_uses_fisher() -> None:
    result = compare_independent([1] * 12 + [0] * 25, [1] * 1 + [0] * 11, "binary")
    assert result.test == "Fisher exact"
    assert result.p_value == pytest.approx(stats.fisher_exact([[25, 12], [11, 1]]).pvalue)
    assert result.statistic is None


def test_bias_corrected_cramers_v_is_smaller() -> None:
    a = ["x"] * 10 + ["y"] * 8 + ["z"] * 7
    b = ["x"] * 4 + ["y"] * 9 + ["z"] * 12
    plain = compare_independent(a, b, "categorical").effects[0].value
    corrected = compare_independent(a, b, "categorical", bias_corrected=True).effects[0].value
    table = np.array([[10, 8, 7], [4, 9, 12]])
    chi2 = stats.chi2_contingency(table, correction=False)[0]
    phi2 = max(0.0, chi2 / 50 - 2 / 49)
    expected = math.sqrt(phi2 / (min(2 - 1 / 49, 3 - 4 / 49) - 1))  # Bergsma (2013) by hand
    assert corrected == pytest.approx(expected, abs=1e-12) and corrected < plain


def test_kruskal_wallis_leaves_out_small_group(
    ratings_members: np.ndarray, ratings_staff: np.ndarray
) -> None:
    rng = np.random.default_rng(21)
    trustees = np.round(rng.normal(6, 2, 9))
    groups = {
        "member": ratings_members,
        "staff": ratings_staff,
        "trustee": trustees,
        "volunteer": [4, 5, 6],
    }
    result = compare_groups(groups, "ordinal")
    reference = stats.kruskal(ratings_members, ratings_staff, trustees)
    assert result.groups == ("member", "staff", "trustee")
    assert "volunteer" in result.reason
    assert result.statistic == pytest.approx(reference.statistic, abs=1e-10)
    assert result.p_value == pytest.approx(reference.pvalue, abs=1e-10)
    assert result.effects[0].value == pytest.approx(reference.statistic / (58 - 1))


def test_k_group_chi_square_matches_pingouin() -> None:
    data = pd.DataFrame(
        {
            "group": ["member"] * 30 + ["staff"] * 20 + ["trustee"] * 15,
            "answer": ["yes"] * 18
            + ["no"] * 12
            + ["yes"] * 6
            + ["no"] * 14
            + ["yes"] * 8
            + ["no"] * 7,
        }
    )
    groups = {name: frame["answer"].to_numpy() for name, frame in data.groupby("group")}
    result = compare_groups(groups, "categorical")
    _, _, reference = pingouin.chi2_independence(data, x="group", y="answer", correction=False)
    pearson = reference.set_index("test").loc["pearson"]
    assert result.statistic == pytest.approx(pearson["chi2"], abs=1e-10)
    assert result.p_value == pytest.approx(pearson["pval"], abs=1e-10)
    assert result.effects[0].value == pytest.approx(pearson["cramer"], abs=1e-10)


@pytest.mark.parametrize(
    ("kind", "n", "paired", "groups", "test"),
    [
        ("continuous", 25, True, 2, "paired t-test"),
        ("continuous", 8, True, 2, "Wilcoxon signed-rank"),
        ("ordinal", 40, True, 2, "Wilcoxon signed-rank"),
        ("binary", 40, True, 2, "McNemar"),
        ("categorical", 40, True, 2, "none"),
        ("continuous", 12, False, 2, "Welch t-test"),
        ("continuous", 9, False, 2, "Mann-Whitney U"),
        ("ordinal", 100, False, 2, "Mann-Whitney U"),
        ("binary", 30, False, 2, "chi-square"),
        ("ordinal", 30, False, 3, "Kruskal-Wallis"),
        ("categorical", 30, False, 4, "chi-square"),
        ("free text", 30, False, 2, "none"),
    ],
)
def test_choose_test_rule(kind: str, n: int, paired: bool, groups: int, test: str) -> None:
    choice = choose_test(kind, n, paired, groups)
    assert choice.test == test
    assert len(choice.explanation) > 20  # a sentence the results page can show


# Ratings 0-10 as phones send them: heavy ties, gaps (NaN: skipped), a small staff group
# (10 answers: the smallest a t-test is used for).
MEMBERS = np.array([7, 8, 8, 6, np.nan, 9, 7, 7, 10, 5, 8, np.nan, 6, 7, 8, 8, 9, 4, 7, 7])
STAFF = np.array([5, 6, np.nan, 6, 7, 5, 8, 6, 6, 9, 5])
BEFORE = np.array([5, 6, 6, np.nan, 7, 4, 5, 6, 8, 6, 5, 7, 3, 6, np.nan, 5, 6, 7])
AFTER = np.array([6, 6, 7, 8, np.nan, 6, 5, 7, 8, 7, 7, 7, 5, 6, 6, 6, 8, 7])


def test_welch_difference_in_means_matches_scipys_interval() -> None:
    result = compare_independent(MEMBERS, STAFF, "continuous")
    difference = result.effects[-1]
    a, b = MEMBERS[~np.isnan(MEMBERS)], STAFF[~np.isnan(STAFF)]
    reference = stats.ttest_ind(a, b, equal_var=False)
    low, high = reference.confidence_interval(confidence_level=0.95)
    assert "difference in means" in difference.method and "Welch" in difference.method
    assert difference.value == pytest.approx(a.mean() - b.mean(), abs=1e-12)
    assert (difference.ci_low, difference.ci_high) == (
        pytest.approx(low, abs=1e-10), pytest.approx(high, abs=1e-10))


def test_paired_difference_in_means_matches_scipys_interval() -> None:
    result = compare_paired(BEFORE, AFTER, "continuous")
    difference = result.effects[-1]
    keep = ~np.isnan(BEFORE) & ~np.isnan(AFTER)
    reference = stats.ttest_rel(AFTER[keep], BEFORE[keep])
    low, high = reference.confidence_interval(confidence_level=0.95)
    assert result.ns == (15, 15) and "paired" in difference.method
    assert difference.value == pytest.approx((AFTER[keep] - BEFORE[keep]).mean(), abs=1e-12)
    assert (difference.ci_low, difference.ci_high) == (
        pytest.approx(low, abs=1e-10), pytest.approx(high, abs=1e-10))


def test_difference_in_means_without_spread_or_with_one_answer() -> None:
    from revaluation.analysis.intervals import welch_mean_difference_ci

    flat = welch_mean_difference_ci(np.array([4.0, 4.0, 4.0]), np.array([3.0, 3.0]))
    assert (flat.value, flat.ci_low, flat.ci_high) == (1.0, 1.0, 1.0) and flat.reason
    single = welch_mean_difference_ci(np.array([4.0, 5.0]), np.array([3.0]))
    assert single.value == pytest.approx(1.5) and single.ci_low is None and single.reason
    assert welch_mean_difference_ci(np.array([]), np.array([3.0])).value is None
    same_change = compare_paired(np.arange(1, 13), np.arange(2, 14), "continuous")
    change = same_change.effects[-1]
    assert same_change.p_value is None and (change.value, change.ci_low) == (1.0, 1.0)

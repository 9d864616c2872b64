"""Holm and Benjamini-Hochberg adjustment vs statsmodels.multipletests."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from revaluation.analysis import adjust_pvalues, adjust_results, compare_independent

P_VALUES = [0.001, 0.04, 0.03, 0.2, 0.04, 0.9, 0.012]


@pytest.mark.parametrize(("method", "reference"), [("holm", "holm"), ("bh", "fdr_bh")])
def test_matches_statsmodels(method: str, reference: str) -> None:
    expected = multipletests(P_VALUES, method=reference)[1]
    # Tolerance 1e-12: the same step-wise arithmetic.
    assert adjust_pvalues(P_VALUES, method) == pytest.approx(list(expected), abs=1e-12)


@pytest.mark.parametrize(("method", "reference"), [("holm", "holm"), ("bh", "fdr_bh")])
def test_none_p_values_stay_none_and_are_not_counted(method: str, reference: str) -> None:
    with_gaps = [0.01, None, 0.04, float("nan"), 0.03]
    adjusted = adjust_pvalues(with_gaps, method)
    expected = multipletests([0.01, 0.04, 0.03], method=reference)[1]
    assert adjusted[1] is None and adjusted[3] is None
    assert [adjusted[0], adjusted[2], adjusted[4]] == pytest.approx(list(expected), abs=1e-12)
    assert adjust_pvalues([None, None], method) == [None, None]


def test_results_carry_the_method(ratings_members: np.ndarray, ratings_staff: np.ndarray) -> None:
    results = [
        compare_independent(ratings_members, ratings_staff, "continuous"),
        compare_independent(ratings_members, ratings_staff, "ordinal"),
        compare_independent(ratings_members, [5, 6, 7], "ordinal"),  # suppressed
    ]
    adjusted = adjust_results(results, "holm")
    expected = multipletests([results[0].p_value, results[1].p_value], method="holm")[1]
    assert [r.p_adjusted for r in adjusted[:2]] == pytest.approx(list(expected))
    assert adjusted[2].p_adjusted is None
    out = adjusted[0].to_dict()
    assert out["adjustment"].startswith("Holm") and out["p_value"] == results[0].p_value
    assert results[0].to_dict()["adjustment"] == "none"


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown adjustment"):
        adjust_pvalues([0.1], "bonferonni")

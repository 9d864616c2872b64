"""Cronbach's alpha, Feldt interval, item statistics and floor/ceiling flags vs pingouin."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pingouin
import pytest

from revaluation.analysis import scale_reliability


def test_alpha_and_feldt_interval_match_pingouin(scale_items: np.ndarray) -> None:
    result = scale_reliability(scale_items, item_min=1, item_max=5, names=list("abcd"))
    complete = scale_items[~np.isnan(scale_items).any(axis=1)]
    # pingouin 0.7's nan_policy="listwise" takes n *before* dropping rows for the F degrees of
    # freedom, so it is given the complete cases directly.
    alpha, ci = pingouin.cronbach_alpha(pd.DataFrame(complete))
    assert result.n == 43 and result.n_excluded == 2  # listwise deletion
    # pingouin's interval is Feldt's (F quantiles with df n-1, (n-1)(k-1)); it rounds to 3 dp.
    assert result.alpha.value == pytest.approx(alpha, abs=1e-12)
    assert (result.alpha.ci_low, result.alpha.ci_high) == pytest.approx(tuple(ci), abs=6e-4)
    assert "Feldt" in result.alpha.method


def test_item_total_and_alpha_if_deleted(scale_items: np.ndarray) -> None:
    result = scale_reliability(scale_items, item_min=1, item_max=5)
    complete = scale_items[~np.isnan(scale_items).any(axis=1)]
    for index, item in enumerate(result.items):
        rest = np.delete(complete, index, axis=1)
        expected_r = np.corrcoef(complete[:, index], rest.sum(axis=1))[0, 1]
        expected_alpha = pingouin.cronbach_alpha(pd.DataFrame(rest))[0]
        # Tolerances 1e-10: same closed forms, computed independently.
        assert item.corrected_item_total == pytest.approx(expected_r, abs=1e-10)
        assert item.alpha_if_deleted == pytest.approx(expected_alpha, abs=1e-10)


def test_ceiling_flag_uses_more_than_15_percent_at_maximum() -> None:
    rng = np.random.default_rng(9)
    items = rng.integers(1, 6, size=(40, 3)).astype(float)
    items[:7] = 5  # 7/40 = 17.5% at the highest possible total
    result = scale_reliability(items, item_min=1, item_max=5)
    out = result.to_dict()
    assert out["ceiling_percent"] == pytest.approx(17.5)
    assert out["ceiling_effect"] is True and out["floor_effect"] is False
    assert "15%" in out["floor_ceiling_rule"] and "Terwee" in out["floor_ceiling_rule"]
    items[:7] = 4
    items[:6, 0] = 5
    assert scale_reliability(items, item_min=1, item_max=5).ceiling_effect is False


@pytest.mark.parametrize(
    ("matrix", "reason"),
    [
        (np.full((8, 3), 3.0), "same total"),
        (np.array([[1.0, 2.0, 3.0]] * 1 + [[np.nan, 1, 1]] * 9), "fewer than two"),
        (np.arange(10.0).reshape(10, 1), "at least two items"),
    ],
)
def test_undefined_alpha_has_a_reason(matrix: np.ndarray, reason: str) -> None:
    out = scale_reliability(matrix, item_min=1, item_max=5, threshold=0).to_dict()
    assert out["alpha"]["value"] is None
    assert reason in out["alpha"]["reason"]
    json.dumps(out, allow_nan=False)


def test_small_scale_group_is_suppressed(scale_items: np.ndarray) -> None:
    out = scale_reliability(scale_items[:3], item_min=1, item_max=5).to_dict()
    assert out["suppressed"] and out["alpha"]["value"] is None and out["items"] == []
    assert out["n"] is None and out["ceiling_percent"] is None

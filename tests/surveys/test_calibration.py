"""Graded response model calibration by marginal maximum likelihood (surveys.calibration)."""

from __future__ import annotations

import numpy as np
import pytest

from surveys.adaptive import ItemBank, eap_scores
from surveys.calibration import CalibrationError, fit_grm
from surveys.grm import GradedItem, simulate_responses
from tests.conftest import need

SLOPES = (0.9, 1.4, 1.8, 2.3, 2.8, 1.2)
THRESHOLDS = (
    (-2.0, -0.9, 0.2, 1.3),
    (-1.5, -0.5, 0.6, 1.8),
    (-1.2, -0.2, 0.8, 1.6),
    (-2.2, -1.0, 0.0, 1.0),
    (-0.8, 0.1, 0.9, 2.0),
    (-1.8, -0.4, 0.4, 2.2),
)
TRUE_ITEMS = [
    GradedItem(f"i{j}", slope, thresholds)
    for j, (slope, thresholds) in enumerate(zip(SLOPES, THRESHOLDS, strict=True))
]


def simulate(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=n)
    return simulate_responses(TRUE_ITEMS, theta, rng), theta


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    return simulate(600, 2024)[0]


@pytest.fixture(scope="module")
def fitted(data: np.ndarray):
    return fit_grm(data, keys=[item.key for item in TRUE_ITEMS])


def flat_thresholds(items: list[GradedItem]) -> np.ndarray:
    return np.concatenate([item.thresholds for item in items])


def test_recovers_simulated_parameters(fitted) -> None:
    assert fitted.converged and fitted.warnings == [] and fitted.n_used == 600
    assert [item.key for item in fitted.items] == [item.key for item in TRUE_ITEMS]
    slopes = np.array([item.slope for item in fitted.items])
    assert np.abs(slopes - SLOPES).max() < 0.45
    assert np.corrcoef(slopes, SLOPES)[0, 1] > 0.9
    errors = flat_thresholds(fitted.items) - flat_thresholds(TRUE_ITEMS)
    assert np.abs(errors).mean() < 0.15 and np.abs(errors).max() < 0.5


def test_marginal_log_likelihood_never_decreases(fitted) -> None:
    history = np.array(fitted.loglik_history)
    assert len(history) > 3
    assert np.all(np.diff(history) >= -1e-9 * np.abs(history[:-1]))
    assert history[-1] > history[0]


def test_missing_answers_are_allowed(data: np.ndarray) -> None:
    rng = np.random.default_rng(5)
    holes = data.astype(float)
    holes[rng.uniform(size=holes.shape) < 0.08] = np.nan
    holes[rng.uniform(size=holes.shape) < 0.04] = -1  # the other missing code
    holes = np.vstack([holes, np.full((1, 6), np.nan)])  # a respondent with nothing at all
    answered = ~np.isnan(holes) & (holes >= 0)
    result = fit_grm(holes, min_complete=int(np.all(answered, axis=1).sum()))
    assert result.n_used == int(np.any(answered, axis=1).sum()) == 600
    slopes = np.array([item.slope for item in result.items])
    assert np.abs(slopes - SLOPES).mean() < 0.3
    errors = flat_thresholds(result.items) - flat_thresholds(TRUE_ITEMS)
    assert np.abs(errors).mean() < 0.2
    with pytest.raises(CalibrationError, match="respondents answered every item"):
        fit_grm(holes, min_complete=int(np.all(answered, axis=1).sum()) + 1)


def test_unused_category_is_collapsed_with_a_warning(data: np.ndarray) -> None:
    changed = data.copy()
    column = changed[:, 3]
    column[column == 2] = 1  # nobody uses category 2 of item i3 any more
    result = fit_grm(changed, keys=[item.key for item in TRUE_ITEMS])
    assert any("'i3'" in w and "category 2 was never used" in w for w in result.warnings)
    assert len(result.warnings) == 1
    item = result.items[3]
    assert item.n_categories == 4 and len(item.thresholds) == 3
    assert result.categories["i3"] == (0, 1, 3, 4)
    assert [result.recode("i3", code) for code in range(5)] == [0, 1, 1, 2, 3]
    assert all(other.n_categories == 5 for j, other in enumerate(result.items) if j != 3)
    # The untouched top threshold keeps its place: answers were renumbered, not merged.
    assert item.thresholds[-1] == pytest.approx(THRESHOLDS[3][-1], abs=0.35)


def test_unused_top_category_is_detected_from_n_categories(data: np.ndarray) -> None:
    capped = np.minimum(data, 3)
    result = fit_grm(capped, n_categories=5)
    assert len(result.warnings) == 6
    assert all("category 4 was never used" in w for w in result.warnings)
    assert all(len(item.thresholds) == 3 for item in result.items)


def test_too_few_complete_respondents_is_an_error(data: np.ndarray) -> None:
    with pytest.raises(CalibrationError, match="only 150 respondents answered every item"):
        fit_grm(data[:150])


def test_an_item_with_one_category_is_an_error(data: np.ndarray) -> None:
    constant = data.copy()
    constant[:, 2] = 4
    with pytest.raises(CalibrationError, match="item 'item3': every answer is in category 4"):
        fit_grm(constant)


@pytest.mark.parametrize(
    ("value", "message"), [(2.5, "2.5 is not a category"), (-3, "-3 is not a category")]
)
def test_bad_codes_are_rejected(data: np.ndarray, value: float, message: str) -> None:
    bad = data.astype(float)
    bad[10, 1] = value
    with pytest.raises(CalibrationError, match=f"respondent 11, item 'item2': {message}"):
        fit_grm(bad)


def test_agrees_with_girth(data: np.ndarray, fitted) -> None:
    """Cross-check against girth's independent GRM (items x people, categories 1..K)."""
    try:
        import girth
    except ImportError:
        need(False, "girth (the independent IRT reference) is not installed")
    other = girth.grm_mml(data.T + 1, {"max_iteration": 200})
    slopes = np.array([item.slope for item in fitted.items])
    assert np.corrcoef(slopes, other["Discrimination"])[0, 1] > 0.98
    assert np.abs(slopes - other["Discrimination"]).mean() < 0.15
    ours = flat_thresholds(fitted.items)
    theirs = other["Difficulty"].ravel()
    assert np.corrcoef(ours, theirs)[0, 1] > 0.99
    assert np.abs(ours - theirs).mean() < 0.15
    thetas, _ = eap_scores(ItemBank(fitted.items), data)
    assert np.corrcoef(thetas, other["Ability"])[0, 1] > 0.99

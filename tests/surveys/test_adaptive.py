"""Graded response model maths and adaptive sessions (surveys.grm, surveys.adaptive)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate

from surveys.adaptive import CatRule, CatSession, ItemBank, eap, eap_scores
from surveys.grm import (
    GradedItem,
    ItemParameterError,
    category_probabilities,
    item_information,
    simulate_responses,
)


def logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


@pytest.fixture
def bank() -> ItemBank:
    rng = np.random.default_rng(7)
    items = [
        GradedItem(f"q{j}", rng.uniform(1.5, 3.5), np.sort(rng.normal(0.2, 1.0, 4)))
        for j in range(20)
    ]
    return ItemBank(items)


def test_probabilities_sum_to_one_and_match_hand_computation() -> None:
    item = GradedItem("pain", 1.5, (-1.0, 0.0, 1.2))
    theta = 0.5
    star = [1.0, logistic(1.5 * 1.5), logistic(1.5 * 0.5), logistic(1.5 * -0.7), 0.0]
    expected = [star[k] - star[k + 1] for k in range(4)]
    assert category_probabilities(item, theta) == pytest.approx(expected, abs=1e-12)
    table = category_probabilities(item, np.linspace(-5, 5, 41))
    assert table.shape == (41, 4)
    assert table.sum(axis=1) == pytest.approx(np.ones(41), abs=1e-12)


@pytest.mark.parametrize("theta", [-2.5, -0.3, 0.0, 1.1, 3.0])
def test_information_equals_fisher_information(theta: float) -> None:
    item = GradedItem("fatigue", 2.2, (-1.4, -0.2, 0.9, 2.0))
    h = 1e-4
    log_p = [np.log(category_probabilities(item, theta + d)) for d in (-h, 0.0, h)]
    probabilities = np.exp(log_p[1])
    score = (log_p[2] - log_p[0]) / (2 * h)
    curvature = (log_p[2] - 2 * log_p[1] + log_p[0]) / h**2
    information = item_information(item, theta)
    # Fisher information two ways: expected squared score and minus expected curvature.
    assert information == pytest.approx(float(probabilities @ score**2), rel=1e-5)
    assert information == pytest.approx(float(-(probabilities @ curvature)), rel=1e-3)


def test_two_categories_reduce_to_the_2pl() -> None:
    item = GradedItem("yes_no", 1.7, (0.4,))
    for theta in (-2.0, 0.0, 0.4, 1.5):
        p = logistic(1.7 * (theta - 0.4))
        assert category_probabilities(item, theta) == pytest.approx([1 - p, p], abs=1e-12)
        assert item_information(item, theta) == pytest.approx(1.7**2 * p * (1 - p), rel=1e-10)


def test_eap_matches_numerical_integration(bank: ItemBank) -> None:
    answers = {"q0": 3, "q3": 1, "q5": 4, "q8": 0, "q11": 2}

    def posterior(theta: float) -> float:
        density = math.exp(-0.5 * theta**2)
        for key, category in answers.items():
            density *= category_probabilities(bank[key], theta)[category]
        return density

    norm = integrate.quad(posterior, -10, 10, points=[0])[0]
    mean = integrate.quad(lambda t: t * posterior(t), -10, 10, points=[0])[0] / norm
    second = integrate.quad(lambda t: (t - mean) ** 2 * posterior(t), -10, 10)[0] / norm
    theta, se = eap(bank, answers)
    assert theta == pytest.approx(mean, abs=1e-4)
    assert se == pytest.approx(math.sqrt(second), abs=1e-4)


def test_eap_ignores_missing_and_vectorised_scores_agree(bank: ItemBank) -> None:
    assert eap(bank, {}) == pytest.approx((0.0, 1.0), abs=1e-6)
    assert eap(bank, {"q1": None, "q2": 3}) == eap(bank, {"q2": 3})
    matrix = np.full((2, len(bank)), np.nan)
    matrix[0, 2] = 3
    matrix[1, [4, 6]] = [0, 1]
    matrix[1, 7] = -1
    thetas, ses = eap_scores(bank, matrix)
    assert (thetas[0], ses[0]) == pytest.approx(eap(bank, {"q2": 3}))
    assert (thetas[1], ses[1]) == pytest.approx(eap(bank, [("q4", 0), ("q6", 1)]))
    with pytest.raises(ValueError, match="'q4' is answered more than once"):
        eap(bank, [("q4", 0), ("q4", 1)])


@pytest.mark.parametrize(
    ("slope", "thresholds", "message"),
    [
        (0.0, (0.0, 1.0), "slope must be a finite number above 0"),
        (-1.2, (0.0, 1.0), "slope must be a finite number above 0"),
        (math.inf, (0.0, 1.0), "slope must be a finite number above 0"),
        (1.2, (), "at least one threshold"),
        (1.2, (0.0, math.nan), "thresholds must be finite"),
        (1.2, (0.5, 0.5), "strictly increasing"),
        (1.2, (1.0, -1.0, 2.0), "threshold 2 (-1.0) is not above threshold 1 (1.0)"),
        ("steep", (0.0,), "must be numbers"),
    ],
)
def test_invalid_parameters_are_rejected_naming_the_item(
    slope: object, thresholds: tuple[float, ...], message: str
) -> None:
    with pytest.raises(ItemParameterError, match="'mood3'") as caught:
        GradedItem("mood3", slope, thresholds)  # type: ignore[arg-type]
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_bank_rejects_duplicate_keys_and_allows_varying_categories() -> None:
    with pytest.raises(ValueError, match="'a' appears more than once"):
        ItemBank([GradedItem("a", 1.0, (0.0,)), GradedItem("a", 2.0, (1.0,))])
    bank = ItemBank([GradedItem("a", 1.0, (0.0,)), GradedItem("b", 2.0, (-1.0, 0.0, 1.0))])
    session = CatSession(bank, CatRule(1, 2, None))
    with pytest.raises(ValueError, match="answers are coded 0 to 1"):
        session.record("a", 2)
    session.record("b", 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_items": 0, "max_items": 5, "max_se": 0.3}, "min_items <= max_items"),
        ({"min_items": 6, "max_items": 5, "max_se": 0.3}, "min_items <= max_items"),
        ({"min_items": 1, "max_items": 5, "max_se": 0.0}, "max_se must be above 0"),
        ({"min_items": 1, "max_items": 5, "max_se": 0.3, "min_se_improvement": -1}, "0 or more"),
        ({"min_items": 1, "max_items": 5, "max_se": 0.3, "selection": "random"}, "'mfi' or 'pwi'"),
    ],
)
def test_invalid_rules_are_rejected(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CatRule(**kwargs)


def run(session: CatSession, theta: float, rng: np.random.Generator) -> CatSession:
    while (item := session.next_item()) is not None:
        session.record(item.key, int(simulate_responses([item], np.array([theta]), rng)[0, 0]))
    return session


def test_first_item_is_the_most_informative_at_the_prior_mean(bank: ItemBank) -> None:
    at_zero = [item_information(item, 0.0) for item in bank]
    assert CatSession(bank, CatRule(1, 5, None)).next_item() == bank.items[np.argmax(at_zero)]
    weights = np.exp(-0.5 * np.linspace(-6, 6, 121) ** 2)
    weighted = [item_information(item, np.linspace(-6, 6, 121)) @ weights for item in bank]
    pwi = CatSession(bank, CatRule(1, 5, None, selection="pwi"))
    assert pwi.next_item() == bank.items[np.argmax(weighted)]


def test_stops_when_se_falls_below_threshold(bank: ItemBank) -> None:
    session = run(CatSession(bank, CatRule(2, 20, 0.35)), 0.3, np.random.default_rng(1))
    assert session.stop_reason == "max_se"
    assert session.se < 0.35 and len(session.asked) >= 2
    assert session.next_item() is None


def test_minimum_items_are_asked_even_when_se_is_already_small(bank: ItemBank) -> None:
    session = run(CatSession(bank, CatRule(5, 20, 0.99)), 0.0, np.random.default_rng(2))
    assert len(session.asked) == 5 and session.stop_reason == "max_se"


def test_stops_at_maximum_items(bank: ItemBank) -> None:
    session = run(CatSession(bank, CatRule(2, 6, 0.01)), 1.0, np.random.default_rng(3))
    assert len(session.asked) == 6 and session.stop_reason == "max_items"


def test_stops_when_se_no_longer_improves(bank: ItemBank) -> None:
    rule = CatRule(2, 20, None, min_se_improvement=0.05)
    session = run(CatSession(bank, rule), 0.0, np.random.default_rng(4))
    assert session.stop_reason == "se_not_improving"
    replayed = [eap(bank, session.asked[:n])[1] for n in range(len(session.asked) + 1)]
    assert replayed[-2] - replayed[-1] < 0.05
    assert all(a - b >= 0.05 for a, b in itertools.pairwise(replayed[:-1]))


def test_stops_when_the_bank_is_exhausted() -> None:
    small = ItemBank([GradedItem(f"s{j}", 1.0, (-1.0, 1.0)) for j in range(3)])
    session = run(CatSession(small, CatRule(1, 10, None)), 0.0, np.random.default_rng(5))
    assert len(session.asked) == 3 and session.stop_reason == "bank_exhausted"


def test_skipped_items_are_excluded_and_do_not_change_the_score(bank: ItemBank) -> None:
    session = CatSession(bank, CatRule(3, 5, None))
    first = session.next_item()
    session.record(first.key, 2)
    before = (session.theta, session.se)
    skipped = session.next_item()
    session.skip(skipped.key)
    assert (session.theta, session.se) == before
    assert session.next_item() not in (first, skipped)
    assert session.asked == [(first.key, 2), (skipped.key, None)]
    with pytest.raises(ValueError, match="already been asked"):
        session.record(skipped.key, 1)


def test_skipping_everything_leaves_the_prior_and_finishes() -> None:
    small = ItemBank([GradedItem(f"s{j}", 1.0, (-1.0, 1.0)) for j in range(3)])
    session = CatSession(small, CatRule(1, 10, 0.3))
    while (item := session.next_item()) is not None:
        session.skip(item.key)
    assert session.stop_reason == "bank_exhausted"
    assert (session.theta, session.se) == pytest.approx((0.0, 1.0), abs=1e-6)
    assert (session.t_score, session.t_se) == pytest.approx((50.0, 10.0), abs=1e-5)


def test_recording_errors_say_what_is_wrong(bank: ItemBank) -> None:
    session = CatSession(bank, CatRule(1, 1, None))
    with pytest.raises(ValueError, match="'nope' is not in this item bank"):
        session.record("nope", 1)
    with pytest.raises(ValueError, match="category 5 is out of range"):
        session.record("q1", 5)
    with pytest.raises(ValueError, match="must be an integer"):
        session.record("q1", True)
    session.record("q1", 1)
    with pytest.raises(ValueError, match="finished"):
        session.record("q2", 1)


@pytest.mark.parametrize("selection", ["mfi", "pwi"])
def test_replay_rebuilds_the_live_session(bank: ItemBank, selection: str) -> None:
    rule = CatRule(3, 9, 0.3, min_se_improvement=0.01, selection=selection)
    rng = np.random.default_rng(11)
    for theta in (-2.0, 0.4, 1.8):
        live = CatSession(bank, rule)
        steps = 0
        while (item := live.next_item()) is not None:
            if steps == 1:
                live.skip(item.key)
            else:
                live.record(item.key, int(simulate_responses([item], [theta], rng)[0, 0]))
            steps += 1
            partial = CatSession.replay(bank, rule, live.asked)
            assert partial.next_item() == live.next_item()
        rebuilt = CatSession.replay(bank, rule, live.asked)
        assert rebuilt.asked == live.asked
        assert (rebuilt.theta, rebuilt.se) == (live.theta, live.se)
        assert (rebuilt.finished, rebuilt.stop_reason) == (True, live.stop_reason)


def test_t_scores_use_the_50_plus_10_theta_metric(bank: ItemBank) -> None:
    session = CatSession(bank, CatRule(1, 3, None))
    session.record(session.next_item().key, 4)
    assert session.t_score == pytest.approx(50 + 10 * session.theta)
    assert session.t_se == pytest.approx(10 * session.se)
    assert session.theta > 0.5

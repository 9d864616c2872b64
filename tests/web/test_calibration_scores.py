"""An adaptive block's T-score as an outcome indicator, checked against an independent
computation (numpy EAP on its own grid, scipy's t interval and paired t-test).

The scenario a movement would run: a baseline wave asks the whole bank (with rough starting
parameters), the bank is calibrated on it and published as an adaptive version, and a
follow-up wave asks the same people (panel-linked) three to five items each. Both waves must be
scored with the calibrated parameters, so the change between them is real.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit

from revaluation.extensions import db
from revaluation.models import ResponseStatus, VersionStatus
from revaluation.services import calibration_jobs, fieldwork, framework, instruments
from revaluation.services.adaptive_blocks import block
from revaluation.services.calibration_accept import Rule, accept_calibration
from revaluation.services.results import evaluation_results
from surveys.adaptive import CatSession
from surveys.grm import category_probabilities
from tests.web.calibration_fixtures import TRUE, add_responses, seeded_fixture, true_items  # noqa: F401

SHIFT = 0.3  # the follow-up's true change in θ: 3 T-score points
FOLLOW_UP = 300  # baseline respondents who answer again


def independent_t(codes: np.ndarray, slopes, thresholds) -> np.ndarray:
    """EAP T-scores written from the formulas, on a finer grid than the platform's."""
    grid = np.linspace(-7, 7, 1401)
    log_post = np.tile(stats.norm.logpdf(grid), (len(codes), 1))
    for j, (a, b) in enumerate(zip(slopes, thresholds, strict=True)):
        star = np.vstack([np.ones_like(grid), expit(a * (grid - np.asarray(b)[:, None])),
                          np.zeros_like(grid)])
        log_p = np.log(np.clip(star[:-1] - star[1:], 1e-300, None))
        asked = codes[:, j] >= 0
        log_post[asked] += log_p[codes[asked, j]]
    weights = np.exp(log_post - log_post.max(axis=1, keepdims=True))
    theta = (weights @ grid) / weights.sum(axis=1)
    return np.where((codes >= 0).any(axis=1), 50 + 10 * theta, np.nan)


def t_interval(values: np.ndarray) -> tuple[float, float, float]:
    mean, sd, n = values.mean(), values.std(ddof=1), len(values)
    half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
    return mean, mean - half, mean + half


@pytest.fixture
def two_waves(seeded):
    """Baseline calibrated and published as version 2; a follow-up wave on version 2 whose
    panel members answered adaptively, plus two partial responses with one item each."""
    job = calibration_jobs.start_calibration(
        seeded.instrument, seeded.version, bank_key="agency", wave_id=seeded.wave.id,
        user_id=seeded.evaluator.id)
    version = accept_calibration(seeded.instrument, job, include=list(TRUE),
                                 rule=Rule(3, 5, 0.35), user_id=seeded.evaluator.id)
    instruments.publish_version(version, seeded.owner.id)
    follow = fieldwork.create_wave(seeded.evaluation, version, name="Follow-up",
                                   groups=["member", "staff"])
    fieldwork.open_wave(follow)
    engine = block(instruments.definition_of(version), "agency")
    rng = np.random.default_rng(5)
    truth = {item.key: item for item in true_items()}
    keys = list(TRUE)
    codes = np.full((FOLLOW_UP, len(keys)), -1)
    for person in range(FOLLOW_UP):
        session = CatSession(engine.bank, engine.rule)
        while (item := session.next_item()) is not None:
            p = category_probabilities(truth[item.key], seeded.theta[person] + SHIFT)
            answer = int(rng.choice(len(p), p=p))
            session.record(item.key, answer)
            codes[person, keys.index(item.key)] = answer
    add_responses(follow, version, codes, panel=[f"p{i}" for i in range(FOLLOW_UP)],
                  groups=["member" if i % 4 else "staff" for i in range(FOLLOW_UP)])
    partial = np.full((2, len(keys)), -1)
    partial[0, 0], partial[1, 2] = 3, 1
    add_responses(follow, version, partial, panel=[None, None], groups=["member", "member"],
                  status=ResponseStatus.PARTIAL)
    framework.add_outcome(
        seeded.evaluation, title="Members feel able to speak up", indicator_kind="scale",
        indicator_key="agency", statistic="mean", target=50.0, direction="increase",
        baseline_wave_id=seeded.wave.id, due_wave_id=follow.id, origin="emergent",
        reason="Measurable once the agency bank was calibrated.", author=seeded.evaluator)
    db.session.commit()
    return seeded, version, follow, np.vstack([codes, partial])


def test_an_adaptive_t_score_is_offered_as_an_indicator(seeded):
    offered = {i.value: i for i in framework.indicators(seeded.evaluation)}
    assert offered["scale:agency"].label == "Agency (T-score)"
    assert offered["scale:agency"].numeric


def test_outcome_numbers_match_an_independent_computation(two_waves):
    seeded, version, _follow, follow_codes = two_waves
    assert version.status is VersionStatus.PUBLISHED
    bank = version.definition["item_banks"][0]
    slopes = [i["slope"] for i in bank["items"]]
    thresholds = [i["thresholds"] for i in bank["items"]]
    baseline_t = independent_t(seeded.codes, slopes, thresholds)
    follow_t = independent_t(follow_codes, slopes, thresholds)
    assert np.isfinite(follow_t).sum() == FOLLOW_UP + 2  # partial answers count

    results = evaluation_results(seeded.evaluation)
    outcome = results["outcomes"][0]
    assert outcome["indicator_label"] == "Agency (T-score)"
    by_wave = {e["wave"]: e for e in outcome["by_wave"]}
    for name, values in (("Calibration wave", baseline_t), ("Follow-up", follow_t)):
        mean, low, high = t_interval(values[np.isfinite(values)])
        estimate = by_wave[name]["estimate"]
        assert estimate["value"] == pytest.approx(mean, abs=0.01)
        assert estimate["ci_low"] == pytest.approx(low, abs=0.01)
        assert estimate["ci_high"] == pytest.approx(high, abs=0.01)
        assert by_wave[name]["n"] == np.isfinite(values).sum()

    result = outcome["result"]
    assert result["baseline"] == pytest.approx(np.nanmean(baseline_t), abs=0.01)
    assert result["change_from_baseline"] == pytest.approx(
        np.nanmean(follow_t) - np.nanmean(baseline_t), abs=0.01)
    # The calibrated baseline sits near T 50 (the fit fixes the wave's mean at θ 0); the
    # follow-up is about SHIFT higher, and the status reads the follow-up's interval.
    assert abs(result["baseline"] - 50) < 1.5
    assert 1.0 < result["change_from_baseline"] < 5.0
    assert result["status"] == "achieved"

    waves = next(c for c in outcome["comparisons"] if c["kind"] == "waves")
    assert "paired by panel code, 300 people" in waves["label"]
    paired = stats.ttest_rel(follow_t[:FOLLOW_UP], baseline_t[:FOLLOW_UP])
    assert waves["test"] == "paired t-test"
    assert waves["statistic"] == pytest.approx(paired.statistic, rel=1e-3)
    assert waves["p_value"] == pytest.approx(paired.pvalue, rel=1e-2, abs=1e-12)


def test_a_respondent_s_t_score_equals_the_stored_one_under_the_same_parameters(two_waves):
    """The follow-up answered with version 2's parameters, so rescoring gives the T-score the
    respondent page stored (to its rounding); the baseline's stored scores used the rough
    starting parameters, so there they differ."""
    from revaluation.models import Answer, Response
    from revaluation.services import adaptive_scores
    from revaluation.services.analysis_data import load_wave

    seeded, _version, follow, _codes = two_waves
    for wave, same in ((follow, True), (seeded.wave, False)):
        data = load_wave(wave)
        scores = adaptive_scores.t_scores(data, "agency")
        stored = dict(db.session.execute(
            db.select(Answer.response_id, Answer.number).join(Response)
            .where(Response.wave_id == wave.id, Answer.question_key == "agency__t")).all())
        kept = np.array([stored[int(r)] for r in data.response_ids])
        gap = np.abs(scores - kept)
        assert bool(gap.max() < 1e-3) == same


def test_a_scale_cannot_share_its_key_with_an_item_bank():
    from surveys.formats import DefinitionError, load_instrument
    from tests.web.calibration_fixtures import definition_yaml

    text = definition_yaml() + "scales:\n  - {key: agency, items: [visits]}\n"
    with pytest.raises(DefinitionError, match="scale key 'agency' is also an item bank's key"):
        load_instrument(text)

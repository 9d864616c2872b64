"""Results are computed once per version of an evaluation's data and reused; any change to the
answers, the framework, the waves or the settings makes them be computed again."""

from __future__ import annotations

import numpy as np
import pytest

from revaluation.extensions import db
from revaluation.models import Response, ResponseStatus, ResultsCache
from revaluation.services import fieldwork, results_cache
from revaluation.services import results as results_service
from revaluation.services.instruments import definition_of
from revaluation.services.responses import record_page_answers
from revaluation.services.results import compute_results, evaluation_results
from tests.web.results_fixtures import WAVE_2, build, column


@pytest.fixture
def tiny(make_user):
    return build(make_user("eva@example.org"))


@pytest.fixture
def computed(monkeypatch):
    """The real computations behind evaluation_results, one entry per computation."""
    calls = []

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return compute_results(*args, **kwargs)

    monkeypatch.setattr(results_service, "compute_results", counting)
    return calls


def _kept() -> int:
    return db.session.query(ResultsCache).count()


def _mean_score(results) -> float:
    found = next(o for o in results["outcomes"] if o["key"] == "mean-score")
    return found["result"]["actual"]["value"]


def _figures(results) -> dict:
    return {k: v for k, v in results.items() if k != "generated_at"}


def test_results_are_computed_once_and_reused(tiny, computed):
    evaluation, _ = tiny
    first = evaluation_results(evaluation)
    again = evaluation_results(evaluation)
    assert len(computed) == 1 and _kept() == 1
    assert again == first
    assert _figures(again) == _figures(compute_results(evaluation))


def test_each_choice_of_waves_and_groups_is_kept_apart(tiny, computed):
    evaluation, waves = tiny
    everyone = evaluation_results(evaluation)
    staff = evaluation_results(evaluation, groups=["staff"])
    assert everyone["filters"]["groups"] == [] and staff["filters"]["groups"] == ["staff"]
    assert evaluation_results(evaluation, groups=["staff"]) == staff
    both = evaluation_results(evaluation, wave_ids=[waves[1].id, waves[0].id])
    assert evaluation_results(evaluation, wave_ids=[waves[0].id, waves[1].id]) == both
    assert len(computed) == 3 and _kept() == 3


def test_new_and_changed_answers_are_counted(tiny, computed):
    evaluation, waves = tiny
    scores = np.array(column(WAVE_2, 2), dtype=float)
    assert _mean_score(evaluation_results(evaluation)) == pytest.approx(scores.mean())
    response = Response(wave_id=waves[1].id, group="member", consent_given=True,
                        status=ResponseStatus.PARTIAL)
    db.session.add(response)
    db.session.commit()
    definition = definition_of(waves[1].instrument_version)
    record_page_answers(response, definition, {"score": 0})
    db.session.commit()
    assert _mean_score(evaluation_results(evaluation)) == pytest.approx(
        np.append(scores, 0.0).mean())
    record_page_answers(response, definition, {"score": 10})
    db.session.commit()
    assert _mean_score(evaluation_results(evaluation)) == pytest.approx(
        np.append(scores, 10.0).mean())
    assert len(computed) == 3


def test_framework_waves_and_settings_changes_recompute(tiny, computed):
    evaluation, waves = tiny
    evaluation_results(evaluation)
    target = next(o for o in evaluation.outcomes if o.key == "mean-score")
    target.target = 9.0
    db.session.commit()
    changed = next(o for o in evaluation_results(evaluation)["outcomes"]
                   if o["key"] == "mean-score")
    assert changed["target"] == 9.0 and changed["result"]["status"] == "not_achieved"
    evaluation.small_cell_threshold = 20
    db.session.commit()
    assert evaluation_results(evaluation)["threshold"] == 20
    fieldwork.close_wave(waves[1])
    db.session.commit()
    assert evaluation_results(evaluation)["waves"][1]["state"] == "closed"
    waves[1].name = "Twelve months on"
    db.session.commit()
    assert evaluation_results(evaluation)["waves"][1]["name"] == "Twelve months on"
    assert len(computed) == 5


def test_new_statistics_code_recomputes(tiny, computed, monkeypatch):
    evaluation, _ = tiny
    evaluation_results(evaluation)
    monkeypatch.setattr(results_cache, "code_version", lambda: "a corrected formula")
    evaluation_results(evaluation)
    evaluation_results(evaluation)
    assert len(computed) == 2 and _kept() == 1


def test_nothing_is_kept_from_uncommitted_data(tiny, computed):
    evaluation, _ = tiny
    target = next(o for o in evaluation.outcomes if o.key == "mean-score")
    target.target = 9.5
    db.session.flush()
    assert next(o for o in evaluation_results(evaluation)["outcomes"]
                if o["key"] == "mean-score")["target"] == 9.5
    assert _kept() == 0
    db.session.rollback()
    assert next(o for o in evaluation_results(evaluation)["outcomes"]
                if o["key"] == "mean-score")["target"] == 6.0
    assert len(computed) == 2 and _kept() == 1


def test_only_the_newest_entries_are_kept(tiny, computed, monkeypatch):
    evaluation, waves = tiny
    monkeypatch.setattr(results_cache, "KEEP_PER_EVALUATION", 2)
    evaluation_results(evaluation)
    evaluation_results(evaluation, groups=["member"])
    evaluation_results(evaluation, wave_ids=[waves[0].id])
    assert _kept() == 2
    evaluation_results(evaluation, wave_ids=[waves[0].id])
    assert len(computed) == 3


def test_unknown_filters_still_get_a_plain_error(tiny):
    evaluation, _ = tiny
    with pytest.raises(results_service.ResultsFilterError, match="no group"):
        evaluation_results(evaluation, groups=["nobody"])
    assert _kept() == 0


def _without_question_detail(results) -> dict:
    """Full results cut down to what a report shows."""
    figures = _figures(results)
    figures["questions"] = [{**q, "by_group": [], "comparisons": []}
                            for q in figures["questions"]]
    figures["methods"] = {k: v for k, v in figures["methods"].items()
                          if k not in ("tests", "multiplicity")}
    figures.pop("scope")
    return figures


def test_report_scope_is_the_full_results_without_question_detail(tiny):
    evaluation, _ = tiny
    full = compute_results(evaluation)
    report = compute_results(evaluation, scope=results_service.REPORT)
    assert (full["scope"], report["scope"]) == ("full", "report")
    assert any(q["comparisons"] for q in full["questions"])
    assert any(q["by_group"] for q in full["questions"])
    assert _without_question_detail(report) == _without_question_detail(full)
    # Both say the same about the outcomes' tests, which is what a report prints.
    assert report["methods"]["outcome_tests"] == full["methods"]["outcome_tests"]
    assert set(report["methods"]["tests"]) <= set(full["methods"]["tests"])
    with pytest.raises(ValueError, match="unknown results scope"):
        compute_results(evaluation, scope="some")


def test_a_report_uses_kept_full_results_and_never_serves_a_results_page(tiny, computed):
    evaluation, _ = tiny
    report = results_service.REPORT
    first_report = evaluation_results(evaluation, scope=report)
    assert [c["scope"] for c in computed] == [report] and _kept() == 1
    # A results page needs the comparisons a report leaves out: computed, then kept too.
    full = evaluation_results(evaluation)
    assert [c["scope"] for c in computed] == [report, "full"] and _kept() == 2
    assert full["scope"] == "full"
    # From now on a report is served the full entry: nothing is computed again.
    again = evaluation_results(evaluation, scope=report)
    assert len(computed) == 2 and again == full
    assert again["methods"]["outcome_tests"] == first_report["methods"]["outcome_tests"]

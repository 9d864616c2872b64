"""Results computed on several threads are exactly the results computed on one: every table in
wave order, every comparison in its place, on the seeded demo and the small hand-built one."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import Evaluation
from revaluation.services import concurrency, results
from tests.web.results_fixtures import build


def _without_time(found: dict) -> dict:
    return {key: value for key, value in found.items() if key != "generated_at"}


def _both_ways(evaluation, monkeypatch, **filters):
    monkeypatch.setattr(concurrency, "MAX_THREADS", 1)
    alone = results.compute_results(evaluation, **filters)
    monkeypatch.setattr(concurrency, "MAX_THREADS", 4)
    monkeypatch.setattr(concurrency.os, "cpu_count", lambda: 4)
    together = results.compute_results(evaluation, **filters)
    return alone, together


def test_the_demo_gives_the_same_results_on_one_thread_and_on_four(demo, monkeypatch):
    evaluation = db.session.execute(db.select(Evaluation).filter_by(slug="demo")).scalar_one()
    alone, together = _both_ways(evaluation, monkeypatch)
    assert _without_time(together) == _without_time(alone)
    assert [w["wave_id"] for w in together["questions"][0]["by_wave"]] == \
        [w["id"] for w in together["waves"]]


@pytest.mark.parametrize("groups", [None, ["member"]])
def test_filtered_results_are_the_same_too(make_user, monkeypatch, groups):
    evaluation, _ = build(make_user("eva@example.org"))
    alone, together = _both_ways(evaluation, monkeypatch, groups=groups)
    assert _without_time(together) == _without_time(alone)


def test_an_error_in_one_piece_reaches_the_caller(make_user, monkeypatch):
    evaluation, _ = build(make_user("eva@example.org"))
    monkeypatch.setattr(concurrency.os, "cpu_count", lambda: 4)

    def broken(*_args, **_kwargs):
        raise RuntimeError("a broken statistic")

    monkeypatch.setattr(results.QuestionTables, "_summary", broken)
    with pytest.raises(RuntimeError, match="a broken statistic"):
        results.compute_results(evaluation)

"""The wave loader's arrays hold exactly the stored answers, read row by row as a check, and
its vectorised helpers (panel pairs) agree with plain Python versions of the same rules."""

from __future__ import annotations

import gc
import random
from types import SimpleNamespace

import numpy as np
import pytest

from revaluation.extensions import db
from revaluation.models import Answer, Response
from revaluation.services.analysis_data import linked_pairs, load_wave, read_wave
from revaluation.services.results_outcomes import _pairs
from tests.web.results_fixtures import WAVE_1, build


@pytest.fixture
def tiny(make_user):
    return build(make_user("eva@example.org"))


def test_arrays_hold_every_stored_answer(tiny):
    _, waves = tiny
    data = load_wave(waves[0])
    responses = db.session.execute(
        db.select(Response).where(Response.wave_id == waves[0].id).order_by(Response.id)
    ).scalars().all()
    assert data.response_ids.tolist() == [r.id for r in responses]
    assert data.groups.tolist() == [group for group, *_ in WAVE_1]
    assert data.complete.all()
    row = {rid: i for i, rid in enumerate(data.response_ids.tolist())}
    expected_scores = np.full(data.size, np.nan)
    expected_agree = [""] * data.size
    expected_ns = np.zeros(data.size, dtype=bool)
    for answer in db.session.execute(db.select(Answer)).scalars():
        if answer.response_id not in row:
            continue
        i = row[answer.response_id]
        if answer.question_key == "score":
            expected_scores[i] = answer.number
        elif answer.question_key == "agree" and answer.text is not None:
            expected_agree[i] = answer.text
        elif answer.question_key == "agree":
            expected_ns[i] = True
    np.testing.assert_array_equal(data.numbers["score"], expected_scores)
    assert data.categories["agree"].tolist() == expected_agree
    assert data.nonsubstantive["agree"].tolist() == expected_ns.tolist()
    assert expected_ns.any() and np.isnan(data.numbers["agree"][expected_ns]).all()
    visits = data.categories["visit"].tolist()
    assert [v for v in visits if v] == [v for *_, v in WAVE_1 if v]
    assert data.numbers["visit"].tolist()[:2] == [1.0, 0.0]


def test_only_the_asked_questions_are_read(tiny):
    _, waves = tiny
    rows = read_wave(waves[1], keys={"score"})
    assert rows.keys == ["score"] and {r[0] for r in rows.answers} == {0}
    assert set(load_wave(waves[1], keys={"score"}).numbers) == {"score"}


def test_the_cycle_collector_runs_again_after_loading(tiny):
    _, waves = tiny
    assert gc.isenabled()
    load_wave(waves[0])
    assert gc.isenabled()


def _reference_linked(first, second):
    def index(panel):
        seen = {}
        for position, value in enumerate(panel):
            if value is not None and value not in seen:
                seen[value] = position
        return seen

    a, b = index(first), index(second)
    common = [h for h in a if h in b]
    return [a[h] for h in common], [b[h] for h in common]


def _reference_outcome_pairs(first, second):
    a = {h: i for i, h in reversed(list(enumerate(first))) if h is not None}
    b = {h: i for i, h in reversed(list(enumerate(second))) if h is not None}
    common = [h for h in a if h in b]
    return [a[h] for h in common], [b[h] for h in common]


@pytest.mark.parametrize("seed", range(5))
def test_panel_pairs_match_the_plain_python_rules(seed):
    rng = random.Random(seed)
    for _ in range(60):
        first = np.array([rng.choice([None, f"p{rng.randint(0, 12)}"])
                          for _ in range(rng.randint(0, 30))], dtype=object)
        second = np.array([rng.choice([None, f"p{rng.randint(0, 12)}"])
                           for _ in range(rng.randint(0, 30))], dtype=object)
        a, b = linked_pairs(SimpleNamespace(panel=first), SimpleNamespace(panel=second))
        assert (a.tolist(), b.tolist()) == _reference_linked(first.tolist(), second.tolist())
        a, b = _pairs(first, second)
        assert (a.tolist(), b.tolist()) == _reference_outcome_pairs(first.tolist(),
                                                                     second.tolist())

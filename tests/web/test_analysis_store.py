"""The analysis store serves exactly what the loader reads from the answers now: after new
responses, edited answers, erasure, group and panel changes, an instrument change, and on a
session with uncommitted writes; and the results computed from it are the loader's results."""

from __future__ import annotations

import numpy as np
import pytest

from revaluation.extensions import db
from revaluation.models import Answer, Response, ResponseStatus, WaveSnapshot
from revaluation.models.base import utcnow
from revaluation.services import analysis_data as loader
from revaluation.services import analysis_store, erasure, instruments, results
from revaluation.services.analysis_store import Refresh, current_wave
from revaluation.services.responses import record_page_answers
from surveys.model import Instrument

DEFINITION = {
    "key": "store", "title": {"en": "Store"}, "languages": ["en"],
    "choice_lists": {
        "agree": [{"value": str(i), "label": {"en": f"Point {i}"}} for i in range(1, 6)],
        "places": [{"value": v, "label": {"en": v.title()}} for v in ("park", "cafe", "hall")],
        "yesno": [{"value": "yes", "label": {"en": "Yes"}, "score": 1},
                  {"value": "no", "label": {"en": "No"}, "score": 0}],
    },
    "sections": [{"key": "s", "title": {"en": "S"}, "questions": [
        {"key": "score", "type": "rating", "label": {"en": "Score"}, "min": 0, "max": 10},
        {"key": "weight", "type": "number", "label": {"en": "Weight"}, "min": 0, "max": 500},
        {"key": "agree", "type": "likert", "label": {"en": "Agree"}, "choices": "agree",
         "nonsubstantive": ["prefer_not_to_say"]},
        {"key": "visit", "type": "single_choice", "label": {"en": "Visited?"},
         "choices": "yesno"},
        {"key": "where", "type": "multiple_choice", "label": {"en": "Where?"},
         "choices": "places"},
        {"key": "note", "type": "text", "label": {"en": "Anything else?"}},
    ]}],
}


def assert_same(served, read):
    """Two WaveData hold the same rows, columns and values (dtypes included)."""
    assert served.response_ids.tolist() == read.response_ids.tolist()
    assert served.groups.tolist() == read.groups.tolist()
    assert served.panel.tolist() == read.panel.tolist()
    assert served.complete.tolist() == read.complete.tolist()
    assert served.numbers.keys() == read.numbers.keys()
    for key, values in read.numbers.items():
        np.testing.assert_array_equal(served.numbers[key], values, err_msg=key)
        assert served.numbers[key].dtype == values.dtype
    assert served.categories.keys() == read.categories.keys()
    for key, values in read.categories.items():
        assert served.categories[key].tolist() == values.tolist(), key
        assert served.categories[key].dtype.kind == values.dtype.kind == "U"
    assert served.nonsubstantive.keys() == read.nonsubstantive.keys()
    for key, flags in read.nonsubstantive.items():
        assert served.nonsubstantive[key].tolist() == flags.tolist(), key
    assert served.multiple == read.multiple
    for key, (codes, words) in served.codes.items():  # the store's codes spell its answers
        assert words[codes].tolist() == served.categories[key].tolist()


def _answer(response, definition, values):
    record_page_answers(response, definition, values)


@pytest.fixture
def store(make_evaluation, make_user):
    from revaluation.services import fieldwork

    owner = make_user("owner@example.org")
    evaluation = make_evaluation(owner, slug="store")
    version = instruments.create_instrument(evaluation, Instrument.from_dict(DEFINITION))
    instruments.publish_version(version, owner.id)
    wave = fieldwork.create_wave(evaluation, version, name="Only", groups=["member", "staff"])
    fieldwork.open_wave(wave)
    db.session.commit()
    return evaluation, wave


def add(wave, rows, *, complete=True):
    """Responses with (group, panel, answers) each; returns them."""
    definition = loader.definition_of(wave.instrument_version)
    made = []
    for group, panel, values in rows:
        response = Response(wave_id=wave.id, group=group, panel_hash=panel, consent_given=True,
                            status=ResponseStatus.PARTIAL, started_at=utcnow())
        db.session.add(response)
        db.session.flush()
        _answer(response, definition, values)
        if complete:
            response.status = ResponseStatus.COMPLETE
            response.completed_at = utcnow()
        made.append(response)
    db.session.commit()
    return made


ROWS = [
    ("member", "p1", {"score": 5, "weight": 70.25, "agree": "3", "visit": "yes",
                      "where": ["park", "hall"], "note": "fine"}),
    ("member", "p2", {"score": 7, "agree": "prefer_not_to_say", "where": []}),
    ("staff", None, {"weight": 0.1, "agree": "5", "visit": "no", "where": ["cafe"]}),
    ("staff", "p3", {"score": 10, "visit": "yes"}),
    ("member", None, {}),
]


def served(wave, **options):
    report = Refresh()
    data = current_wave(wave, report=report)
    return data, report


def test_first_read_builds_a_snapshot_holding_what_the_loader_reads(store):
    _, wave = store
    add(wave, ROWS)
    data, report = served(wave)
    assert report.rebuilt and report.kept and report.reread == len(ROWS)
    assert_same(data, loader.load_wave(wave))
    again, report = served(wave)
    assert not report.rebuilt and report.reread == 0 and not report.kept
    assert_same(again, loader.load_wave(wave))
    assert db.session.execute(db.select(WaveSnapshot.responses)).scalar_one() == len(ROWS)


def test_only_new_and_changed_responses_are_read_again(store):
    _, wave = store
    first = add(wave, ROWS)
    served(wave)
    add(wave, [("staff", "p9", {"score": 1, "where": ["park"], "agree": "1"})])
    data, report = served(wave)
    assert not report.rebuilt and report.reread == 1 and report.dropped == 0
    assert_same(data, loader.load_wave(wave))

    # A partial response changes its answers (the respondent goes back a page).
    partial = add(wave, [("member", "p4", {"score": 2})], complete=False)[0]
    served(wave)
    _answer(partial, loader.definition_of(wave.instrument_version),
            {"score": None, "agree": "4", "where": ["cafe", "park"]})
    db.session.commit()
    data, report = served(wave)
    assert report.reread == 1 and report.dropped == 1
    assert_same(data, loader.load_wave(wave))

    # An evaluator moves a respondent to another group; a respondent is erased.
    first[0].group = "staff"
    first[1].panel_hash = None
    db.session.commit()
    served(wave)
    erasure.delete_responses([first[2].id])
    db.session.commit()
    # Erasure takes the store's copy of the answers with it at once.
    assert db.session.execute(db.select(WaveSnapshot)).first() is None
    data, report = served(wave)
    assert report.rebuilt
    assert_same(data, loader.load_wave(wave))
    assert_same(analysis_store.load_wave(wave, complete_only=True),
                loader.load_wave(wave, complete_only=True))
    assert_same(analysis_store.load_wave(wave, keys={"score", "where"}),
                loader.load_wave(wave, keys={"score", "where"}))


def test_everything_erased_and_an_empty_wave(store):
    _, wave = store
    assert_same(served(wave)[0], loader.load_wave(wave))
    made = add(wave, ROWS)
    served(wave)
    erasure.delete_responses([r.id for r in made[:2]])
    db.session.commit()
    served(wave)
    rest = [r.id for r in made[2:]]  # deleted another way: the store still notices
    db.session.execute(db.delete(Answer).where(Answer.response_id.in_(rest)))
    db.session.execute(db.delete(Response).where(Response.id.in_(rest)))
    db.session.commit()
    data, report = served(wave)
    assert data.size == 0 and report.dropped == len(ROWS) - 2 and not report.rebuilt
    assert_same(data, loader.load_wave(wave))


def test_a_new_instrument_version_or_a_large_change_rebuilds(store, monkeypatch):
    _, wave = store
    add(wave, ROWS)
    served(wave)
    definition = dict(DEFINITION, title={"en": "Store, revised"})
    version = instruments.new_draft(wave.instrument_version.instrument,
                                    Instrument.from_dict(definition))
    instruments.publish_version(version, None)
    wave.instrument_version = version
    db.session.commit()
    data, report = served(wave)
    assert report.rebuilt
    assert_same(data, loader.load_wave(wave))

    monkeypatch.setattr(analysis_store, "MAX_BY_ID", 2)
    add(wave, ROWS[:3])
    data, report = served(wave)
    assert report.rebuilt and report.reread == len(ROWS) + 3
    assert_same(data, loader.load_wave(wave))


def test_nothing_is_kept_while_the_session_holds_uncommitted_writes(store):
    _, wave = store
    made = add(wave, ROWS)
    served(wave)
    made[0].group = "staff"
    db.session.flush()
    data, report = served(wave)
    assert report.reread == 1 and not report.kept
    assert data.groups.tolist()[0] == "staff"  # the session sees its own change
    db.session.rollback()
    data, report = served(wave)
    assert report.reread == 0  # the kept snapshot never held the rolled-back change
    assert data.groups.tolist()[0] == "member"


def test_numbers_that_need_double_precision_keep_it(store):
    _, wave = store
    add(wave, [("member", None, {"weight": 0.1}), ("member", None, {"weight": 1e-300}),
               ("member", None, {"weight": 123.456789012345})])
    served(wave)
    data, _ = served(wave)
    assert data.numbers["weight"].tolist() == [0.1, 1e-300, 123.456789012345]


def test_results_from_the_store_are_the_loaders_results(store, monkeypatch):
    evaluation, wave = store
    add(wave, ROWS * 3)
    from_store = results.compute_results(evaluation)
    served(wave)
    from_store_again = results.compute_results(evaluation)
    monkeypatch.setattr(results, "load_wave", loader.load_wave)
    direct = results.compute_results(evaluation)
    for found in (from_store, from_store_again):
        assert {k: v for k, v in found.items() if k != "generated_at"} == \
            {k: v for k, v in direct.items() if k != "generated_at"}

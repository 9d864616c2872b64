"""A small hand-built evaluation for results tests: two waves, two groups, panel links, ties,
missing and non-substantive answers, and a group too small to show (threshold 5)."""

from __future__ import annotations

from revaluation.extensions import db
from revaluation.models import (
    Answer,
    Direction,
    IndicatorKind,
    Origin,
    Outcome,
    Response,
    ResponseStatus,
    Statistic,
)
from revaluation.models.base import utcnow
from surveys.model import Instrument

DEFINITION = {
    "key": "tiny", "title": {"en": "Tiny"}, "languages": ["en"],
    "choice_lists": {
        "agree": [{"value": str(i), "label": {"en": f"Point {i}"}} for i in range(1, 6)],
        "yesno": [{"value": "yes", "label": {"en": "Yes"}, "score": 1},
                  {"value": "no", "label": {"en": "No"}, "score": 0}],
    },
    "sections": [{"key": "s", "title": {"en": "S"}, "questions": [
        {"key": "score", "type": "rating", "label": {"en": "Score"}, "min": 0, "max": 10},
        {"key": "agree", "type": "likert", "label": {"en": "Agree"}, "choices": "agree",
         "nonsubstantive": ["prefer_not_to_say"]},
        {"key": "visit", "type": "single_choice", "label": {"en": "Visited?"},
         "choices": "yesno"},
        {"key": "note_text", "type": "text", "label": {"en": "Anything else?"}},
    ]}],
}

#: (group, panel, score, agree, visit) per wave; None = skipped.
WAVE_1 = [("member", f"p{i}", s, a, v) for i, (s, a, v) in enumerate([
    (5, "3", "yes"), (6, "4", "no"), (6, "4", "no"), (7, "prefer_not_to_say", "yes"),
    (4, "2", "no"), (5, "3", None), (8, "5", "yes"), (6, "3", "no"), (None, "4", "no"),
    (7, "4", "yes"), (5, "2", "no"), (6, "3", "no")])] + [
    ("staff", None, 7, "4", "no"), ("staff", None, 8, "5", "no"), ("staff", None, 6, "3", "yes")]
WAVE_2 = [("member", f"p{i}", s, a, v) for i, (s, a, v) in enumerate([
    (7, "4", "no"), (7, "4", "no"), (8, "5", "no"), (7, "4", "yes"), (6, "3", "no"),
    (7, "3", "no"), (9, "5", "no"), (6, "4", "no"), (8, "4", "no"), (7, "5", "yes"),
    (6, "3", "no"), (8, "4", "no")])] + [
    ("staff", None, 6, "3", "no"), ("staff", None, 7, "4", "yes")]


def build(owner):
    """The evaluation (slug "tiny") with three outcomes, the framework locked after wave 1."""
    from revaluation.services import fieldwork, instruments
    from revaluation.services.evaluations import create_evaluation

    evaluation = create_evaluation(slug="tiny", title="Tiny evaluation", movement="Tiny",
                                   owner=owner)
    version = instruments.create_instrument(evaluation, Instrument.from_dict(DEFINITION))
    instruments.publish_version(version, owner.id)
    waves = [fieldwork.create_wave(evaluation, version, name=name, groups=["member", "staff"])
             for name in ("Baseline", "Follow-up")]
    specs = [("mean-score", "score", Statistic.MEAN, None, 6.0, Direction.INCREASE),
             ("agree-median", "agree", Statistic.MEDIAN, None, 4.0, Direction.INCREASE),
             ("fewer-visits", "visit", Statistic.PROPORTION, 1.0, 0.3, Direction.DECREASE)]
    for position, (key, indicator, stat, threshold, target, direction) in enumerate(specs):
        db.session.add(Outcome(
            evaluation_id=evaluation.id, key=key, title=key.replace("-", " ").title(),
            indicator_kind=IndicatorKind.QUESTION, indicator_key=indicator, statistic=stat,
            threshold=threshold, target=target, direction=direction, origin=Origin.PLANNED,
            position=position, baseline_wave_id=waves[0].id, due_wave_id=waves[1].id))
    db.session.flush()
    now = utcnow()
    for wave, rows in zip(waves, (WAVE_1, WAVE_2), strict=True):
        fieldwork.open_wave(wave)
        for group, panel, score, agree, visit in rows:
            response = Response(wave_id=wave.id, group=group, panel_hash=panel,
                                consent_given=True, status=ResponseStatus.COMPLETE,
                                started_at=now, completed_at=now)
            db.session.add(response)
            db.session.flush()
            if score is not None:
                db.session.add(Answer(response_id=response.id, question_key="score",
                                      number=float(score)))
            if agree == "prefer_not_to_say":
                db.session.add(Answer(response_id=response.id, question_key="agree",
                                      data={"nonsubstantive": agree}))
            elif agree is not None:
                db.session.add(Answer(response_id=response.id, question_key="agree",
                                      number=float(agree), text=agree))
            if visit is not None:
                db.session.add(Answer(response_id=response.id, question_key="visit",
                                      number=1.0 if visit == "yes" else 0.0, text=visit))
    db.session.commit()
    return evaluation, waves


def column(rows, index, group=None):
    """Values of one column, skipping None (optionally one group)."""
    return [r[index] for r in rows if r[index] is not None and (group is None or r[0] == group)]

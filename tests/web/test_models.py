"""Invariants the models carry themselves: guarded states, immutability, check constraints."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from revaluation.extensions import db
from revaluation.models import (
    Direction,
    IndicatorKind,
    Origin,
    Outcome,
    StateError,
    Statistic,
    WaveState,
)
from revaluation.services import fieldwork, instruments
from surveys.formats import load_instrument

TINY = """
key: tiny
title: Tiny
languages: [en]
sections:
  - key: s1
    title: One
    questions:
      - {key: q1, type: rating, label: "How is it?", min: 0, max: 10}
"""


@pytest.fixture
def version(make_evaluation):
    evaluation = make_evaluation()
    version = instruments.create_instrument(evaluation, load_instrument(TINY))
    db.session.commit()
    return version


def test_wave_moves_draft_open_closed_only(version):
    version.publish(None)
    wave = fieldwork.create_wave(
        version.instrument.evaluation, version, name="W1", groups=["member"]
    )
    with pytest.raises(StateError, match="has not opened yet"):
        wave.close()
    fieldwork.open_wave(wave)
    assert wave.state is WaveState.OPEN
    with pytest.raises(StateError, match="already open"):
        wave.open()
    fieldwork.close_wave(wave)
    with pytest.raises(StateError, match="cannot reopen"):
        wave.open()
    db.session.commit()


def test_wave_on_unpublished_version_cannot_open(version):
    wave = fieldwork.create_wave(
        version.instrument.evaluation, version, name="W1", groups=["member"]
    )
    with pytest.raises(StateError, match="Publish the instrument version"):
        wave.open()


def test_published_version_cannot_change(version):
    instruments.publish_version(version, None)
    db.session.commit()
    version.definition = {**version.definition, "key": "changed"}
    with pytest.raises(StateError, match="is published and cannot change"):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(StateError, match="already published"):
        version.publish(None)


def test_editing_published_instrument_makes_next_draft(version):
    instruments.publish_version(version, None)
    draft = instruments.new_draft(version.instrument)
    assert draft.number == 2 and not draft.is_published
    assert instruments.new_draft(version.instrument) is draft


def test_first_wave_opening_locks_and_snapshots_framework(version):
    evaluation = version.instrument.evaluation
    db.session.add(
        Outcome(
            evaluation_id=evaluation.id,
            key="o1",
            title="Better",
            indicator_kind=IndicatorKind.QUESTION,
            indicator_key="q1",
            statistic=Statistic.MEAN,
            target=7,
            direction=Direction.INCREASE,
            origin=Origin.PLANNED,
        )
    )
    instruments.publish_version(version, None)
    wave = fieldwork.create_wave(evaluation, version, name="W1", groups=["member"])
    fieldwork.open_wave(wave)
    db.session.commit()
    assert evaluation.framework_locked
    assert [o["key"] for o in evaluation.framework_snapshot] == ["o1"]


def test_proportion_outcome_needs_threshold_in_database(version):
    db.session.add(
        Outcome(
            evaluation_id=version.instrument.evaluation_id,
            key="o1",
            title="Share",
            indicator_kind=IndicatorKind.QUESTION,
            indicator_key="q1",
            statistic=Statistic.PROPORTION,
            threshold=None,
            target=0.5,
            direction=Direction.INCREASE,
            origin=Origin.PLANNED,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_enum_values_are_checked_by_the_database(version):
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.text("UPDATE instrument_version SET status = 'bogus' WHERE id = :id"),
            {"id": version.id},
        )
        db.session.flush()
    db.session.rollback()


def test_tokens_are_stored_only_as_hashes(version):
    instruments.publish_version(version, None)
    wave = fieldwork.create_wave(
        version.instrument.evaluation, version, name="W1", groups=["member"]
    )
    tokens = fieldwork.create_tokens(wave, "member", 3)
    db.session.commit()
    stored = {i.token_hash for i in wave.invitations if i.token_hash}
    assert len(stored) == 3 and not stored & set(tokens)
    with pytest.raises(ValueError, match="not one of this wave's groups"):
        fieldwork.create_tokens(wave, "staff", 1)

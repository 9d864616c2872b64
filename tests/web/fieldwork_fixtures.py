"""Fixtures for the fieldwork tests: an evaluation with a published three-page instrument."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from revaluation.extensions import db
from revaluation.models import Evaluation, InstrumentVersion, User
from revaluation.services import fieldwork, instruments
from surveys.formats import load_instrument

THREE_PAGES = """
key: check-in
title: Check-in
languages: [en]
sections:
  - key: about
    title: About you
    questions:
      - {key: age, type: number, label: "Age", min: 16, max: 110}
  - key: wellbeing
    title: Wellbeing
    questions:
      - {key: happy, type: rating, label: "How happy?", min: 0, max: 10}
  - key: story
    title: Your story
    questions:
      - {key: change, type: text, label: "What changed?"}
"""


@dataclass
class Setup:
    evaluation: Evaluation
    version: InstrumentVersion
    owner: User
    evaluator: User
    commissioner: User
    stranger: User

    @property
    def slug(self) -> str:
        return self.evaluation.slug


@pytest.fixture(name="fw")
def fw_fixture(make_user, make_evaluation) -> Setup:
    owner = make_user("owner@example.org")
    evaluator = make_user("evaluator@example.org")
    commissioner = make_user("commissioner@example.org")
    stranger = make_user("stranger@example.org")
    evaluation = make_evaluation(
        owner,
        slug="walks",
        title="Walk together",
        movement="Walkers' network",
        members={evaluator: "evaluator", commissioner: "commissioner"},
    )
    version = instruments.create_instrument(evaluation, load_instrument(THREE_PAGES))
    instruments.publish_version(version, owner.id)
    db.session.commit()
    return Setup(evaluation, version, owner, evaluator, commissioner, stranger)


def make_wave(fw: Setup, *, groups=("member", "staff"), name="Baseline", **fields):
    wave = fieldwork.create_wave(
        fw.evaluation, fw.version, name=name, groups=list(groups), **fields
    )
    db.session.commit()
    return wave


def wave_form(fw: Setup, **overrides) -> dict:
    data = {
        "name": "Baseline",
        "version": str(fw.version.id),
        "groups": "member, staff",
        "opens_at": "",
        "closes_at": "",
        "anonymity": "anonymous",
        "consent_text": "We ask about your wellbeing.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}

"""Fixtures for the instrument designer's tests: an evaluation with a two-page draft."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from revaluation.extensions import db
from revaluation.models import Evaluation, Instrument, User
from revaluation.services import instruments
from surveys.formats import load_instrument

TWO_PAGES = """
key: check-in
title: Check-in
languages: [en]
choice_lists:
  yes_no:
    - {value: "yes", label: "Yes"}
    - {value: "no", label: "No"}
sections:
  - key: about
    title: About you
    questions:
      - {key: age, type: number, label: "How old are you?", min: 16, max: 110}
      - {key: walks, type: single_choice, label: "Do you walk with the group?", choices: yes_no}
  - key: walking
    title: Walking
    relevant: "${walks} = 'yes'"
    questions:
      - {key: often, type: rating, label: "How often?", min: 0, max: 10}
      - {key: change, type: text, label: "What changed?"}
"""


@dataclass
class Setup:
    evaluation: Evaluation
    instrument: Instrument
    owner: User
    commissioner: User
    stranger: User

    @property
    def slug(self) -> str:
        return self.evaluation.slug

    @property
    def base(self) -> str:
        return f"/e/{self.evaluation.slug}/instruments/{self.instrument.id}"

    def definition(self) -> dict:
        db.session.expire_all()
        return db.session.get(Instrument, self.instrument.id).latest.definition


@pytest.fixture(name="ds")
def designer_setup(make_user, make_evaluation, auth) -> Setup:
    owner = make_user("owner@example.org")
    commissioner = make_user("commissioner@example.org")
    stranger = make_user("stranger@example.org")
    evaluation = make_evaluation(owner, slug="walks", title="Walk together",
                                 members={commissioner: "commissioner"})
    version = instruments.create_instrument(evaluation, load_instrument(TWO_PAGES))
    db.session.commit()
    auth.login("owner@example.org")
    return Setup(evaluation, version.instrument, owner, commissioner, stranger)


def question_data(qtype: str, key: str, section: str = "about", **extra) -> dict:
    """Minimal valid form data for a new question of any engine type."""
    data = {"type": qtype, "key": key, "section": section, "label_en": f"A {qtype} question"}
    if qtype in ("single_choice", "multiple_choice", "likert", "ranking", "dot_allocation",
                 "matrix"):
        data.update({"choices_list": "", "choices-0-value": "a", "choices-0-label_en": "A",
                     "choices-1-value": "b", "choices-1-label_en": "B", "choices-2-value": "",
                     "choices-2-label_en": ""})
    settings = {
        "matrix": {"s_rows-0-key": "r1", "s_rows-0-label_en": "Row one"},
        "dot_allocation": {"s_budget": "10"},
        "triad": {"s_corners_1_en": "Me", "s_corners_2_en": "Us", "s_corners_3_en": "Them"},
        "dyad": {"s_left_en": "Alone", "s_right_en": "Together"},
        "calculated": {"calculation": "${age} + 1"},
    }
    data.update(settings.get(qtype, {}))
    data.update(extra)
    return data

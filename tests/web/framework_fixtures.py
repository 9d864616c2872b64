"""Fixtures for the framework and settings tests: an evaluation with an instrument, a wave
and a member of every role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from revaluation.extensions import db
from revaluation.models import Evaluation, User, Wave
from revaluation.services import fieldwork, instruments
from surveys.formats import load_instrument

CHECK_IN = """
key: check-in
title: Check-in
languages: [en]
choice_lists:
  agree:
    - {value: "1", label: "Disagree"}
    - {value: "2", label: "Neutral"}
    - {value: "3", label: "Agree"}
  yes_no:
    - {value: "yes", label: "Yes"}
    - {value: "no", label: "No"}
sections:
  - key: about
    title: About you
    questions:
      - {key: age, type: number, label: "How old are you?", min: 16, max: 110}
      - {key: confidence, type: rating, label: "How confident do you feel?", min: 0, max: 10}
      - {key: heard, type: likert, label: "I feel listened to", choices: agree}
      - {key: walks, type: single_choice, label: "Do you walk with the group?", choices: yes_no}
      - {key: change, type: text, label: "What changed?"}
      - {key: talk, type: likert, label: "I talk to others", choices: agree}
scales:
  - {key: connection, title: "Connection", items: [heard, talk], method: mean}
"""

PASSWORD = "correct horse battery"


@dataclass
class Setup:
    evaluation: Evaluation
    owner: User
    evaluator: User
    commissioner: User
    stranger: User
    baseline: Wave
    follow_up: Wave

    @property
    def slug(self) -> str:
        return self.evaluation.slug


@pytest.fixture(name="fw")
def framework_setup(make_user, make_evaluation) -> Setup:
    owner = make_user("owner@example.org", name="Olu Owner")
    evaluator = make_user("dee@example.org", name="Dee")
    commissioner = make_user("cam@example.org", name="Cam")
    stranger = make_user("stranger@example.org", name="Stranger")
    evaluation = make_evaluation(
        owner,
        slug="walks",
        title="Walk together",
        members={evaluator: "evaluator", commissioner: "commissioner"},
    )
    version = instruments.create_instrument(evaluation, load_instrument(CHECK_IN))
    instruments.publish_version(version, owner.id)
    baseline = fieldwork.create_wave(evaluation, version, name="Baseline", groups=["member"])
    follow_up = fieldwork.create_wave(evaluation, version, name="Follow-up", groups=["member"])
    db.session.commit()
    return Setup(evaluation, owner, evaluator, commissioner, stranger, baseline, follow_up)


def outcome_data(**extra) -> dict:
    """Valid form data for a new outcome (mean of the connection scale up to 3.5)."""
    data = {
        "title": "Members feel connected",
        "description": "",
        "indicator": "scale:connection",
        "statistic": "mean",
        "threshold": "",
        "baseline_kind": "none",
        "baseline_value": "",
        "baseline_wave": "",
        "target": "3.5",
        "direction": "increase",
        "due_wave": "",
        "reason": "",
    }
    data.update(extra)
    return data

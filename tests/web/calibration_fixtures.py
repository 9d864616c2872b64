"""An evaluation whose instrument fields a six-item graded-response bank in full, with answers
simulated from known parameters, for the calibration and T-score tests.

The instrument's bank starts with rough, made-up parameters (slope 1, evenly spaced
thresholds) and no stopping rule, as a first, calibration wave would; the answers are drawn
from TRUE, so a calibration should recover TRUE, not the made-up values.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass

import numpy as np
import pytest
import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import (
    Answer,
    Evaluation,
    Instrument,
    InstrumentVersion,
    Response,
    ResponseStatus,
    User,
    Wave,
)
from revaluation.models.base import utcnow
from revaluation.services import fieldwork, instruments
from revaluation.services.adaptive_blocks import block
from surveys.adaptive import eap_scores
from surveys.formats import load_instrument
from surveys.grm import GradedItem, simulate_responses
from tests.conftest import need

AGREE = ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]
#: The parameters that generate the answers (slope, thresholds), PROMIS-like.
TRUE = {
    "ag1": (2.4, (-2.0, -0.9, 0.3, 1.5)),
    "ag2": (1.6, (-1.6, -0.4, 0.8, 2.1)),
    "ag3": (3.0, (-1.1, -0.1, 0.9, 1.9)),
    "ag4": (2.0, (-2.4, -1.3, -0.2, 1.0)),
    "ag5": (2.7, (-0.6, 0.4, 1.3, 2.4)),
    "ag6": (1.2, (-1.9, -0.7, 0.5, 1.7)),
}
TEXTS = {
    "ag1": "I can speak up when something matters to me.",
    "ag2": "People in the group listen to what I say.",
    "ag3": "I can get others together to change things.",
    "ag4": "I know where to go for help.",
    "ag5": "I can challenge decisions made about my care.",
    "ag6": "I feel part of something bigger.",
}


def definition_yaml(rule: str = "") -> str:
    """The instrument: one ordinary question and an adaptive page over the bank."""
    items = "\n".join(
        f"      - {{key: {key}, label: {{en: \"{TEXTS[key]}\"}}, slope: 1.0, "
        "thresholds: [-1.5, -0.5, 0.5, 1.5]}"
        for key in TRUE
    )
    choices = "\n".join(
        f'    - {{value: "{i + 1}", label: {{en: "{label}"}}}}' for i, label in enumerate(AGREE)
    )
    return f"""
key: agency-check
title: {{en: "Agency check"}}
languages: [en]
choice_lists:
  agree5:
{choices}
sections:
  - key: about
    title: {{en: "About you"}}
    questions:
      - {{key: visits, type: number, label: {{en: "Visits this year"}}, min: 0, max: 100}}
  - key: agency_page
    title: {{en: "Speaking up"}}
    adaptive: agency
    questions: []
item_banks:
  - key: agency
    title: {{en: "Agency"}}
    categories: agree5
{rule}    items:
{items}
"""


@dataclass
class Seeded:
    evaluation: Evaluation
    instrument: Instrument
    version: InstrumentVersion
    wave: Wave
    owner: User
    evaluator: User
    commissioner: User
    codes: np.ndarray
    theta: np.ndarray

    @property
    def slug(self) -> str:
        return self.evaluation.slug

    @property
    def base(self) -> str:
        return f"/e/{self.slug}/instruments/{self.instrument.id}"


def true_items() -> list[GradedItem]:
    return [GradedItem(key, slope, thresholds) for key, (slope, thresholds) in TRUE.items()]


def add_responses(
    wave: Wave, version: InstrumentVersion, codes: np.ndarray, *, panel: list[str | None],
    groups: list[str], status: ResponseStatus = ResponseStatus.COMPLETE,
) -> list[int]:
    """Store one response per row of ``codes`` (items in TRUE's order, -1 = not asked) the way
    the adaptive page stores them: each item's choice value and category, the asked list, and
    the EAP θ, SE and T-score from the version's own bank."""
    found = block(instruments.definition_of(version), "agency")
    keys = list(TRUE)
    now = utcnow()
    responses = [
        Response(wave_id=wave.id, group=groups[row], panel_hash=panel[row], consent_given=True,
                 status=status, started_at=now,
                 completed_at=now if status is ResponseStatus.COMPLETE else None)
        for row in range(len(codes))
    ]
    db.session.add_all(responses)
    db.session.flush()
    matrix = np.full((len(codes), len(found.bank)), -1.0)
    for column, key in enumerate(keys):
        if key in found.bank:
            matrix[:, found.bank.position(key)] = codes[:, column]
    thetas, errors = eap_scores(found.bank, matrix)
    rows = []
    for response, answers, theta, se in zip(responses, codes, thetas, errors, strict=True):
        asked = [(keys[j], int(c)) for j, c in enumerate(answers) if c >= 0]
        for key, category in asked:
            rows.append({"response_id": response.id, "question_key": key,
                         "number": float(category), "text": str(category + 1)})
        rows.append({"response_id": response.id, "question_key": "agency__asked",
                     "data": [list(p) for p in asked]})
        for suffix, value in (("theta", theta), ("se", se), ("t", 50 + 10 * theta)):
            rows.append({"response_id": response.id, "question_key": f"agency__{suffix}",
                         "number": round(float(value), 6)})
    db.session.execute(sa.insert(Answer), rows)
    db.session.flush()
    return [r.id for r in responses]


def seed(make_user, make_evaluation, *, n: int = 400, seed: int = 11, slug: str = "agency"
         ) -> Seeded:
    """The evaluation with a published full-bank version and one open wave of ``n`` complete
    responses simulated from TRUE at θ ~ N(0, 1)."""
    owner = make_user("owner@example.org", name="Olu Owner")
    evaluator = make_user("eva@example.org", name="Eva Evaluator")
    commissioner = make_user("cora@example.org", name="Cora Commissioner")
    evaluation = make_evaluation(owner, slug=slug, title="Agency evaluation",
                                 members={evaluator: "evaluator", commissioner: "commissioner"})
    version = instruments.create_instrument(evaluation, load_instrument(definition_yaml()))
    instruments.publish_version(version, owner.id)
    wave = fieldwork.create_wave(evaluation, version, name="Calibration wave",
                                 groups=["member", "staff"])
    fieldwork.open_wave(wave)
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=n)
    codes = simulate_responses(true_items(), theta, rng)
    add_responses(wave, version, codes, panel=[f"p{i}" for i in range(n)],
                  groups=["member" if i % 4 else "staff" for i in range(n)])
    db.session.commit()
    return Seeded(evaluation, version.instrument, version, wave, owner, evaluator, commissioner,
                  codes, theta)


@pytest.fixture(name="seeded")
def seeded_fixture(make_user, make_evaluation) -> Seeded:
    return seed(make_user, make_evaluation)


@pytest.fixture(name="redis_url")
def redis_url_fixture():
    """A private Redis server (the shared one may carry other tests' queues)."""
    need(shutil.which("redis-server") is not None, "redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    from redis import Redis

    for _ in range(100):
        try:
            Redis.from_url(url).ping()
            break
        except Exception:
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=5)

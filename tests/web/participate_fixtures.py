"""Fixtures for the participation tests: an evaluation with a published instrument and an
open participation space, its owner, a commissioner and a stranger, plus small helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from revaluation.extensions import db
from revaluation.models import Evaluation, Instrument, ParticipationSpace, User
from revaluation.services import instruments, participation
from surveys.formats import load_instrument

INSTRUMENT = """
key: pulse
title: Pulse
languages: [en]
sections:
  - key: how
    title: How things are
    questions:
      - {key: wellbeing, type: rating, label: "How are you?", min: 0, max: 10}
      - {key: change_story, type: story, label: "Tell us about a change"}
      - {key: who, type: dyad, label: "About you or us?", left: "Me", right: "Us"}
      - {key: kind, type: triad, label: "What kind?", corners: ["Health", "Friends", "Voice"]}
"""
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
CODE = re.compile(r"Your resume code is ([a-z0-9]{5}-[a-z0-9]{5})")


@dataclass
class Space:
    evaluation: Evaluation
    space: ParticipationSpace
    instrument: Instrument
    owner: User
    commissioner: User
    stranger: User

    @property
    def slug(self) -> str:
        return self.evaluation.slug

    @property
    def url(self) -> str:
        return f"/p/{self.space.code}"

    @property
    def manage(self) -> str:
        return f"/e/{self.evaluation.slug}/participation"


@pytest.fixture(name="ps")
def participation_setup(make_user, make_evaluation) -> Space:
    owner = make_user("owner@example.org")
    commissioner = make_user("commissioner@example.org")
    stranger = make_user("stranger@example.org")
    evaluation = make_evaluation(owner, slug="walks", members={commissioner: "commissioner"})
    version = instruments.create_instrument(evaluation, load_instrument(INSTRUMENT))
    instruments.publish_version(version, owner.id)
    space = participation.create_space(evaluation, code="walkspace")
    db.session.commit()
    return Space(evaluation, space, version.instrument, owner, commissioner, stranger)


def resume_code(html: str) -> str:
    """The resume code shown to a new participant."""
    found = CODE.search(html)
    assert found, "no resume code on the page"
    return found.group(1)


def propose(client, ps: Space, text: str, kind: str = "outcome"):
    return client.post(f"{ps.url}/propose", data={"kind": kind, "text": text, "detail": ""},
                       follow_redirects=True)


def add_dot(client, ps: Space, proposal_id: int, change: str = "add"):
    return client.post(f"{ps.url}/proposals/{proposal_id}/dots", data={"change": change},
                       follow_redirects=True)


STORY = {
    "title": "Back in the choir", "text": "After the walks I went back to my choir.",
    "what_changed": "I sing again", "intended": "no", "who": "7",
    "kind__1": "50", "kind__2": "30", "kind__3": "20",
    "v1_box": "capacitate", "v1_visibility": "invisible", "v1_note": "Confidence to take part",
    "v2_box": "calculate", "v2_visibility": "visible", "v2_note": "Two GP visits fewer",
}


def tell(client, ps: Space, **changes):
    return client.post(f"{ps.url}/story", data={**STORY, **changes}, follow_redirects=True)

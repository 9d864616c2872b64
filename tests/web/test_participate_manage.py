"""Evaluators' participation pages: access, moderation, and qualitative coding."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import Instrument, Origin, Outcome, Proposal, ProposalStatus, Story, Vote
from tests.web.participate_fixtures import (  # noqa: F401
    XSS,
    add_dot,
    participation_setup,
    propose,
    tell,
)

MANAGE_GETS = ["", "/proposals", "/stories", "/rounds"]


def _proposal(text: str) -> Proposal:
    return db.session.execute(db.select(Proposal).filter_by(text=text)).scalar_one()


@pytest.mark.parametrize("path", MANAGE_GETS)
def test_commissioners_get_403_and_strangers_404(client, auth, ps, path):
    auth.login(ps.commissioner.email)
    assert client.get(ps.manage + path).status_code == 403
    auth.logout()
    auth.login(ps.stranger.email)
    assert client.get(ps.manage + path).status_code == 404


def test_commissioners_cannot_moderate(app, client, auth, ps):
    propose(app.test_client(), ps, "An idea")
    proposal = _proposal("An idea")
    auth.login(ps.commissioner.email)
    page = client.post(f"{ps.manage}/proposals/{proposal.id}/decline", data={"reason": "no"})
    assert page.status_code == 403
    assert client.post(f"{ps.manage}/rounds/negotiation", data={"title": "x"}).status_code == 403


def test_declining_needs_a_reason_which_the_proposer_then_reads(app, client, auth, ps):
    member = app.test_client()
    propose(member, ps, "More funding")
    proposal = _proposal("More funding")
    auth.login(ps.owner.email)
    page = client.post(f"{ps.manage}/proposals/{proposal.id}/decline", data={"reason": " "},
                       follow_redirects=True)
    assert "Give a reason: the person who proposed it will read it" in page.get_data(as_text=True)
    client.post(f"{ps.manage}/proposals/{proposal.id}/decline",
                data={"reason": "Out of scope for members' lives"})
    db.session.refresh(proposal)
    assert proposal.status is ProposalStatus.DECLINED
    html = member.get(f"{ps.url}/proposals").get_data(as_text=True)
    assert "Not taken forward" in html and "Out of scope for members&#39; lives" in html
    assert "More funding" not in app.test_client().get(f"{ps.url}/proposals").get_data(
        as_text=True)


def test_merging_moves_the_dots(app, client, auth, ps):
    member = app.test_client()
    propose(member, ps, "Keep")
    propose(member, ps, "Duplicate")
    keep, dupe = _proposal("Keep"), _proposal("Duplicate")
    add_dot(member, ps, keep.id)
    add_dot(member, ps, dupe.id)
    add_dot(member, ps, dupe.id)
    auth.login(ps.owner.email)
    client.post(f"{ps.manage}/proposals/{dupe.id}/merge",
                data={"into": keep.id, "reason": "Same idea"})
    db.session.expire_all()
    votes = {v.proposal_id: v.dots for v in db.session.execute(db.select(Vote)).scalars()}
    assert votes == {keep.id: 3, dupe.id: 0}
    assert db.session.get(Proposal, dupe.id).status is ProposalStatus.MERGED
    html = member.get(f"{ps.url}/proposals").get_data(as_text=True)
    assert "Merged with a similar proposal" in html and "You have 2 dots left" in html


def test_accepting_an_outcome_adds_a_proposed_outcome(app, client, auth, ps):
    member = app.test_client()
    propose(member, ps, "People feel well")
    proposal = _proposal("People feel well")
    auth.login(ps.owner.email)
    form = client.get(f"{ps.manage}/proposals/{proposal.id}/accept").get_data(as_text=True)
    assert 'value="question:wellbeing"' in form
    bad = client.post(f"{ps.manage}/proposals/{proposal.id}/accept",
                      data={"title": "Wellbeing", "indicator": "", "statistic": "mean",
                            "target": "7", "direction": "increase"})
    assert bad.status_code == 400 and "Choose how this outcome will be measured" in bad.get_data(
        as_text=True)
    client.post(f"{ps.manage}/proposals/{proposal.id}/accept",
                data={"title": "Members feel well", "indicator": "question:wellbeing",
                      "statistic": "mean", "target": "7", "direction": "increase"})
    outcome = db.session.execute(db.select(Outcome)).scalar_one()
    assert outcome.origin is Origin.PROPOSED and outcome.title == "Members feel well"
    html = member.get(f"{ps.url}/results").get_data(as_text=True)
    assert "it is now an outcome of this evaluation: “Members feel well”" in html


def test_accepting_a_question_puts_it_in_the_next_draft(app, client, auth, ps):
    propose(app.test_client(), ps, "How far do you travel?", kind="question")
    proposal = _proposal("How far do you travel?")
    auth.login(ps.owner.email)
    client.post(f"{ps.manage}/proposals/{proposal.id}/accept",
                data={"label": "How far do you travel to a group?", "qtype": "text",
                      "section": f"{ps.instrument.id}:how"})
    db.session.expire_all()
    instrument = db.session.get(Instrument, ps.instrument.id)
    assert [v.number for v in instrument.versions] == [1, 2]
    questions = instrument.latest.definition["sections"][0]["questions"]
    assert questions[-1]["key"] == "how_far_do_you"
    assert questions[-1]["label"] == {"en": "How far do you travel to a group?"}
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.ACCEPTED
    assert instrument.versions[0].definition["sections"][0]["questions"][-1]["key"] == "kind"


def test_coding_filters_and_counts(app, client, auth, ps):
    member = app.test_client()
    tell(member, ps, text="A short one about friends")
    tell(member, ps, text=" ".join(["walking"] * 30))
    tell(member, ps, text=XSS)
    short = db.session.execute(
        db.select(Story).filter_by(text="A short one about friends")).scalar_one()
    auth.login(ps.owner.email)
    client.post(f"{ps.manage}/stories/tags", data={"name": "Friendship"})
    dupe = client.post(f"{ps.manage}/stories/tags", data={"name": "friendship"},
                       follow_redirects=True)
    assert "There is already a code called “friendship”" in dupe.get_data(as_text=True)
    tag_id = db.session.execute(db.text("SELECT id FROM story_tag")).scalar()
    client.post(f"{ps.manage}/stories/{short.id}/tags", data={"tag": str(tag_id)})
    by_tag = client.get(f"{ps.manage}/stories?tag={tag_id}").get_data(as_text=True)
    assert "A short one about friends" in by_tag and "walking walking" not in by_tag
    by_length = client.get(f"{ps.manage}/stories?min_words=20").get_data(as_text=True)
    assert "walking walking" in by_length and "A short one" not in by_length
    by_text = client.get(f"{ps.manage}/stories?q=FRIENDS&wave=none").get_data(as_text=True)
    assert "1 story" in by_text
    everything = client.get(f"{ps.manage}/stories").get_data(as_text=True)
    assert "<script>alert" not in everything and "&lt;script&gt;" in everything
    assert "<td class=\"num\">1</td>" in everything  # Friendship, participation space column

"""Participants' co-design pages: landing, proposing, dot-voting, ranking, resume codes."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import Proposal, ProposalStatus, Vote
from tests.web.participate_fixtures import XSS, add_dot, participation_setup, propose, resume_code  # noqa: F401


def _proposal(text: str) -> Proposal:
    return db.session.execute(db.select(Proposal).filter_by(text=text)).scalar_one()


def test_landing_page_invites_without_an_account(client, ps):
    page = client.get(ps.url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Propose an outcome or a question" in html and "Tell a story of change" in html
    assert client.get("/p/nosuchspace").status_code == 404


def test_proposing_an_outcome_gives_a_resume_code_and_shows_its_status(client, ps):
    page = propose(client, ps, "People feel listened to at the GP")
    html = page.get_data(as_text=True)
    assert resume_code(html)
    assert "People feel listened to at the GP" in html
    assert "Waiting for the evaluators to look at it" in html
    assert _proposal("People feel listened to at the GP").status is ProposalStatus.PENDING


def test_an_empty_proposal_is_refused_with_a_message_and_kept_input(client, ps):
    page = client.post(f"{ps.url}/propose", data={"kind": "question", "text": "  ",
                                                  "detail": "Why I care"})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "Enter your question" in html and 'href="#text"' in html
    assert "Why I care" in html
    assert db.session.execute(db.select(Proposal)).first() is None


def test_dots_stack_until_the_budget_then_are_refused_with_the_remaining_budget(client, ps):
    propose(client, ps, "First idea")
    propose(client, ps, "Second idea")
    first, second = _proposal("First idea"), _proposal("Second idea")
    for _ in range(4):
        add_dot(client, ps, first.id)
    page = add_dot(client, ps, second.id)
    assert "You have 0 dots left" in page.get_data(as_text=True)
    refused = add_dot(client, ps, first.id).get_data(as_text=True)
    assert "You cannot add 1 more dot: you have used 5 of your 5 dots" in refused
    assert "You have 0 dots left" in refused
    dots = {v.proposal_id: v.dots for v in db.session.execute(db.select(Vote)).scalars()}
    assert dots == {first.id: 4, second.id: 1}
    back = add_dot(client, ps, first.id, "remove").get_data(as_text=True)
    assert "Dot taken back. You have 1 dot left" in back


def test_support_is_hidden_until_enough_people_voted(app, ps):
    propose(app.test_client(), ps, "Popular idea")
    popular = _proposal("Popular idea")
    voters = [app.test_client() for _ in range(5)]
    for n, voter in enumerate(voters, start=1):
        add_dot(voter, ps, popular.id)
        add_dot(voter, ps, popular.id)
        html = voter.get(f"{ps.url}/proposals").get_data(as_text=True)
        if n < 5:
            assert "Fewer than 5 people have put dots on this" in html
            assert f"{2 * n} dots" not in html
    assert "10 dots from 5 people" in html


def test_ranking_must_use_distinct_consecutive_ranks(client, ps):
    for text in ("A", "B", "C"):
        propose(client, ps, text)
    a, b, c = (_proposal(t) for t in "ABC")
    bad = client.post(f"{ps.url}/rank", data={f"rank-{a.id}": "1", f"rank-{b.id}": "1"})
    assert bad.status_code == 400
    assert "Give each proposal a different rank" in bad.get_data(as_text=True)
    gap = client.post(f"{ps.url}/rank", data={f"rank-{a.id}": "1", f"rank-{c.id}": "3"})
    assert "without gaps" in gap.get_data(as_text=True)
    client.post(f"{ps.url}/rank", data={f"rank-{c.id}": "1", f"rank-{a.id}": "2"})
    ranks = {v.proposal_id: v.rank for v in db.session.execute(db.select(Vote)).scalars()}
    assert ranks == {c.id: 1, a.id: 2}


def test_a_resume_code_brings_a_participant_back_on_another_device(app, ps):
    phone = app.test_client()
    code = resume_code(propose(phone, ps, "Mine").get_data(as_text=True))
    laptop = app.test_client()
    wrong = laptop.post(f"{ps.url}/resume", data={"resume_code": "aaaaa-bbbbb"})
    assert wrong.status_code == 400
    assert "We do not recognise that resume code" in wrong.get_data(as_text=True)
    laptop.post(f"{ps.url}/resume", data={"resume_code": code.upper()})
    html = laptop.get(f"{ps.url}/proposals").get_data(as_text=True)
    assert "your proposal" in html and code in html


def test_a_closed_space_refuses_proposals(client, ps):
    ps.space.is_open = False
    db.session.commit()
    page = client.post(f"{ps.url}/propose", data={"kind": "outcome", "text": "Late"})
    assert page.status_code == 400
    assert "closed to new proposals" in page.get_data(as_text=True)


@pytest.mark.parametrize("page", ["", "/proposals", "/results"])
def test_proposal_text_is_escaped_everywhere(client, ps, page):
    propose(client, ps, XSS)
    html = client.get(f"{ps.url}{page}").get_data(as_text=True)
    if page == "":
        html = client.get(f"{ps.url}/proposals").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html

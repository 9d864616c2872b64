"""The demo's participation space: filled once, and every participant page renders."""

from __future__ import annotations

from revaluation.extensions import db
from revaluation.models import Proposal, ProposalStatus, Story, StoryStatus


def test_demo_fills_the_space_once(demo, runner):
    proposals = db.session.execute(db.select(db.func.count(Proposal.id))).scalar()
    stories = db.session.execute(db.select(db.func.count(Story.id))).scalar()
    assert proposals == 8 and stories > 4
    statuses = {p.status for p in db.session.execute(db.select(Proposal)).scalars()}
    assert {ProposalStatus.ACCEPTED, ProposalStatus.DECLINED, ProposalStatus.MERGED} <= statuses
    result = runner.invoke(args=["demo"])
    assert "Participation space:" in result.output and "/p/walktalk" in result.output
    assert db.session.execute(db.select(db.func.count(Proposal.id))).scalar() == proposals
    assert db.session.execute(
        db.select(db.func.count(Story.id)).filter_by(status=StoryStatus.ACTIVE)).scalar() == stories

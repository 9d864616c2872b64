"""Prioritising proposals: dot-voting with a stackable per-person budget, and rankings.

The budget is checked here, on the server, for every dot: a dot beyond it is refused with
the remaining budget in the message. Tallies come from :mod:`revaluation.analysis.priorities`.
"""

from __future__ import annotations

from typing import Any

from revaluation.analysis.priorities import priority_tallies
from revaluation.extensions import db
from revaluation.models import (
    Evaluation,
    Participant,
    ParticipationSpace,
    Proposal,
    ProposalStatus,
    Vote,
)
from revaluation.services import audit
from revaluation.services.participation import ParticipationError
from surveys.errors import answer_message, answer_plural

#: Proposals people may still put dots on and rank.
VOTABLE = (ProposalStatus.PENDING, ProposalStatus.ACCEPTED)


def dots_used(participant: Participant) -> int:
    """Dots this participant has placed on proposals that can still be voted on."""
    used = db.session.execute(
        db.select(db.func.coalesce(db.func.sum(Vote.dots), 0))
        .join(Proposal, Vote.proposal_id == Proposal.id)
        .where(Vote.participant_id == participant.id, Proposal.status.in_(VOTABLE))
    ).scalar()
    return int(used or 0)


def dots_left_message(left: int) -> str:
    """How many dots the participant has left (a translatable engine-style message)."""
    return answer_plural("You have %(num)s dot left", "You have %(num)s dots left", left)


def _vote(proposal: Proposal, participant: Participant) -> Vote | None:
    return db.session.execute(
        db.select(Vote).filter_by(proposal_id=proposal.id, participant_id=participant.id)
    ).scalar_one_or_none()


def change_dots(
    space: ParticipationSpace, participant: Participant, proposal: Proposal, delta: int
) -> int:
    """Add (delta > 0) or take back (delta < 0) dots on a proposal; returns the dots left.

    Raises ParticipationError, saying how many dots remain, when the budget would be exceeded.
    """
    if not space.is_open:
        raise ParticipationError(answer_message("Voting has closed in this space"))
    if proposal.status not in VOTABLE:
        raise ParticipationError(answer_message("This proposal can no longer be voted on"))
    used = dots_used(participant)
    left = space.dot_budget - used
    vote = _vote(proposal, participant)
    current = vote.dots if vote else 0
    if delta > 0 and delta > left:
        raise ParticipationError(answer_plural(
            "You cannot add %(num)s more dot: you have used %(used)s of your %(budget)s dots. "
            "%(left)s. Take dots off another proposal first.",
            "You cannot add %(num)s more dots: you have used %(used)s of your %(budget)s dots. "
            "%(left)s. Take dots off another proposal first.",
            delta, used=used, budget=space.dot_budget, left=dots_left_message(left)))
    if delta < 0 and current + delta < 0:
        raise ParticipationError(answer_message("You have no dots on this proposal to take back"))
    if vote is None:
        vote = Vote(proposal_id=proposal.id, participant_id=participant.id, dots=0)
        db.session.add(vote)
    vote.dots = current + delta
    db.session.flush()
    audit.record("vote.dots", evaluation_id=space.evaluation_id, obj=proposal,
                 actor_label="participant", delta=delta)
    return left - delta


def set_ranking(
    space: ParticipationSpace, participant: Participant, ranks: dict[int, int | None]
) -> None:
    """Store the participant's ranking (proposal id -> 1, 2, 3...; None = not ranked).

    Ranks must be distinct and consecutive from 1, so every ranking reads as an order.
    """
    if not space.is_open:
        raise ParticipationError(answer_message("Ranking has closed in this space"))
    given = sorted(r for r in ranks.values() if r is not None)
    if len(set(given)) != len(given):
        raise ParticipationError(answer_message("Give each proposal a different rank"),
                                 "ranking")
    if given and given != list(range(1, len(given) + 1)):
        raise ParticipationError(answer_message(
            "Use ranks 1, 2, 3... without gaps: your most important proposal is 1"), "ranking")
    proposals = {p.id: p for p in db.session.execute(
        db.select(Proposal).where(
            Proposal.id.in_(list(ranks)), Proposal.evaluation_id == space.evaluation_id,
            Proposal.status.in_(VOTABLE))
    ).scalars()}
    if set(ranks) - set(proposals):
        raise ParticipationError(
            answer_message("One of those proposals can no longer be ranked"), "ranking")
    for proposal_id, rank in ranks.items():
        vote = _vote(proposals[proposal_id], participant)
        if vote is None:
            if rank is None:
                continue
            vote = Vote(proposal_id=proposal_id, participant_id=participant.id, dots=0)
            db.session.add(vote)
        vote.rank = rank
    db.session.flush()
    audit.record("vote.ranking", evaluation_id=space.evaluation_id, actor_label="participant",
                 ranked=len(given))


def my_votes(participant: Participant | None) -> dict[int, dict[str, Any]]:
    """Proposal id -> {"dots", "rank"} for this participant."""
    if participant is None:
        return {}
    rows = db.session.execute(
        db.select(Vote.proposal_id, Vote.dots, Vote.rank).filter_by(participant_id=participant.id)
    ).all()
    return {pid: {"dots": dots, "rank": rank} for pid, dots, rank in rows}


def tallies(evaluation: Evaluation, proposal_ids: list[int], *, suppress: bool = True
            ) -> dict[int, dict[str, Any]]:
    """Proposal id -> support (dots, voters, Borda points, first places), suppressed for
    participants unless ``suppress`` is False (the evaluator's own view)."""
    if not proposal_ids:
        return {}
    rows = db.session.execute(
        db.select(Vote.proposal_id, Vote.participant_id, Vote.dots, Vote.rank)
        .where(Vote.proposal_id.in_(proposal_ids))
    ).all()
    records = [{"proposal": p, "participant": who, "dots": d, "rank": r} for p, who, d, r in rows]
    threshold = evaluation.small_cell_threshold if suppress else 1
    out = {}
    for position, tally in enumerate(priority_tallies(proposal_ids, records, threshold=threshold),
                                     start=1):
        entry = tally.to_dict()
        entry["position"] = position
        out[tally.proposal] = entry
    return out

"""The participation space, its anonymous participants, and members' proposals.

A participant has no account: they are known by a resume code that only they hold (stored
here as a keyed hash), so they can come back on another device or withdraw their own story.
Proposals are stored as typed; templates escape them. Moderation (accept, merge, decline)
lives in :mod:`revaluation.services.participation_moderation`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from revaluation.extensions import db
from revaluation.models import (
    Evaluation,
    Participant,
    ParticipationSpace,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Wave,
)
from revaluation.services import audit
from revaluation.services.secrets import keyed_hash, new_code, normalise_code
from surveys.errors import answer_message

logger = logging.getLogger(__name__)

RESUME_PURPOSE = "participant"
PROPOSAL_LIMIT = 500
DETAIL_LIMIT = 2000


class ParticipationError(ValueError):
    """A participant's or evaluator's request that cannot be done; the message says why."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class NewParticipant:
    participant: Participant
    #: Shown once to the person; only its keyed hash is stored.
    resume_code: str


def space_of(evaluation: Evaluation) -> ParticipationSpace | None:
    """The evaluation's participation space, if one was set up."""
    return db.session.execute(
        db.select(ParticipationSpace).filter_by(evaluation_id=evaluation.id)
    ).scalar_one_or_none()


def create_space(evaluation: Evaluation, *, code: str | None = None) -> ParticipationSpace:
    """Set up the evaluation's space (once) with a fresh public code."""
    existing = space_of(evaluation)
    if existing is not None:
        return existing
    space = ParticipationSpace(
        evaluation_id=evaluation.id,
        code=code or new_code(8),
        welcome="",
        dot_budget=5,
        is_open=True,
        outcome_harvest=True,
    )
    db.session.add(space)
    db.session.flush()
    audit.record("participation.space_create", evaluation_id=evaluation.id, obj=space)
    return space


def update_space(
    space: ParticipationSpace, *, is_open: bool, welcome: str, dot_budget: int,
    outcome_harvest: bool,
) -> None:
    """Change the space's settings; a smaller budget never deletes dots already placed."""
    if dot_budget < 1 or dot_budget > 100:
        raise ParticipationError("Give each person between 1 and 100 dots", "dot_budget")
    space.is_open = is_open
    space.welcome = welcome.strip()
    space.dot_budget = dot_budget
    space.outcome_harvest = outcome_harvest
    db.session.flush()
    audit.record(
        "participation.space_update", evaluation_id=space.evaluation_id, obj=space,
        is_open=is_open, dot_budget=dot_budget,
    )


def space_by_code(code: str) -> ParticipationSpace | None:
    """The space behind a public link, ignoring case, spaces and dashes."""
    return db.session.execute(
        db.select(ParticipationSpace).filter_by(code=normalise_code(code)[:32])
    ).scalar_one_or_none()


def evaluation_of(space: ParticipationSpace) -> Evaluation:
    return db.session.get(Evaluation, space.evaluation_id)


def new_participant(space: ParticipationSpace, *, group: str | None = None) -> NewParticipant:
    """A new anonymous participant and the resume code that will bring them back."""
    code = new_code(10)
    participant = Participant(
        space_id=space.id, resume_hash=keyed_hash(code, purpose=RESUME_PURPOSE), group=group
    )
    db.session.add(participant)
    db.session.flush()
    logger.info("new participant %s in space %s", participant.id, space.id)
    return NewParticipant(participant, code)


def participant_by_code(space: ParticipationSpace, code: str) -> Participant | None:
    """The participant whose resume code this is, only within this space."""
    cleaned = normalise_code(code or "")
    if not cleaned or len(cleaned) > 40:
        return None
    return db.session.execute(
        db.select(Participant).filter_by(
            space_id=space.id, resume_hash=keyed_hash(cleaned, purpose=RESUME_PURPOSE)
        )
    ).scalar_one_or_none()


def display_code(code: str) -> str:
    """A resume code in two halves, easier to copy onto paper."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def _clean(text: str | None, *, limit: int, what: str, field: str, required: bool) -> str:
    value = (text or "").strip()
    if required and not value:
        raise ParticipationError(answer_message("Enter %(what)s", what=what), field)
    if len(value) > limit:
        raise ParticipationError(answer_message(
            "Shorten %(what)s to %(limit)s characters or fewer (it has %(length)s)",
            what=what, limit=f"{limit:,}", length=f"{len(value):,}"), field)
    return value


def propose(
    space: ParticipationSpace, participant: Participant, *, kind: str, text: str, detail: str = ""
) -> Proposal:
    """Store a member's proposed outcome or question, pending moderation."""
    if not space.is_open:
        raise ParticipationError(answer_message("This space is closed to new proposals"))
    if kind not in {k.value for k in ProposalKind}:
        raise ParticipationError(answer_message(
            "Choose whether you are proposing an outcome or a question"), "kind")
    words = (answer_message("what success would look like") if kind == "outcome"
             else answer_message("your question"))
    proposal = Proposal(
        evaluation_id=space.evaluation_id,
        participant_id=participant.id,
        kind=ProposalKind(kind),
        text=_clean(text, limit=PROPOSAL_LIMIT, what=words, field="text", required=True),
        detail=_clean(detail, limit=DETAIL_LIMIT, what=answer_message("the detail"),
                      field="detail",
                      required=False),
        status=ProposalStatus.PENDING,
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(
        "proposal.create", evaluation_id=space.evaluation_id, obj=proposal,
        actor_label="participant", kind=kind,
    )
    return proposal


def proposal_in(evaluation_id: int, proposal_id: int) -> Proposal | None:
    """The evaluation's proposal with this id, or None for another evaluation's id."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.evaluation_id != evaluation_id:
        return None
    return proposal


def proposals_of(evaluation_id: int, *, statuses: tuple[ProposalStatus, ...] | None = None
                 ) -> list[Proposal]:
    """The evaluation's proposals, oldest first, optionally only in some statuses."""
    query = db.select(Proposal).filter_by(evaluation_id=evaluation_id).order_by(Proposal.id)
    if statuses:
        query = query.where(Proposal.status.in_(statuses))
    return list(db.session.execute(query).scalars())


def waves_of(evaluation: Evaluation) -> list[Wave]:
    """The evaluation's waves in order, read afresh (the relationship may be stale mid-seed)."""
    return list(db.session.execute(
        db.select(Wave).filter_by(evaluation_id=evaluation.id).order_by(Wave.position, Wave.id)
    ).scalars())


def evaluation_groups(evaluation: Evaluation) -> list[str]:
    """Audience groups used in the evaluation's waves, in first-seen order."""
    seen: dict[str, None] = {}
    for wave in waves_of(evaluation):
        for group in wave.groups or []:
            seen.setdefault(str(group), None)
    return list(seen)

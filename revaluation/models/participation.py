"""Participation: proposals and votes, stories and their value, MSC and sense-making rounds."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from revaluation.models.base import Base, StateError, enum_column, utcnow


class RoundState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class _GuardedRound:
    """draft -> open -> closed, shared by every kind of participatory round."""

    state: RoundState
    opened_at: datetime | None
    closed_at: datetime | None

    def open(self) -> None:
        if self.state is not RoundState.DRAFT:
            raise StateError(f"This round is {self.state} and cannot open again.")
        self.state = RoundState.OPEN
        self.opened_at = utcnow()

    def close(self) -> None:
        if self.state is not RoundState.OPEN:
            raise StateError(f"Only an open round can close; this one is {self.state}.")
        self.state = RoundState.CLOSED
        self.closed_at = utcnow()


class ParticipationSpace(Base):
    """The evaluation's co-design space, reached by link or QR code without an account."""

    __tablename__ = "participation_space"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), unique=True
    )
    #: Public code in the space's link (/p/<code>).
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    is_open: Mapped[bool] = mapped_column(default=True)
    welcome: Mapped[str] = mapped_column(sa.Text, default="")
    #: Dots each participant may spread (and stack) over proposals.
    dot_budget: Mapped[int] = mapped_column(default=5)
    #: Ask storytellers the outcome-harvesting questions (what changed, for whom, intended...).
    outcome_harvest: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    __table_args__ = (sa.CheckConstraint("dot_budget > 0", name="dot_budget_pos"),)


class Participant(Base):
    """An anonymous co-researcher, recognised by a browser cookie or their resume code."""

    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participation_space.id", ondelete="CASCADE"), index=True
    )
    #: Keyed hash of the participant's resume code.
    resume_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    group: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProposalKind(enum.StrEnum):
    OUTCOME = "outcome"
    QUESTION = "question"


class ProposalStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    MERGED = "merged"
    DECLINED = "declined"


class Proposal(Base):
    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[ProposalKind] = mapped_column(enum_column(ProposalKind, "proposal_kind"))
    #: As typed; escaped on every output.
    text: Mapped[str] = mapped_column(sa.Text)
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column(ProposalStatus, "proposal_status"), default=ProposalStatus.PENDING
    )
    #: Shown to the proposer when declined or merged.
    moderation_reason: Mapped[str | None] = mapped_column(sa.Text)
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("proposal.id", ondelete="SET NULL")
    )
    #: The outcome an accepted outcome proposal became.
    outcome_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outcome.id", ondelete="SET NULL"))
    moderated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    moderated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    votes = relationship("Vote", back_populates="proposal", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint(
            "status NOT IN ('declined', 'merged') OR moderation_reason IS NOT NULL",
            name="reason_when_declined",
        ),
    )


class Vote(Base):
    """Dots a participant placed on a proposal (stackable), and optionally their rank for it."""

    __tablename__ = "vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    dots: Mapped[int] = mapped_column(default=0)
    #: 1 = most important, in the participant's own ranking; None when not ranked.
    rank: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal = relationship("Proposal", back_populates="votes")

    __table_args__ = (
        sa.UniqueConstraint("proposal_id", "participant_id"),
        sa.CheckConstraint("dots >= 0", name="dots_nonneg"),
        sa.CheckConstraint("rank IS NULL OR rank >= 1", name="rank_pos"),
    )


class StoryStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class Story(Base):
    """A story of change, told in an instrument or in the participation space."""

    __tablename__ = "story"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    wave_id: Mapped[int | None] = mapped_column(sa.ForeignKey("wave.id", ondelete="SET NULL"))
    response_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("response.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="SET NULL"), index=True
    )
    group: Mapped[str | None] = mapped_column(sa.String(40))
    language: Mapped[str] = mapped_column(sa.String(12), default="en")
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    text: Mapped[str] = mapped_column(sa.Text)
    #: Outcome-harvesting fields: what_changed, for_whom, why_it_matters, contribution,
    #: substantiation.
    harvest: Mapped[dict] = mapped_column(default=dict)
    #: "yes" / "no" / "partly" / None: was this change intended?
    intended: Mapped[str | None] = mapped_column(sa.String(8))
    #: Self-signification: {"dyad_key": 0..1}, {"triad_key": [a, b, c]}.
    signifiers: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[StoryStatus] = mapped_column(
        enum_column(StoryStatus, "story_status"), default=StoryStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    value_items = relationship("ValueItem", back_populates="story", cascade="all, delete-orphan")
    tags = relationship("StoryTag", secondary="story_tagging", back_populates="stories")

    __table_args__ = (
        sa.CheckConstraint(
            "intended IS NULL OR intended IN ('yes', 'no', 'partly')", name="intended_values"
        ),
    )


class ValueBox(enum.StrEnum):
    CALCULATE = "calculate"  # things that can be counted or costed
    CALIBRATE = "calibrate"  # judgements of worth
    CAPACITATE = "capacitate"  # capacity built for the movement


class Visibility(enum.StrEnum):
    VISIBLE = "visible"
    INVISIBLE = "invisible"


class ValueItem(Base):
    __tablename__ = "value_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(sa.ForeignKey("story.id", ondelete="CASCADE"), index=True)
    box: Mapped[ValueBox] = mapped_column(enum_column(ValueBox, "value_box"))
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility, "value_visibility"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: Set when a negotiation round merged this item into another.
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("value_item.id", ondelete="SET NULL")
    )

    story = relationship("Story", back_populates="value_items")


class StoryTag(Base):
    """An evaluator's qualitative code."""

    __tablename__ = "story_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(60))

    stories = relationship("Story", secondary="story_tagging", back_populates="tags")

    __table_args__ = (sa.UniqueConstraint("evaluation_id", "name"),)


story_tagging = sa.Table(
    "story_tagging",
    Base.metadata,
    sa.Column("story_id", sa.ForeignKey("story.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("story_tag.id", ondelete="CASCADE"), primary_key=True),
)


class NegotiationRound(_GuardedRound, Base):
    """Telling, translating, negotiating: participants settle an account of the value."""

    __tablename__ = "negotiation_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    state: Mapped[RoundState] = mapped_column(
        enum_column(RoundState, "negotiation_state"), default=RoundState.DRAFT
    )
    #: The settled account when closed: items kept, endorsements, dissent.
    settled_account: Mapped[dict | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class Stance(enum.StrEnum):
    ENDORSE = "endorse"
    CHALLENGE = "challenge"


class ValueReaction(Base):
    __tablename__ = "value_reaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("negotiation_round.id", ondelete="CASCADE"), index=True
    )
    value_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("value_item.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participant.id", ondelete="CASCADE"))
    stance: Mapped[Stance] = mapped_column(enum_column(Stance, "value_stance"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("round_id", "value_item_id", "participant_id"),
        sa.CheckConstraint(
            "stance != 'challenge' OR length(reason) > 0", name="challenge_has_reason"
        ),
    )


class MscRound(_GuardedRound, Base):
    """A Most Significant Change selection round for one domain of change."""

    __tablename__ = "msc_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(sa.String(200))
    #: Public code of the panel's link.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    state: Mapped[RoundState] = mapped_column(
        enum_column(RoundState, "msc_state"), default=RoundState.DRAFT
    )
    #: Story ids on the panel's table, in reading order.
    story_ids: Mapped[list] = mapped_column(default=list)
    selected_story_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("story.id", ondelete="SET NULL")
    )
    #: The panel's agreed reasons for its selection, fed back to storytellers.
    selection_reason: Mapped[str | None] = mapped_column(sa.Text)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class MscVote(Base):
    __tablename__ = "msc_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("msc_round.id", ondelete="CASCADE"), index=True
    )
    story_id: Mapped[int] = mapped_column(sa.ForeignKey("story.id", ondelete="CASCADE"))
    #: Keyed hash of the panellist's browser token (panels need no accounts).
    panellist_hash: Mapped[str] = mapped_column(sa.String(64))
    rank: Mapped[int] = mapped_column(default=1)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("round_id", "panellist_hash", "story_id"),
        sa.CheckConstraint("length(reason) > 0", name="reason_required"),
        sa.CheckConstraint("rank >= 1", name="rank_pos"),
    )


class SenseMakingRound(_GuardedRound, Base):
    __tablename__ = "sense_making_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    state: Mapped[RoundState] = mapped_column(
        enum_column(RoundState, "sense_making_state"), default=RoundState.DRAFT
    )
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    findings = relationship(
        "Finding",
        back_populates="round",
        cascade="all, delete-orphan",
        order_by="Finding.position",
    )


class Finding(Base):
    """A preliminary result published to participants (already suppressed where small)."""

    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sense_making_round.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text)
    #: Plain data for the chart or table shown with the finding.
    data: Mapped[dict] = mapped_column(default=dict)

    round = relationship("SenseMakingRound", back_populates="findings")
    reactions = relationship(
        "FindingResponse", back_populates="finding", cascade="all, delete-orphan"
    )


class FindingStance(enum.StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    COMPLICATED = "complicated"  # "it's more complicated"


class FindingResponse(Base):
    __tablename__ = "finding_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        sa.ForeignKey("finding.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participant.id", ondelete="CASCADE"))
    stance: Mapped[FindingStance] = mapped_column(enum_column(FindingStance, "finding_stance"))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    finding = relationship("Finding", back_populates="reactions")

    __table_args__ = (sa.UniqueConstraint("finding_id", "participant_id"),)

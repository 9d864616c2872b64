"""Evaluations, who may do what in them, and the outcome framework with its history."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from revaluation.models.base import Base, enum_column, utcnow


class Role(enum.StrEnum):
    OWNER = "owner"
    EVALUATOR = "evaluator"
    COMMISSIONER = "commissioner"

    @property
    def can_edit(self) -> bool:
        return self in (Role.OWNER, Role.EVALUATOR)


class Evaluation(Base):
    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL name, e.g. "demo".
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    movement: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: Branding colour for respondent pages and reports, "#rrggbb".
    brand_colour: Mapped[str] = mapped_column(sa.String(7), default="#1d5c63")
    default_language: Mapped[str] = mapped_column(sa.String(12), default="en")
    #: Aggregates over fewer respondents than this are suppressed.
    small_cell_threshold: Mapped[int] = mapped_column(default=5)
    #: Days after a wave closes before its responses are deleted; None keeps them.
    retention_days: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the first wave opens; from then on outcome edits are revisions.
    framework_locked_at: Mapped[datetime | None]
    #: The outcome framework as it stood when it was locked (list of outcome dicts).
    framework_snapshot: Mapped[list | None]

    memberships = relationship(
        "Membership", back_populates="evaluation", cascade="all, delete-orphan"
    )
    outcomes = relationship(
        "Outcome",
        back_populates="evaluation",
        cascade="all, delete-orphan",
        order_by="Outcome.position",
    )
    instruments = relationship(
        "Instrument", back_populates="evaluation", cascade="all, delete-orphan"
    )
    waves = relationship(
        "Wave", back_populates="evaluation", cascade="all, delete-orphan",
        order_by="[Wave.position, Wave.id]",  # equal positions: the order they were made in
    )

    __table_args__ = (
        sa.CheckConstraint("small_cell_threshold >= 2", name="small_cell_threshold_min"),
        sa.CheckConstraint("length(brand_colour) = 7", name="brand_colour_hex"),
        sa.CheckConstraint("retention_days IS NULL OR retention_days > 0", name="retention_pos"),
    )

    @property
    def framework_locked(self) -> bool:
        return self.framework_locked_at is not None

    def unknown_wave(self, wave_ids: Iterable[int] | None) -> str | None:
        """The sentence for a filter that names a wave this evaluation does not have (the
        first such), listing the waves it does have; None when every id is one of them."""
        known = {w.id for w in self.waves}
        unknown = [wave_id for wave_id in wave_ids or [] if wave_id not in known]
        if not unknown:
            return None
        names = ", ".join(f"{w.id} ({w.name})" for w in self.waves) or "none yet"
        return f"There is no wave {unknown[0]} in this evaluation. Its waves are: {names}."

    def __repr__(self) -> str:
        return f"<Evaluation {self.slug}>"


class Membership(Base):
    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "membership_role"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evaluation = relationship("Evaluation", back_populates="memberships")
    user = relationship("User", back_populates="memberships")

    __table_args__ = (sa.UniqueConstraint("evaluation_id", "user_id"),)


class ColleagueInvitation(Base):
    """An emailed invitation to join an evaluation with a role; accepted by signing up or in."""

    __tablename__ = "colleague_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[Role] = mapped_column(enum_column(Role, "invitation_role"))
    #: Keyed hash of the invitation token sent by email.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]

    evaluation = relationship("Evaluation")


class Statistic(enum.StrEnum):
    MEAN = "mean"
    MEDIAN = "median"
    PROPORTION = "proportion"


class Direction(enum.StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    MAINTAIN = "maintain"


class Origin(enum.StrEnum):
    PLANNED = "planned"
    EMERGENT = "emergent"
    PROPOSED = "proposed"


class IndicatorKind(enum.StrEnum):
    QUESTION = "question"
    SCALE = "scale"


class Outcome(Base):
    """An intended outcome with the indicator that shows whether it happened."""

    __tablename__ = "outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    #: Stable key, unique within the evaluation; joins snapshot and current framework.
    key: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    indicator_kind: Mapped[IndicatorKind] = mapped_column(
        enum_column(IndicatorKind, "outcome_indicator_kind")
    )
    #: A question key or a scale key of the evaluation's instrument.
    indicator_key: Mapped[str] = mapped_column(sa.String(64))
    statistic: Mapped[Statistic] = mapped_column(enum_column(Statistic, "outcome_statistic"))
    #: For the proportion statistic: share of answers at or above this value.
    threshold: Mapped[float | None]
    #: Typed-in baseline; ignored when baseline_wave_id is set.
    baseline_value: Mapped[float | None]
    #: "Measured at wave X": the baseline is computed from that wave's answers.
    baseline_wave_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("wave.id", ondelete="SET NULL")
    )
    target: Mapped[float]
    direction: Mapped[Direction] = mapped_column(enum_column(Direction, "outcome_direction"))
    due_wave_id: Mapped[int | None] = mapped_column(sa.ForeignKey("wave.id", ondelete="SET NULL"))
    origin: Mapped[Origin] = mapped_column(enum_column(Origin, "outcome_origin"))
    #: False once dropped from the framework (kept so reports can say so and why).
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    evaluation = relationship("Evaluation", back_populates="outcomes")
    baseline_wave = relationship("Wave", foreign_keys=[baseline_wave_id])
    due_wave = relationship("Wave", foreign_keys=[due_wave_id])
    revisions = relationship(
        "OutcomeRevision",
        back_populates="outcome",
        cascade="all, delete-orphan",
        order_by="OutcomeRevision.created_at",
    )

    __table_args__ = (
        sa.UniqueConstraint("evaluation_id", "key"),
        sa.CheckConstraint(
            "statistic != 'proportion' OR threshold IS NOT NULL", name="proportion_threshold"
        ),
    )

    def as_framework_entry(self) -> dict:
        """The plain record stored in snapshots and revisions."""
        return {
            "key": self.key,
            "title": self.title,
            "description": self.description,
            "indicator_kind": str(self.indicator_kind),
            "indicator_key": self.indicator_key,
            "statistic": str(self.statistic),
            "threshold": self.threshold,
            "baseline_value": self.baseline_value,
            "baseline_wave_id": self.baseline_wave_id,
            "target": self.target,
            "direction": str(self.direction),
            "due_wave_id": self.due_wave_id,
            "origin": str(self.origin),
            "active": self.active,
        }


class OutcomeRevision(Base):
    """A change to an outcome after the framework was locked, with the required reason."""

    __tablename__ = "outcome_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outcome.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.Text)
    #: The outcome's framework entry before and after the change (None before = added).
    before: Mapped[dict | None]
    after: Mapped[dict]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    outcome = relationship("Outcome", back_populates="revisions")
    author = relationship("User")

    __table_args__ = (sa.CheckConstraint("length(reason) > 0", name="reason_required"),)

"""Responses (one respondent in one wave) and their answers, in long format."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from revaluation.models.base import Base, enum_column, utcnow


class ResponseStatus(enum.StrEnum):
    PARTIAL = "partial"
    COMPLETE = "complete"


class Response(Base):
    __tablename__ = "response"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("wave.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invitation.id", ondelete="SET NULL"), index=True
    )
    #: Audience group, e.g. "member" or "staff" (from the invitation).
    group: Mapped[str] = mapped_column(sa.String(40))
    language: Mapped[str] = mapped_column(sa.String(12), default="en")
    status: Mapped[ResponseStatus] = mapped_column(
        enum_column(ResponseStatus, "response_status"), default=ResponseStatus.PARTIAL
    )
    consent_given: Mapped[bool] = mapped_column(default=False)
    #: The wave's consent_version the respondent agreed to.
    consent_version: Mapped[int | None]
    #: SHA-256 of the consent text agreed to (ConsentVersion.text_hash); None without a text.
    consent_hash: Mapped[str | None] = mapped_column(sa.String(64))
    #: When the respondent agreed; None when the wave had no consent text.
    consented_at: Mapped[datetime | None]
    #: Keyed hash (HMAC) of the self-generated panel code; links waves without identifying.
    panel_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    #: Keyed hash of the resume code; lets the person continue, view or delete.
    resume_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: Only in "named" waves, and only what the respondent typed.
    respondent_name: Mapped[str | None] = mapped_column(sa.String(200))
    #: The section the respondent is on, for resuming and drop-off statistics.
    current_page: Mapped[str | None] = mapped_column(sa.String(64))
    #: Idempotency: the client-generated id of the final submission.
    submission_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None]
    #: Imported from another tool (source name), None when answered here.
    imported_from: Mapped[str | None] = mapped_column(sa.String(40))

    wave = relationship("Wave")
    answers = relationship("Answer", back_populates="response", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint(
            "(status = 'complete') = (completed_at IS NOT NULL)", name="complete_has_date"
        ),
        sa.Index("ix_response_wave_status_group", "wave_id", "status", "group"),
        # Each wave's (count, id sum, latest change), the results' data version and the analysis
        # store's summary, read from the index alone.
        sa.Index("ix_response_wave_updated", "wave_id", "updated_at"),
        # Panel-linked responses per wave and group, counted from the index alone.
        sa.Index("ix_response_wave_group_panel", "wave_id", "group",
                 sqlite_where=sa.text("panel_hash IS NOT NULL"),
                 postgresql_where=sa.text("panel_hash IS NOT NULL")),
    )


class Answer(Base):
    """One answer; `number` for numeric analysis, `text` for words, `data` for structured shapes."""

    __tablename__ = "answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(sa.String(64))
    number: Mapped[float | None]
    text: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[Any | None] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    response = relationship("Response", back_populates="answers")

    __table_args__ = (
        sa.UniqueConstraint("response_id", "question_key"),
        sa.Index("ix_answer_key_response", "question_key", "response_id"),
    )

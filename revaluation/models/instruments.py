"""Instruments and their versions; a published version never changes."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from revaluation.models.base import Base, StateError, enum_column, utcnow


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Instrument(Base):
    __tablename__ = "instrument"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    #: The definition's key; stable across versions.
    key: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evaluation = relationship("Evaluation", back_populates="instruments")
    versions = relationship(
        "InstrumentVersion",
        back_populates="instrument",
        cascade="all, delete-orphan",
        order_by="InstrumentVersion.number",
    )

    __table_args__ = (sa.UniqueConstraint("evaluation_id", "key"),)

    @property
    def latest(self) -> InstrumentVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def latest_published(self) -> InstrumentVersion | None:
        published = [v for v in self.versions if v.status is VersionStatus.PUBLISHED]
        return published[-1] if published else None


class InstrumentVersion(Base):
    __tablename__ = "instrument_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(
        sa.ForeignKey("instrument.id", ondelete="CASCADE"), index=True
    )
    #: 1, 2, 3... within the instrument.
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(
        enum_column(VersionStatus, "version_status"), default=VersionStatus.DRAFT
    )
    #: The surveys.model.Instrument as a JSON dict (Instrument.to_dict()).
    definition: Mapped[dict]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    instrument = relationship("Instrument", back_populates="versions")

    __table_args__ = (
        sa.UniqueConstraint("instrument_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.CheckConstraint(
            "(status = 'published') = (published_at IS NOT NULL)", name="published_has_date"
        ),
    )

    @property
    def is_published(self) -> bool:
        return self.status is VersionStatus.PUBLISHED

    def publish(self, user_id: int | None) -> None:
        """Freeze this draft. Publishing twice is refused so the date stays the first one."""
        if self.is_published:
            raise StateError(f"Version {self.number} is already published.")
        self.status = VersionStatus.PUBLISHED
        self.published_at = utcnow()
        self.published_by_id = user_id

    @property
    def label(self) -> str:
        return f"v{self.number} ({self.status})"


@event.listens_for(InstrumentVersion, "before_update")
def _refuse_changes_to_published(mapper, connection, target: InstrumentVersion) -> None:
    """A published version is immutable: only the publish transition itself may touch it."""
    state = sa.inspect(target)
    status_hist = state.attrs.status.history
    was_published = (status_hist.deleted and status_hist.deleted[0] is VersionStatus.PUBLISHED) or (
        not status_hist.has_changes() and target.status is VersionStatus.PUBLISHED
    )
    if not was_published:
        return
    changed = [a.key for a in state.attrs if a.history.has_changes()]
    if changed:
        raise StateError(
            f"Version {target.number} is published and cannot change "
            f"(tried to change {', '.join(sorted(changed))}); edit a new draft instead."
        )

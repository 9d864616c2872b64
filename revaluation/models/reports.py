"""Report editions (frozen once sent), their deliveries, and background jobs."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from revaluation.models.base import Base, enum_column, utcnow


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    """Slow work (report, calibration, export, import) run inline or on an RQ worker."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    #: 0-100, shown in the UI.
    progress: Mapped[int] = mapped_column(default=0)
    params: Mapped[dict] = mapped_column(default=dict)
    result: Mapped[dict | None]
    #: A plain-words failure message (never a stack trace).
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
    )


class ReportEdition(Base):
    """One generated PDF. Once sent to anyone it is never changed; regenerating adds an edition."""

    __tablename__ = "report_edition"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    #: 1, 2, 3... within the evaluation.
    number: Mapped[int]
    options: Mapped[dict] = mapped_column(default=dict)
    pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    page_count: Mapped[int | None]
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("job.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set at the first delivery; from then on the PDF is frozen.
    sent_at: Mapped[datetime | None]

    job = relationship("Job")
    deliveries = relationship(
        "ReportDelivery", back_populates="edition", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("evaluation_id", "number"),)


class ReportDelivery(Base):
    __tablename__ = "report_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report_edition.id", ondelete="CASCADE"), index=True
    )
    recipient_email: Mapped[str] = mapped_column(sa.String(254))
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: Keyed hash of the one-off link token for recipients without an account.
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime | None]
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    downloaded_at: Mapped[datetime | None]

    edition = relationship("ReportEdition", back_populates="deliveries")


class StoredFile(Base):
    """A file kept in the database so that every app instance and every worker can read it:
    a response file uploaded for import, or the output of an export job. Both hold row-level
    answers, so each has an expiry after which the workers' housekeeping deletes it."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    #: "upload" (waiting to be imported) or "export" (made by an export job).
    purpose: Mapped[str] = mapped_column(sa.String(20))
    #: The upload's reference (its SHA-256 and extension) or the export's download name.
    name: Mapped[str] = mapped_column(sa.String(200))
    mimetype: Mapped[str] = mapped_column(sa.String(100))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("job.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (
        sa.CheckConstraint("purpose IN ('upload', 'export')", name="purpose_known"),
        sa.CheckConstraint("size >= 0", name="size_positive"),
    )

"""Audit trail: who did what to which object, when. Never holds answers or personal data."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from revaluation.models.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: Who acted when there is no account: "system", "respondent", "participant", "api".
    actor_label: Mapped[str] = mapped_column(sa.String(40), default="user")
    #: Dotted verb, e.g. "wave.open", "user.login", "export.csv".
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    detail: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor = relationship("User")

"""Results kept for reuse: an evaluation's results structure for one choice of waves and groups,
with the version of the data it was computed from (see :mod:`revaluation.services.results_cache`).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from revaluation.models.base import Base, utcnow


class ResultsCache(Base):
    """One computed results structure; replaced when its evaluation's data version changes."""

    __tablename__ = "results_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the chosen waves and groups (all zeros-and-empty for "everything").
    filters: Mapped[str] = mapped_column(sa.String(64))
    #: SHA-256 of everything the results depend on: responses, framework, waves, instrument
    #: versions, the evaluation's settings and the statistics code itself.
    version: Mapped[str] = mapped_column(sa.String(64))
    #: The results structure exactly as ``evaluation_results`` returned it (plain JSON).
    payload: Mapped[dict] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("evaluation_id", "filters"),)

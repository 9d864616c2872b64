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


class WaveSnapshot(Base):
    """One wave's analysable answers as arrays, with each response's change stamp, so the
    next analysis reads only what changed (see :mod:`revaluation.services.analysis_store`)."""

    __tablename__ = "wave_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        sa.ForeignKey("wave.id", ondelete="CASCADE"), unique=True
    )
    #: SHA-256 of the snapshot format, the loader's code and the wave's instrument version.
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    responses: Mapped[int] = mapped_column(default=0)
    #: The arrays, in numpy's ``.npz`` format (no pickled objects).
    payload: Mapped[bytes] = mapped_column(sa.LargeBinary)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)

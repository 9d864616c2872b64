"""The retention period: responses are deleted a set number of days after their wave closed.

``Evaluation.retention_days`` (None keeps responses) counts from the moment the wave closed,
or from its scheduled closing time once that has passed for a wave nobody closed by hand.
Open and draft waves are never touched. ``flask retention apply`` runs :func:`apply_retention`
(daily from cron, for instance); a dry run reports the same figures and deletes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import Evaluation, Wave, WaveState
from revaluation.models.base import utcnow
from revaluation.models.fieldwork import _aware
from revaluation.services import audit, erasure

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WaveDue:
    """One wave whose responses are past the retention period."""

    wave_id: int
    name: str
    closed_at: datetime
    due_at: datetime
    erased: erasure.Erased


@dataclass
class EvaluationRetention:
    """What the retention period deletes (or would delete) in one evaluation."""

    slug: str
    retention_days: int
    waves: list[WaveDue] = field(default_factory=list)

    @property
    def total(self) -> erasure.Erased:
        total = erasure.Erased()
        for wave in self.waves:
            total = total + wave.erased
        return total


def closed_at(wave: Wave, now: datetime) -> datetime | None:
    """When the wave stopped taking answers, or None while it still can (or never opened)."""
    if wave.state is WaveState.CLOSED and wave.closed_at is not None:
        return _aware(wave.closed_at)
    if wave.state is WaveState.OPEN and wave.closes_at is not None \
            and _aware(wave.closes_at) <= now:
        return _aware(wave.closes_at)
    return None


def due_at(wave: Wave, retention_days: int | None, now: datetime) -> datetime | None:
    """When the wave's responses are due for deletion, or None (kept, or still open)."""
    closed = closed_at(wave, now)
    if retention_days is None or closed is None:
        return None
    return closed + timedelta(days=retention_days)


def _waves(evaluation: Evaluation) -> list[Wave]:
    return list(db.session.execute(
        sa.select(Wave).filter_by(evaluation_id=evaluation.id).order_by(Wave.position, Wave.id)
    ).scalars())


def apply_retention(*, now: datetime | None = None, dry_run: bool = False,
                    slug: str | None = None) -> list[EvaluationRetention]:
    """Delete (or, with ``dry_run``, count) the responses of every wave past its evaluation's
    retention period; one audit event per wave that lost responses. Flushes, never commits."""
    now = now or utcnow()
    query = sa.select(Evaluation).where(Evaluation.retention_days.is_not(None)) \
        .order_by(Evaluation.slug)
    if slug is not None:
        query = query.where(Evaluation.slug == slug)
    report = []
    for evaluation in db.session.execute(query).scalars().all():
        found = EvaluationRetention(evaluation.slug, evaluation.retention_days)
        for wave in _waves(evaluation):
            due = due_at(wave, evaluation.retention_days, now)
            if due is None or due > now:
                continue
            counted = erasure.counts_for_wave(wave)
            if not counted.responses:
                continue
            if dry_run:
                erased = counted
            else:
                erased = erasure.delete_responses(erasure.response_ids_of(wave))
                exports = erasure.discard_exports(evaluation.id)
                audit.record("retention.erase", evaluation_id=evaluation.id, obj=wave,
                             actor_label="system", retention_days=evaluation.retention_days,
                             export_files=exports, **erased.as_detail())
                logger.info("retention: deleted %s responses of wave %s", erased.responses,
                            wave.id)
            found.waves.append(WaveDue(wave.id, wave.name, closed_at(wave, now), due, erased))
        report.append(found)
    db.session.flush()
    return report


def next_deletion(evaluation: Evaluation, *, now: datetime | None = None) -> list[dict]:
    """For the settings page: each closed wave with responses and the day they will go."""
    now = now or utcnow()
    rows = []
    for wave in _waves(evaluation):
        due = due_at(wave, evaluation.retention_days, now)
        if due is None:
            continue
        responses = erasure.counts_for_wave(wave).responses
        if responses:
            rows.append({"wave": wave.name, "due_at": due, "responses": responses,
                         "overdue": due <= now})
    return rows

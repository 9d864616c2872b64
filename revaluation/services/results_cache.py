"""Compute an evaluation's results once per version of its data, and reuse them.

The results structure of a large evaluation takes a while to compute (every answer is read and
every statistic run), and the results pages, the JSON API, ``flask results`` and each PDF report
ask for the same structure. :func:`reuse_or_compute` keeps it in the ``results_cache`` table
under a **data version**: a SHA-256 of everything the results depend on, so any change makes a
new version and the old entry is simply never read again (it is replaced on the next
computation). The version covers:

- each wave's responses: how many, the sum of their ids and the latest ``updated_at`` (every
  answer is written through :mod:`revaluation.services.responses`, which touches its response;
  imports and erasure add or delete whole responses);
- the waves (name, order, state, groups, instrument version), each instrument version's
  definition, the outcome framework with its revisions and original snapshot, and the
  evaluation's settings (title, small-cell threshold...);
- the source code of the statistics (``revaluation.analysis``, the survey engine and the
  results services), so a corrected formula never serves numbers computed by the old one.

Entries are written on their own short connection and committed at once: a results page is a
GET that commits nothing, and a cache must not ride on (or wait for) a request's transaction.
When the request's own session has uncommitted writes, nothing is written: the data it sees may
never be committed, and SQLite would make the second connection wait for the first.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from revaluation.extensions import db
from revaluation.models import Evaluation, InstrumentVersion, Response, ResultsCache
from revaluation.models.base import upsert, utcnow

logger = logging.getLogger(__name__)

#: Entries kept per evaluation (one per choice of waves and groups), newest first.
KEEP_PER_EVALUATION = 12
#: Set in a session's ``info`` while its transaction holds writes not yet committed.
WROTE = "revaluation.results_cache.wrote"

_ROOT = Path(__file__).resolve().parents[2]
#: Source whose change must invalidate every kept result.
_CODE = ("revaluation/analysis", "surveys", "revaluation/services/results.py",
         "revaluation/services/results_outcomes.py", "revaluation/services/results_questions.py",
         "revaluation/services/analysis_data.py", "revaluation/services/analysis_store.py",
         "revaluation/services/results_cache.py")


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE, None)


@functools.cache
def code_version() -> str:
    """SHA-256 of the statistics code (read once per process)."""
    return source_digest(_CODE)


@functools.cache
def source_digest(entries: tuple[str, ...]) -> str:
    """SHA-256 of these source files and folders (paths from the project root), read once per
    process: what kept results depend on besides their data."""
    digest = hashlib.sha256()
    for entry in entries:
        path = _ROOT / entry
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(_ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _sha(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


#: Every figure (results pages, API, ``flask results``).
FULL = "full"
#: What a PDF report shows: the questions without their group rows and comparisons.
REPORT = "report"
#: The scopes whose kept results can serve each scope, the fullest first: full results hold
#: everything a report shows.
SERVES = {FULL: (FULL,), REPORT: (FULL, REPORT)}


def filters_key(wave_ids: Sequence[int] | None, groups: Sequence[str] | None,
                scope: str = FULL) -> str:
    """The cache key of a choice of waves and groups (waves in any order; groups in order) and
    of a scope of results (full results keep the key they always had)."""
    key: dict[str, Any] = {"waves": sorted(set(wave_ids or [])),
                           "groups": list(dict.fromkeys(groups or []))}
    if scope != FULL:
        key["scope"] = scope
    return _sha(key)


def data_version(evaluation: Evaluation) -> str:
    """SHA-256 of everything the evaluation's results depend on (see the module docstring).

    A handful of small queries: one aggregate over the responses (by wave, using its index),
    the waves, outcomes and revisions already on the evaluation, and the instrument versions.
    """
    waves = list(evaluation.waves)
    wave_ids = [w.id for w in waves]
    responses = db.session.execute(
        sa.select(Response.wave_id, sa.func.count(Response.id),
                  sa.func.coalesce(sa.func.sum(Response.id), 0), sa.func.max(Response.updated_at))
        .where(Response.wave_id.in_(wave_ids))
        .group_by(Response.wave_id)
        .order_by(Response.wave_id)
    ).all() if wave_ids else []
    version_ids = sorted({w.instrument_version_id for w in waves})
    versions = db.session.execute(
        sa.select(InstrumentVersion).where(InstrumentVersion.id.in_(version_ids))
    ).scalars().all() if version_ids else []
    state = {
        "code": code_version(),
        "evaluation": [evaluation.id, evaluation.slug, evaluation.title, evaluation.movement,
                       evaluation.small_cell_threshold, evaluation.framework_locked_at,
                       evaluation.framework_snapshot],
        "waves": [[w.id, w.name, w.position, str(w.state), list(w.groups or []),
                   w.instrument_version_id] for w in waves],
        "instruments": [[v.id, v.number, v.instrument.title, _sha(v.definition)]
                        for v in versions],
        "outcomes": [[o.id, o.position, o.as_framework_entry(),
                      [[r.id, r.created_at, r.reason, r.before, r.after] for r in o.revisions]]
                     for o in evaluation.outcomes],
        "responses": [[wave_id, count, total, latest] for wave_id, count, total, latest
                      in responses],
    }
    return _sha(state)


def reuse_or_compute(
    evaluation: Evaluation,
    wave_ids: Sequence[int] | None,
    groups: Sequence[str] | None,
    compute: Callable[[], dict[str, Any]],
    *,
    scope: str = FULL,
) -> dict[str, Any]:
    """The kept results for this data version, filter and scope (or a fuller scope), else
    ``compute()`` (then kept under this scope)."""
    keys = [filters_key(wave_ids, groups, kind) for kind in SERVES[scope]]
    filters = keys[-1]
    version = data_version(evaluation)
    kept = dict(db.session.execute(
        sa.select(ResultsCache.filters, ResultsCache.id).where(
            ResultsCache.evaluation_id == evaluation.id,
            ResultsCache.filters.in_(keys),
            ResultsCache.version == version,
        )
    ).all())
    best = next((kept[key] for key in keys if key in kept), None)
    if best is not None:
        found = db.session.execute(
            sa.select(ResultsCache.payload).where(ResultsCache.id == best)).scalar_one_or_none()
        if found is not None:
            return found
    results = compute()
    if not db.session.info.get(WROTE):
        _keep(evaluation.id, filters, version, results)
    return results


@contextmanager
def connection_aside() -> Iterator[sa.Connection]:
    """A short connection of its own, committed on leaving, for what is kept for reuse (these
    results, the analysis store's snapshots). On SQLite it waits at most 250 ms for a writer
    elsewhere: better to skip keeping something than to keep a page waiting."""
    with db.engine.begin() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA busy_timeout = 250")
        try:
            yield connection
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA busy_timeout = 10000")


def _keep(evaluation_id: int, filters: str, version: str, results: dict[str, Any]) -> None:
    """Store (or replace) one entry and prune the evaluation's oldest, committed at once."""
    try:
        with connection_aside() as connection:
            _write(connection, evaluation_id, filters, version, results)
    except SQLAlchemyError as error:
        logger.warning("results of evaluation %s not kept for reuse (%s)", evaluation_id,
                       type(error).__name__)


def _write(connection: sa.Connection, evaluation_id: int, filters: str, version: str,
           results: dict[str, Any]) -> None:
    row = {"evaluation_id": evaluation_id, "filters": filters, "version": version,
           "payload": results, "computed_at": utcnow()}
    connection.execute(upsert(connection.dialect.name, ResultsCache.__table__,
                              ["evaluation_id", "filters"], ["version", "payload", "computed_at"]),
                       row)
    kept = sa.select(ResultsCache.id).where(ResultsCache.evaluation_id == evaluation_id) \
        .order_by(ResultsCache.computed_at.desc(), ResultsCache.id.desc()) \
        .limit(KEEP_PER_EVALUATION)
    connection.execute(sa.delete(ResultsCache).where(
        ResultsCache.evaluation_id == evaluation_id, ResultsCache.id.not_in(kept)))

"""Background jobs: slow work that runs on an RQ worker when ``REDIS_URL`` is set, inline if not.

A :class:`Job` row tracks every job whatever runs it: status, progress (0-100), attempts, a
plain-words error and a JSON result. Each kind of job (a report edition, an item-bank
calibration...) registers a :class:`JobKind` with the function that does the work; this module
owns the lifecycle those kinds share: queue, run, retry, fail with a message.

The work function receives the job and a ``progress(percent)`` callback and returns the
result dict, or raises. A failure with retries left is re-raised so RQ schedules the retry
(the job shows as queued meanwhile); the last failure marks the job failed with the kind's
failure text, never a stack trace.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app

from revaluation.extensions import db
from revaluation.models import Job, JobStatus
from revaluation.models.base import utcnow

logger = logging.getLogger(__name__)

QUEUE_NAME = "revaluation"
#: Attempts in all (the first plus RQ's retries) before a job is marked failed.
MAX_ATTEMPTS = 3
RETRY_INTERVALS = [10, 60]
#: Modules that register job kinds; imported on first use so a worker knows every kind.
KIND_MODULES = (
    "revaluation.services.report_jobs",
    "revaluation.services.calibration_jobs",
    "revaluation.services.data_jobs",
    "revaluation.services.results_jobs",
)

Progress = Callable[[int], None]


class JobInputError(Exception):
    """The work cannot be done with what it was given (say, too little data). The job fails at
    once with this message, which must tell the user what to change; retrying would not help."""


@dataclass(frozen=True)
class JobKind:
    """One kind of background work: its name (``Job.kind``), what it does and what a user is
    told when it fails for good."""

    name: str
    work: Callable[[Job, Progress], dict[str, Any]]
    failure_text: str
    timeout_seconds: int = 15 * 60


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    """Make a kind of job runnable (called once, at import, by the module that defines it)."""
    _KINDS[kind.name] = kind
    return kind


def kind_of(name: str) -> JobKind:
    """The registered kind called ``name``; LookupError if no module registers it."""
    if name not in _KINDS:
        for module in KIND_MODULES:
            importlib.import_module(module)
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no job kind {name!r} is registered") from None


def queue_configured() -> bool:
    """Whether jobs go to RQ workers (REDIS_URL set) or run inline."""
    return bool(current_app.config.get("REDIS_URL"))


def queue_name() -> str:
    """The RQ queue web apps send to and workers listen on (``JOB_QUEUE``, for sharing one
    Redis between deployments or test runs; ``revaluation`` by default)."""
    return current_app.config.get("JOB_QUEUE") or QUEUE_NAME


def new_job(
    kind: str, *, evaluation_id: int | None, params: dict[str, Any], user_id: int | None
) -> Job:
    """A queued job of a registered kind (flushed, not run: see :func:`run` and :func:`send`)."""
    kind_of(kind)
    job = Job(
        evaluation_id=evaluation_id,
        kind=kind,
        status=JobStatus.QUEUED,
        params=params,
        created_by_id=user_id,
    )
    db.session.add(job)
    db.session.flush()
    return job


def send(job: Job) -> None:
    """Hand a committed, queued job to the RQ workers (the caller checked a queue exists)."""
    from redis import Redis
    from rq import Queue, Retry

    kind = kind_of(job.kind)
    queue = Queue(queue_name(), connection=Redis.from_url(current_app.config["REDIS_URL"]))
    queue.enqueue(
        "revaluation.worker.run_job",
        job.id,
        retry=Retry(max=MAX_ATTEMPTS - 1, interval=RETRY_INTERVALS),
        job_timeout=kind.timeout_seconds,
        description=f"{job.kind} job {job.id}",
    )
    logger.info("queued %s job %s", job.kind, job.id)


def reset(job: Job) -> None:
    """Put a failed job back to queued, as if new (attempts are kept for the record)."""
    job.status = JobStatus.QUEUED
    job.error = None
    job.progress = 0
    job.finished_at = None
    db.session.flush()


def run(job: Job, *, commit_progress: bool, final_attempt: bool) -> dict[str, Any] | None:
    """Execute a job: running -> done (its result stored) or failed (with a message).

    In a worker, progress is committed as it goes so pages can show it. A failure that still
    has retries left is re-raised (RQ schedules the retry) and the job shows as queued.
    Returns the result, or None when the job failed for good.
    """
    kind = kind_of(job.kind)
    job.status = JobStatus.RUNNING
    job.attempts += 1
    job.progress = 5
    _save(commit_progress)

    def progress(percent: int) -> None:
        job.progress = max(0, min(100, int(percent)))
        _save(commit_progress)

    try:
        result = kind.work(job, progress)
    except Exception as exc:
        refused = isinstance(exc, JobInputError)
        if refused:
            logger.info("%s job %s refused its input", job.kind, job.id)
        else:
            logger.exception("%s job %s failed (attempt %s)", job.kind, job.id, job.attempts)
        if commit_progress:
            db.session.rollback()
            job = db.session.get(Job, job.id)
        last = refused or final_attempt or job.attempts >= MAX_ATTEMPTS
        job.status = JobStatus.FAILED if last else JobStatus.QUEUED
        job.error = (str(exc) if refused else kind.failure_text) if last else None
        job.progress = 0
        job.finished_at = utcnow() if last else None
        _save(commit_progress)
        if not last:
            raise
        return None
    job.status = JobStatus.DONE
    job.progress = 100
    job.result = result
    job.finished_at = utcnow()
    _save(commit_progress)
    return result


def _save(commit: bool) -> None:
    if commit:
        db.session.commit()
    else:
        db.session.flush()

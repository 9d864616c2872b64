"""Which background jobs are really being worked on: one lease in Redis per running job.

A worker takes a job's lease (a Redis key that expires after ``JOB_LEASE_SECONDS``, 60 by
default) before it marks the job running, and renews it from a thread while the work goes
on. So a live lease means a live worker; a job the database calls *running* whose lease has
expired was abandoned: its worker was killed, ran out of memory or lost its machine.

Every kind of job writes its output in the same transaction that marks it done, so an
abandoned job has left nothing half-written behind. :func:`recover_abandoned` (run by the
workers when they start and then every minute) queues such a job again, or, once it has used
all its attempts, marks it failed with its kind's message and the usual "try again" button.
Taking the lease is also what stops two workers from running the same job at once.

:func:`requeue_lost` does the same for jobs the database calls *queued* that Redis no longer
holds (Redis restarted without persistence, or restored from an older dump): they are sent
to the queue again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from flask import current_app
from redis import Redis
from redis.exceptions import LockError, RedisError

from revaluation.extensions import db
from revaluation.models import Job, JobStatus
from revaluation.models.base import utcnow
from revaluation.services import jobs

logger = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 60


def lease_seconds() -> int:
    """How long a lease outlives its last renewal: how soon an abandoned job is noticed."""
    return max(2, int(current_app.config.get("JOB_LEASE_SECONDS") or DEFAULT_LEASE_SECONDS))


def lease_key(job_id: int) -> str:
    """The Redis key of a job's lease (namespaced by queue, so deployments sharing a Redis
    never see each other's leases)."""
    return f"{jobs.queue_name()}:lease:{job_id}"


def is_leased(connection: Redis, job_id: int) -> bool:
    """Whether some worker holds the job's lease right now."""
    return bool(connection.exists(lease_key(job_id)))


def _lock(connection: Redis, job_id: int):
    # thread_local=False: the renewing thread must see the token the worker thread took.
    return connection.lock(
        lease_key(job_id), timeout=lease_seconds(), blocking=False, thread_local=False
    )


@contextmanager
def held(connection: Redis, job_id: int) -> Iterator[bool]:
    """Hold the job's lease while the block runs, renewing it every quarter of its length.

    Yields False (and holds nothing) when another worker holds it: that worker is alive and
    working on the job, so this one must leave it alone.
    """
    lock = _lock(connection, job_id)
    if not lock.acquire(blocking=False):
        yield False
        return
    stop = threading.Event()
    interval = max(0.5, lease_seconds() / 4)

    def renew() -> None:
        while not stop.wait(interval):
            try:
                lock.reacquire()
            except LockError:
                logger.warning("lost the lease of job %s; another worker may take it", job_id)
                return
            except RedisError:
                # Redis unreachable for a moment: try again at the next beat.
                logger.warning("could not renew the lease of job %s", job_id)

    renewer = threading.Thread(target=renew, name=f"job-{job_id}-lease", daemon=True)
    renewer.start()
    try:
        yield True
    finally:
        stop.set()
        renewer.join(timeout=5)
        with suppress(LockError):  # it expired meanwhile: nothing to give back
            lock.release()


def recover_abandoned(connection: Redis) -> list[int]:
    """Queue again (or fail, after the last attempt) every running job nobody holds a lease
    on. Returns the ids recovered. Safe to run from several workers at once: each job is
    recovered under its own lease, by one of them."""
    running = db.session.execute(
        db.select(Job.id).where(Job.status == JobStatus.RUNNING).order_by(Job.id)
    ).scalars().all()
    recovered = []
    for job_id in running:
        lock = _lock(connection, job_id)
        if not lock.acquire(blocking=False):
            continue  # a live worker is on it
        try:
            if _recover(job_id):
                recovered.append(job_id)
        finally:
            with suppress(LockError):
                lock.release()
    return recovered


def _recover(job_id: int) -> bool:
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None or job.status is not JobStatus.RUNNING:
        return False
    if job.attempts >= jobs.MAX_ATTEMPTS:
        job.status = JobStatus.FAILED
        job.error = jobs.kind_of(job.kind).failure_text
        job.progress = 0
        job.finished_at = utcnow()
        db.session.commit()
        logger.warning(
            "%s job %s was abandoned on its last attempt (%s); marked failed",
            job.kind, job.id, job.attempts,
        )
        return True
    jobs.reset(job)
    db.session.commit()
    jobs.send(job)
    logger.warning(
        "%s job %s was abandoned by its worker (attempt %s); queued again",
        job.kind, job.id, job.attempts,
    )
    return True


def requeue_lost(connection: Redis) -> list[int]:
    """Send to the queue again every job the database calls queued that is nowhere in RQ
    (neither waiting, nor scheduled for a retry, nor starting) and not leased. Returns the
    ids sent."""
    queued = db.session.execute(
        db.select(Job.id).where(Job.status == JobStatus.QUEUED).order_by(Job.id)
    ).scalars().all()
    if not queued:
        return []
    known = jobs_in_rq(connection)
    sent = []
    for job_id in queued:
        if job_id in known:
            continue
        lock = _lock(connection, job_id)
        if not lock.acquire(blocking=False):
            continue  # a worker has just taken it
        try:
            job = db.session.get(Job, job_id, populate_existing=True)
            if job is not None and job.status is JobStatus.QUEUED:
                jobs.send(job)
                sent.append(job_id)
                logger.warning("%s job %s was not in the queue any more; sent again",
                               job.kind, job.id)
        finally:
            with suppress(LockError):
                lock.release()
    return sent


def jobs_in_rq(connection: Redis) -> set[int]:
    """The ids of the jobs RQ holds for this queue: waiting, scheduled (a retry's delay) or
    being started."""
    from rq import Queue
    from rq.job import Job as RqJob
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry

    queue = Queue(jobs.queue_name(), connection=connection)
    ids = set(queue.get_job_ids())
    ids |= set(ScheduledJobRegistry(queue=queue).get_job_ids())
    ids |= {i.split(":")[0] for i in StartedJobRegistry(queue=queue).get_job_ids()}
    held = set()
    for rq_job in RqJob.fetch_many(sorted(ids), connection=connection):
        if rq_job is not None and rq_job.args and isinstance(rq_job.args[0], int):
            held.add(rq_job.args[0])
    return held


@contextmanager
def housekeeping_turn(connection: Redis, seconds: int) -> Iterator[bool]:
    """Whether this worker may do housekeeping now: one worker at a time, so two workers
    never both re-send the same lost job."""
    lock = connection.lock(
        f"{jobs.queue_name()}:housekeeping", timeout=seconds, blocking=False, thread_local=False
    )
    if not lock.acquire(blocking=False):
        yield False
        return
    try:
        yield True
    finally:
        with suppress(LockError):
            lock.release()

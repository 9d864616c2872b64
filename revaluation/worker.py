"""The RQ worker side of background jobs.

Start a worker either way (both listen on the ``revaluation`` queue of ``REDIS_URL``):

- ``flask worker`` (recommended): runs inside the app (same configuration as the web app),
  moves delayed retries back onto the queue when due, and every minute re-queues jobs whose
  worker died and deletes expired uploads and exports (:func:`housekeeping`);
- ``rq worker -u $REDIS_URL revaluation``: plain RQ; each job builds the app from the
  environment (``DATABASE_URL``, ``SECRET_KEY``...) before it runs. It does none of the
  housekeeping, so run at least one ``flask worker`` beside it.

The job functions take ids only, never objects, so what runs is whatever the database says.
Each run holds the job's lease (:mod:`revaluation.services.job_leases`), so a job is never
run by two workers at once.
"""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext

logger = logging.getLogger(__name__)

_app: Flask | None = None


def _application() -> Flask:
    """The app for a job run by plain ``rq worker`` (created once per worker process)."""
    global _app
    if _app is None:
        from revaluation import create_app

        _app = create_app()
    return _app


def run_job(job_id: int) -> dict | None:
    """RQ entry point for every kind of job (report, calibration...); returns the job's result."""
    if has_app_context():
        return _run(job_id)
    with _application().app_context():
        return _run(job_id)


#: The entry point's earlier name: report jobs queued before an upgrade still find it.
run_report_job = run_job


def _run(job_id: int) -> dict | None:
    from rq import get_current_job

    from revaluation.extensions import db
    from revaluation.services import job_leases

    rq_job = get_current_job()
    try:
        if rq_job is None:  # called directly (a script, a test): nobody else can hold it
            return _run_claimed(job_id, retries_left=0)
        with job_leases.held(rq_job.connection, job_id) as mine:
            if not mine:
                logger.info("job %s is being run by another worker; leaving it", job_id)
                return None
            return _run_claimed(job_id, retries_left=rq_job.retries_left or 0)
    finally:
        db.session.remove()


def _run_claimed(job_id: int, *, retries_left: int) -> dict | None:
    """Run the job if it still needs running (read after the lease was taken, so a job that
    another worker finished or gave up on meanwhile is left as it is)."""
    from revaluation.extensions import db
    from revaluation.models import Job, JobStatus
    from revaluation.services import jobs

    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
        logger.info("job %s is gone or already finished; nothing to do", job_id)
        return None
    return jobs.run(job, commit_progress=True, final_attempt=not retries_left)


#: How often a worker does its housekeeping (and RQ's own).
MAINTENANCE_SECONDS = 60


def _worker_class():
    from rq import SimpleWorker

    class RevaluationWorker(SimpleWorker):
        """RQ's in-process worker, which also does Revaluation's housekeeping when it starts
        and every minute (see :func:`housekeeping`)."""

        def run_maintenance_tasks(self) -> None:
            super().run_maintenance_tasks()
            from revaluation.services.job_leases import housekeeping_turn

            with housekeeping_turn(self.connection, MAINTENANCE_SECONDS) as mine:
                if mine:
                    housekeeping(self.connection)

    return RevaluationWorker


def housekeeping(connection) -> list[int]:
    """Queue again the jobs whose worker died and those Redis lost
    (:mod:`revaluation.services.job_leases`), and delete expired uploads and exports.
    Returns the ids of the jobs sent again; logs and carries on when the database is
    unreachable (the next round tries again)."""
    from sqlalchemy.exc import SQLAlchemyError

    from revaluation.extensions import db
    from revaluation.services import job_leases, stored_files

    try:
        recovered = job_leases.recover_abandoned(connection)
        recovered += job_leases.requeue_lost(connection)
        deleted = stored_files.delete_expired()
        db.session.commit()
        if deleted:
            logger.info("deleted %s expired uploads and exports", deleted)
        return recovered
    except SQLAlchemyError:
        logger.exception("housekeeping could not reach the database; will try again")
        db.session.rollback()
        return []
    finally:
        db.session.remove()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for scripts and CI).")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run a background worker for reports, calibrations, exports and imports (needs REDIS_URL)."""
    from redis import Redis
    from rq import Queue

    from revaluation.services.jobs import queue_name

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException(
            "REDIS_URL is not set, so there is no queue: background work runs inline. "
            "Set REDIS_URL (e.g. redis://localhost:6379/0) to use a worker."
        )
    connection = Redis.from_url(url)
    # SimpleWorker runs jobs in this process, inside this app context (no fork). The
    # scheduler moves failed jobs' delayed retries back onto the queue when they are due.
    worker = _worker_class()(
        [Queue(queue_name(), connection=connection)],
        connection=connection,
        maintenance_interval=MAINTENANCE_SECONDS,
    )
    worker.work(burst=burst, with_scheduler=True)

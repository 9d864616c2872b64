"""The RQ worker side of background jobs.

Start a worker either way (both listen on the ``revaluation`` queue of ``REDIS_URL``):

- ``flask worker``: runs inside the app (same configuration as the web app);
- ``rq worker -u $REDIS_URL revaluation``: plain RQ; each job builds the app from the
  environment (``DATABASE_URL``, ``SECRET_KEY``...) before it runs.

The job functions take ids only, never objects, so what runs is whatever the database says.
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


def run_report_job(job_id: int) -> int | None:
    """RQ entry point: generate the edition a report Job asks for; returns the edition id."""
    if has_app_context():
        return _run(job_id)
    with _application().app_context():
        return _run(job_id)


def _run(job_id: int) -> int | None:
    from rq import get_current_job

    from revaluation.extensions import db
    from revaluation.models import Job, JobStatus
    from revaluation.services import report_jobs

    job = db.session.get(Job, job_id)
    if job is None or job.status is JobStatus.DONE:
        logger.info("report job %s is gone or already done; nothing to do", job_id)
        return None
    rq_job = get_current_job()
    retries_left = rq_job.retries_left if rq_job is not None else 0
    try:
        edition = report_jobs.run_job(job, commit_progress=True, final_attempt=not retries_left)
        return edition.id if edition is not None else None
    finally:
        db.session.remove()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for scripts and CI).")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run a background worker for report generation (needs REDIS_URL)."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    from revaluation.services.report_jobs import QUEUE_NAME

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException(
            "REDIS_URL is not set, so there is no queue: reports are generated inline. "
            "Set REDIS_URL (e.g. redis://localhost:6379/0) to use a worker."
        )
    connection = Redis.from_url(url)
    # SimpleWorker runs jobs in this process, inside this app context (no fork).
    SimpleWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection).work(
        burst=burst
    )

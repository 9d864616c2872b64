"""Fixtures for tests with a real RQ worker on the real Redis (127.0.0.1:6379).

Each test gets a queue of its own (``JOB_QUEUE``), so parallel runs sharing the one Redis
never take each other's jobs; everything under that name is deleted afterwards.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from tests.conftest import need

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def queue(app):
    """A private queue on the real Redis, named in the app's config; emptied afterwards."""
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisError:
        need(False, "Redis is not running at 127.0.0.1:6379")
    name = f"test-{uuid.uuid4().hex[:12]}"
    app.config.update(REDIS_URL=REDIS_URL, JOB_QUEUE=name)
    yield SimpleNamespace(name=name, connection=connection)
    _forget(connection, name)


def _forget(connection, name: str) -> None:
    from rq import Queue
    from rq.job import Job as RqJob
    from rq.registry import (
        FailedJobRegistry,
        FinishedJobRegistry,
        ScheduledJobRegistry,
        StartedJobRegistry,
    )

    rq_queue = Queue(name, connection=connection)
    ids = set(rq_queue.get_job_ids())
    for registry in (StartedJobRegistry, FinishedJobRegistry, FailedJobRegistry,
                     ScheduledJobRegistry):
        ids |= {i.split(":")[0] for i in registry(name, connection=connection).get_job_ids()}
    for job in RqJob.fetch_many(list(ids), connection=connection):
        if job is not None:
            job.delete()
    for key in connection.scan_iter(f"*{name}*"):
        connection.delete(key)


def work(runner) -> str:
    """Run `flask worker --burst`: every job due on the queue, then stop."""
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    return result.output

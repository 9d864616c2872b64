"""Statistics computed ahead of need: when a wave closes, a worker computes the evaluation's
results and keeps them (:mod:`revaluation.services.results_cache`).

A closed wave's answers no longer change, so the figures every later results page, API call
and report edition asks for are known at that moment. Computing them then, on a worker, means
the evaluator opening the results and the commissioner's report read kept figures instead of
waiting for a whole evaluation's statistics. Without a job queue (the embedded default) nothing
is queued: the first page or report to ask computes and keeps them, as always.

If Redis cannot be reached when the wave closes, the closing still succeeds: the job stays
queued in the database and the worker's sweep sends it once Redis is back.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError

from revaluation.extensions import db
from revaluation.models import Evaluation, Job
from revaluation.services import jobs

logger = logging.getLogger(__name__)

JOB_KIND = "results"
FAILURE = ("The results could not be computed ahead of time; they will be computed when "
           "someone next opens them.")


def _compute(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    from revaluation.services.results import evaluation_results

    evaluation = db.session.get(Evaluation, job.evaluation_id)
    if evaluation is None:
        raise jobs.JobInputError("The evaluation no longer exists.")
    progress(10)
    results = evaluation_results(evaluation)
    return {"outcomes": len(results["outcomes"]), "questions": len(results["questions"])}


jobs.register(jobs.JobKind(JOB_KIND, _compute, FAILURE, timeout_seconds=30 * 60))


def ahead_of_need(evaluation: Evaluation, *, user_id: int | None) -> Job | None:
    """A queued job computing ``evaluation``'s results (flushed; the caller commits, then calls
    :func:`send`), or None without a job queue."""
    if not jobs.queue_configured():
        return None
    return jobs.new_job(JOB_KIND, evaluation_id=evaluation.id, params={}, user_id=user_id)


def send(job: Job | None) -> None:
    """Hand a committed job to the workers; an unreachable Redis only delays it."""
    if job is None:
        return
    try:
        jobs.send(job)
    except RedisError as error:
        logger.warning("results job %s stays queued until Redis is reachable (%s)", job.id,
                       type(error).__name__)

"""Report editions and the jobs that make them.

An edition is one generated PDF with its options, SHA-256 and page count. Once an edition has
been sent to anyone it is never changed: generating again always adds a new, numbered and dated
edition, so what a commissioner received can be shown byte for byte later.

Generation runs inline (inside the request or command) when ``REDIS_URL`` is unset, and as a
background job on an RQ worker when it is set (:mod:`revaluation.services.jobs`). Either way a
:class:`Job` row tracks status, progress (0-100), attempts and a plain-words error, which the
reports page shows.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from revaluation.extensions import db
from revaluation.models import Evaluation, Job, JobStatus, ReportEdition
from revaluation.models.base import utcnow
from revaluation.reports.render import RenderedPdf, html_to_pdf, render_html
from revaluation.reports.sources import ReportOptions, build_report
from revaluation.services import audit, jobs

logger = logging.getLogger(__name__)

JOB_KIND = "report"
QUEUE_NAME = jobs.QUEUE_NAME
FAILURE_TEXT = (
    "The report could not be generated. Try again; if it fails again, tell the platform's "
    "administrators the job number."
)

Progress = jobs.Progress


@dataclass(frozen=True)
class GeneratedReport:
    """A rendered report before it becomes an edition."""

    rendered: RenderedPdf
    sha256: str


def generate_pdf(
    evaluation: Evaluation,
    options: ReportOptions,
    *,
    edition_label: str,
    generated_at: datetime | None = None,
    progress: Progress | None = None,
) -> GeneratedReport:
    """Load, compute, build and render the report of ``evaluation`` (no rows are written)."""
    step = progress or (lambda _pct: None)
    step(10)
    report = build_report(
        evaluation, options, edition_label=edition_label, generated_at=generated_at or utcnow()
    )
    step(50)
    html = render_html(report)
    step(60)
    rendered = html_to_pdf(html)
    step(95)
    return GeneratedReport(rendered, hashlib.sha256(rendered.pdf).hexdigest())


def next_edition_number(evaluation: Evaluation) -> int:
    """1 for the first edition, then one more than the highest so far."""
    highest = db.session.execute(
        db.select(db.func.max(ReportEdition.number)).filter_by(evaluation_id=evaluation.id)
    ).scalar()
    return (highest or 0) + 1


def create_edition(
    evaluation: Evaluation,
    options: ReportOptions,
    *,
    user_id: int | None,
    job: Job | None = None,
    progress: Progress | None = None,
) -> ReportEdition:
    """Generate a new numbered edition. Earlier editions are left exactly as they are."""
    number = next_edition_number(evaluation)
    created = utcnow()
    generated = generate_pdf(
        evaluation,
        options,
        edition_label=f"Edition {number}",
        generated_at=created,
        progress=progress,
    )
    edition = ReportEdition(
        evaluation_id=evaluation.id,
        number=number,
        options=options.to_dict(),
        pdf=generated.rendered.pdf,
        sha256=generated.sha256,
        page_count=generated.rendered.page_count,
        job_id=job.id if job else None,
        created_by_id=user_id,
        created_at=created,
    )
    db.session.add(edition)
    db.session.flush()
    audit.record(
        "report.generate",
        evaluation_id=evaluation.id,
        obj=edition,
        actor_id=user_id,
        number=number,
        pages=edition.page_count,
        sha256=edition.sha256,
    )
    logger.info("generated report edition %s of evaluation %s", number, evaluation.id)
    return edition


def queue_configured() -> bool:
    """Whether generation goes to RQ workers (REDIS_URL set) or runs inline."""
    return jobs.queue_configured()


def start_report(evaluation: Evaluation, options: ReportOptions, *, user_id: int | None) -> Job:
    """Ask for a new edition. Without Redis it is generated now; with Redis it waits for a worker.

    The caller commits, then calls :func:`enqueue` (a worker must not see an uncommitted job).
    """
    job = jobs.new_job(
        JOB_KIND, evaluation_id=evaluation.id, params=options.to_dict(), user_id=user_id
    )
    audit.record("report.request", evaluation_id=evaluation.id, obj=job, actor_id=user_id)
    if not queue_configured():
        run_job(job, commit_progress=False, final_attempt=True)
    return job


def enqueue(job: Job) -> None:
    """Hand a committed, queued job to the RQ workers (no-op when generation ran inline)."""
    if job.status is JobStatus.QUEUED and queue_configured():
        jobs.send(job)


def retry_job(job: Job) -> None:
    """Put a failed job back in the queue (or run it again inline)."""
    jobs.reset(job)
    if not queue_configured():
        run_job(job, commit_progress=False, final_attempt=True)


def run_job(job: Job, *, commit_progress: bool, final_attempt: bool) -> ReportEdition | None:
    """Execute a report job (see :func:`revaluation.services.jobs.run`); the new edition, or
    None when the job failed."""
    result = jobs.run(job, commit_progress=commit_progress, final_attempt=final_attempt)
    return db.session.get(ReportEdition, result["edition_id"]) if result else None


def _generate(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """The work of a report job: a new edition with the job's options."""
    evaluation = db.session.get(Evaluation, job.evaluation_id)
    if evaluation is None:
        raise LookupError("the evaluation no longer exists")
    options = ReportOptions.from_dict(job.params)
    edition = create_edition(
        evaluation, options, user_id=job.created_by_id, job=job, progress=progress
    )
    return {"edition_id": edition.id, "number": edition.number}


jobs.register(jobs.JobKind(JOB_KIND, _generate, FAILURE_TEXT))


def editions_of(evaluation: Evaluation) -> list[ReportEdition]:
    """The evaluation's editions, newest first (without loading the PDF bytes)."""
    return list(
        db.session.execute(
            db.select(ReportEdition)
            .filter_by(evaluation_id=evaluation.id)
            .order_by(ReportEdition.number.desc())
        ).scalars()
    )


def pending_jobs(evaluation: Evaluation) -> list[Job]:
    """Report jobs not yet finished, or failed, newest first, for the progress list."""
    return list(
        db.session.execute(
            db.select(Job)
            .filter_by(evaluation_id=evaluation.id, kind=JOB_KIND)
            .where(Job.status != JobStatus.DONE)
            .order_by(Job.created_at.desc())
            .limit(10)
        ).scalars()
    )


def edition_of(evaluation: Evaluation, number: int) -> ReportEdition | None:
    """One edition of this evaluation by its number (None if there is no such edition)."""
    return db.session.execute(
        db.select(ReportEdition).filter_by(evaluation_id=evaluation.id, number=number)
    ).scalar_one_or_none()


def describe_options(options: dict[str, Any], wave_names: dict[int, str]) -> str:
    """A one-line description of an edition's options, for lists of editions."""
    parts = []
    waves = options.get("wave_ids") or []
    parts.append(
        "waves: " + ", ".join(wave_names.get(w, f"#{w}") for w in waves) if waves else "all waves"
    )
    groups = options.get("groups") or []
    parts.append("groups: " + ", ".join(groups) if groups else "all groups")
    sections = options.get("sections")
    if sections and len(sections) < 7:
        parts.append(f"{len(sections)} sections")
    return "; ".join(parts)

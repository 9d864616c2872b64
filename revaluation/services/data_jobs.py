"""Large exports and imports of response rows as background jobs.

With ``REDIS_URL`` set, an export or an import of more than ``BACKGROUND_ROWS`` rows (2,000
by default) becomes a :class:`Job` for the RQ workers instead of holding a web request for
minutes; smaller ones, and every one without Redis, run inline as before. The response data
page lists these jobs with their progress, a download link for a finished export and a
"try again" button for a failed one.

Neither kind leaves anything half-written: each reads and checks everything first, then
writes its output (the export file, or the imported responses) in the transaction that marks
the job done, so a worker killed on the way has stored nothing and the job can run again.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from revaluation.extensions import db
from revaluation.models import Evaluation, Job, JobStatus, Response, Wave
from revaluation.services import audit, jobs, stored_files
from revaluation.services.exports import FORMATS, export_responses
from revaluation.services.imports import ImportRejected, import_rows, plan_import, read_table

EXPORT_KIND = "export"
IMPORT_KIND = "import"
KINDS = (EXPORT_KIND, IMPORT_KIND)
EXPORT_FAILURE = (
    "The export could not be made. Try again; if it fails again, tell the platform's "
    "administrators the job number."
)
IMPORT_FAILURE = (
    "The import could not be finished, and nothing from it was stored. Try again; if it fails "
    "again, tell the platform's administrators the job number."
)


def in_background(rows: int) -> bool:
    """Whether work on ``rows`` response rows goes to a worker rather than running now."""
    return jobs.queue_configured() and rows > int(current_app.config.get("BACKGROUND_ROWS", 2000))


def count_responses(evaluation: Evaluation, wave_ids: list[int] | None = None) -> int:
    """How many rows an export of the evaluation (or of some of its waves) would have."""
    query = (
        db.select(db.func.count(Response.id))
        .join(Wave, Wave.id == Response.wave_id)
        .where(Wave.evaluation_id == evaluation.id)
    )
    if wave_ids:
        query = query.where(Wave.id.in_(wave_ids))
    return db.session.execute(query).scalar_one()


def start_export(
    evaluation: Evaluation, fmt: str, *, include_names: bool, user_id: int | None
) -> Job:
    """Ask a worker for an export (flushed; commit, then :func:`enqueue`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    job = jobs.new_job(
        EXPORT_KIND,
        evaluation_id=evaluation.id,
        params={"format": fmt, "include_names": include_names},
        user_id=user_id,
    )
    audit.record("responses.export_requested", evaluation_id=evaluation.id, obj=job,
                 actor_id=user_id, format=fmt, names=include_names)
    return job


def _export(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    evaluation = db.session.get(Evaluation, job.evaluation_id)
    if evaluation is None:
        raise jobs.JobInputError("The evaluation no longer exists.")
    fmt, names = job.params["format"], bool(job.params.get("include_names"))
    progress(10)
    made = export_responses(evaluation, fmt, include_names=names)
    progress(90)
    # From here on everything is written in the transaction that marks the job done.
    stored = stored_files.keep_export(
        evaluation.id, made.content, name=made.filename, mimetype=made.mimetype,
        job_id=job.id, user_id=job.created_by_id,
    )
    audit.record("responses.exported", evaluation_id=evaluation.id, obj=evaluation,
                 actor_id=job.created_by_id, format=fmt, rows=made.rows, names=names,
                 job=job.id)
    return {"file_id": stored.id, "filename": made.filename, "rows": made.rows}


def start_import(
    wave: Wave,
    upload: str,
    mapping: dict[str, str],
    *,
    source_name: str,
    user_id: int | None,
) -> Job:
    """Ask a worker to import an uploaded file into ``wave`` with the reviewed column mapping
    (flushed; commit, then :func:`enqueue`)."""
    job = jobs.new_job(
        IMPORT_KIND,
        evaluation_id=wave.evaluation_id,
        params={"wave_id": wave.id, "upload": upload, "mapping": mapping,
                "source_name": source_name},
        user_id=user_id,
    )
    audit.record("responses.import_requested", evaluation_id=wave.evaluation_id, obj=wave,
                 actor_id=user_id, job=job.id)
    return job


def _import(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    wave = db.session.get(Wave, job.params["wave_id"])
    if wave is None or wave.evaluation_id != job.evaluation_id:
        raise jobs.JobInputError("The wave to import into no longer exists.")
    upload = stored_files.find_upload(job.evaluation_id, job.params["upload"])
    if upload is None:
        raise jobs.JobInputError(
            "The uploaded file is no longer kept (uploads are deleted after two days); "
            "upload it again."
        )
    progress(10)
    try:
        table = read_table(upload.content, upload.name)
        plan = plan_import(wave, table, job.params["mapping"], suggest=False)
    except ImportRejected as exc:
        raise jobs.JobInputError(str(exc)) from None
    progress(60)
    # From here on everything is written in the transaction that marks the job done.
    created = import_rows(wave, plan, source_name=job.params["source_name"])
    db.session.delete(upload)
    audit.record("responses.imported", evaluation_id=wave.evaluation_id, obj=wave,
                 actor_id=job.created_by_id, created=created, rows=plan.total_rows,
                 problems=len(plan.problems), job=job.id)
    return {"wave_id": wave.id, "wave": wave.name, "created": created,
            "rows": plan.total_rows, "already_there": plan.valid_rows - created}


def enqueue(job: Job) -> None:
    """Hand a committed, queued job to the workers."""
    if job.status is JobStatus.QUEUED and jobs.queue_configured():
        jobs.send(job)


def retry(job: Job) -> None:
    """Run a failed export or import again (on a worker, or now without one)."""
    jobs.reset(job)
    if not jobs.queue_configured():
        jobs.run(job, commit_progress=False, final_attempt=True)


def data_job(evaluation: Evaluation, job_id: int) -> Job | None:
    """The evaluation's export or import job with this id, or None."""
    job = db.session.get(Job, job_id)
    if job is None or job.evaluation_id != evaluation.id or job.kind not in KINDS:
        return None
    return job


def recent_jobs(evaluation: Evaluation, limit: int = 10) -> list[dict[str, Any]]:
    """The evaluation's latest exports and imports, newest first, as the data page shows them."""
    rows = db.session.execute(
        db.select(Job)
        .filter_by(evaluation_id=evaluation.id)
        .where(Job.kind.in_(KINDS))
        .order_by(Job.id.desc())
        .limit(limit)
    ).scalars()
    return [_describe(job) for job in rows]


def _describe(job: Job) -> dict[str, Any]:
    result = job.result or {}
    if job.kind == EXPORT_KIND:
        fmt = job.params.get("format", "").upper()
        label = f"Export ({fmt}{', with names' if job.params.get('include_names') else ''})"
        outcome = f"{result['rows']} rows" if "rows" in result else None
    else:
        label = "Import"
        outcome = (
            f"{result['created']} new responses in “{result['wave']}” "
            f"({result['already_there']} were already there)"
            if "created" in result else None
        )
    downloadable = (
        job.kind == EXPORT_KIND
        and job.status is JobStatus.DONE
        and "file_id" in result
        and stored_files.export_file(job.evaluation_id, result["file_id"]) is not None
    )
    return {
        "id": job.id,
        "kind": job.kind,
        "label": label,
        "status": str(job.status),
        "progress": job.progress,
        "error": job.error,
        "attempts": job.attempts,
        "created_at": job.created_at,
        "outcome": outcome,
        "downloadable": downloadable,
        "names": bool(job.params.get("include_names")),
    }


jobs.register(jobs.JobKind(EXPORT_KIND, _export, EXPORT_FAILURE))
jobs.register(jobs.JobKind(IMPORT_KIND, _import, IMPORT_FAILURE, timeout_seconds=30 * 60))

"""Report jobs and editions: start a job, follow its status, download the PDF.

Without Redis the job runs inside the request and is already done when the 202 arrives;
with Redis an RQ worker picks it up and the client polls the job's address.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, url_for

from revaluation.api.auth import load_evaluation, not_found
from revaluation.api.errors import ApiError
from revaluation.api.evaluations import iso
from revaluation.api.inputs import Field, page_of, pagination, read_body
from revaluation.api.routes import bp
from revaluation.extensions import db
from revaluation.models import Evaluation, Job, ReportEdition
from revaluation.reports.sources import ReportOptions, ReportOptionsError
from revaluation.services import audit, report_jobs


def job_json(job: Job, slug: str) -> dict[str, Any]:
    number = (job.result or {}).get("number")
    return {
        "id": job.id,
        "kind": job.kind,
        "status": str(job.status),
        "progress": job.progress,
        "attempts": job.attempts,
        "error": job.error,
        "created_at": iso(job.created_at),
        "finished_at": iso(job.finished_at),
        "edition": number,
        "download_url": (
            url_for("api.download_report", slug=slug, number=number) if number else None
        ),
    }


def edition_json(edition: ReportEdition, slug: str) -> dict[str, Any]:
    return {
        "number": edition.number,
        "created_at": iso(edition.created_at),
        "sent_at": iso(edition.sent_at),
        "sha256": edition.sha256,
        "page_count": edition.page_count,
        "options": edition.options,
        "download_url": url_for("api.download_report", slug=slug, number=edition.number),
    }


REPORT_FIELDS = {
    "wave_ids": Field(list, max_length=100),
    "groups": Field(list, max_length=40),
    "sections": Field(list, max_length=20),
}


def _list_of(body: dict, name: str, kind: type) -> list | None:
    values = body.get(name)
    if values is None:
        return None
    if not all(isinstance(v, kind) and not isinstance(v, bool) for v in values):
        expected = "integers" if kind is int else "strings"
        raise ApiError(
            422,
            "invalid_type",
            f"“{name}” must be a list of {expected}.",
            {"field": name, "expected": f"array of {expected}"},
        )
    return values


@bp.post("/evaluations/<slug>/reports")
def start_report(slug: str):
    evaluation, _role = load_evaluation(slug, "reports:write", edit=True)
    body = read_body(REPORT_FIELDS)
    try:
        options = ReportOptions.parse(
            evaluation,
            wave_ids=_list_of(body, "wave_ids", int),
            groups=_list_of(body, "groups", str),
            sections=_list_of(body, "sections", str),
        )
    except ReportOptionsError as error:
        raise ApiError(422, "invalid_value", str(error), {"field": error.field}) from None
    job = report_jobs.start_report(evaluation, options, user_id=g.api_token.user_id)
    db.session.commit()
    report_jobs.enqueue(job)
    location = url_for("api.get_job", slug=slug, job_id=job.id)
    return job_json(job, slug), 202, {"Location": location}


def _job_in(evaluation: Evaluation, job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.evaluation_id != evaluation.id:
        raise not_found("job", job_id)
    return job


@bp.get("/evaluations/<slug>/jobs/<int(max=2147483647):job_id>")
def get_job(slug: str, job_id: int):
    evaluation, _role = load_evaluation(slug, "reports:read")
    return job_json(_job_in(evaluation, job_id), slug)


@bp.get("/evaluations/<slug>/reports")
def list_reports(slug: str):
    evaluation, _role = load_evaluation(slug, "reports:read")
    page, per_page = pagination()
    query = (
        db.select(ReportEdition)
        .filter_by(evaluation_id=evaluation.id)
        .order_by(ReportEdition.number.desc())
    )
    return page_of(query, lambda e: edition_json(e, slug), page=page, per_page=per_page)


@bp.get("/evaluations/<slug>/reports/<int(max=2147483647):number>/pdf")
def download_report(slug: str, number: int):
    evaluation, _role = load_evaluation(slug, "reports:read")
    edition = report_jobs.edition_of(evaluation, number)
    if edition is None or edition.pdf is None:
        raise not_found("edition", number)
    pdf, sha256 = edition.pdf, edition.sha256 or ""
    audit.record("report.download", evaluation_id=evaluation.id, obj=edition, via="api")
    db.session.commit()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{slug}-edition-{number}.pdf"',
            "X-Content-SHA256": sha256,
        },
    )

"""Responses: read them (paginated, filtered by wave, group and status) and submit them
from another system, idempotently by a client-chosen submission id.

Reading never shows panel-code or resume-code hashes; a respondent's name appears only in
a "named" wave. Writing goes through the respondent path's own steps: the engine's types
normalise every answer, `surveys.flow` decides visibility, constraints and completeness,
and `revaluation.services.responses` stores and submits.
"""

from __future__ import annotations

from typing import Any

from flask import g, request, url_for
from sqlalchemy.exc import IntegrityError

from revaluation.api.auth import load_evaluation, not_found
from revaluation.api.errors import ApiError
from revaluation.api.evaluations import iso, wave_in
from revaluation.api.inputs import Field, int_arg, page_of, pagination, read_body, text_args
from revaluation.api.routes import bp
from revaluation.extensions import db
from revaluation.models import Anonymity, Response, ResponseStatus, Wave
from revaluation.services import audit
from revaluation.services.api_submissions import SubmissionProblem, answers_of, submit_from_api


def response_json(response: Response, answers: dict[str, Any]) -> dict[str, Any]:
    wave: Wave = response.wave
    data = {
        "id": response.id,
        "wave_id": response.wave_id,
        "group": response.group,
        "language": response.language,
        "status": str(response.status),
        "consent_given": response.consent_given,
        "consent_version": response.consent_version,
        "source": response.imported_from or "web",
        "started_at": iso(response.started_at),
        "completed_at": iso(response.completed_at),
        "answers": answers,
    }
    if wave.anonymity is Anonymity.NAMED:
        data["respondent_name"] = response.respondent_name
    return data


@bp.get("/evaluations/<slug>/responses")
def list_responses(slug: str):
    evaluation, _role = load_evaluation(slug, "responses:read", edit=True)
    page, per_page = pagination()
    query = (
        db.select(Response)
        .join(Wave, Wave.id == Response.wave_id)
        .where(Wave.evaluation_id == evaluation.id)
        .order_by(Response.id)
    )
    wave_id = int_arg("wave")
    if wave_id is not None:
        query = query.where(Response.wave_id == wave_in(evaluation, wave_id).id)
    groups = text_args("group")
    if groups:
        query = query.where(Response.group.in_(groups))
    status = request.args.get("status")
    if status:
        if status not in {s.value for s in ResponseStatus}:
            raise ApiError(
                400,
                "invalid_parameter",
                "Query parameter “status” must be partial or complete.",
                {"parameter": "status"},
            )
        query = query.where(Response.status == ResponseStatus(status))
    result = page_of(query, lambda r: r, page=page, per_page=per_page)
    answers = answers_of(result["items"])
    result["items"] = [response_json(r, answers.get(r.id, {})) for r in result["items"]]
    # Row-level answers left the platform: the owners' audit log says so, like an export.
    audit.record("responses.read_api", evaluation_id=evaluation.id, obj=evaluation,
                 count=len(result["items"]), page=page, via="api")
    db.session.commit()
    return result


def _response_in(evaluation, response_id: int) -> Response:
    response = db.session.get(Response, response_id)
    if response is None or response.wave.evaluation_id != evaluation.id:
        raise not_found("response", response_id)
    return response


@bp.get("/evaluations/<slug>/responses/<int(max=2147483647):response_id>")
def get_response(slug: str, response_id: int):
    evaluation, _role = load_evaluation(slug, "responses:read", edit=True)
    response = _response_in(evaluation, response_id)
    audit.record("responses.read_api", evaluation_id=evaluation.id, obj=evaluation, count=1,
                 response_id=response.id, via="api")
    db.session.commit()
    return response_json(response, answers_of([response]).get(response.id, {}))


SUBMISSION_FIELDS = {
    "submission_id": Field(str, required=True, pattern=r"[A-Za-z0-9._:-]{8,40}"),
    "group": Field(str, required=True, max_length=40),
    "language": Field(str, max_length=12),
    "answers": Field(dict, required=True, max_length=1000),
    "consent": Field(bool),
    "panel_code": Field(str, max_length=64),
    "respondent_name": Field(str, max_length=200),
}


@bp.post("/evaluations/<slug>/waves/<int(max=2147483647):wave_id>/responses")
def submit(slug: str, wave_id: int):
    """Store one complete response. Sending the same submission_id again returns the
    response stored the first time (200) and stores nothing new."""
    evaluation, _role = load_evaluation(slug, "responses:write", edit=True)
    wave = wave_in(evaluation, wave_id)
    body = read_body(SUBMISSION_FIELDS)
    key = f"api:{g.api_token.user_id}:{body['submission_id']}"
    existing = _already_submitted(key, wave)
    if existing is not None:
        return _stored(existing, created=False)
    try:
        response = submit_from_api(wave, body, submission_key=key)
        audit.record("response.api_submit", evaluation_id=evaluation.id, obj=response)
        db.session.commit()
    except SubmissionProblem as problem:
        db.session.rollback()
        raise ApiError(problem.status, problem.code, problem.message, problem.details) from None
    except IntegrityError:
        # The same submission arrived twice at once: the database kept exactly one.
        db.session.rollback()
        existing = _already_submitted(key, wave)
        if existing is None:
            raise
        return _stored(existing, created=False)
    return _stored(response, created=True)


def _already_submitted(key: str, wave: Wave) -> Response | None:
    existing = db.session.execute(
        db.select(Response).filter_by(submission_id=key)
    ).scalar_one_or_none()
    if existing is not None and existing.wave_id != wave.id:
        raise ApiError(
            409,
            "submission_id_reused",
            "This submission_id was already used for a response in another wave; "
            "use a new id for each response.",
            {"wave_id": existing.wave_id},
        )
    return existing


def _stored(response: Response, *, created: bool):
    body = response_json(response, answers_of([response]).get(response.id, {}))
    body["created"] = created
    location = url_for(
        "api.get_response", slug=response.wave.evaluation.slug, response_id=response.id
    )
    return body, (201 if created else 200), {"Location": location}

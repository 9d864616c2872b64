"""Evaluations and their waves: list, get, create a wave, open and close it."""

from __future__ import annotations

import re
from typing import Any

from flask import g

from revaluation.api.auth import load_evaluation, not_found, require_scope
from revaluation.api.errors import ApiError
from revaluation.api.inputs import Field, page_of, pagination, read_body
from revaluation.api.routes import bp
from revaluation.extensions import db
from revaluation.models import (
    Anonymity,
    Evaluation,
    Instrument,
    InstrumentVersion,
    Membership,
    Role,
    StateError,
    Wave,
)
from revaluation.services import fieldwork, results_jobs
from revaluation.services.consent import MAX_CONSENT_LENGTH, translation_languages


def iso(moment) -> str | None:
    """A timestamp as ISO 8601 in UTC (SQLite hands back naive UTC times)."""
    if moment is None:
        return None
    return moment.isoformat() if moment.tzinfo else moment.isoformat() + "+00:00"


def evaluation_json(evaluation: Evaluation, role: Role | str) -> dict[str, Any]:
    return {
        "slug": evaluation.slug,
        "title": evaluation.title,
        "movement": evaluation.movement,
        "description": evaluation.description,
        "role": str(role),
        "default_language": evaluation.default_language,
        "small_cell_threshold": evaluation.small_cell_threshold,
        "framework_locked": evaluation.framework_locked,
        "created_at": iso(evaluation.created_at),
    }


def wave_json(wave: Wave) -> dict[str, Any]:
    version = wave.instrument_version
    return {
        "id": wave.id,
        "name": wave.name,
        "position": wave.position,
        "state": str(wave.state),
        "instrument": version.instrument.key,
        "instrument_version": version.number,
        "groups": list(wave.groups),
        "anonymity": str(wave.anonymity),
        "ask_panel_code": wave.ask_panel_code,
        "consent_required": bool(wave.consent_text.strip()),
        "consent_translations": sorted(wave.consent_translations or {}),
        "opens_at": iso(wave.opens_at),
        "closes_at": iso(wave.closes_at),
        "opened_at": iso(wave.opened_at),
        "closed_at": iso(wave.closed_at),
    }


@bp.get("/evaluations")
def list_evaluations():
    require_scope("evaluations:read")
    page, per_page = pagination()
    roles = dict(
        db.session.execute(
            db.select(Membership.evaluation_id, Membership.role).filter_by(
                user_id=g.api_token.user_id
            )
        ).all()
    )
    query = (
        db.select(Evaluation)
        .where(Evaluation.id.in_(list(roles)))
        .order_by(Evaluation.created_at.desc(), Evaluation.id.desc())
    )
    return page_of(query, lambda e: evaluation_json(e, roles[e.id]), page=page, per_page=per_page)


@bp.get("/evaluations/<slug>")
def get_evaluation(slug: str):
    evaluation, role = load_evaluation(slug, "evaluations:read")
    return evaluation_json(evaluation, role)


@bp.get("/evaluations/<slug>/waves")
def list_waves(slug: str):
    evaluation, _role = load_evaluation(slug, "evaluations:read")
    page, per_page = pagination()
    query = db.select(Wave).filter_by(evaluation_id=evaluation.id).order_by(Wave.position, Wave.id)
    return page_of(query, wave_json, page=page, per_page=per_page)


def wave_in(evaluation: Evaluation, wave_id: int) -> Wave:
    """The wave if it belongs to this evaluation, else a 404 (no peeking across evaluations)."""
    wave = db.session.get(Wave, wave_id)
    if wave is None or wave.evaluation_id != evaluation.id:
        raise not_found("wave", wave_id)
    return wave


@bp.get("/evaluations/<slug>/waves/<int(max=2147483647):wave_id>")
def get_wave(slug: str, wave_id: int):
    evaluation, _role = load_evaluation(slug, "evaluations:read")
    return wave_json(wave_in(evaluation, wave_id))


GROUP_PATTERN = r"[a-z0-9][a-z0-9_-]{0,39}"

WAVE_FIELDS = {
    "name": Field(str, required=True, max_length=120),
    "instrument": Field(str, required=True, max_length=64),
    "version": Field(int),
    "groups": Field(list, required=True, max_length=20),
    "anonymity": Field(str, choices=tuple(str(a) for a in Anonymity)),
    "ask_panel_code": Field(bool),
    "consent_text": Field(str, max_length=MAX_CONSENT_LENGTH),
    "consent_translations": Field(dict, max_length=20),
}


@bp.post("/evaluations/<slug>/waves")
def create_wave(slug: str):
    evaluation, _role = load_evaluation(slug, "waves:write", edit=True)
    body = read_body(WAVE_FIELDS)
    name = body["name"].strip()
    if not name:
        raise ApiError(422, "invalid_value", "“name” must not be blank.", {"field": "name"})
    groups = body["groups"]
    bad = [g_ for g_ in groups if not isinstance(g_, str) or not _is_group(g_)]
    if bad or not groups or len(set(groups)) != len(groups):
        raise ApiError(
            422,
            "invalid_value",
            "“groups” must be 1-20 distinct names of lower-case letters, digits, - or _ "
            '(e.g. ["member", "staff"]).',
            {"field": "groups"},
        )
    version = _published_version(evaluation, body["instrument"], body.get("version"))
    translations = _consent_translations(body, version)
    wave = fieldwork.create_wave(
        evaluation,
        version,
        name=name,
        groups=groups,
        anonymity=Anonymity(body.get("anonymity") or "anonymous"),
        ask_panel_code=bool(body.get("ask_panel_code")),
        consent_text=body.get("consent_text") or "",
    )
    wave.consent_translations = translations
    db.session.commit()
    return wave_json(wave), 201


def _consent_translations(body: dict[str, Any], version: InstrumentVersion) -> dict[str, str]:
    """The consent text's translations from the body, checked against the instrument's
    languages: {language code: text}, one per language other than the main one."""
    given = body.get("consent_translations") or {}
    others = translation_languages(version)
    for code, text in given.items():
        if code not in others:
            offered = ", ".join(others) or "none: the instrument has one language"
            raise ApiError(422, "invalid_value",
                           f"“consent_translations” has “{code}”, which is not one of the "
                           f"instrument's other languages ({offered}).",
                           {"field": "consent_translations", "languages": others})
        if not isinstance(text, str) or len(text) > MAX_CONSENT_LENGTH:
            raise ApiError(422, "invalid_value",
                           f"“consent_translations.{code}” must be text of at most "
                           f"{MAX_CONSENT_LENGTH:,} characters.",
                           {"field": f"consent_translations.{code}"})
    kept = {code: text.strip() for code, text in given.items() if text.strip()}
    if kept and not (body.get("consent_text") or "").strip():
        raise ApiError(422, "invalid_value",
                       "“consent_translations” needs “consent_text”, the text they translate.",
                       {"field": "consent_translations"})
    return kept


def _is_group(name: str) -> bool:
    return re.fullmatch(GROUP_PATTERN, name) is not None


def _published_version(evaluation: Evaluation, key: str, number: int | None) -> InstrumentVersion:
    instrument = db.session.execute(
        db.select(Instrument).filter_by(evaluation_id=evaluation.id, key=key)
    ).scalar_one_or_none()
    if instrument is None:
        raise ApiError(
            422,
            "invalid_value",
            f"No instrument “{key}” in this evaluation.",
            {"field": "instrument"},
        )
    if number is None:
        version = instrument.latest_published
    else:
        version = next((v for v in instrument.versions if v.number == number), None)
    if version is None or not version.is_published:
        raise ApiError(
            409,
            "version_not_published",
            "A wave needs a published instrument version; publish the draft first.",
            {"instrument": key, "version": number},
        )
    return version


def _transition(slug: str, wave_id: int, action) -> tuple[dict, int]:
    evaluation, _role = load_evaluation(slug, "waves:write", edit=True)
    wave = wave_in(evaluation, wave_id)
    try:
        action(wave)
    except StateError as error:
        db.session.rollback()
        raise ApiError(409, "invalid_state", str(error), {"state": str(wave.state)}) from None
    ahead = None
    if action is fieldwork.close_wave:
        ahead = results_jobs.ahead_of_need(evaluation, user_id=g.api_token.user_id)
    db.session.commit()
    results_jobs.send(ahead)
    return wave_json(wave), 200


@bp.post("/evaluations/<slug>/waves/<int(max=2147483647):wave_id>/open")
def open_wave(slug: str, wave_id: int):
    return _transition(slug, wave_id, fieldwork.open_wave)


@bp.post("/evaluations/<slug>/waves/<int(max=2147483647):wave_id>/close")
def close_wave(slug: str, wave_id: int):
    return _transition(slug, wave_id, fieldwork.close_wave)

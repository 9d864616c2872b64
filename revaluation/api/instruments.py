"""Instruments in the native format: read a version as JSON or YAML, add a draft, publish.

A definition sent here goes through the same engine validation as the designer's import
(`revaluation.services.instruments.import_definition`), so there is one way in.
"""

from __future__ import annotations

from typing import Any

import yaml
from flask import Response, g, request

from revaluation.api.auth import load_evaluation, not_found
from revaluation.api.errors import ApiError
from revaluation.api.evaluations import iso
from revaluation.api.inputs import Field, page_of, pagination, read_body
from revaluation.api.routes import bp
from revaluation.extensions import db
from revaluation.models import Evaluation, Instrument, InstrumentVersion, StateError
from revaluation.services import instruments as instrument_service
from surveys.formats import DefinitionError, dump_instrument


def version_json(version: InstrumentVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "status": str(version.status),
        "created_at": iso(version.created_at),
        "published_at": iso(version.published_at),
    }


def instrument_json(instrument: Instrument) -> dict[str, Any]:
    return {
        "key": instrument.key,
        "title": instrument.title,
        "created_at": iso(instrument.created_at),
        "versions": [version_json(v) for v in instrument.versions],
    }


def _instrument(evaluation: Evaluation, key: str) -> Instrument:
    instrument = db.session.execute(
        db.select(Instrument).filter_by(evaluation_id=evaluation.id, key=key)
    ).scalar_one_or_none()
    if instrument is None:
        raise not_found("instrument", key)
    return instrument


def _version(instrument: Instrument, number: int) -> InstrumentVersion:
    version = next((v for v in instrument.versions if v.number == number), None)
    if version is None:
        raise ApiError(
            404,
            "version_not_found",
            f"Instrument “{instrument.key}” has no version {number}.",
            {"instrument": instrument.key, "version": number},
        )
    return version


@bp.get("/evaluations/<slug>/instruments")
def list_instruments(slug: str):
    evaluation, _role = load_evaluation(slug, "instruments:read")
    page, per_page = pagination()
    query = db.select(Instrument).filter_by(evaluation_id=evaluation.id).order_by(Instrument.id)
    return page_of(query, instrument_json, page=page, per_page=per_page)


@bp.get("/evaluations/<slug>/instruments/<key>")
def get_instrument(slug: str, key: str):
    evaluation, _role = load_evaluation(slug, "instruments:read")
    return instrument_json(_instrument(evaluation, key))


@bp.get("/evaluations/<slug>/instruments/<key>/versions/<int(max=2147483647):number>")
def get_version(slug: str, key: str, number: int):
    """A version's definition: JSON by default, YAML (the native file) with ?format=yaml."""
    evaluation, _role = load_evaluation(slug, "instruments:read")
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "yaml"):
        raise ApiError(
            400,
            "invalid_parameter",
            "Query parameter “format” must be json or yaml.",
            {"parameter": "format"},
        )
    version = _version(_instrument(evaluation, key), number)
    if fmt == "yaml":
        text = dump_instrument(instrument_service.definition_of(version))
        return Response(text, mimetype="application/yaml")
    return {**version_json(version), "instrument": key, "definition": version.definition}


DRAFT_FIELDS = {"definition": Field((dict, str), required=True)}


@bp.post("/evaluations/<slug>/instruments")
def create_draft(slug: str):
    """Store a definition (object, or YAML/JSON text) as a new instrument or its next draft."""
    evaluation, _role = load_evaluation(slug, "instruments:write", edit=True)
    source = read_body(DRAFT_FIELDS)["definition"]
    filename = "definition.json" if isinstance(source, dict) else "definition.yaml"
    try:
        version = instrument_service.import_definition(evaluation, source, filename=filename)
    except DefinitionError as error:
        db.session.rollback()
        raise ApiError(
            422,
            "invalid_definition",
            f"The definition has {len(error.problems)} problem(s); fix them and send it again.",
            {"problems": [_problem(p) for p in error.problems]},
        ) from None
    except yaml.YAMLError as error:
        # Characters YAML refuses outright (control characters) can escape the engine's
        # own problem list; they are still the sender's mistake, not ours.
        db.session.rollback()
        raise ApiError(
            422,
            "invalid_definition",
            "The definition is not readable YAML or JSON; remove control characters.",
            {
                "problems": [
                    {
                        "message": str(error).splitlines()[0],
                        "key": None,
                        "field": None,
                        "line": None,
                    }
                ]
            },
        ) from None
    except StateError as error:
        db.session.rollback()
        raise ApiError(409, "invalid_state", str(error)) from None
    db.session.commit()
    instrument = version.instrument
    return {"instrument": instrument_json(instrument), "version": version_json(version)}, 201


def _problem(problem) -> dict[str, Any]:
    return {
        "message": problem.message,
        "key": problem.key,
        "field": problem.field,
        "line": problem.line,
    }


@bp.post("/evaluations/<slug>/instruments/<key>/versions/<int(max=2147483647):number>/publish")
def publish(slug: str, key: str, number: int):
    evaluation, _role = load_evaluation(slug, "instruments:write", edit=True)
    version = _version(_instrument(evaluation, key), number)
    try:
        instrument_service.publish_version(version, g.api_token.user_id)
    except DefinitionError as error:
        db.session.rollback()
        raise ApiError(
            422,
            "invalid_definition",
            "The stored draft no longer validates; send a corrected definition.",
            {"problems": [_problem(p) for p in error.problems]},
        ) from None
    except StateError as error:
        db.session.rollback()
        raise ApiError(409, "invalid_state", str(error), {"status": "published"}) from None
    db.session.commit()
    return version_json(version)

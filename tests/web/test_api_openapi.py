"""The OpenAPI description is kept true by schemathesis: generated requests against every
operation, sent to the WSGI app with a valid token, find no server error and no response
that breaks the description (status codes, content types, schemas, headers, auth enforcement).

Two runs over all operations: valid requests (the coverage phase's boundary values, then a
few random ones) and invalid ones (the coverage phase's catalogue of wrong types, values out
of range, unknown properties, missing credentials, unsupported methods), each of which must
be refused with a documented 4xx. Path parameters name a seeded evaluation, its instrument
version 1, wave 1, response 1, job 1 and edition 1, so requests reach the real handlers rather
than stopping at "not found". The app is built once for the module; each operation starts
from a freshly seeded database (a closed wave must not spoil the next operation's run).
"""

from __future__ import annotations

import hashlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from revaluation.api.openapi import openapi_document
from revaluation.extensions import db
from revaluation.services import api_tokens
from tests.conftest import _empty_tables, _make_app
from tests.web.api_fixtures import DEFINITION

#: The seed below makes exactly these objects; every request names them.
SEEDED = {
    "slug": "pulse-eval",
    "key": "pulse",
    "number": 1,
    "wave_id": 1,
    "response_id": 1,
    "job_id": 1,
}
valid_requests = schemathesis.openapi.from_dict(
    openapi_document(),
    config=SchemathesisConfig.from_dict(
        {"generation": {"mode": "positive"}, "parameters": SEEDED}
    ),
)
invalid_requests = schemathesis.openapi.from_dict(
    openapi_document(),
    config=SchemathesisConfig.from_dict(
        {
            "generation": {"mode": "negative"},
            "parameters": SEEDED,
            # The coverage phase already sends every kind of invalid value; random ones
            # on top of it would double the run for little more.
            "phases": {"fuzzing": {"enabled": False}},
        }
    ),
)
BOUNDED = settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
PDF = b"%PDF-1.7\n% a stand-in edition\n%%EOF\n"


@pytest.fixture(scope="module")
def api_app(_schema, database_url, instance_path):
    """One app for the module. Report jobs stay queued (as with a job queue and no worker
    running): rendering PDFs is tested elsewhere, and slowly."""
    from revaluation.services import report_jobs

    app = _make_app(database_url, instance_path)
    with app.app_context(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_jobs, "queue_configured", lambda: True)
        patch.setattr(report_jobs, "enqueue", lambda job: None)
        yield app
        db.session.remove()
        _empty_tables()


@pytest.fixture
def bearer(api_app) -> dict[str, str]:
    """A fresh seed and a token with every scope for an evaluator of it."""
    from revaluation.models import ReportEdition
    from revaluation.reports.sources import ReportOptions
    from revaluation.services import evaluations, fieldwork, instruments, report_jobs, users
    from revaluation.services.api_submissions import submit_from_api
    from surveys.formats import load_instrument

    db.session.remove()
    _empty_tables()
    user = users.create_user("evaluator@example.org", "Eve Evaluator", "correct horse battery")
    evaluation = evaluations.create_evaluation(
        slug=SEEDED["slug"], title="Pulse", movement="Pulse movement", owner=user
    )
    version = instruments.create_instrument(evaluation, load_instrument(DEFINITION))
    instruments.publish_version(version, user.id)
    wave = fieldwork.create_wave(evaluation, version, name="First", groups=["member", "staff"])
    fieldwork.open_wave(wave)
    responses = [
        submit_from_api(
            wave,
            {"group": ("member", "staff")[n % 2], "answers": {"score": n % 11}},
            submission_key=f"seed-{n}",
        )
        for n in range(6)
    ]
    job = report_jobs.start_report(evaluation, ReportOptions.parse(evaluation), user_id=user.id)
    edition = ReportEdition(
        evaluation_id=evaluation.id,
        number=1,
        options={},
        pdf=PDF,
        sha256=hashlib.sha256(PDF).hexdigest(),
        page_count=1,
        created_by_id=user.id,
    )
    db.session.add(edition)
    _token, plain = api_tokens.create_token(user, "schemathesis", list(api_tokens.SCOPES))
    db.session.commit()
    made = {
        "number": version.number,
        "wave_id": wave.id,
        "response_id": responses[0].id,
        "job_id": job.id,
    }
    assert made == {k: SEEDED[k] for k in made}, "the seed must make the objects SEEDED names"
    yield {"Authorization": f"Bearer {plain}"}
    db.session.remove()


def test_the_served_description_is_the_written_one(api_app):
    served = api_app.test_client().get("/api/v1/openapi.json")
    assert served.get_json() == openapi_document()
    assert len(list(valid_requests.get_all_operations())) >= 20


def _any_text_fits(case) -> bool:
    """Whether the case's one invalid part is "a wrong type" for a repeatable text query
    parameter (``?group=``). In a query string every value is text, and one value is a
    valid one-item list, so no such request is invalid (schemathesis issue #2913)."""
    data = case.meta.phase.data if case.meta is not None else None
    if getattr(data, "parameter_location", None) is not ParameterLocation.QUERY:
        return False
    if not (getattr(data, "description", "") or "").endswith("Incorrect type"):
        return False
    parameter = case.operation.query.get(data.parameter)
    schema = parameter.definition.get("schema", {}) if parameter is not None else {}
    return schema.get("type") == "array" and schema.get("items", {}).get("type") == "string"


def _call(case, app, bearer) -> None:
    # Call the module's app in-process (WSGI, no network); the probes schemathesis sends
    # without credentials go through the schema's transport, so bind both.
    case.operation.schema.app = case.operation.app = app
    # Valid-by-schema data can still be refused with 422 for reasons a schema cannot state
    # (an answer must fit the instrument's questions), so "positive data is accepted" is
    # not checked; every other check is.
    excluded = [positive_data_acceptance]
    if _any_text_fits(case):
        excluded.append(negative_data_rejection)
    case.call_and_validate(
        base_url="http://localhost/api/v1", headers=bearer, excluded_checks=excluded
    )


@valid_requests.parametrize()
@BOUNDED
def test_valid_requests_conform(case, api_app, bearer):
    _call(case, api_app, bearer)


@invalid_requests.parametrize()
@BOUNDED
def test_invalid_requests_are_refused_with_documented_errors(case, api_app, bearer):
    _call(case, api_app, bearer)

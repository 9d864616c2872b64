"""The OpenAPI description is kept true by schemathesis: generated requests against every
operation, with a seeded evaluation and a valid token, find no server error and no response
that breaks the description (status codes, content types, schemas, headers, auth enforcement).

Two runs: valid requests aimed at the seeded evaluation and its instrument (so they reach the
real handlers rather than stopping at "no such evaluation"), and invalid requests with every
parameter free (so each violation of the description must be refused). The seed is a small
evaluation with an open wave and real responses, made through the services (seeding the full
demo for each of the forty operations would take minutes)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from revaluation.api.openapi import openapi_document
from revaluation.extensions import db
from revaluation.services import api_tokens
from tests.web.api_fixtures import DEFINITION

ON_THE_DEMO = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "positive"},
        "parameters": {"slug": "pulse-eval", "key": "pulse"},
    }
)
valid_requests = schemathesis.openapi.from_dict(openapi_document(), config=ON_THE_DEMO)
invalid_requests = schemathesis.openapi.from_dict(
    openapi_document(), config=SchemathesisConfig.from_dict({"generation": {"mode": "negative"}})
)
BOUNDED = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture
def bearer(app, monkeypatch, make_user, make_evaluation) -> dict[str, str]:
    """A token for an evaluator of a seeded evaluation. Report jobs stay queued (as with a
    job queue and no worker running): rendering PDFs is tested elsewhere, and slowly."""
    from revaluation.services import fieldwork, instruments, report_jobs
    from revaluation.services.api_submissions import submit_from_api
    from surveys.formats import load_instrument

    monkeypatch.setattr(report_jobs, "queue_configured", lambda: True)
    monkeypatch.setattr(report_jobs, "enqueue", lambda job: None)
    user = make_user("evaluator@example.org")
    evaluation = make_evaluation(user, slug="pulse-eval")
    version = instruments.create_instrument(evaluation, load_instrument(DEFINITION))
    instruments.publish_version(version, user.id)
    wave = fieldwork.create_wave(evaluation, version, name="First", groups=["member", "staff"])
    fieldwork.open_wave(wave)
    for n in range(6):
        body = {"group": ("member", "staff")[n % 2], "answers": {"score": n % 11}}
        submit_from_api(wave, body, submission_key=f"seed-{n}")
    _token, plain = api_tokens.create_token(user, "schemathesis", list(api_tokens.SCOPES))
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_the_served_description_is_the_written_one(client):
    assert client.get("/api/v1/openapi.json").get_json() == openapi_document()
    assert len(list(valid_requests.get_all_operations())) >= 20


def _call(case, app, bearer) -> None:
    # Call this test's app in-process (WSGI, no network); the probes schemathesis sends
    # without credentials go through the schema's transport, so bind both.
    case.operation.schema.app = case.operation.app = app
    # Valid-by-schema data can still be refused with 422 for reasons a schema cannot state
    # (an answer must fit the instrument's questions), so "positive data is accepted" is
    # not checked; every other check is.
    case.call_and_validate(
        base_url="http://localhost/api/v1",
        headers=bearer,
        excluded_checks=[positive_data_acceptance],
    )


@valid_requests.parametrize()
@BOUNDED
def test_valid_requests_conform(case, app, bearer):
    _call(case, app, bearer)


@invalid_requests.parametrize()
@BOUNDED
def test_invalid_requests_are_refused_with_documented_errors(case, app, bearer):
    _call(case, app, bearer)

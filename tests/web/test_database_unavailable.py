"""When the database cannot be reached or written (a restart, a full or read-only disk), every
page answers with a calm 503 and a Retry-After header, never a stack trace; other database
errors stay unexpected (500). Text holding a NUL character is refused before anything is
stored (PostgreSQL cannot store it; SQLite cuts text at it)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from revaluation.extensions import db
from revaluation.models import Response
from revaluation.services import responses
from tests.conftest import TEST_PASSWORD
from tests.web.respond_fixtures import make_survey, rid_of

OUTAGES = [
    sa_exc.OperationalError("SELECT 1", {}, Exception("server closed the connection")),
    sa_exc.OperationalError("INSERT", {}, Exception("database or disk is full")),
    sa_exc.OperationalError("INSERT", {}, Exception("attempt to write a readonly database")),
    sa_exc.InterfaceError("SELECT 1", {}, Exception("connection already closed")),
    sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),
]


@pytest.fixture
def survey(make_evaluation):
    return make_survey(make_evaluation, panel=False)


def _raise(error):
    def fail(*_args, **_kwargs):
        raise error

    return fail


@pytest.mark.parametrize("error", OUTAGES, ids=lambda e: type(e).__name__)
def test_respondent_page_during_an_outage_is_a_calm_503(client, survey, monkeypatch, error):
    monkeypatch.setattr(responses, "find_entry", _raise(error))
    page = client.get(f"/r/{survey.code}")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    text = page.get_data(as_text=True)
    assert "We could not save just now" in text
    assert "Answers you sent before are safe" in text
    assert "Traceback" not in text and "OperationalError" not in text


def test_evaluator_page_during_an_outage_is_a_calm_503(client, survey, monkeypatch):
    from revaluation.services import access

    owner = survey.evaluation.memberships[0].user
    client.post("/login", data={"email": owner.email, "password": TEST_PASSWORD})
    monkeypatch.setattr(access, "evaluation_for", _raise(OUTAGES[0]))
    page = client.get(f"/e/{survey.evaluation.slug}/instruments/upload")
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "We could not save just now" in text and "Traceback" not in text


def test_other_database_errors_remain_unexpected(client, survey, monkeypatch):
    integrity = sa_exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
    monkeypatch.setattr(responses, "find_entry", _raise(integrity))
    page = client.get(f"/r/{survey.code}")
    assert page.status_code == 500
    assert "Retry-After" not in page.headers
    assert "IntegrityError" not in page.get_data(as_text=True)


def test_a_respondent_can_send_the_page_again_after_an_outage(client, survey, monkeypatch):
    rid = rid_of(client.post(f"/r/{survey.code}/start").location)
    real = responses.record_consent
    monkeypatch.setattr(responses, "record_consent", _raise(OUTAGES[0]))
    assert client.post(f"/s/{rid}/consent", data={"agree": "yes"}).status_code == 503
    assert db.session.get(Response, rid).consent_given is False
    monkeypatch.setattr(responses, "record_consent", real)
    assert client.post(f"/s/{rid}/consent", data={"agree": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Response, rid).consent_given is True


@pytest.mark.parametrize("field", ["agree", "panel_code", "\x00name"])
def test_text_with_a_nul_character_is_refused_and_nothing_stored(client, survey, field):
    rid = rid_of(client.post(f"/r/{survey.code}/start").location)
    before = db.session.execute(sa.select(sa.func.count()).select_from(Response)).scalar()
    refused = client.post(f"/s/{rid}/consent", data={field: "yes\x00"})
    assert refused.status_code == 400
    assert "Something in that request was not right" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Response, rid).consent_given is False
    assert db.session.execute(sa.select(sa.func.count()).select_from(Response)).scalar() == before


def test_a_nul_in_the_address_is_refused(client, survey):
    """A NUL in a page address or query is refused before any query runs. (The JSON API
    refuses NUL text in bodies itself, naming the field: tests/web/test_api_*.py.)"""
    assert client.get(f"/r/{survey.code}%00").status_code == 400
    assert client.get(f"/r/{survey.code}?lang=en%00").status_code == 400

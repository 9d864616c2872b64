"""Named waves ask the respondent's name after consent; other waves never do."""

from __future__ import annotations

from revaluation.extensions import db
from revaluation.models import Response
from revaluation.models.fieldwork import Anonymity
from tests.web.respond_fixtures import make_survey, rid_of


def _named_survey(make_evaluation, *, panel: bool = False):
    survey = make_survey(make_evaluation, panel=panel)
    survey.wave.anonymity = Anonymity.NAMED
    db.session.commit()
    return survey


def _to_name_step(client, code: str) -> str:
    location = client.post(f"/r/{code}/start").location
    consent = client.get(location).location
    return client.post(consent, data={"agree": "yes"}).location


def test_named_wave_asks_the_name_after_consent_and_keeps_it(client, make_evaluation):
    survey = _named_survey(make_evaluation)
    name_step = _to_name_step(client, survey.code)
    assert name_step.endswith("/name")
    page = client.get(name_step).get_data(as_text=True)
    assert "not anonymous" in page and 'autocomplete="name"' in page
    after = client.post(name_step, data={"respondent_name": "  Amina   Khan "}).location
    assert "/p/" in after
    assert db.session.get(Response, rid_of(name_step)).respondent_name == "Amina Khan"


def test_an_empty_or_overlong_name_is_refused_with_what_was_typed_kept(client, make_evaluation):
    survey = _named_survey(make_evaluation)
    name_step = _to_name_step(client, survey.code)
    empty = client.post(name_step, data={"respondent_name": "   "})
    assert empty.status_code == 200 and "Enter your name" in empty.get_data(as_text=True)
    long = "x" * 250
    html = client.post(name_step, data={"respondent_name": long}).get_data(as_text=True)
    assert "at most 200 characters" in html and f'value="{long}"' in html
    assert db.session.get(Response, rid_of(name_step)).respondent_name is None


def test_named_wave_with_panel_codes_asks_name_then_panel(client, make_evaluation):
    survey = _named_survey(make_evaluation, panel=True)
    name_step = _to_name_step(client, survey.code)
    panel = client.post(name_step, data={"respondent_name": "Sam"}).location
    assert panel.endswith("/panel")
    assert f'href="{name_step}"' in client.get(panel).get_data(as_text=True)


def test_anonymous_waves_never_ask_a_name(client, make_evaluation):
    survey = make_survey(make_evaluation, panel=False)
    after = _to_name_step(client, survey.code)
    assert "/p/" in after
    reply = client.get(after.rsplit("/p/", 1)[0] + "/name")
    assert reply.status_code == 302 and "/name" not in reply.location
    assert db.session.get(Response, rid_of(after)).respondent_name is None

"""Versioned consent: each response records the version and SHA-256 of the consent words its
respondent agreed to; changing the words of an open wave adds a version and leaves earlier
agreements as they were; exports carry both."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest

from revaluation.extensions import db
from revaluation.models import AuditEvent, ConsentVersion, Response, StateError
from revaluation.services import consent, fieldwork
from revaluation.services.exports import export_responses
from tests.web.privacy_fixtures import send_response
from tests.web.respond_fixtures import make_survey, rid_of, start

FIRST = "Version one: we keep your answers for a year."
SECOND = "Version two: we keep your answers for six months.\n\nYou can delete them yourself."


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture
def people(make_user):
    return {"owner": make_user("owner@example.org"), "evaluator": make_user("eva@example.org"),
            "commissioner": make_user("com@example.org"), "stranger": make_user("x@example.org")}


@pytest.fixture
def survey(app, make_evaluation, people):
    from revaluation.models import Role
    from revaluation.services.evaluations import add_member

    found = make_survey(make_evaluation, consent=FIRST)
    evaluation = found.evaluation
    add_member(evaluation, people["owner"], Role.OWNER)
    add_member(evaluation, people["evaluator"], Role.EVALUATOR)
    add_member(evaluation, people["commissioner"], Role.COMMISSIONER)
    db.session.commit()
    return found


def consent_url(survey) -> str:
    return f"/e/{survey.evaluation.slug}/fieldwork/{survey.wave.id}/consent"


def test_agreeing_records_version_hash_and_time(client, survey):
    rid = rid_of(start(client, survey.code))
    response = db.session.get(Response, rid)
    assert response.consent_given and response.consent_version == 1
    assert response.consent_hash == sha(FIRST) and response.consented_at is not None
    row = db.session.execute(db.select(ConsentVersion)).scalar_one()
    assert (row.version, row.text, row.text_hash) == (1, FIRST, sha(FIRST))


def test_changing_an_open_waves_text_keeps_earlier_agreements(app, client, auth, survey):
    first_rid, _code = send_response(client, survey.code)
    auth.login("eva@example.org")
    page = client.get(consent_url(survey)).get_data(True)
    assert "saving adds version 2" in page and sha(FIRST) in page
    reply = client.post(consent_url(survey), data={"consent_text": SECOND})
    assert reply.status_code == 303
    later = app.test_client()
    second_rid, _code = send_response(later, survey.code)
    db.session.expire_all()
    first, second = db.session.get(Response, first_rid), db.session.get(Response, second_rid)
    assert (first.consent_version, first.consent_hash) == (1, sha(FIRST))
    assert (second.consent_version, second.consent_hash) == (2, sha(SECOND))
    assert survey.wave.consent_text == SECOND and survey.wave.consent_version == 2
    versions = {v.version: v for v in consent.versions_of(survey.wave)}
    assert (versions[1].text, versions[1].responses) == (FIRST, 1)
    assert (versions[2].text, versions[2].responses, versions[2].current) == (SECOND, 1, True)
    event = db.session.execute(
        db.select(AuditEvent).filter_by(action="wave.consent_change")).scalar_one()
    assert event.detail == {"version": 2, "text_hash": sha(SECOND)}
    rows = list(csv.DictReader(io.StringIO(
        export_responses(survey.evaluation, "csv").content.decode("utf-8-sig"))))
    by_id = {int(r["response_id"]): r for r in rows}
    assert (by_id[first_rid]["consent_version"], by_id[first_rid]["consent_hash"]) == \
        ("1", sha(FIRST))
    assert (by_id[second_rid]["consent_version"], by_id[second_rid]["consent_hash"]) == \
        ("2", sha(SECOND))
    # The first respondent still sees the words they agreed to.
    page = client.get(consent_url(survey)).get_data(True)
    assert "1 response agreed to this version" in page and "Version 2 (current)" in page


def test_a_partial_respondent_who_agreed_before_the_change_keeps_their_version(
        app, client, survey):
    rid = rid_of(start(client, survey.code))
    consent.change_consent_text(survey.wave, SECOND)
    db.session.commit()
    send_response(app.test_client(), survey.code)
    db.session.expire_all()
    assert db.session.get(Response, rid).consent_hash == sha(FIRST)


def test_unchanged_text_adds_no_version_and_closed_waves_refuse(client, auth, survey):
    assert consent.change_consent_text(survey.wave, f"  {FIRST}  ") is None
    fieldwork.close_wave(survey.wave)
    db.session.commit()
    with pytest.raises(StateError):
        consent.change_consent_text(survey.wave, SECOND)
    auth.login("eva@example.org")
    page = client.get(consent_url(survey)).get_data(True)
    assert "can no longer change" in page and "<textarea" not in page
    assert client.post(consent_url(survey), data={"consent_text": SECOND}).status_code == 409
    db.session.expire_all()
    assert survey.wave.consent_version == 1


def test_too_long_text_is_refused_with_a_message(client, auth, survey):
    auth.login("eva@example.org")
    reply = client.post(consent_url(survey), data={"consent_text": "x" * 5001})
    assert reply.status_code == 400
    assert "Consent text: use at most 5,000 characters." in reply.get_data(True)
    db.session.expire_all()
    assert survey.wave.consent_version == 1


@pytest.mark.parametrize("email, status", [("com@example.org", 403), ("x@example.org", 404)],
                         ids=["commissioner", "stranger"])
def test_only_editors_of_this_evaluation_may_change_consent(client, auth, survey, email, status):
    auth.login(email)
    assert client.get(consent_url(survey)).status_code == status
    assert client.post(consent_url(survey), data={"consent_text": SECOND}).status_code == status
    db.session.expire_all()
    assert survey.wave.consent_version == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, survey):
    reply = client.get(consent_url(survey))
    assert reply.status_code == 302 and "/login" in reply.location


def test_a_draft_edit_then_agreement_records_the_words_shown(client, make_evaluation):
    found = make_survey(make_evaluation, consent=FIRST)
    draft = fieldwork.create_wave(found.evaluation, found.version, name="Autumn",
                                  groups=["member"], consent_text="Draft words")
    db.session.commit()
    consent.current_version(draft)  # someone looked at version 1 while it was a draft
    settings = fieldwork.WaveSettings(
        name="Autumn", version=found.version, groups=["member"], ask_panel_code=False,
        anonymity=draft.anonymity, consent_text=SECOND, opens_at=None, closes_at=None)
    fieldwork.update_wave(draft, settings)
    fieldwork.close_wave(found.wave)
    fieldwork.open_wave(draft)
    db.session.commit()
    rid = rid_of(start(client, draft.invitations[0].code))
    response = db.session.get(Response, rid)
    assert (response.consent_version, response.consent_hash) == (2, sha(SECOND))
    assert consent.agreed_text(response).text == SECOND


def test_no_consent_text_means_no_hash(client, make_evaluation):
    found = make_survey(make_evaluation, consent="")
    rid = rid_of(start(client, found.code))
    response = db.session.get(Response, rid)
    assert response.consent_hash is None and response.consented_at is None
    assert consent.agreed_text(response) is None

"""Consent in the respondent's language: an evaluator adds a translation for each of the
instrument's other languages; a respondent answering in Welsh reads (and agrees to) the Welsh
words, and their response keeps the fingerprint of those words."""

from __future__ import annotations

import hashlib

import pytest
from markupsafe import escape

from revaluation.extensions import db
from revaluation.models import ConsentVersion, Response, Role, StateError
from revaluation.services import consent, fieldwork
from revaluation.services.respondent_data import held_about
from tests.web.respond_fixtures import TRILINGUAL_YAML, make_survey, rid_of, start

ENGLISH = "We keep your answers for a year. Taking part is up to you."
WELSH = "Rydym yn cadw eich atebion am flwyddyn. Chi sy'n dewis a ydych am gymryd rhan."
URDU = "ہم آپ کے جوابات ایک سال تک رکھتے ہیں۔ حصہ لینا آپ کی مرضی ہے۔"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture
def survey(make_evaluation, make_user):
    from revaluation.services.evaluations import add_member

    found = make_survey(make_evaluation, consent=ENGLISH, yaml_text=TRILINGUAL_YAML)
    add_member(found.evaluation, make_user("eva@example.org"), Role.EVALUATOR)
    db.session.commit()
    return found


def url(survey) -> str:
    return f"/e/{survey.evaluation.slug}/fieldwork/{survey.wave.id}/consent"


def test_a_translation_is_a_new_version_and_only_a_change_counts(survey):
    wave = survey.wave
    assert consent.change_consent_text(wave, ENGLISH, translations={"cy": WELSH}) == 2
    assert wave.consent_translations == {"cy": WELSH}
    assert consent.change_consent_text(wave, ENGLISH, translations={"cy": f" {WELSH} "}) is None
    assert consent.change_consent_text(wave, ENGLISH) is None  # translations kept as they are
    assert consent.change_consent_text(wave, ENGLISH, translations={"cy": ""}) == 3
    assert wave.consent_translations == {}
    rows = {v.version: v for v in db.session.execute(db.select(ConsentVersion)).scalars()}
    assert rows[2].translations == {"cy": WELSH} and rows[1].translations == {}
    views = {v.version: v for v in consent.versions_of(wave)}
    assert views[2].translations == [("cy", WELSH, sha(WELSH))]


def test_bad_translations_are_refused_with_a_reason(survey):
    with pytest.raises(consent.ConsentError, match=r"\(cy\): use at most 5,000"):
        consent.change_consent_text(survey.wave, ENGLISH, translations={"cy": "x" * 5001})
    with pytest.raises(consent.ConsentError, match="consent text itself"):
        consent.change_consent_text(survey.wave, "", translations={"cy": WELSH})
    fieldwork.close_wave(survey.wave)
    with pytest.raises(StateError):
        consent.change_consent_text(survey.wave, ENGLISH, translations={"cy": WELSH})


def test_a_welsh_respondent_reads_and_agrees_to_the_welsh_words(client, app, survey):
    consent.change_consent_text(survey.wave, ENGLISH, translations={"cy": WELSH, "ur": URDU})
    db.session.commit()
    location = client.post(f"/r/{survey.code}/start", data={"lang": "cy"}).location
    page = client.get(client.get(location).location).get_data(as_text=True)
    assert escape(WELSH) in page and ENGLISH not in page
    welsh_rid = rid_of(start(client, survey.code, lang="cy"))
    english_rid = rid_of(start(app.test_client(), survey.code, lang="en"))
    urdu_rid = rid_of(start(app.test_client(), survey.code, lang="ur"))
    welsh, english, urdu = (db.session.get(Response, r) for r in (welsh_rid, english_rid,
                                                                  urdu_rid))
    assert (welsh.consent_version, welsh.consent_hash) == (2, sha(WELSH))
    assert english.consent_hash == sha(ENGLISH) and urdu.consent_hash == sha(URDU)
    assert held_about(welsh).consent_text == WELSH  # what they agreed to, word for word
    welsh.language = "en"  # switching language later does not change what they agreed to
    assert held_about(welsh).consent_text == WELSH


def test_a_language_without_a_translation_reads_the_text_as_written(client, survey):
    consent.change_consent_text(survey.wave, ENGLISH, translations={"cy": WELSH})
    db.session.commit()
    rid = rid_of(start(client, survey.code, lang="ur"))
    assert db.session.get(Response, rid).consent_hash == sha(ENGLISH)


def test_the_evaluator_adds_a_translation_on_the_consent_page(client, auth, survey):
    auth.login("eva@example.org")
    page = client.get(url(survey)).get_data(as_text=True)
    assert "Cymraeg (cy)" in page and "(ur)" in page and 'lang="cy"' in page
    reply = client.post(url(survey), data={"consent_text": ENGLISH, "translation_cy": WELSH,
                                           "translation_ur": ""})
    assert reply.status_code == 303
    db.session.expire_all()
    assert survey.wave.consent_translations == {"cy": WELSH}
    page = client.get(url(survey)).get_data(as_text=True)
    assert "Version 2 (current)" in page and sha(WELSH) in page and escape(WELSH) in page
    refused = client.post(url(survey), data={"consent_text": ENGLISH,
                                             "translation_cy": "y" * 5001})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "use at most 5,000 characters (cy)" in text and "y" * 5001 in text  # kept

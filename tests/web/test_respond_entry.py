"""Respondent entry and exit: links that lead nowhere, tokens, consent, panel codes, resume
codes, idempotent submission, tampered POSTs, languages and the page weight plumbing."""

from __future__ import annotations

import gzip
from datetime import timedelta

import pytest

from revaluation.extensions import db
from revaluation.models import Answer, Response
from revaluation.models.base import utcnow
from revaluation.models.responses import ResponseStatus
from revaluation.services import fieldwork
from revaluation.services.secrets import keyed_hash
from tests.web.respond_fixtures import (
    BILINGUAL_YAML,
    answer_all,
    make_survey,
    rid_of,
    start,
    submission_id,
)


@pytest.fixture
def survey(app, make_evaluation):
    """An open wave on the all-types instrument, with consent text and a panel code page."""
    return make_survey(make_evaluation)


def count(model, **where) -> int:
    return len(db.session.execute(db.select(model).filter_by(**where)).scalars().all())


def test_unknown_closed_and_not_yet_open_links_explain_themselves(client, survey):
    reply = client.get("/r/nosuchcode")
    assert reply.status_code == 404 and "We cannot find that survey" in reply.get_data(True)
    survey.wave.opens_at = utcnow() + timedelta(days=3)
    db.session.commit()
    reply = client.get(f"/r/{survey.code}")
    assert reply.status_code == 403 and "has not opened yet" in reply.get_data(True)
    survey.wave.opens_at = None
    fieldwork.close_wave(survey.wave)
    db.session.commit()
    reply = client.get(f"/r/{survey.code}")
    assert reply.status_code == 410 and "This survey has closed" in reply.get_data(True)
    assert client.post(f"/r/{survey.code}/start").status_code == 410
    assert count(Response) == 0


def test_revoked_and_expired_links(client, survey):
    invitation = survey.wave.invitations[0]
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "has expired" in client.get(f"/r/{survey.code}").get_data(True)
    invitation.revoked_at = utcnow()
    db.session.commit()
    reply = client.get(f"/r/{survey.code}")
    assert reply.status_code == 410 and "no longer works" in reply.get_data(True)


def test_a_partial_response_on_a_wave_that_closed_cannot_continue(client, survey):
    first = start(client, survey.code)
    fieldwork.close_wave(survey.wave)
    db.session.commit()
    reply = client.get(first)
    assert reply.status_code == 410 and "closed" in reply.get_data(True)


def test_single_use_token_works_once(client, survey):
    [token] = fieldwork.create_tokens(survey.wave, "member", 1)
    db.session.commit()
    assert client.get(f"/t/{token}").status_code == 200
    location = client.post(f"/t/{token}/start").location
    consent = client.get(location).location
    assert consent.endswith("/consent")
    first = client.post(consent, data={"agree": "yes"}).location
    first = client.post(first, data={"action": "skip"}).location
    check = answer_all(client, first)
    html = client.get(check).get_data(True)
    client.post(check.replace("/check", "/submit"), data={"submission_id": submission_id(html)})
    reply = client.get(f"/t/{token}")
    assert reply.status_code == 410 and "already been used" in reply.get_data(True)
    assert count(Response, status=ResponseStatus.COMPLETE) == 1


def test_declining_consent_keeps_nothing(client, survey):
    location = client.post(f"/r/{survey.code}/start").location
    consent = client.get(location).location
    assert "We keep your answers safe." in client.get(consent).get_data(True)
    reply = client.post(consent, data={})
    assert "Choose yes if you agree" in reply.get_data(True)
    reply = client.post(consent, data={"agree": "no"})
    assert "chosen not to take part" in reply.get_data(True)
    assert count(Response) == 0


def test_panel_code_is_stored_only_as_a_keyed_hash_of_the_normalised_code(client, survey):
    first = start(client, survey.code, panel=" MA-07 le ")
    response = db.session.get(Response, rid_of(first))
    assert response.panel_hash == keyed_hash("ma07le", purpose="panel")
    assert "ma07le" not in str(db.session.execute(db.select(Response.__table__)).all())


def test_panel_code_too_short_is_refused_with_input_kept(client, survey):
    location = client.post(f"/r/{survey.code}/start").location
    panel = client.post(client.get(location).location, data={"agree": "yes"}).location
    html = client.post(panel, data={"panel_code": "ab", "action": "save"}).get_data(True)
    assert "4 to 20 letters and numbers" in html and 'value="ab"' in html


def test_double_submit_records_one_response(client, survey):
    first = start(client, survey.code)
    check = answer_all(client, first)
    token = submission_id(client.get(check).get_data(True))
    submit = check.replace("/check", "/submit")
    replies = [client.post(submit, data={"submission_id": token}) for _ in range(3)]
    assert all(r.status_code == 302 and r.location.endswith("/done") for r in replies)
    assert count(Response, status=ResponseStatus.COMPLETE) == 1
    response = db.session.get(Response, rid_of(first))
    assert response.submission_id == token
    # A resubmitted page after sending changes nothing.
    before = count(Answer, response_id=response.id)
    reply = client.post(first, data={"colour": "b", "action": "continue"})
    assert reply.status_code == 302 and reply.location.endswith("/done")
    assert db.session.execute(db.select(Answer.text).filter_by(
        response_id=response.id, question_key="colour")).scalar_one() == "a"
    assert count(Answer, response_id=response.id) == before


def test_incomplete_answers_cannot_be_submitted(client, survey):
    first = start(client, survey.code)
    check = first.rsplit("/p/", 1)[0] + "/check"
    html = client.get(check).get_data(True)
    assert "Some answers are still needed" in html and "Send my answers" not in html
    reply = client.post(check.replace("/check", "/submit"), data={"submission_id": "a" * 32})
    assert reply.location.endswith("/check")
    assert count(Response, status=ResponseStatus.COMPLETE) == 0


def test_resume_on_another_device_with_the_code(app, client, survey):
    first = start(client, survey.code)
    base = first.rsplit("/p/", 1)[0]
    client.post(f"{base}/p/basics", data={"colour": "b", "extras": ["a"], "town": "York",
                                          "action": "save"})
    saved = client.get(f"{base}/save").get_data(True)
    code = saved.split('<strong class="code">')[1].split("<")[0]
    response = db.session.get(Response, rid_of(first))
    assert response.resume_hash == keyed_hash(code, purpose="resume")
    other = app.test_client()
    assert other.get(first).status_code == 403  # not this device's answers
    wrong = other.post("/resume", data={"code": "zzzzzzzzzz"})
    assert "could not find answers" in wrong.get_data(True) and 'value="zzzzzzzzzz"' in \
        wrong.get_data(True)
    reply = other.post("/resume", data={"code": code.upper()[:5] + "-" + code.upper()[5:]})
    assert reply.location.endswith(f"/s/{response.id}")
    page = other.get(other.get(reply.location).location).get_data(True)
    assert 'value="York"' in page


TAMPERED = [
    ({"colour": "a", "nosuch": "1"}, "unknown question key"),
    ({"colour": "a", "thoughts": "from another page"}, "question of another page"),
    ({"colour": "a", "doubled": "99"}, "calculated value"),
    ({"colour": "c", "extras": ["a"]}, "answer to a question hidden before and after"),
]


@pytest.mark.parametrize(("fields", "why"), TAMPERED)
def test_tampered_posts_are_refused_and_store_nothing(client, survey, fields, why):
    first = start(client, survey.code)
    base = first.rsplit("/p/", 1)[0]
    client.post(f"{base}/p/basics", data={"colour": "c", "action": "continue"})
    before = {a.question_key: a.text for a in db.session.execute(
        db.select(Answer).filter_by(response_id=rid_of(first))).scalars()}
    reply = client.post(f"{base}/p/basics", data={**fields, "action": "continue"})
    assert reply.status_code == 400, why
    assert "nothing was saved" in reply.get_data(True)
    after = {a.question_key: a.text for a in db.session.execute(
        db.select(Answer).filter_by(response_id=rid_of(first))).scalars()}
    assert after == before


@pytest.mark.parametrize(("fields", "message"), [
    ({"colour": "zebra"}, "Choose one of the options shown"),
    ({"colour": "a", "mood": "9"}, "Choose one of the options shown"),
])
def test_choices_not_offered_are_refused(client, survey, fields, message):
    first = start(client, survey.code)
    reply = client.post(first, data={**fields, "action": "continue"})
    assert message in reply.get_data(True)
    assert count(Answer, response_id=rid_of(first)) == 0


def test_oversize_body_is_refused(client, survey):
    first = start(client, survey.code)
    reply = client.post(first, data={"colour": "a", "town": "x" * 300_000})
    assert reply.status_code == 413 and "too much" in reply.get_data(True)
    assert count(Answer, response_id=rid_of(first)) == 0


def test_missing_csrf_token_is_refused(app, survey):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    reply = client.post(f"/r/{survey.code}/start", data={"lang": "en"})
    assert reply.status_code == 400 and "expired" in reply.get_data(True)
    assert count(Response) == 0
    landing = client.get(f"/r/{survey.code}").get_data(True)
    token = landing.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post(f"/r/{survey.code}/start", data={"csrf_token": token}).status_code == 302


def test_language_choice_and_right_to_left(client, make_evaluation):
    bilingual = make_survey(make_evaluation, consent="", panel=False, yaml_text=BILINGUAL_YAML)
    landing = client.get(f"/r/{bilingual.code}").get_data(True)
    assert "Cymraeg" in landing and "العربية" in landing
    first = start(client, bilingual.code, lang="cy")
    html = client.get(first).get_data(True)
    assert 'lang="cy"' in html and "Eich tref" in html
    rid = rid_of(first)
    client.post(f"/s/{rid}/language", data={"lang": "ar"})
    html = client.get(first).get_data(True)
    assert 'dir="rtl"' in html and "مدينتك" in html
    assert db.session.get(Response, rid).language == "ar"


def test_pages_are_compressed_and_branded(client, survey):
    first = start(client, survey.code)
    reply = client.get(first, headers={"Accept-Encoding": "gzip, br"})
    assert reply.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(reply.data).decode()
    css_path = html.split('rel="stylesheet" href="')[1].split('"')[0]
    assert css_path.endswith("/ffdd00.css")
    css = client.get(css_path, headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip" and "immutable" in css.headers[
        "Cache-Control"]
    text = gzip.decompress(css.data).decode()
    assert "--brand:#ffdd00;--on-brand:#1b1f23" in text  # dark text on a light brand colour
    assert client.get(css_path, headers={"If-None-Match": css.headers["ETag"].strip('"')}
                      ).status_code in (200, 304)


def test_preview_stores_nothing_and_needs_the_edit_role(client, auth, make_user, survey):
    from revaluation.models import Role
    from revaluation.services.evaluations import add_member

    outsider = make_user()
    auth.login(outsider.email)
    assert client.get(f"/preview/{survey.version.id}").status_code == 404
    auth.logout()
    commissioner = make_user()
    add_member(survey.evaluation, commissioner, Role.COMMISSIONER)
    db.session.commit()
    auth.login(commissioner.email)
    assert client.get(f"/preview/{survey.version.id}").status_code == 403
    auth.logout()
    editor = make_user()
    add_member(survey.evaluation, editor, Role.EVALUATOR)
    db.session.commit()
    auth.login(editor.email)
    first = client.get(f"/preview/{survey.version.id}").location
    assert first.endswith("/p/basics")
    reply = client.post(first, data={"colour": "a", "town": "Bath", "action": "continue"})
    assert reply.status_code == 302
    html = client.get(first).get_data(True)
    assert "Preview" in html and 'value="Bath"' in html
    assert count(Response) == 0 and count(Answer) == 0

"""A respondent sees, downloads and deletes their own response with their reference code
(/r/my-answers), on any device, without JavaScript and without an account."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest

from revaluation.extensions import db
from revaluation.models import (
    Answer,
    AuditEvent,
    MscRound,
    MscVote,
    Response,
    Story,
    StoryTag,
    ValueItem,
)
from revaluation.services import participation_coding
from tests.web.privacy_fixtures import send_response
from tests.web.respond_fixtures import make_survey, rid_of, start

CONSENT = "We keep your answers safe.\n\nYou can stop at any time."


@pytest.fixture
def survey(app, make_evaluation):
    return make_survey(make_evaluation, consent=CONSENT)


def open_with_code(app, reference: str):
    """A new device (fresh client) that enters the reference code; returns it and the page."""
    device = app.test_client()
    reply = device.post("/r/my-answers", data={"code": reference})
    assert reply.status_code == 303, reply.get_data(True)[:1000]
    return device, reply.location


def count(model, **where) -> int:
    return len(db.session.execute(db.select(model).filter_by(**where)).scalars().all())


def test_another_device_sees_the_answers_in_plain_words(app, client, survey):
    rid, reference = send_response(client, survey.code, panel="ma07le",
                                   extra={"town": "Little Snoring"})
    device, location = open_with_code(app, reference.upper().replace("", " ").strip())
    assert location == f"/r/my-answers/{rid}"
    html = device.get(location).get_data(True)
    for words in ("Little Snoring", "Apples", "Agree", "1. Cheese; 2. Apples; 3. Bread",
                  "We walked.", "What changed? Fitter",
                  "You gave one. We keep only a scrambled version",
                  "version 1 of the information about taking part",
                  "You can stop at any time.", hashlib.sha256(CONSENT.encode()).hexdigest()):
        assert words in html, words
    assert "ma07le" not in html and reference not in html


def test_downloads_hold_the_answers_and_the_consent_agreed(app, client, survey):
    rid, reference = send_response(client, survey.code,
                                   extra={"town": "=HYPERLINK(\"http://x\")"})
    device, location = open_with_code(app, reference)
    reply = device.get(f"{location}/answers.json")
    assert reply.headers["Content-Disposition"] == f'attachment; filename="my-answers-{rid}.json"'
    assert reply.headers["Cache-Control"] == "private, no-store"
    body = json.loads(reply.get_data(True))
    answers = {a["key"]: a for a in body["answers"]}
    assert answers["colour"]["answer"] == "Apples" and answers["colour"]["value"] == "a"
    assert answers["order"]["value"] == ["c", "a", "b"]
    assert answers["doubled"]["value"] == 14
    assert body["about"]["consent_version"] == 1
    assert body["about"]["consent_hash"] == hashlib.sha256(CONSENT.encode()).hexdigest()
    assert body["about"]["consent_text"] == CONSENT
    assert body["stories"][0]["text"] == "We walked."
    assert reference not in reply.get_data(True)
    table = list(csv.reader(io.StringIO(device.get(f"{location}/answers.csv")
                                        .get_data(True).lstrip("\ufeff"))))
    assert table[0] == ["section", "question_key", "question", "answer"]
    town = next(row for row in table if row[1] == "town")
    assert town[3] == "'=HYPERLINK(\"http://x\")"  # defused for spreadsheets
    assert ["Stories", "story_1", "Story shared with the evaluation", "We walked."] in table


def test_a_partial_response_can_be_seen_and_continued(app, client, survey):
    first = start(client, survey.code)
    client.post(first, data={"colour": "b", "action": "save"})
    reference = client.get(f"/s/{rid_of(first)}/save").get_data(True).split(
        'class="code">')[1].split("<")[0]
    device, location = open_with_code(app, reference)
    html = device.get(location).get_data(True)
    assert "Bread" in html and "Not sent yet" in html
    assert f'href="/s/{rid_of(first)}"' in html  # carry on answering


@pytest.mark.parametrize("typed, message", [
    ("", "Enter your reference code"),
    ("abc", "We could not find answers with that code"),
    ("zzzzzzzzzz", "We could not find answers with that code"),
])
def test_wrong_codes_get_a_clear_error_and_no_access(client, survey, typed, message):
    reply = client.post("/r/my-answers", data={"code": typed})
    html = reply.get_data(True)
    assert reply.status_code == 200 and message in html
    assert 'class="error-summary"' in html and 'aria-invalid="true"' in html
    assert "reval_respondent" not in reply.headers.get("Set-Cookie", "")


def test_pages_refuse_a_browser_without_the_code(app, client, survey):
    rid, _reference = send_response(client, survey.code)
    stranger = app.test_client()
    for path in (f"/r/my-answers/{rid}", f"/r/my-answers/{rid}/answers.json",
                 f"/r/my-answers/{rid}/answers.csv", f"/r/my-answers/{rid}/delete"):
        reply = stranger.get(path)
        assert reply.status_code == 403 and "Enter your reference code" in reply.get_data(True)
    assert stranger.post(f"/r/my-answers/{rid}/delete",
                         data={"confirm": "delete"}).status_code == 403
    assert count(Response, id=rid) == 1


def _story_on_msc_table(rid: int) -> Story:
    story = db.session.execute(db.select(Story).filter_by(response_id=rid)).scalar_one()
    tag = StoryTag(evaluation_id=story.evaluation_id, name="walking")
    story.tags = [tag]
    msc = MscRound(evaluation_id=story.evaluation_id, domain="Health", code="msc-privacy",
                   story_ids=[story.id], selected_story_id=story.id, selection_reason="Moving")
    db.session.add(msc)
    db.session.flush()
    db.session.add(MscVote(round_id=msc.id, story_id=story.id, panellist_hash="p" * 64,
                           reason="Moving"))
    db.session.commit()
    return story


def test_deleting_erases_answers_and_stories_and_leaves_a_bare_audit_event(app, client, survey):
    rid, reference = send_response(client, survey.code, words={"tale": "My own words here."})
    story = _story_on_msc_table(rid)
    story_id, kept_tag = story.id, story.tags[0].id
    assert count(ValueItem, story_id=story_id) == 1
    device, location = open_with_code(app, reference)
    confirm = device.get(f"{location}/delete").get_data(True)
    assert "This cannot be undone." in confirm and "and the story you shared" in confirm
    assert count(Response, id=rid) == 1  # looking at the confirmation deletes nothing
    reply = device.post(f"{location}/delete", data={"confirm": "delete"})
    assert reply.status_code == 200 and "Your answers have been deleted" in reply.get_data(True)
    db.session.expire_all()
    assert count(Response, id=rid) == 0 and count(Answer, response_id=rid) == 0
    assert count(Story, id=story_id) == 0 and count(ValueItem, story_id=story_id) == 0
    assert count(MscVote, story_id=story_id) == 0
    msc = db.session.execute(db.select(MscRound)).scalar_one()
    assert msc.story_ids == [] and msc.selected_story_id is None
    assert db.session.get(StoryTag, kept_tag) is not None  # the code itself is the evaluator's
    event = db.session.execute(
        db.select(AuditEvent).filter_by(action="response.erase_own")).scalar_one()
    assert event.actor_label == "respondent" and event.actor_id is None
    assert event.detail == {"wave_id": survey.wave.id, "response_id": rid, "responses": 1,
                            "answers": event.detail["answers"], "stories": 1,
                            "export_files": 0}
    assert event.detail["answers"] > 20
    assert "My own words" not in json.dumps(event.detail) and reference not in str(event.detail)
    # The code no longer leads anywhere, on this device or another.
    assert device.get(location).status_code == 403
    again = app.test_client().post("/r/my-answers", data={"code": reference})
    assert "We could not find answers" in again.get_data(True)


def test_delete_needs_the_confirmation_field(app, client, survey):
    rid, reference = send_response(client, survey.code)
    device, location = open_with_code(app, reference)
    reply = device.post(f"{location}/delete", data={})
    assert reply.status_code == 200 and "Delete your answers?" in reply.get_data(True)
    assert count(Response, id=rid) == 1


def test_forgetting_on_a_shared_device(app, client, survey):
    rid, reference = send_response(client, survey.code)
    device, location = open_with_code(app, reference)
    assert device.post(f"{location}/forget").status_code == 303
    assert device.get(location).status_code == 403
    assert count(Response, id=rid) == 1


def test_the_confirmation_and_privacy_pages_point_to_my_answers(client, survey):
    first = start(client, survey.code)
    assert "/r/my-answers" in client.get(first).get_data(True)  # footer on every page
    privacy = client.get("/respondent-privacy").get_data(True)
    assert 'href="/r/my-answers"' in privacy and "delete them yourself" in privacy


def test_stories_pool_is_rebuilt_without_the_deleted_response(app, client, survey):
    _rid, reference = send_response(client, survey.code)
    device, location = open_with_code(app, reference)
    device.post(f"{location}/delete", data={"confirm": "delete"})
    assert participation_coding.sync_stories(survey.evaluation) == 0
    assert count(Story) == 0

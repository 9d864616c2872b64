"""Owners erase one respondent's response (found by number or by the respondent's reference
code) or a whole wave's, after typing a confirmation; the erasure cascades to answers and
stories and leaves an audit event with counts only. Nobody else may erase anything."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import (
    Answer,
    AuditEvent,
    MscRound,
    Response,
    Role,
    StoredFile,
    Story,
    ValueItem,
    Wave,
)
from revaluation.models.base import utcnow
from revaluation.services import audit_log
from revaluation.services.evaluations import add_member
from tests.web.privacy_fixtures import send_response
from tests.web.respond_fixtures import make_survey


@pytest.fixture
def people(make_user):
    return {"owner": make_user("owner@example.org"), "evaluator": make_user("eva@example.org"),
            "commissioner": make_user("com@example.org"), "stranger": make_user("x@example.org")}


@pytest.fixture
def survey(app, make_evaluation, people):
    found = make_survey(make_evaluation)
    add_member(found.evaluation, people["owner"], Role.OWNER)
    add_member(found.evaluation, people["evaluator"], Role.EVALUATOR)
    add_member(found.evaluation, people["commissioner"], Role.COMMISSIONER)
    db.session.commit()
    return found


@pytest.fixture
def sent(app, survey):
    """Three responses sent through the respondent pages: [(id, reference code)]."""
    return [send_response(app.test_client(), survey.code, words={"tale": f"Story number {n}"})
            for n in range(3)]


def count(model, **where) -> int:
    return len(db.session.execute(db.select(model).filter_by(**where)).scalars().all())


def audit_event(action: str) -> AuditEvent:
    return db.session.execute(db.select(AuditEvent).filter_by(action=action)).scalar_one()


def base(survey) -> str:
    return f"/e/{survey.evaluation.slug}/results"


def test_owner_finds_a_response_by_reference_code_and_erases_it(client, auth, survey, sent):
    (rid, reference), (other, _code) = sent[0], sent[1]
    auth.login("owner@example.org")
    page = client.get(f"{base(survey)}/erase").get_data(True)
    assert "Responses held per wave" in page and ">3<" in page
    found = client.post(f"{base(survey)}/erase/find", data={"reference": reference.upper()})
    assert found.status_code == 303
    assert found.location == f"{base(survey)}/responses/{rid}/erase"
    confirm = client.get(found.location).get_data(True)
    assert f"Type the response number, {rid}, to confirm." in confirm
    assert "Story number 0" not in confirm  # the owner confirms without reading the answers
    wrong = client.post(found.location, data={"confirmation": str(other)})
    assert wrong.status_code == 400 and "Type the response number" in wrong.get_data(True)
    assert count(Response, id=rid) == 1
    story = db.session.execute(db.select(Story).filter_by(response_id=rid)).scalar_one().id
    done = client.post(found.location, data={"confirmation": f" {rid} "})
    assert done.status_code == 303
    db.session.expire_all()
    assert count(Response, id=rid) == 0 and count(Answer, response_id=rid) == 0
    assert count(Story, id=story) == 0 and count(ValueItem, story_id=story) == 0
    assert count(Response) == 2
    event = audit_event("response.erase")
    assert event.actor_id is not None and event.detail["response_id"] == rid
    assert event.detail["stories"] == 1 and "Story" not in str(event.detail)
    assert f"erased response {rid}" in client.get(
        f"/e/{survey.evaluation.slug}/audit").get_data(True)


def test_owner_finds_a_response_by_its_export_number(client, auth, survey, sent):
    auth.login("owner@example.org")
    rid = sent[2][0]
    found = client.post(f"{base(survey)}/erase/find", data={"reference": str(rid)})
    assert found.location.endswith(f"/responses/{rid}/erase")


@pytest.mark.parametrize("typed, message", [
    ("", "Enter a response number"),
    ("999999", "No response in this evaluation has that number"),
    ("nosuchcode", "No response in this evaluation has that number"),
])
def test_finding_explains_what_was_wrong(client, auth, survey, sent, typed, message):
    auth.login("owner@example.org")
    reply = client.post(f"{base(survey)}/erase/find", data={"reference": typed})
    assert reply.status_code == 400 and message in reply.get_data(True)


def test_responses_of_another_evaluation_cannot_be_reached(app, client, auth, survey, sent,
                                                          make_evaluation, people):
    other = make_survey(make_evaluation, consent="")
    add_member(other.evaluation, people["owner"], Role.OWNER)
    db.session.commit()
    foreign, foreign_code = send_response(app.test_client(), other.code)
    auth.login("owner@example.org")
    for typed in (str(foreign), foreign_code):
        reply = client.post(f"{base(survey)}/erase/find", data={"reference": typed})
        assert reply.status_code == 400
    assert client.get(f"{base(survey)}/responses/{foreign}/erase").status_code == 404
    assert client.post(f"{base(survey)}/responses/{foreign}/erase",
                       data={"confirmation": str(foreign)}).status_code == 404
    assert client.get(f"{base(survey)}/waves/{other.wave.id}/erase").status_code == 404
    assert count(Response, id=foreign) == 1


@pytest.mark.parametrize("email, status", [
    ("eva@example.org", 403), ("com@example.org", 403), ("x@example.org", 404), (None, 302)],
    ids=["evaluator", "commissioner", "stranger", "signed-out"])
def test_only_owners_may_erase(client, auth, survey, sent, email, status):
    if email:
        auth.login(email)
    rid = sent[0][0]
    replies = [
        client.get(f"{base(survey)}/erase"),
        client.post(f"{base(survey)}/erase/find", data={"reference": str(rid)}),
        client.post(f"{base(survey)}/responses/{rid}/erase", data={"confirmation": str(rid)}),
        client.post(f"{base(survey)}/waves/{survey.wave.id}/erase",
                    data={"confirmation": survey.wave.name}),
    ]
    assert [r.status_code for r in replies] == [status] * 4
    if status == 302:  # signed-out visitors are sent to sign in
        assert all("/login" in r.location for r in replies)
    assert count(Response) == 3


def test_owner_erases_a_whole_wave_after_typing_its_name(client, auth, survey, sent):
    story_ids = [s.id for s in db.session.execute(db.select(Story)).scalars()]
    msc = MscRound(evaluation_id=survey.evaluation.id, domain="Health", code="msc-wave",
                   story_ids=story_ids, selected_story_id=story_ids[0], selection_reason="X")
    db.session.add(msc)
    db.session.commit()
    auth.login("owner@example.org")
    url = f"{base(survey)}/waves/{survey.wave.id}/erase"
    page = client.get(url).get_data(True)
    assert "Erase every response in “Spring”?" in page and "Type the wave&#39;s name" in page
    assert client.post(url, data={"confirmation": "Autumn"}).status_code == 400
    assert count(Response) == 3
    assert client.post(url, data={"confirmation": "  spring "}).status_code == 303
    db.session.expire_all()
    assert count(Response) == 0 and count(Answer) == 0 and count(Story) == 0
    assert count(ValueItem) == 0
    msc = db.session.get(MscRound, msc.id)
    assert msc.story_ids == [] and msc.selected_story_id is None
    assert db.session.get(Wave, survey.wave.id) is not None  # the wave itself stays
    event = db.session.execute(db.select(AuditEvent).filter_by(action="wave.erase")).scalar_one()
    assert event.detail["responses"] == 3 and event.detail["stories"] == 3
    described = audit_log.audit_page(survey.evaluation)["events"][0]["text"]
    assert described.startswith("Test Person erased all 3 responses of wave “Spring”")
    # The respondents' codes no longer find anything.
    assert client.post(f"{base(survey)}/erase/find",
                       data={"reference": sent[0][1]}).status_code == 400


def test_the_wave_and_data_pages_link_owners_to_erasure(client, auth, survey, sent):
    auth.login("owner@example.org")
    slug = survey.evaluation.slug
    assert f"/e/{slug}/results/erase" in client.get(f"/e/{slug}/results/data").get_data(True)
    wave_page = client.get(f"/e/{slug}/fieldwork/{survey.wave.id}").get_data(True)
    assert f"/results/waves/{survey.wave.id}/erase" in wave_page
    auth.logout()
    auth.login("eva@example.org")
    assert "/erase" not in client.get(f"/e/{slug}/fieldwork/{survey.wave.id}").get_data(True)


def test_erasing_also_discards_kept_export_files(client, auth, survey, sent):
    """A background export made before the erasure may hold the erased rows: it goes too
    (uploads waiting to be imported are not exports of these responses and stay)."""
    for purpose in ("export", "upload"):
        db.session.add(StoredFile(evaluation_id=survey.evaluation.id, purpose=purpose,
                                  name=f"{purpose}.csv", mimetype="text/csv", sha256="0" * 64,
                                  size=3, content=b"a,b", expires_at=utcnow()))
    db.session.commit()
    auth.login("owner@example.org")
    rid = sent[0][0]
    client.post(f"{base(survey)}/responses/{rid}/erase", data={"confirmation": str(rid)})
    db.session.expire_all()
    assert [f.purpose for f in db.session.execute(db.select(StoredFile)).scalars()] == ["upload"]
    assert audit_event("response.erase").detail["export_files"] == 1

"""Responses through the API: reading with filters, and server-to-server submission."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import Answer, Response
from revaluation.services import fieldwork
from tests.web.api_fixtures import *  # noqa: F403  (the API fixtures)


@pytest.fixture
def api(api_for, owner, evaluation):
    return api_for(owner)


def submit(api, wave, **body):
    payload = {"submission_id": "sub-00001", "group": "member", "answers": {"score": 7}}
    payload.update(body)
    return api.post(f"/evaluations/pulse-eval/waves/{wave.id}/responses", json=payload)


def count(model) -> int:
    return db.session.execute(db.select(db.func.count(model.id))).scalar_one()


def test_a_submission_is_stored_complete_with_normalised_answers(api, open_wave):
    response = submit(
        api, open_wave, answers={"score": "8", "helped": "yes", "how": " Met people ", "visits": 4}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["created"] is True
    assert body["status"] == "complete"
    assert body["source"] == "api"
    assert body["answers"] == {"score": 8, "helped": "yes", "how": "Met people", "visits": 4}
    assert response.headers["Location"].endswith(f"/responses/{body['id']}")
    stored = db.session.get(Response, body["id"])
    assert stored.completed_at is not None
    assert stored.imported_from == "api"


def test_the_same_submission_id_twice_stores_one_response(api, open_wave):
    first = submit(api, open_wave, submission_id="paper-form-0042")
    second = submit(api, open_wave, submission_id="paper-form-0042", answers={"score": 1})
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json()["created"] is False
    assert second.get_json()["id"] == first.get_json()["id"]
    assert second.get_json()["answers"] == {"score": 7}
    assert count(Response) == 1
    assert count(Answer) == 1


def test_a_submission_id_from_another_wave_is_a_409(api, open_wave, evaluation):
    other = fieldwork.create_wave(
        evaluation, open_wave.instrument_version, name="Second", groups=["member"]
    )
    fieldwork.open_wave(other)
    db.session.commit()
    submit(api, open_wave, submission_id="shared-id-1")
    response = submit(api, other, submission_id="shared-id-1")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "submission_id_reused"


def test_two_users_may_choose_the_same_submission_id(
    api, api_for, make_user, open_wave, evaluation
):
    from revaluation.models import Role
    from revaluation.services.evaluations import add_member

    colleague = make_user("colleague@example.org")
    add_member(evaluation, colleague, Role.EVALUATOR)
    db.session.commit()
    assert submit(api, open_wave, submission_id="batch-0001").status_code == 201
    assert submit(api_for(colleague), open_wave, submission_id="batch-0001").status_code == 201
    assert count(Response) == 2


BAD_SUBMISSIONS = [
    ({"answers": {"score": 11}}, "invalid_answers", "score"),
    ({"answers": {"score": "lots"}}, "invalid_answers", "score"),
    ({"answers": {"score": 5, "visits": 40}}, "invalid_answers", "visits"),
    ({"answers": {"score": 5, "helped": "maybe"}}, "invalid_answers", "helped"),
    ({"answers": {"helped": "no"}}, "incomplete_response", None),
    ({"answers": {"score": 5, "helped": "no", "how": "text"}}, "hidden_questions", None),
    ({"answers": {"score": 5, "mood": 3}}, "unknown_questions", None),
    ({"answers": {"score": 5}, "group": "board"}, "invalid_value", None),
    ({"answers": {"score": 5}, "language": "fr"}, "invalid_value", None),
    ({"answers": {"score": 5}, "panel_code": "abcd1234"}, "field_not_asked", None),
    ({"answers": {"score": 5}, "respondent_name": "Ann"}, "field_not_asked", None),
    ({"answers": {"score": 5}, "submission_id": "short"}, "invalid_value", None),
    ({"answers": {"score": 5}, "submission_id": 12345678}, "invalid_type", None),
    ({"answers": [5]}, "invalid_type", None),
    ({"answers": {"score": 5}, "extra": 1, "more": 2}, "unknown_fields", None),
    ({"answers": {"score": 5, "how": "a\x00b"}}, "invalid_text", None),
]


@pytest.mark.parametrize(("body", "code", "answer_key"), BAD_SUBMISSIONS)
def test_bad_submissions_are_refused_and_nothing_is_stored(api, open_wave, body, code, answer_key):
    response = submit(api, open_wave, **body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == code
    if answer_key:
        assert answer_key in error["details"]["answers"]
    if code == "unknown_fields":
        assert error["details"]["fields"] == ["extra", "more"]
    assert count(Response) == 0
    assert count(Answer) == 0


def test_a_closed_wave_refuses_submissions(api, open_wave):
    fieldwork.close_wave(open_wave)
    db.session.commit()
    response = submit(api, open_wave)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "wave_not_open"


def test_a_wave_with_consent_text_needs_consent_true(api, evaluation, open_wave):
    wave = fieldwork.create_wave(
        evaluation,
        open_wave.instrument_version,
        name="Consented",
        groups=["member"],
        consent_text="We keep your answers safe.",
    )
    fieldwork.open_wave(wave)
    db.session.commit()
    refused = submit(api, wave)
    assert refused.get_json()["error"]["code"] == "consent_required"
    accepted = submit(api, wave, consent=True)
    assert accepted.status_code == 201
    assert accepted.get_json()["consent_given"] is True
    assert accepted.get_json()["consent_version"] == wave.consent_version


def test_panel_codes_are_stored_hashed_and_never_shown(api, evaluation, open_wave):
    from revaluation.models import Anonymity

    wave = fieldwork.create_wave(
        evaluation,
        open_wave.instrument_version,
        name="Panel",
        groups=["member"],
        ask_panel_code=True,
        anonymity=Anonymity.PSEUDONYMOUS,
    )
    fieldwork.open_wave(wave)
    db.session.commit()
    body = submit(api, wave, panel_code="river-blue-42").get_json()
    stored = db.session.get(Response, body["id"])
    assert stored.panel_hash and "river" not in stored.panel_hash
    listing = api.get("/evaluations/pulse-eval/responses").get_data(as_text=True)
    assert stored.panel_hash not in listing
    assert "panel" not in listing and "resume" not in listing and "submission" not in listing


def test_reading_filters_by_wave_group_and_status(api, evaluation, open_wave):
    other = fieldwork.create_wave(
        evaluation, open_wave.instrument_version, name="Second", groups=["member", "staff"]
    )
    fieldwork.open_wave(other)
    db.session.commit()
    for n, (wave, group) in enumerate(
        [(open_wave, "member"), (open_wave, "staff"), (open_wave, "staff"), (other, "staff")]
    ):
        assert submit(api, wave, submission_id=f"filter-{n:04}", group=group).status_code == 201
    url = "/evaluations/pulse-eval/responses"
    assert api.get(url).get_json()["total"] == 4
    assert api.get(f"{url}?wave={open_wave.id}").get_json()["total"] == 3
    assert api.get(f"{url}?wave={open_wave.id}&group=staff").get_json()["total"] == 2
    assert api.get(f"{url}?group=staff&per_page=1&page=3").get_json()["items"][0]["wave_id"] == (
        other.id
    )
    assert api.get(f"{url}?status=partial").get_json()["total"] == 0
    assert api.get(f"{url}?status=finished").get_json()["error"]["code"] == "invalid_parameter"
    assert api.get(f"{url}?wave=999999").status_code == 404
    one = api.get(url).get_json()["items"][0]
    assert api.get(f"{url}/{one['id']}").get_json() == one
    assert api.get(f"{url}/999999").status_code == 404


def test_reading_responses_uses_a_bounded_number_of_queries(api, open_wave):
    import sqlalchemy as sa

    for n in range(30):
        submit(api, open_wave, submission_id=f"bulk-{n:04}", answers={"score": n % 11})
    statements = []

    def count_statement(*_args):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count_statement)
    try:
        body = api.get("/evaluations/pulse-eval/responses?per_page=30").get_json()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count_statement)
    assert len(body["items"]) == 30
    assert sorted(r["answers"]["score"] for r in body["items"]) == sorted(n % 11 for n in range(30))
    assert len(statements) < 15

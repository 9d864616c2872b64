"""No personal data in logs: a respondent journey (token link, consent, panel code, answers,
resume on another device, seeing and deleting the answers), a sign-in (and a failed one) and
an export, all logged at DEBUG, leave no email address, answer text, resume code, panel code
or token in any log record."""

from __future__ import annotations

import logging
import re

from revaluation.extensions import db
from revaluation.services import fieldwork
from tests.web.privacy_fixtures import answer_pages
from tests.web.respond_fixtures import make_survey, rid_of, submission_id

EMAIL = "dpo.check@example.org"
WORDS = "Marmalade lighthouse on Tuesday"
TOWN = "Quillbridge-under-Wold"
PANEL = "OTTER-77-plum"
#: Loggers turned up to DEBUG on top of the root logger (caplog), as an operator might.
LOGGERS = ("revaluation", "werkzeug", "flask_limiter", "flask_login")


def _records_text(records: list[logging.LogRecord]) -> str:
    parts = []
    for record in records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        parts.append(record.exc_text or "")
        parts.append(getattr(record, "stack_info", None) or "")
    return "\n".join(parts)


def test_a_whole_journey_logs_nothing_personal(app, client, auth, caplog, make_user,
                                               make_evaluation):
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        owner = make_user(EMAIL)
        survey = make_survey(make_evaluation, consent="We keep your answers safe.")
        from revaluation.models import Role
        from revaluation.services.evaluations import add_member

        add_member(survey.evaluation, owner, Role.OWNER)
        token = fieldwork.create_tokens(survey.wave, "member", 1)[0]
        db.session.commit()

        # A respondent follows a single-use link, agrees, gives a panel code, saves halfway.
        phone = app.test_client()
        assert phone.get(f"/t/{token}").status_code == 200
        location = phone.post(f"/t/{token}/start", data={"lang": "en"}).location
        location = phone.get(location).location
        location = phone.post(location, data={"agree": "yes"}).location
        first = phone.post(location, data={"panel_code": PANEL, "action": "save"}).location
        rid = rid_of(first)
        phone.post(first, data={"colour": "a", "town": TOWN, "action": "save"})
        resume = re.search(r'class="code">([^<]+)<',
                           phone.get(f"/s/{rid}/save").get_data(True)).group(1)

        # ...and finishes on a laptop with the resume code, then sends.
        laptop = app.test_client()
        assert laptop.post("/resume", data={"code": resume}).status_code == 302
        check = answer_pages(laptop, first, extra={"town": TOWN}, words={"tale": WORDS})
        html = laptop.get(check).get_data(True)
        laptop.post(f"/s/{rid}/submit", data={"submission_id": submission_id(html)})

        # The owner signs in (once wrongly) and exports.
        auth.login(EMAIL, "not the password")
        auth.login(EMAIL)
        assert client.get(f"/e/{survey.evaluation.slug}/results/data/responses.csv"
                          ).status_code == 200

        # The respondent looks at, downloads and deletes the answers with the code.
        third = app.test_client()
        assert third.post("/r/my-answers", data={"code": "wrong-code-1"}).status_code == 200
        assert third.post("/r/my-answers", data={"code": resume}).status_code == 303
        assert WORDS in third.get(f"/r/my-answers/{rid}").get_data(True)
        third.get(f"/r/my-answers/{rid}/answers.json")
        assert third.post(f"/r/my-answers/{rid}/delete",
                          data={"confirm": "delete"}).status_code == 200
    finally:
        for name in LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)

    assert len(caplog.records) > 5, "the journey should have logged something"
    logged = _records_text(caplog.records)
    for secret in (EMAIL, WORDS, TOWN, resume, PANEL, "otter77plum", token):
        assert secret.lower() not in logged.lower(), f"{secret!r} appeared in the logs"


def test_an_unexpected_error_logs_the_route_not_the_token(app, client, caplog, monkeypatch,
                                                          make_evaluation):
    from revaluation.services import responses

    survey = make_survey(make_evaluation)
    token = fieldwork.create_tokens(survey.wave, "member", 1)[0]
    db.session.commit()

    def broken(**_kwargs):
        raise RuntimeError("the lookup failed")

    monkeypatch.setattr(responses, "find_entry", broken)
    caplog.set_level(logging.DEBUG)
    assert client.get(f"/t/{token}").status_code == 500
    logged = _records_text(caplog.records)
    assert "unhandled error on GET /t/<token>" in logged
    assert token not in logged

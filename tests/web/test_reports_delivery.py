"""Sending an edition to commissioners: account links, one-off links, the outbox, the audit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from revaluation.extensions import db
from revaluation.models import AuditEvent, ReportDelivery
from revaluation.models.base import utcnow
from tests.web.reports_fixtures import PDF_BYTES, people_and_edition


@pytest.fixture
def setup(make_user, make_evaluation):
    return people_and_edition(make_user, make_evaluation)


def outbox_messages(app) -> list[str]:
    """The outbox's messages, oldest first, as To + Subject + decoded text."""
    from revaluation.services.mail import list_outbox

    return [f"{m.to}\n{m.subject}\n{m.text}" for m in reversed(list_outbox(limit=500))]


def send(client, data):
    return client.post("/e/walk/reports/1/send", data=data, follow_redirects=True)


def one_off_link(app) -> str:
    for text in reversed(outbox_messages(app)):
        found = re.search(r"/reports/d/([A-Za-z0-9_-]{20,})", text)
        if found:
            return found.group(0)
    raise AssertionError("no one-off link in the outbox")


def audit_actions() -> list[str]:
    return [e.action for e in db.session.execute(db.select(AuditEvent)).scalars()]


def test_commissioner_with_account_gets_an_access_checked_link(app, client, auth, setup):
    _evaluation, edition, _evaluator, commissioner, _outsider = setup
    auth.login("eva@example.org")
    page = send(client, {"recipients": [str(commissioner.id)], "note": "For the board."})
    assert page.status_code == 200
    assert "was sent to 1 person" in page.get_data(as_text=True)
    text = outbox_messages(app)[-1]
    assert "cora@example.org" in text and "/e/walk/reports/1.pdf" in text
    assert "For the board." in text and edition.sha256 in text
    assert edition.sent_at is not None
    delivery = db.session.execute(db.select(ReportDelivery)).scalar_one()
    assert delivery.recipient_id == commissioner.id and delivery.token_hash is None
    assert "report.send" in audit_actions()
    # The link works only for someone signed in with a role in the evaluation.
    auth.logout()
    assert client.get("/e/walk/reports/1.pdf").status_code in (302, 401, 404)
    auth.login("cora@example.org")
    response = client.get("/e/walk/reports/1.pdf")
    assert response.status_code == 200 and response.data == PDF_BYTES
    db.session.refresh(delivery)
    assert delivery.downloaded_at is not None
    assert "report.download" in audit_actions()


def test_outsider_gets_a_one_off_link_that_works_once(app, client, auth, setup):
    auth.login("eva@example.org")
    send(client, {"emails": "Funder@Example.net\nfunder@example.net"})
    deliveries = db.session.execute(db.select(ReportDelivery)).scalars().all()
    assert len(deliveries) == 1, "the same address typed twice is one recipient"
    delivery = deliveries[0]
    assert delivery.recipient_email == "funder@example.net"
    assert delivery.recipient_id is None and len(delivery.token_hash) == 64
    assert (
        timedelta(days=13)
        < delivery.expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
        <= timedelta(days=14)
    )
    link = one_off_link(app)
    assert link.split("/")[-1] not in delivery.token_hash, "only a keyed hash is stored"
    auth.logout()
    landing = client.get(link)
    assert landing.status_code == 200
    assert "works once" in landing.get_data(as_text=True)
    downloaded = client.post(link)
    assert downloaded.status_code == 200 and downloaded.data == PDF_BYTES
    assert downloaded.headers["Content-Disposition"].startswith("attachment")
    again = client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert client.post(link).status_code == 410
    event = db.session.execute(
        db.select(AuditEvent).filter_by(action="report.download")
    ).scalar_one()
    assert event.actor_label == "recipient" and event.detail["via"] == "one-off link"


def test_expired_and_invalid_links_explain_themselves(app, client, auth, setup):
    auth.login("eva@example.org")
    send(client, {"emails": "funder@example.net"})
    link = one_off_link(app)
    auth.logout()
    delivery = db.session.execute(db.select(ReportDelivery)).scalar_one()
    delivery.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = client.get(link)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    invalid = client.get("/reports/d/not-a-real-token-at-all-0123456789")
    assert invalid.status_code == 410
    assert "not valid" in invalid.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose at least one commissioner, or type an email address."),
        ({"emails": "not an address"}, "is not an email address"),
        ({"note": "x" * 2001, "emails": "a@example.org"}, "Keep the note under 2,000 characters"),
    ],
)
def test_bad_send_forms_say_what_to_fix(client, auth, setup, data, message):
    auth.login("eva@example.org")
    response = client.post("/e/walk/reports/1/send", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.execute(db.select(ReportDelivery)).first() is None


def test_only_evaluators_send_and_only_members_download(client, auth, setup):
    auth.login("cora@example.org")
    assert client.get("/e/walk/reports/1/send").status_code == 403
    assert client.get("/e/walk/reports/1.pdf").status_code == 200
    auth.logout()
    auth.login("otto@example.org")
    assert client.get("/e/walk/reports/1.pdf").status_code == 404
    assert client.get("/e/walk/reports").status_code == 404


def test_outbox_page_shows_the_messages_in_development(app, client, auth, setup):
    auth.login("eva@example.org")
    send(client, {"emails": "funder@example.net"})
    page = client.get("/e/walk/reports/outbox")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "funder@example.net" in body and "/reports/d/" in body
    auth.logout()
    auth.login("cora@example.org")
    assert client.get("/e/walk/reports/outbox").status_code == 403

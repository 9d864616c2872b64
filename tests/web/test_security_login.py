"""Sign-in throttling and lockout, the audit trail of sign-ins, and what owners see of it."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from revaluation.extensions import db, limiter
from revaluation.models import AuditEvent, LoginThrottle, User
from revaluation.models.base import utcnow
from tests.conftest import TEST_PASSWORD

WRONG = "not the password at all"


def _attempt(client, email: str, password: str = WRONG):
    response = client.post("/login", data={"email": email, "password": password})
    return response.status_code, response.get_data(as_text=True)


def _message(html: str) -> str:
    start = html.index('<div class="error-summary"')
    return html[start:html.index("</div>", start)]


def test_the_failure_that_locks_says_so_with_the_minutes(app, client, make_user):
    make_user("dee@example.org")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        status, html = _attempt(client, "dee@example.org")
        assert status == 400 and "is not right" in html
    status, html = _attempt(client, "dee@example.org")
    assert status == 400
    assert "Too many failed attempts" in html
    assert f"locked for {app.config['LOGIN_LOCKOUT_MINUTES']} more minutes" in html
    status, html = _attempt(client, "dee@example.org", TEST_PASSWORD)
    assert "Too many failed attempts" in html  # the right password waits too
    assert client.get("/").status_code == 302


def test_the_lock_lifts_when_its_time_is_up(app, client, make_user):
    user = make_user("dee@example.org")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _attempt(client, "dee@example.org")
    db.session.expire_all()
    user = db.session.get(User, user.id)
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _attempt(client, "dee@example.org", TEST_PASSWORD)[0] == 302


def test_an_unknown_address_locks_exactly_like_a_real_one(app, make_user):
    """Neither the words nor the status of any attempt tells which address has an account."""
    make_user("dee@example.org")
    real, fake = app.test_client(), app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 2):
        real_status, real_html = _attempt(real, "dee@example.org")
        fake_status, fake_html = _attempt(fake, "nobody@example.org")
        assert real_status == fake_status
        assert _message(real_html) == _message(fake_html)
    assert "Too many failed attempts" in fake_html
    rows = db.session.execute(sa.select(LoginThrottle)).scalars().all()
    assert len(rows) == 1 and "nobody" not in rows[0].key_hash


def test_throttle_rows_of_unknown_addresses_are_forgotten_after_a_day(app, client):
    _attempt(client, "old@example.org")
    row = db.session.execute(sa.select(LoginThrottle)).scalar_one()
    row.updated_at = utcnow() - timedelta(days=2)
    db.session.commit()
    _attempt(client, "new@example.org")
    assert db.session.execute(sa.select(sa.func.count()).select_from(LoginThrottle)
                              ).scalar_one() == 1


def test_every_attempt_is_audited_without_the_typed_address(app, client, make_user):
    user = make_user("dee@example.org")
    _attempt(client, "dee@example.org")
    _attempt(client, "nobody-here@example.org")
    _attempt(client, "dee@example.org", TEST_PASSWORD)
    client.post("/logout")
    events = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action.startswith("user.l"))
        .order_by(AuditEvent.id)).scalars().all()
    assert [(e.action, e.object_id, e.detail.get("reason")) for e in events] == [
        ("user.login_failed", user.id, "wrong password"),
        ("user.login_failed", None, "no such account"),
        ("user.login", user.id, None),
        ("user.logout", user.id, None),
    ]
    assert events[2].actor_id == user.id
    stored = repr([(e.actor_label, e.object_type, e.detail) for e in events])
    assert "nobody-here" not in stored and "example.org" not in stored


def test_sign_in_logs_hold_no_address_or_password(app, client, make_user, caplog):
    make_user("dee@example.org")
    with caplog.at_level(logging.DEBUG):
        _attempt(client, "dee@example.org")
        _attempt(client, "someone-else@example.org")
        _attempt(client, "dee@example.org", TEST_PASSWORD)
    assert "example.org" not in caplog.text
    assert WRONG not in caplog.text and TEST_PASSWORD not in caplog.text


def test_owners_see_their_members_sign_ins_and_lockouts(app, client, auth, make_user,
                                                        make_evaluation):
    owner = make_user("owner@example.org", name="Olu Owner")
    make_user("eve@example.org", name="Eve Evaluator")
    outsider = make_user("out@example.org", name="Otto Outsider")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _attempt(app.test_client(), "eve@example.org")
    _attempt(app.test_client(), "out@example.org")
    evaluation = make_evaluation(owner, slug="walks")
    eve = db.session.execute(sa.select(User).filter_by(email="eve@example.org")).scalar_one()
    from revaluation.models import Role
    from revaluation.services.evaluations import add_member

    add_member(evaluation, eve, Role.EVALUATOR)
    db.session.commit()
    # Before joining, Eve's lockout is none of this evaluation's business; after, it is.
    db.session.execute(sa.update(User).filter_by(id=eve.id).values(locked_until=None))
    db.session.commit()
    _attempt(app.test_client(), "eve@example.org")
    _attempt(app.test_client(), "eve@example.org", TEST_PASSWORD)
    auth.login("owner@example.org")
    page = client.get("/e/walks/audit").get_data(as_text=True)
    assert "refused a sign-in to the account of Eve Evaluator (wrong password)" in page
    assert "Eve Evaluator signed in" in page
    assert "Olu Owner signed in" in page
    assert "paused sign-ins" not in page  # that lockout came before she joined
    assert outsider.name not in page
    filtered = client.get("/e/walks/audit?action=user").get_data(as_text=True)
    assert "Eve Evaluator signed in" in filtered and "created the evaluation" not in filtered


@pytest.fixture
def limited(app):
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    limiter.reset()
    yield app
    limiter.reset()
    limiter.enabled = False


def test_one_address_cannot_hammer_the_sign_in_form(limited, make_user):
    client = limited.test_client()
    statuses = [client.post("/login", data={"email": f"x{n}@example.org", "password": WRONG}
                            ).status_code for n in range(21)]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429
    assert "Too many requests" in client.post("/login", data={}).get_data(as_text=True)

"""Signing in and out, throttling, and the generic refusal that hides which part was wrong."""

import re

import pytest

from revaluation.extensions import db
from revaluation.models import AuditEvent, User
from tests.conftest import TEST_PASSWORD


def test_login_page_renders(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert b"Sign in" in page.data


def test_login_success_lands_on_evaluations(client, auth, make_user):
    make_user("dee@example.org")
    response = auth.login("dee@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert b"Your evaluations" in client.get("/").data


def test_email_is_case_insensitive(auth, make_user):
    make_user("dee@example.org")
    assert auth.login("  DEE@Example.org ").status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("dee@example.org", "wrong password here"),
        ("nobody@example.org", TEST_PASSWORD),
        ("not-an-email", TEST_PASSWORD),
    ],
)
def test_wrong_login_is_generic(auth, make_user, email, password):
    make_user("dee@example.org")
    response = auth.login(email, password)
    assert response.status_code == 400
    assert b"The email address or password is not right" in response.data
    known_email = auth.login("dee@example.org", "another wrong one")
    assert _summary(response.data) == _summary(known_email.data)


def _summary(html: bytes) -> bytes:
    return re.search(rb'<div class="error-summary".*?</div>', html, re.S).group(0)


def test_empty_form_names_each_field(client):
    response = client.post("/login", data={})
    assert b"Enter your email address." in response.data
    assert b"Enter your password." in response.data
    assert b'href="#email"' in response.data


def test_lockout_after_repeated_failures(app, auth, make_user):
    make_user("dee@example.org")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login("dee@example.org", "wrong password here")
    response = auth.login("dee@example.org")  # right password, but locked
    assert response.status_code == 400
    assert b"locked" in response.data
    assert db.session.execute(db.select(AuditEvent).filter_by(action="user.locked")).scalar_one()


def test_login_rotates_session_nonce_and_logout_ends_session(client, auth, make_user):
    user = make_user("dee@example.org")
    before = user.session_nonce
    auth.login("dee@example.org")
    db.session.expire_all()
    assert db.session.get(User, user.id).session_nonce != before
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302


def test_open_redirect_is_refused(auth, make_user):
    make_user("dee@example.org")
    response = auth._client.post(
        "/login?next=//evil.example/x", data={"email": "dee@example.org", "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_password_is_hashed(make_user):
    user = make_user("dee@example.org")
    assert TEST_PASSWORD not in user.password_hash
    assert user.check_password(TEST_PASSWORD) and not user.check_password("other")


def test_production_hashing_is_scrypt(tmp_path):
    from revaluation.config import load_config

    assert load_config(tmp_path, {})["PASSWORD_HASH_METHOD"] == "scrypt"

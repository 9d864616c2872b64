"""Response headers, the Content-Security-Policy, cookies and the life of a session."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from revaluation import ROOT, create_app
from revaluation.extensions import db
from revaluation.security import CSP, SIGNED_IN_AT
from tests.conftest import TEST_PASSWORD

TEMPLATES = ROOT / "templates"
#: The PDF report's templates are rendered by WeasyPrint, never served to a browser.
PDF_ONLY = TEMPLATES / "reports"


def _directives(csp: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:])
            for part in (p.strip() for p in csp.split(";")) if part}


def test_content_security_policy_is_strict(client):
    csp = _directives(client.get("/login").headers["Content-Security-Policy"])
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'" and csp["form-action"] == "'self'"
    for directive in csp.values():
        assert "unsafe-inline" not in directive and "unsafe-eval" not in directive
        assert "*" not in directive and "http:" not in directive


@pytest.mark.parametrize("path", ["/login", "/respondent-privacy", "/no/such/page",
                                  "/static/css/app.css", "/api/v1/openapi.json"])
def test_every_answer_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # plain HTTP in development


def test_signed_in_pages_are_never_stored_and_public_ones_only_privately(
        client, auth, make_user, make_evaluation):
    assert client.get("/login").headers["Cache-Control"] == "private, no-cache"
    make_evaluation(make_user("dee@example.org"), slug="walks")
    auth.login("dee@example.org")
    assert client.get("/e/walks/").headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Cache-Control"] == "no-store"


def _cookie_flags(response, name: str) -> str:
    found = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    assert found, f"no {name} cookie was set"
    return found[-1]


@pytest.fixture
def production_app(database_url, instance_path, _schema):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "ENVIRON": {"REVALUATION_ENV": "production", "SECRET_KEY": "s" * 40,
                    "PANEL_CODE_KEY": "p" * 40},
    })
    with app.app_context():
        yield app
        db.session.remove()
        from tests.conftest import _empty_tables

        _empty_tables()


def test_production_cookies_are_secure_httponly_and_samesite(production_app):
    from revaluation.services.users import create_user

    create_user("dee@example.org", "Dee", TEST_PASSWORD)
    db.session.commit()
    client = production_app.test_client()
    response = client.post("/login", data={"email": "dee@example.org",
                                           "password": TEST_PASSWORD})
    assert response.status_code == 302
    flags = _cookie_flags(response, "session")
    assert "Secure" in flags and "HttpOnly" in flags and "SameSite=Lax" in flags
    headers = client.get("/login").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert production_app.config["REMEMBER_COOKIE_SECURE"]
    assert production_app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_development_cookies_are_httponly_and_samesite(client, make_user):
    make_user("dee@example.org")
    response = client.post("/login", data={"email": "dee@example.org",
                                           "password": TEST_PASSWORD})
    flags = _cookie_flags(response, "session")
    assert "HttpOnly" in flags and "SameSite=Lax" in flags and "Secure" not in flags


def test_respondent_and_participant_cookies_are_httponly(client, make_evaluation):
    from tests.web.respond_fixtures import make_survey

    survey = make_survey(make_evaluation)
    started = client.post(f"/r/{survey.code}/start")
    flags = _cookie_flags(started, "reval_respondent")
    assert "HttpOnly" in flags and "SameSite=Lax" in flags


def test_sign_in_starts_a_fresh_session(app, client, make_user):
    make_user("dee@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["csrf_token"] = "a token the attacker knows"
    client.post("/login", data={"email": "dee@example.org", "password": TEST_PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != "a token the attacker knows"
        assert isinstance(session[SIGNED_IN_AT], int)


def test_a_cookie_copied_before_sign_out_stops_working(app, client, make_user):
    make_user("dee@example.org")
    client.post("/login", data={"email": "dee@example.org", "password": TEST_PASSWORD})
    stolen = client.get_cookie("session").value
    assert client.get("/").status_code == 200
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_second_sign_in_ends_the_first_session(app, make_user):
    make_user("dee@example.org")
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        browser.post("/login", data={"email": "dee@example.org", "password": TEST_PASSWORD})
    assert second.get("/").status_code == 200
    assert first.get("/").status_code == 302


def test_sessions_end_after_the_configured_hours(app, client, make_user):
    make_user("dee@example.org")
    client.post("/login", data={"email": "dee@example.org", "password": TEST_PASSWORD})
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session[SIGNED_IN_AT] = int(time.time()) - app.config["SESSION_MAX_HOURS"] * 3600 - 60
    response = client.get("/", follow_redirects=True)
    assert "signed out after 12 hours" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_session_without_a_sign_in_time_is_not_trusted(app, client, make_user):
    make_user("dee@example.org")
    client.post("/login", data={"email": "dee@example.org", "password": TEST_PASSWORD})
    with client.session_transaction() as session:
        del session[SIGNED_IN_AT]
    assert client.get("/").status_code == 302


def _templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*.html") if PDF_ONLY not in p.parents)


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script> block"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "an on*= event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I), "an inline style attribute"),
    (re.compile(r"<style", re.I), "a <style> block"),
]


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_hold_no_inline_script_or_style(template):
    source = template.read_text(encoding="utf-8")
    for pattern, what in INLINE:
        found = pattern.search(source)
        assert found is None, f"{what} in {template.name}: {found.group(0)[:80]}"


def test_every_post_form_in_the_templates_sends_a_csrf_token():
    missing = []
    for template in _templates():
        source = template.read_text(encoding="utf-8")
        for form in re.finditer(r"<form\b[^>]*>(.*?)</form>", source, re.S | re.I):
            sends_token = "csrf_token" in form.group(1) or "hidden_tag()" in form.group(1)
            if re.search(r'method="post"', form.group(0), re.I) and not sends_token:
                missing.append(template.name)
    assert not missing, f"POST forms without a CSRF token: {missing}"

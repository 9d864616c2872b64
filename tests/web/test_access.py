"""Evaluation pages are visible only to members; others get 404, never a peek."""

from revaluation.models import Role


def test_member_sees_evaluation(client, auth, make_user, make_evaluation):
    owner = make_user("owner@example.org")
    make_evaluation(owner, slug="walks", title="Walks evaluation")
    auth.login("owner@example.org")
    page = client.get("/e/walks/")
    assert page.status_code == 200
    assert b"Walks evaluation" in page.data


def test_non_member_gets_404(client, auth, make_user, make_evaluation):
    make_evaluation(make_user("owner@example.org"), slug="walks", title="Secret title")
    make_user("stranger@example.org")
    auth.login("stranger@example.org")
    page = client.get("/e/walks/")
    assert page.status_code == 404
    assert b"Secret title" not in page.data
    assert client.get("/e/no-such-thing/").status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, make_evaluation):
    make_evaluation(slug="walks")
    response = client.get("/e/walks/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_commissioner_sees_but_list_shows_role(client, auth, make_user, make_evaluation):
    commissioner = make_user("cam@example.org")
    make_evaluation(slug="walks", members={commissioner: "commissioner"})
    auth.login("cam@example.org")
    assert client.get("/e/walks/").status_code == 200
    assert b"Your role: commissioner" in client.get("/").data


def test_role_can_edit():
    assert Role.OWNER.can_edit and Role.EVALUATOR.can_edit
    assert not Role.COMMISSIONER.can_edit


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_page_is_friendly_404(client):
    response = client.get("/definitely/not/here")
    assert response.status_code == 404
    assert b"Page not found" in response.data

"""The account's API token page: create (shown once), list, revoke."""

from __future__ import annotations

import re

from revaluation.extensions import db
from revaluation.models import ApiToken, AuditEvent
from tests.web.api_fixtures import *  # noqa: F403  (the API fixtures)
from tests.web.api_fixtures import ApiClient


def test_the_page_needs_sign_in(client):
    response = client.get("/account/tokens")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_create_shows_the_token_once_and_it_works(client, auth, owner, evaluation):
    auth.login("owner@example.org")
    response = client.post(
        "/account/tokens", data={"name": "Dashboard", "scopes": ["evaluations:read"]}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    token = re.search(r'value="(rvl_\d+_[A-Za-z0-9_-]+)"', page).group(1)
    assert "only time it is shown" in page
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "Dashboard" in listing and token not in listing
    assert ApiClient(client, token).get("/evaluations").status_code == 200
    assert ApiClient(client, token).get("/evaluations/pulse-eval/results").status_code == 403
    actions = db.session.execute(db.select(AuditEvent.action)).scalars().all()
    assert "api_token.create" in actions


def test_create_with_errors_keeps_input_and_explains(client, auth, owner):
    auth.login("owner@example.org")
    response = client.post("/account/tokens", data={"name": "Keep me", "scopes": []})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Choose at least one thing the token may do." in page
    assert 'value="Keep me"' in page
    response = client.post("/account/tokens", data={"name": "", "scopes": ["results:read"]})
    assert "Give the token a name" in response.get_data(as_text=True)
    response = client.post("/account/tokens", data={"name": "x", "scopes": ["root:everything"]})
    assert response.status_code == 400
    assert db.session.execute(db.select(db.func.count(ApiToken.id))).scalar_one() == 0


def test_revoke_stops_the_token_and_shows_it_revoked(client, auth, owner, evaluation):
    auth.login("owner@example.org")
    page = client.post(
        "/account/tokens", data={"name": "Old", "scopes": ["evaluations:read"]}
    ).get_data(as_text=True)
    token = re.search(r'value="(rvl_\d+_[^"]+)"', page).group(1)
    token_id = int(token.split("_")[1])
    response = client.post(f"/account/tokens/{token_id}/revoke", follow_redirects=True)
    assert "is revoked" in response.get_data(as_text=True)
    assert "Revoked" in client.get("/account/tokens").get_data(as_text=True)
    assert ApiClient(client, token).get("/evaluations").status_code == 401


def test_nobody_can_revoke_someone_elses_token(client, auth, owner, make_user):
    from revaluation.services import api_tokens

    other = make_user("other@example.org")
    token, _plain = api_tokens.create_token(other, "Theirs", ["results:read"])
    db.session.commit()
    auth.login("owner@example.org")
    response = client.post(f"/account/tokens/{token.id}/revoke", follow_redirects=True)
    assert "not one of yours" in response.get_data(as_text=True)
    db.session.refresh(token)
    assert token.revoked_at is None

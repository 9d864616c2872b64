"""API authentication, scopes, roles and the error shape every failure shares."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import ApiToken
from revaluation.services import api_tokens
from tests.web.api_fixtures import *  # noqa: F403  (the API fixtures)
from tests.web.api_fixtures import ApiClient


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "token_missing"),
        ("Basic dXNlcjpwYXNz", "token_malformed"),
        ("Bearer ", "token_malformed"),
        ("Bearer not-a-token", "token_invalid"),
        ("Bearer rvl_1_" + "x" * 43, "token_invalid"),
    ],
)
def test_requests_without_a_valid_token_get_401(client, evaluation, header, code):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/evaluations", headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_valid_token_lists_only_its_users_evaluations(
    api_for, owner, evaluation, make_evaluation
):
    make_evaluation(slug="someone-elses")
    response = api_for(owner).get("/evaluations")
    assert response.status_code == 200
    assert [e["slug"] for e in response.get_json()["items"]] == ["pulse-eval"]
    assert response.get_json()["items"][0]["role"] == "owner"


def test_a_tampered_secret_is_refused(client, owner, make_token, evaluation):
    token = make_token(owner)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = ApiClient(client, tampered).get("/evaluations")
    assert response.status_code == 401
    assert error_of(response)["code"] == "token_invalid"


def test_a_revoked_token_stops_working(client, owner, make_token, evaluation):
    token = make_token(owner)
    api = ApiClient(client, token)
    assert api.get("/evaluations").status_code == 200
    api_tokens.revoke_token(owner, db.session.execute(db.select(ApiToken.id)).scalar_one())
    db.session.commit()
    response = api.get("/evaluations")
    assert response.status_code == 401
    assert error_of(response)["code"] == "token_invalid"


def test_a_disabled_account_token_is_refused(client, owner, make_token, evaluation):
    api = ApiClient(client, make_token(owner))
    owner.active = False
    db.session.commit()
    assert api.get("/evaluations").status_code == 401


def test_only_the_hash_is_stored_and_use_is_recorded(owner, make_token, client, evaluation):
    token = make_token(owner)
    row = db.session.execute(db.select(ApiToken)).scalar_one()
    assert token.split("_", 2)[2] not in row.token_hash
    assert row.last_used_at is None
    ApiClient(client, token).get("/evaluations")
    db.session.refresh(row)
    assert row.last_used_at is not None


def test_a_missing_scope_is_a_403_naming_it(api_for, owner, evaluation):
    api = api_for(owner, ["evaluations:read"])
    response = api.get("/evaluations/pulse-eval/results")
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "scope_missing"
    assert error["details"]["required_scope"] == "results:read"


def test_another_evaluation_is_a_404_even_with_every_scope(api_for, make_user, evaluation):
    stranger = make_user("stranger@example.org")
    response = api_for(stranger).get("/evaluations/pulse-eval")
    assert response.status_code == 404
    assert error_of(response)["code"] == "evaluation_not_found"


def test_other_evaluations_wave_ids_do_not_leak(api_for, make_user, make_evaluation, open_wave):
    stranger = make_user("stranger@example.org")
    make_evaluation(stranger, slug="theirs")
    api = api_for(stranger)
    assert api.get(f"/evaluations/theirs/waves/{open_wave.id}").status_code == 404
    response = api.post(f"/evaluations/theirs/waves/{open_wave.id}/close")
    assert response.status_code == 404
    assert error_of(response)["code"] == "wave_not_found"


def test_commissioner_tokens_read_but_cannot_write(api_for, make_user, evaluation, open_wave):
    from revaluation.models import User

    commissioner = db.session.execute(
        db.select(User).filter_by(email="commissioner@example.org")
    ).scalar_one()
    api = api_for(commissioner)
    assert api.get("/evaluations/pulse-eval/waves").status_code == 200
    response = api.post(f"/evaluations/pulse-eval/waves/{open_wave.id}/close")
    assert response.status_code == 403
    assert error_of(response)["code"] == "role_forbidden"
    assert api.get("/evaluations/pulse-eval/responses").status_code == 403
    db.session.refresh(open_wave)
    assert str(open_wave.state) == "open"


def test_a_session_cookie_alone_does_not_authenticate(client, auth, owner, evaluation):
    auth.login("owner@example.org")
    assert client.get("/").status_code == 200  # signed in on the web side
    response = client.get("/api/v1/evaluations")
    assert response.status_code == 401
    response = client.post("/api/v1/evaluations/pulse-eval/waves", json={})
    assert response.status_code == 401


class TestWithCsrfOn:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_token_writes_need_no_csrf_token(self, api_for, owner, open_wave):
        response = api_for(owner).post(f"/evaluations/pulse-eval/waves/{open_wave.id}/close")
        assert response.status_code == 200
        assert response.get_json()["state"] == "closed"


def test_the_openapi_description_is_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert "/evaluations/{slug}/results" in spec["paths"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/no-such-thing", 404, "not_found"),
        ("delete", "/api/v1/evaluations", 405, "method_not_allowed"),
        ("get", "/api/v1/evaluations/pulse-eval/waves/99999999999", 404, "not_found"),
    ],
)
def test_routing_errors_use_the_api_shape(api_for, owner, evaluation, method, path, status, code):
    api = api_for(owner)
    response = getattr(api._client, method)(path, headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == status
    assert error_of(response)["code"] == code


class TestSmallBodies:
    @pytest.fixture
    def app_config(self):
        return {"MAX_CONTENT_LENGTH": 2048}

    def test_an_oversize_body_is_a_413_json_error(self, api_for, owner, evaluation):
        response = api_for(owner).post(
            "/evaluations/pulse-eval/instruments", json={"definition": "x" * 5000}
        )
        assert response.status_code == 413
        assert error_of(response)["code"] == "payload_too_large"


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"}

    def test_too_many_requests_is_a_429_json_error(self, api_for, owner, evaluation):
        from revaluation.extensions import limiter

        limiter.reset()
        api = api_for(owner)
        statuses = [api.get("/evaluations").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = api.get("/evaluations")
        assert error_of(response)["code"] == "rate_limited"
        assert response.headers["Retry-After"]
        limiter.reset()

"""CSRF, for real: every state-changing route, found in ``app.url_map``, refuses a POST that
lacks the session's token, signed in or not. Only the JSON API is exempt, because it never
reads the session cookie (a bearer token is not sent by a browser on its own)."""

from __future__ import annotations

import re

import pytest
from flask import url_for
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from revaluation.extensions import csrf
from tests.conftest import TEST_PASSWORD

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                   r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app_config() -> dict:
    return {"WTF_CSRF_ENABLED": True}


def _token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1) or found.group(2)


def _sign_in(client, email: str) -> None:
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": TEST_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def _post_routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" in rule.methods and not rule.endpoint.startswith("api."):
            yield rule


def _url(app, rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            values[name] = 1
        else:
            values[name] = "x"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_the_api_is_the_only_exemption(app):
    assert {bp.name for bp in csrf._exempt_blueprints} == {"api"}
    assert csrf._exempt_views == set()


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_every_post_route_refuses_a_missing_or_wrong_token(app, make_user, subtests,
                                                           signed_in):
    client = app.test_client()
    if signed_in:
        make_user("dee@example.org")
        _sign_in(client, "dee@example.org")
    routes = list(_post_routes(app))
    assert len(routes) > 40  # the walk really found the app's forms
    for rule in routes:
        url = _url(app, rule)
        with subtests.test(msg=f"POST {url}"):
            for data in ({}, {"csrf_token": "forged"}):
                response = client.post(url, data=data)
                assert response.status_code == 400, (rule.endpoint, response.status_code)
                text = response.get_data(as_text=True)
                assert "expired" in text


def test_a_form_with_its_token_is_accepted(client, make_user):
    make_user("dee@example.org")
    _sign_in(client, "dee@example.org")
    page = client.get("/").get_data(as_text=True)
    assert client.post("/logout", data={}).status_code == 400
    response = client.post("/logout", data={"csrf_token": _token(page)})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/").status_code == 302


def test_a_signed_in_session_cookie_does_not_reach_the_api(client, make_user):
    make_user("dee@example.org")
    _sign_in(client, "dee@example.org")
    response = client.post("/api/v1/evaluations/any/waves", json={"name": "x"})
    assert response.status_code == 401


def test_respondent_autosave_takes_the_token_from_a_header(client, make_evaluation):
    from tests.web.respond_fixtures import make_survey

    survey = make_survey(make_evaluation, consent="", panel=False)
    landing = client.get(f"/r/{survey.code}").get_data(as_text=True)
    page = client.post(f"/r/{survey.code}/start", data={"csrf_token": _token(landing)})
    assert page.status_code == 302
    location = client.get(page.headers["Location"]).headers["Location"]
    html = client.get(location).get_data(as_text=True)
    autosave = location + "/autosave"
    assert client.post(autosave, data={}).status_code == 400
    answered = client.post(autosave, data={}, headers={"X-CSRFToken": _token(html)})
    assert answered.status_code != 400

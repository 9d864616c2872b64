"""Who may reach the framework, settings, members and audit pages: non-members get 404,
commissioners 403 on every edit route, evaluators 403 on owner-only routes, visitors the login."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.services import framework
from tests.web.framework_fixtures import PASSWORD, outcome_data
from tests.web.framework_fixtures import framework_setup as framework_setup


@pytest.fixture
def routes(fw):
    """(method, path, data) of every edit route, plus owner-only and read-only ones."""
    outcome = framework.add_outcome(
        fw.evaluation,
        title="Connected",
        indicator_kind="scale",
        indicator_key="connection",
        statistic="mean",
        target=3,
        direction="increase",
    )
    db.session.commit()
    membership = fw.evaluation.memberships[0].id
    s, o = fw.slug, outcome.id
    edit = [
        ("GET", f"/e/{s}/outcomes", None),
        ("GET", f"/e/{s}/outcomes/new", None),
        ("POST", f"/e/{s}/outcomes/new", outcome_data()),
        ("GET", f"/e/{s}/outcomes/{o}/edit", None),
        ("POST", f"/e/{s}/outcomes/{o}/edit", outcome_data(target="2")),
        ("POST", f"/e/{s}/outcomes/{o}/move", {"direction": "down"}),
        ("GET", f"/e/{s}/outcomes/{o}/drop", None),
        ("POST", f"/e/{s}/outcomes/{o}/drop", {"reason": "no"}),
        ("GET", f"/e/{s}/settings", None),
        ("POST", f"/e/{s}/settings", {"title": "Hijacked"}),
        ("GET", f"/e/{s}/members", None),
    ]
    owner_only = [
        ("POST", f"/e/{s}/members/invite", {"email": "x@example.org", "role": "owner"}),
        ("POST", f"/e/{s}/members/{membership}/role", {"role": "commissioner"}),
        ("POST", f"/e/{s}/members/{membership}/remove", {}),
        ("POST", f"/e/{s}/members/invitations/1/cancel", {}),
        ("GET", f"/e/{s}/audit", None),
    ]
    read = [
        ("GET", f"/e/{s}/outcomes/history", None),
        ("GET", f"/e/{s}/outcomes/{o}/history", None),
    ]
    return {"edit": edit, "owner": owner_only, "read": read}


def _status(client, method: str, path: str, data) -> int:
    call = client.get if method == "GET" else client.post
    return call(path, data=data).status_code


def _check(client, routes, expected: int) -> None:
    wrong = [(m, p, code) for m, p, d in routes if (code := _status(client, m, p, d)) != expected]
    assert wrong == []


def test_a_non_member_gets_not_found_everywhere(fw, routes, client, auth):
    auth.login("stranger@example.org", PASSWORD)
    _check(client, routes["edit"] + routes["owner"] + routes["read"], 404)


def test_a_commissioner_is_forbidden_to_edit_but_may_read_the_history(fw, routes, client, auth):
    auth.login("cam@example.org", PASSWORD)
    _check(client, routes["edit"] + routes["owner"], 403)
    _check(client, routes["read"], 200)
    db.session.expire_all()
    assert fw.evaluation.title == "Walk together"


def test_an_evaluator_is_forbidden_the_owner_only_routes(fw, routes, client, auth):
    auth.login("dee@example.org", PASSWORD)
    _check(client, routes["owner"], 403)
    assert _status(client, "GET", f"/e/{fw.slug}/audit", None) == 403


def test_visitors_are_sent_to_sign_in(fw, routes, client):
    for method, path, data in routes["edit"] + routes["owner"] + routes["read"]:
        response = (client.get if method == "GET" else client.post)(path, data=data)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"], path


def test_another_evaluations_outcome_is_not_found(fw, make_evaluation, client, auth):
    other = make_evaluation(fw.evaluator, slug="other")
    auth.login("dee@example.org", PASSWORD)
    outcome = framework.add_outcome(
        fw.evaluation,
        title="Connected",
        indicator_kind="scale",
        indicator_key="connection",
        statistic="mean",
        target=3,
        direction="increase",
    )
    db.session.commit()
    assert client.get(f"/e/{other.slug}/outcomes/{outcome.id}/edit").status_code == 404
    assert client.get(f"/e/{other.slug}/outcomes/{outcome.id}/history").status_code == 404


def test_impossible_ids_and_tokens_are_not_found_rather_than_errors(fw, client, auth):
    auth.login("owner@example.org", PASSWORD)
    huge = 10**15
    assert client.get(f"/e/{fw.slug}/outcomes/{huge}/edit").status_code == 404
    assert (
        client.post(f"/e/{fw.slug}/members/{huge}/role", data={"role": "owner"}).status_code == 404
    )
    # Ids larger than a database id cannot be routed at all (revaluation.security).
    assert client.post(f"/e/{fw.slug}/members/invitations/{huge}/cancel").status_code == 404
    assert client.get("/invitations/" + "x" * 5000).status_code == 410
    assert client.get(f"/e/{fw.slug}/audit?page={huge}&action=nope").status_code == 200

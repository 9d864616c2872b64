"""Authorisation as an attacker sees it: every route of the app, found in ``app.url_map``, is
probed with evaluation A's ids by an anonymous visitor, by the owner of another evaluation (B),
by A's commissioner trying to change things, and with A's object ids under B's slug (IDOR).

New routes are covered without editing this file: a route is classified by its URL prefix,
and a route that fits no class must be added to ``PUBLIC`` (with a reason) or the test fails.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from tests.conftest import TEST_PASSWORD
from tests.web.security_world import World, build_world, probes, send, snapshot

#: Routes anyone may reach, each with the reason. Everything else needs an account, an API
#: token, the respondent's own cookie or a participation space's public link.
PUBLIC = {
    "static": "the app's own CSS and JavaScript",
    "auth.login": "the sign-in form",
    "respond.open_link": "an open survey link is meant to be shared",
    "respond.start_open": "starting a survey from an open link",
    "respond.token_link": "a single-use invitation: the token is the credential",
    "respond.start_token": "starting a survey from a single-use invitation",
    "respond.resume": "respondents continue with their resume code",
    "respond.resume_link": "the resume code in the link is the credential",
    "respond.privacy": "the privacy notice every respondent may read",
    "respond.my_answers": "respondents look up their own answers with their resume code",
    "respond.stylesheet": "the respondent pages' stylesheet",
    "respond.script": "the respondent pages' script",
    "design.invitation": "a colleague invitation: the emailed token is the credential",
    "results.reports_link": "a one-off report link: the emailed token is the credential",
    "participate.msc_panel": "an MSC panel link is handed to the panel",
    "api.openapi_json": "the API's own description",
}

#: Pages of an evaluation a commissioner may read (GET); every other page, and every POST,
#: must refuse them with 403.
COMMISSIONER_READS = {
    "design.evaluation": "the evaluation's overview",
    "design.framework_history": "how the outcome framework changed, and why",
    "design.outcome_history": "how one outcome changed, and why",
    "results.index": "aggregate results",
    "results.outcome": "one outcome's aggregate result",
    "results.questions": "aggregate answers to each question",
    "results.reports": "the report editions",
    "results.reports_download": "downloading a report edition",
}

#: The same for API routes (GET), by endpoint.
COMMISSIONER_API_READS = {
    "api.get_evaluation": "the evaluation's description",
    "api.list_waves": "the waves",
    "api.get_wave": "one wave",
    "api.get_results": "aggregate results",
    "api.list_reports": "the report editions",
    "api.download_report": "a report edition's PDF",
    "api.get_job": "how a report job is going",
    "api.list_instruments": "the instruments' definitions (question wording, no answers)",
    "api.get_instrument": "one instrument's definition",
    "api.get_version": "one version of an instrument's definition",
}

def audience(rule: Rule) -> str:
    """Who a route is for, from its URL; unknown routes must be classified here or in PUBLIC."""
    path = rule.rule
    if rule.endpoint in PUBLIC:
        return "public"
    if path.startswith("/e/<slug>"):
        return "evaluation"
    if path.startswith("/api/v1/evaluations/<slug>"):
        return "api"
    if path.startswith("/api/v1/"):
        return "api-account"
    if path.startswith("/preview/"):
        return "preview"
    if "rid" in rule.arguments:
        return "respondent"
    if path.startswith("/p/<code>"):
        return "participant"
    if path.startswith("/account/") or rule.endpoint in {
        "design.index", "design.new_evaluation", "auth.logout"
    }:
        return "account"
    return "unclassified"


@pytest.fixture
def world(app) -> World:
    return build_world(app, app.test_client)


def _login(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": TEST_PASSWORD})
    assert response.status_code == 302, f"could not sign in as {email}"
    return client


def test_every_route_is_classified(app):
    unknown = [f"{r.rule} ({r.endpoint})" for r in app.url_map.iter_rules()
               if audience(r) == "unclassified"]
    assert not unknown, "classify these routes in audience() or PUBLIC (with a reason)"
    named = set(PUBLIC) | set(COMMISSIONER_READS) | set(COMMISSIONER_API_READS)
    assert not named - set(app.view_functions), "allow-lists name routes that no longer exist"


def test_anonymous_visitor_is_refused_everywhere(app, world, subtests):
    client = app.test_client()
    before = snapshot()
    kinds = {"evaluation", "api", "api-account", "preview", "respondent", "account"}
    for probe in probes(app, world, audience, kinds):
        with subtests.test(msg=probe.name):
            response = send(client, app, probe)
            kind = audience(probe.rule)
            if kind.startswith("api"):
                assert response.status_code == 401
            elif kind == "respondent":
                assert_respondent_refused(response, world)
            else:
                assert response.status_code == 302
                assert "/login" in response.headers["Location"]
            assert not world.leaked(response.data)
    assert snapshot() == before


def test_member_of_another_evaluation_sees_nothing(app, world, subtests):
    client = _login(app, world.b.owner.email)
    before = snapshot()
    for probe in probes(app, world, audience, {"evaluation", "api", "api-account", "preview"}):
        with subtests.test(msg=probe.name):
            token = world.api["b_owner"] if audience(probe.rule).startswith("api") else None
            response = send(client, app, probe, token=token)
            if audience(probe.rule) != "api-account":  # the list of B's own evaluations
                assert response.status_code == 404
            assert not world.leaked(response.data)
    assert snapshot() == before


def test_commissioner_cannot_change_anything(app, world, subtests):
    client = _login(app, world.a_commissioner.email)
    before = snapshot()
    for probe in probes(app, world, audience, {"evaluation", "api", "preview"}):
        endpoint = probe.rule.endpoint
        reads = COMMISSIONER_API_READS if endpoint.startswith("api.") else COMMISSIONER_READS
        if probe.method == "GET" and endpoint in reads:
            continue
        with subtests.test(msg=probe.name):
            token = world.api["a_commissioner"] if audience(probe.rule) == "api" else None
            response = send(client, app, probe, token=token)
            assert response.status_code == 403
    assert snapshot() == before


def test_commissioner_reads_what_they_may(app, world, subtests):
    client = _login(app, world.a_commissioner.email)
    for probe in probes(app, world, audience, {"evaluation", "api"}):
        endpoint = probe.rule.endpoint
        if probe.method != "GET" or endpoint not in {**COMMISSIONER_READS,
                                                      **COMMISSIONER_API_READS}:
            continue
        with subtests.test(msg=probe.name):
            token = world.api["a_commissioner"] if audience(probe.rule) == "api" else None
            assert send(client, app, probe, token=token).status_code == 200


def test_ids_of_one_evaluation_never_work_under_another(app, world, subtests):
    client = _login(app, world.b.owner.email)
    before = snapshot()
    refusals = {400, 404, 410, 422}
    for probe in probes(app, world, audience, {"evaluation", "api", "participant"}, slug_side="b",
                        objects_only=True):
        with subtests.test(msg=probe.name):
            token = world.api["b_owner"] if audience(probe.rule) == "api" else None
            response = send(client, app, probe, token=token)
            if audience(probe.rule) == "participant" and response.status_code == 302:
                # A participant form on B's space that ignores an unknown id goes back to B.
                assert world.b.space_code in response.headers["Location"]
            else:
                assert response.status_code in refusals
            assert not world.leaked(response.data)
            assert snapshot() == before


def test_respondent_cannot_reach_another_respondents_answers(app, world, subtests):
    client = app.test_client()
    started = client.post(f"/r/{world.b.tokens['open_link']}/start")
    assert started.status_code == 302 and "/s/" in started.headers["Location"]
    before = snapshot()
    for probe in probes(app, world, audience, {"respondent"}):
        with subtests.test(msg=probe.name):
            response = send(client, app, probe)
            assert_respondent_refused(response, world)
            assert not world.leaked(response.data)
    assert snapshot() == before


def assert_respondent_refused(response, world: World) -> None:
    """Refused outright, or sent somewhere that is not the other respondent's answers."""
    if response.status_code in (302, 303):
        assert f"/{world.a.ids['response_id']}" not in response.headers["Location"]
    else:
        assert response.status_code in (403, 409)


def test_participant_cannot_touch_another_participants_story(app, world):
    client = app.test_client()
    a = world.a
    client.post(f"/p/{a.space_code}/propose", data={"kind": "outcome", "text": "Hello there"})
    before = snapshot()
    url = f"/p/{a.space_code}/stories/{a.ids['story_id']}/withdraw"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"confirm": "yes"}).status_code == 404
    assert snapshot() == before


def test_api_token_of_another_user_cannot_be_revoked(app, world):
    client = _login(app, world.b.owner.email)
    before = snapshot()
    response = client.post(f"/account/tokens/{world.a.ids['token_id']}/revoke",
                           follow_redirects=True)
    assert "That token is not one of yours" in response.get_data(as_text=True)
    assert snapshot() == before


def test_huge_ids_are_not_found_rather_than_errors(app, world):
    client = _login(app, world.a.owner.email)
    huge = 10**20
    for path in (f"/e/{world.a.slug}/fieldwork/{huge}", f"/s/{huge}", f"/preview/{huge}",
                 f"/e/{world.a.slug}/outcomes/{huge}/history"):
        assert client.get(path).status_code == 404, path


def test_an_object_of_a_nests_under_none_of_b_s_objects(app, world):
    """B's own wave in the URL, one of A's objects after it: still not found."""
    client = _login(app, world.b.owner.email)
    a, b = world.a.ids, world.b
    before = snapshot()
    link = f"/e/{b.slug}/fieldwork/{b.ids['wave_id']}/links/{a['link_id']}"
    for path in (f"/e/{b.slug}/results/import/{b.ids['wave_id']}/{a['upload']}",
                 f"{link}/poster", f"{link}/qr.png", f"{link}/qr.svg"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert not world.leaked(response.data)
    for path in (f"{link}/regenerate", f"{link}/revoke",
                 f"/e/{b.slug}/results/import/{b.ids['wave_id']}/{a['upload']}"):
        assert client.post(path, data={"action": "import"}).status_code == 404, path
    assert snapshot() == before


def test_the_development_outbox_shows_each_evaluation_only_its_own_mail(app, make_user,
                                                                        make_evaluation):
    """An evaluation given the same title as another does not see the other's report links."""
    import re

    from tests.web.reports_fixtures import people_and_edition

    evaluation, _edition, evaluator, _commissioner, outsider = people_and_edition(
        make_user, make_evaluation)
    make_evaluation(outsider, slug="copycat", title=evaluation.title)
    sender = _login(app, evaluator.email)
    sent = sender.post(f"/e/{evaluation.slug}/reports/1/send",
                       data={"emails": "funder@example.net"}, follow_redirects=True)
    assert sent.status_code == 200
    own = sender.get(f"/e/{evaluation.slug}/reports/outbox").get_data(as_text=True)
    link = re.search(r"/reports/d/[A-Za-z0-9_-]{20,}", own).group(0)
    other = _login(app, outsider.email).get("/e/copycat/reports/outbox")
    assert other.status_code == 200
    assert link not in other.get_data(as_text=True)
    assert "funder@example.net" not in other.get_data(as_text=True)


def test_owner_sees_every_page_whole(app, world, subtests):
    """Every page of an evaluation, opened by its owner on the seeded demo: no error, and none
    of what a template prints by mistake (a dict method, an object's repr, Jinja's Undefined)."""
    client = _login(app, world.a.owner.email)
    for probe in probes(app, world, audience, {"evaluation"}):
        if probe.method != "GET":
            continue
        with subtests.test(msg=probe.name):
            response = send(client, app, probe)
            assert response.status_code < 500
            if response.mimetype == "text/html":
                html = response.get_data(as_text=True)
                for slip in ("built-in method", " object at 0x", "Undefined", "None</td>"):
                    assert slip not in html, f"{probe.name} shows {slip!r}"

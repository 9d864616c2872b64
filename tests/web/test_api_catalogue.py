"""Evaluations, instruments and waves through the API, and pagination."""

from __future__ import annotations

import copy

import pytest
import yaml

from revaluation.extensions import db
from revaluation.models import AuditEvent, Instrument, InstrumentVersion, Wave
from tests.web.api_fixtures import *  # noqa: F403  (the API fixtures)
from tests.web.api_fixtures import DEFINITION


@pytest.fixture
def api(api_for, owner, evaluation):
    return api_for(owner)


def test_get_evaluation(api):
    body = api.get("/evaluations/pulse-eval").get_json()
    assert body["slug"] == "pulse-eval"
    assert body["role"] == "owner"
    assert body["framework_locked"] is False


def test_pagination_pages_and_totals(api_for, owner, make_evaluation):
    for n in range(5):
        make_evaluation(owner, slug=f"page-{n}")
    api = api_for(owner)
    first = api.get("/evaluations?per_page=2").get_json()
    assert (first["page"], first["per_page"], first["total"], first["pages"]) == (1, 2, 5, 3)
    seen = [
        e["slug"]
        for p in (1, 2, 3)
        for e in api.get(f"/evaluations?per_page=2&page={p}").get_json()["items"]
    ]
    assert sorted(seen) == [f"page-{n}" for n in range(5)]
    assert api.get("/evaluations?per_page=2&page=9").get_json()["items"] == []


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("per_page=201", "page_too_large"),
        ("per_page=0", "invalid_parameter"),
        ("page=0", "invalid_parameter"),
        ("page=abc", "invalid_parameter"),
        ("page=-1", "invalid_parameter"),
        ("page=99999999999999", "invalid_parameter"),
    ],
)
def test_bad_pagination_is_a_400_with_a_stable_code(api, query, code):
    response = api.get(f"/evaluations?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code


def test_create_draft_then_read_it_back_as_json_and_yaml(api):
    response = api.post("/evaluations/pulse-eval/instruments", json={"definition": DEFINITION})
    assert response.status_code == 201
    body = response.get_json()
    assert body["instrument"]["key"] == "pulse"
    assert body["version"] == {**body["version"], "number": 1, "status": "draft"}
    as_json = api.get("/evaluations/pulse-eval/instruments/pulse/versions/1").get_json()
    assert [q["key"] for q in as_json["definition"]["sections"][0]["questions"]] == [
        "score",
        "helped",
        "how",
        "visits",
    ]
    as_yaml = api.get("/evaluations/pulse-eval/instruments/pulse/versions/1?format=yaml")
    assert as_yaml.mimetype == "application/yaml"
    assert yaml.safe_load(as_yaml.get_data(as_text=True))["key"] == "pulse"
    assert (
        api.get("/evaluations/pulse-eval/instruments/pulse/versions/1?format=xml").status_code
        == 400
    )


def test_yaml_text_is_accepted_as_a_definition(api):
    text = yaml.safe_dump(DEFINITION)
    response = api.post("/evaluations/pulse-eval/instruments", json={"definition": text})
    assert response.status_code == 201


def test_an_invalid_definition_lists_its_problems_and_stores_nothing(api):
    broken = copy.deepcopy(DEFINITION)
    broken["sections"][0]["questions"][0]["type"] = "telepathy"
    response = api.post("/evaluations/pulse-eval/instruments", json={"definition": broken})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_definition"
    assert any("telepathy" in p["message"] for p in error["details"]["problems"])
    assert db.session.execute(db.select(db.func.count(Instrument.id))).scalar_one() == 0


def test_publish_freezes_and_a_second_publish_is_a_409(api):
    api.post("/evaluations/pulse-eval/instruments", json={"definition": DEFINITION})
    response = api.post("/evaluations/pulse-eval/instruments/pulse/versions/1/publish")
    assert response.status_code == 200
    assert response.get_json()["status"] == "published"
    again = api.post("/evaluations/pulse-eval/instruments/pulse/versions/1/publish")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "invalid_state"
    # Sending the definition again now makes version 2, leaving version 1 untouched.
    second = api.post("/evaluations/pulse-eval/instruments", json={"definition": DEFINITION})
    assert second.get_json()["version"]["number"] == 2
    listing = api.get("/evaluations/pulse-eval/instruments").get_json()["items"][0]
    assert [(v["number"], v["status"]) for v in listing["versions"]] == [
        (1, "published"),
        (2, "draft"),
    ]
    assert api.get("/evaluations/pulse-eval/instruments/pulse/versions/7").status_code == 404
    assert api.get("/evaluations/pulse-eval/instruments/nope").status_code == 404


def test_wave_lifecycle_follows_the_state_machine(api):
    api.post("/evaluations/pulse-eval/instruments", json={"definition": DEFINITION})
    draft_wave = api.post(
        "/evaluations/pulse-eval/waves",
        json={"name": "Too soon", "instrument": "pulse", "groups": ["member"]},
    )
    assert draft_wave.status_code == 409
    assert draft_wave.get_json()["error"]["code"] == "version_not_published"
    api.post("/evaluations/pulse-eval/instruments/pulse/versions/1/publish")
    created = api.post(
        "/evaluations/pulse-eval/waves",
        json={
            "name": "Baseline",
            "instrument": "pulse",
            "groups": ["member", "staff"],
            "anonymity": "pseudonymous",
            "ask_panel_code": True,
        },
    )
    assert created.status_code == 201
    wave = created.get_json()
    assert (wave["state"], wave["instrument_version"], wave["groups"]) == (
        "draft",
        1,
        ["member", "staff"],
    )
    base = f"/evaluations/pulse-eval/waves/{wave['id']}"
    assert api.post(base + "/close").status_code == 409
    opened = api.post(base + "/open")
    assert opened.get_json()["state"] == "open"
    assert api.get("/evaluations/pulse-eval").get_json()["framework_locked"] is True
    assert api.post(base + "/open").status_code == 409
    assert api.post(base + "/close").get_json()["state"] == "closed"
    reopen = api.post(base + "/open")
    assert reopen.status_code == 409
    assert "cannot reopen" in reopen.get_json()["error"]["message"]
    assert [w["name"] for w in api.get("/evaluations/pulse-eval/waves").get_json()["items"]] == [
        "Baseline"
    ]
    assert api.get(base).get_json()["state"] == "closed"
    actions = set(db.session.execute(db.select(AuditEvent.action)).scalars())
    assert {"wave.create", "wave.open", "wave.close", "instrument.publish"} <= actions


BAD_WAVES = [
    ({"name": "W", "instrument": "pulse"}, "missing_fields", ["groups"]),
    (
        {"name": "W", "instrument": "pulse", "groups": ["member"], "colour": "red"},
        "unknown_fields",
        ["colour"],
    ),
    ({"name": 5, "instrument": "pulse", "groups": ["member"]}, "invalid_type", None),
    ({"name": "W", "instrument": "pulse", "groups": "member"}, "invalid_type", None),
    ({"name": "W", "instrument": "pulse", "groups": ["Bad Group!"]}, "invalid_value", None),
    ({"name": "W", "instrument": "pulse", "groups": ["a", "a"]}, "invalid_value", None),
    ({"name": " ", "instrument": "pulse", "groups": ["a"]}, "invalid_value", None),
    ({"name": "W", "instrument": "nope", "groups": ["a"]}, "invalid_value", None),
    (
        {"name": "W", "instrument": "pulse", "groups": ["a"], "anonymity": "secret"},
        "invalid_value",
        None,
    ),
    (
        {"name": "W", "instrument": "pulse", "groups": ["a"], "ask_panel_code": "yes"},
        "invalid_type",
        None,
    ),
    ({"name": "W\x00", "instrument": "pulse", "groups": ["a"]}, "invalid_text", None),
    (
        {"name": "W", "instrument": "pulse", "groups": ["a"], "consent_text": "Agree?",
         "consent_translations": {"cy": "Cytuno?"}},  # pulse is in English only
        "invalid_value",
        None,
    ),
    (
        {"name": "W", "instrument": "pulse", "groups": ["a"], "consent_translations": "cy"},
        "invalid_type",
        None,
    ),
    (
        {"name": "W", "instrument": "pulse", "groups": ["a"],
         "consent_translations": {"cy": "a\x00"}},
        "invalid_text",
        None,
    ),
]


@pytest.mark.parametrize(("body", "code", "fields"), BAD_WAVES)
def test_bad_wave_bodies_are_refused_and_nothing_is_stored(api, open_wave, body, code, fields):
    before = db.session.execute(db.select(db.func.count(Wave.id))).scalar_one()
    response = api.post("/evaluations/pulse-eval/waves", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == code
    if fields:
        assert error["details"]["fields"] == fields
    assert db.session.execute(db.select(db.func.count(Wave.id))).scalar_one() == before


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "malformed_json"),
        ("", "application/json", 400, "malformed_json"),
        ("[1, 2]", "application/json", 422, "body_not_object"),
        ("definition=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ],
)
def test_malformed_bodies_get_json_errors(api, data, content_type, status, code):
    response = api._client.post(
        "/api/v1/evaluations/pulse-eval/instruments",
        data=data,
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": content_type},
    )
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert db.session.execute(db.select(db.func.count(InstrumentVersion.id))).scalar_one() == 0


@pytest.fixture
def bilingual(evaluation, owner):
    """A published English and Welsh version of DEFINITION, instrument key "pulse-cy"."""
    from revaluation.services import instruments
    from surveys.formats import load_instrument

    definition = copy.deepcopy(DEFINITION)
    definition["key"], definition["languages"] = "pulse-cy", ["en", "cy"]

    def both(node):
        if isinstance(node, dict):
            if set(node) == {"en"}:
                node["cy"] = "(cy) " + node["en"]
            for value in node.values():
                both(value)
        elif isinstance(node, list):
            for value in node:
                both(value)

    both(definition)
    version = instruments.create_instrument(evaluation, load_instrument(definition))
    instruments.publish_version(version, owner.id)
    db.session.commit()
    return version


def test_a_wave_gets_its_consent_in_each_language(api, bilingual):
    body = {"name": "Bilingual", "instrument": "pulse-cy", "groups": ["member"],
            "consent_text": "Do you agree?",
            "consent_translations": {"cy": " Ydych chi'n cytuno? "}}
    response = api.post("/evaluations/pulse-eval/waves", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["consent_translations"] == ["cy"]
    wave = db.session.get(Wave, response.get_json()["id"])
    assert wave.consent_translations == {"cy": "Ydych chi'n cytuno?"}


@pytest.mark.parametrize(("extra", "message"), [
    ({"consent_translations": {"cy": "Ydych chi'n cytuno?"}}, "needs “consent_text”"),
    ({"consent_text": "Agree?", "consent_translations": {"en": "Agree?"}},
     "not one of the instrument's other languages (cy)"),
    ({"consent_text": "Agree?", "consent_translations": {"cy": 5}}, "must be text"),
    # The same limit as the wave form's consent text.
    ({"consent_text": "Agree?", "consent_translations": {"cy": "y" * 5001}},
     "at most 5,000 characters"),
    ({"consent_text": "a" * 5001}, "“consent_text” is too long: at most 5000 allowed"),
])
def test_bad_consent_translations_say_what_is_wrong(api, bilingual, extra, message):
    body = {"name": "Bilingual", "instrument": "pulse-cy", "groups": ["member"], **extra}
    response = api.post("/evaluations/pulse-eval/waves", json=body)
    assert response.status_code == 422
    assert message in response.get_json()["error"]["message"]
    assert db.session.execute(db.select(db.func.count(Wave.id))).scalar_one() == 0

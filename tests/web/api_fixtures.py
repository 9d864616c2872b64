"""Fixtures for the API tests: tokens, a bearer client, and a small instrument of our own."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.services import api_tokens

ALL_SCOPES = list(api_tokens.SCOPES)

#: A two-page instrument with a required rating, a choice with a relevance rule, a
#: constraint and a text answer: enough to exercise the engine's validation path.
DEFINITION = {
    "key": "pulse",
    "title": {"en": "Pulse check"},
    "languages": ["en"],
    "choice_lists": {
        "yesno": [
            {"value": "yes", "label": {"en": "Yes"}},
            {"value": "no", "label": {"en": "No"}},
        ]
    },
    "sections": [
        {
            "key": "main",
            "title": {"en": "Main"},
            "questions": [
                {
                    "key": "score",
                    "type": "rating",
                    "label": {"en": "How are you today?"},
                    "min": 0,
                    "max": 10,
                    "required": True,
                },
                {
                    "key": "helped",
                    "type": "single_choice",
                    "label": {"en": "Did the group help?"},
                    "choices": "yesno",
                },
                {
                    "key": "how",
                    "type": "text",
                    "label": {"en": "How did it help?"},
                    "relevant": "${helped} = 'yes'",
                },
                {
                    "key": "visits",
                    "type": "number",
                    "label": {"en": "Visits last month"},
                    "integer": True,
                    "constraint": ". <= 31",
                    "constraint_message": {"en": "A month has at most 31 days"},
                },
            ],
        }
    ],
}


class ApiClient:
    """The Flask test client with a bearer token on every request."""

    def __init__(self, client, token: str | None):
        self._client = client
        self.token = token

    def _headers(self, extra):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, path, **kw):
        return self._client.get(
            "/api/v1" + path, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def post(self, path, json=None, **kw):
        headers = self._headers(kw.pop("headers", None))
        if json is not None:
            return self._client.post("/api/v1" + path, json=json, headers=headers, **kw)
        return self._client.post("/api/v1" + path, headers=headers, **kw)


@pytest.fixture
def make_token(app):
    """make_token(user, scopes=None) -> plain token text (all scopes by default)."""

    def make(user, scopes=None, name="test token"):
        _token, plain = api_tokens.create_token(user, name, scopes or ALL_SCOPES)
        db.session.commit()
        return plain

    return make


@pytest.fixture
def api_for(client, make_token):
    """api_for(user, scopes=None) -> ApiClient authenticated as that user."""

    def make(user, scopes=None):
        return ApiClient(client, make_token(user, scopes))

    return make


@pytest.fixture
def owner(make_user):
    return make_user("owner@example.org", "Olu Owner")


@pytest.fixture
def evaluation(make_evaluation, owner, make_user):
    commissioner = make_user("commissioner@example.org", "Cat Commissioner")
    return make_evaluation(owner, slug="pulse-eval", members={commissioner: "commissioner"})


@pytest.fixture
def open_wave(evaluation, owner):
    """An open wave on a published version of DEFINITION, groups member and staff."""
    from revaluation.services import fieldwork, instruments
    from surveys.formats import load_instrument

    version = instruments.create_instrument(evaluation, load_instrument(DEFINITION))
    instruments.publish_version(version, owner.id)
    wave = fieldwork.create_wave(evaluation, version, name="First", groups=["member", "staff"])
    fieldwork.open_wave(wave)
    db.session.commit()
    return wave

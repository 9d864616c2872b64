"""Abusive volume from one browser is rate limited (limits switched on for this module only)."""

from __future__ import annotations

import pytest

from revaluation.extensions import limiter
from tests.web.participate_fixtures import participation_setup, propose  # noqa: F401


@pytest.fixture
def app_config() -> dict:
    return {"RATELIMIT_ENABLED": True}


def test_many_proposals_from_one_browser_are_refused(client, ps):
    limiter.reset()
    try:
        propose(client, ps, "The first proposal makes this browser a participant")
        for n in range(10):
            assert propose(client, ps, f"Idea {n}").status_code == 200
        flood = client.post(f"{ps.url}/propose", data={"kind": "outcome", "text": "One more"})
        assert flood.status_code == 429
        assert "Too many requests" in flood.get_data(as_text=True)
        assert client.get(f"{ps.url}/proposals").status_code == 200
    finally:
        limiter.reset()

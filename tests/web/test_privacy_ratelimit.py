"""Reference codes cannot be guessed: failed look-ups on /r/my-answers (and owners' look-ups
by code) are rate limited per address, while correct codes do not use up the allowance."""

from __future__ import annotations

import pytest

from revaluation.extensions import limiter
from tests.web.privacy_fixtures import send_response
from tests.web.respond_fixtures import make_survey


@pytest.fixture
def app_config() -> dict:
    return {"RATELIMIT_ENABLED": True}


@pytest.fixture
def survey(app, make_evaluation):
    limiter.reset()
    yield make_survey(make_evaluation)
    limiter.reset()


def test_guessing_codes_is_stopped_after_ten_failures_a_minute(app, client, survey):
    _rid, reference = send_response(client, survey.code)
    guesser = app.test_client()
    for n in range(9):
        assert guesser.post("/r/my-answers", data={"code": f"guess{n:05d}"}).status_code == 200
    for _ in range(5):  # the right code works and does not count as a failure
        assert guesser.post("/r/my-answers", data={"code": reference}).status_code == 303
    assert guesser.post("/r/my-answers", data={"code": "guess-last"}).status_code == 200
    refused = guesser.post("/r/my-answers", data={"code": "guess-more"})
    assert refused.status_code == 429
    assert "Too many tries" in refused.get_data(True)
    # Reading the form is never limited.
    assert guesser.get("/r/my-answers").status_code == 200

"""Rate limits on the respondent and participation pages: per address, not escaped with made-up
cookies, and shared through Redis by every app instance when REDIS_URL is set."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from revaluation import create_app
from revaluation.config import ConfigError, load_config
from revaluation.extensions import db, limiter
from revaluation.models import Proposal, Response
from tests.conftest import need
from tests.web.participate_fixtures import participation_setup  # noqa: F401
from tests.web.respond_fixtures import make_survey

REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def app_config() -> dict:
    return {"RATELIMIT_ENABLED": True, "RESPONDENT_RATE_LIMIT": "8 per minute",
            "RESPONDENT_START_LIMIT": "3 per minute"}


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    limiter.reset()
    yield
    limiter.reset()


def _responses() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Response)).scalar_one()


def test_starting_responses_is_limited_per_address(app, client, make_evaluation):
    survey = make_survey(make_evaluation)
    for _ in range(3):
        assert client.post(f"/r/{survey.code}/start").status_code == 302
    flood = app.test_client().post(f"/r/{survey.code}/start")  # a new browser, same address
    assert flood.status_code == 429
    assert "Too many tries" in flood.get_data(as_text=True)
    assert _responses() == 3
    assert client.get(f"/r/{survey.code}").status_code == 200  # reading is never limited


def test_every_respondent_post_counts_towards_the_address_limit(app, client):
    statuses = [client.post(f"/s/{n}/consent", data={"agree": "yes"}).status_code
                for n in range(1, 10)]
    assert statuses[:8] == [403] * 8  # none of these browsers' answers, but each counts
    assert statuses[8] == 429


def test_made_up_participant_cookies_do_not_escape_the_limit(app, ps):
    client = app.test_client()
    statuses = []
    for n in range(12):
        client.set_cookie("reval_participant", secrets.token_urlsafe(30))
        statuses.append(client.post(f"{ps.url}/propose", data={
            "kind": "outcome", "text": f"Proposal number {n}", "detail": ""}).status_code)
    assert statuses[:10] == [302] * 10
    assert statuses[10:] == [429, 429]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Proposal)
                              ).scalar_one() == 10


def test_each_participant_in_one_workshop_has_their_own_allowance(app, ps):
    """Two people on the same Wi-Fi: one using up their proposals does not block the other."""
    first, second = app.test_client(), app.test_client()
    for n in range(11):  # one as a newcomer, then ten as a known participant
        assert first.post(f"{ps.url}/propose", data={"kind": "outcome", "text": f"Idea {n}"}
                          ).status_code == 302
    assert first.post(f"{ps.url}/propose", data={"kind": "outcome", "text": "More"}
                      ).status_code == 429
    # The second person's first proposal falls in the cookie-less bucket the first person
    # used once; afterwards they have a bucket of their own.
    assert second.post(f"{ps.url}/propose", data={"kind": "outcome", "text": "Mine"}
                       ).status_code == 302
    assert second.post(f"{ps.url}/propose", data={"kind": "outcome", "text": "Mine too"}
                       ).status_code == 302


def test_redis_url_makes_redis_the_rate_limit_store(tmp_path):
    config = load_config(tmp_path, {"REDIS_URL": REDIS_URL})
    assert config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    assert load_config(tmp_path, {})["RATELIMIT_STORAGE_URI"] == "memory://"


def test_a_malformed_limit_is_refused_at_start(tmp_path):
    with pytest.raises(ConfigError, match="RESPONDENT_RATE_LIMIT"):
        load_config(tmp_path, {"RESPONDENT_RATE_LIMIT": "lots"})


def test_limits_in_redis_are_shared_by_every_app_instance(database_url, instance_path, _schema,
                                                          make_evaluation):
    """A second instance (another gunicorn worker, or the same one restarted) sees the count
    the first one made: the address is refused there too."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
        reachable = True
    except redis.exceptions.ConnectionError:
        reachable = False
    need(reachable, f"Redis is not running at {REDIS_URL}")
    redis.Redis.from_url(REDIS_URL).flushdb()

    def instance():
        return create_app({
            "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
            "PANEL_CODE_KEY": "test-panel-key", "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL,
            "RESPONDENT_START_LIMIT": "2 per minute",
            "ENVIRON": {"REVALUATION_ENV": "testing"},
        })

    survey = make_survey(make_evaluation)
    try:
        first = instance()
        for _ in range(2):
            assert first.test_client().post(f"/r/{survey.code}/start").status_code == 302
        second = instance()  # a new storage connection: nothing in-process is shared
        assert second.test_client().post(f"/r/{survey.code}/start").status_code == 429
        assert redis.Redis.from_url(REDIS_URL).keys("LIMITS*")
    finally:
        redis.Redis.from_url(REDIS_URL).flushdb()


def _starts_from(app, survey, addresses: list[str]) -> list[int]:
    return [app.test_client().post(f"/r/{survey.code}/start",
                                   headers={"X-Forwarded-For": address}).status_code
            for address in addresses]


def test_forwarded_addresses_are_ignored_unless_a_proxy_is_trusted(app, make_evaluation):
    """Without TRUSTED_PROXIES a forged X-Forwarded-For buys no fresh allowance."""
    survey = make_survey(make_evaluation)
    statuses = _starts_from(app, survey, [f"203.0.113.{n}" for n in range(5)])
    assert statuses == [302, 302, 302, 429, 429]


def test_behind_a_trusted_proxy_each_client_address_counts_alone(database_url, instance_path,
                                                                 _schema, make_evaluation):
    from tests.conftest import _make_app

    proxied = _make_app(database_url, instance_path, RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1,
                        RESPONDENT_START_LIMIT="3 per minute")
    limiter.reset()
    survey = make_survey(make_evaluation)
    assert _starts_from(proxied, survey, ["198.51.100.1"] * 4) == [302, 302, 302, 429]
    assert _starts_from(proxied, survey, ["198.51.100.2"]) == [302]

"""Shared set-up for the respondent benchmarks: a temporary SQLite database with the demo
seeded, and a scripted respondent that answers the demo survey with plain HTTP requests."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission_id" value="([0-9a-f]+)"')

#: The demo check-in's pages and one valid answer set (form fields) for each.
DEMO_PAGES = [
    ("you", {"involvement": "weekly", "activities": ["walks", "cafe"]}),
    ("wellbeing", {"life_satisfaction": "7", "worthwhile": "8", "lonely": "2"}),
    ("connection", {"conn_talk": "4", "conn_belong": "4", "conn_left_out": "2",
                    "voice_heard": "4", "confidence": "6"}),
    ("services", {"gp_visits": "1", "ae_visit": "no"}),
    ("story", {"change_story": "I walk with the group every Tuesday now.", "story_who": "0.6",
               "story_kind__1": "50", "story_kind__2": "40", "story_kind__3": "10"}),
]


def database_url(database: Path | str) -> str:
    """The URL of a SQLite file path; a URL (sqlite:///..., postgresql://...) passes through."""
    text = str(database)
    return text if "://" in text else f"sqlite:///{database}"


def environment(database: Path | str) -> dict[str, str]:
    """Environment for an app on this database (a SQLite file or a PostgreSQL URL): fixed
    secrets, no rate limit (every simulated respondent shares one IP)."""
    return {
        "DATABASE_URL": database_url(database),
        "SECRET_KEY": "benchmark-secret-key-0123456789abcdef0123456789",
        "PANEL_CODE_KEY": "benchmark-panel-key",
        "RATELIMIT_ENABLED": "false",
        "REVALUATION_ENV": "development",
        "LOG_LEVEL": "WARNING",
    }


def seed(database: Path | str) -> None:
    """Create the schema and the demo evaluation in a fresh SQLite file or PostgreSQL
    database."""
    import logging
    import os

    os.environ.update(environment(database))
    logging.disable(logging.INFO)
    from revaluation import create_app
    from revaluation.extensions import db
    from revaluation.services.demo import seed_demo

    app = create_app({"ENVIRON": environment(database)})
    with app.app_context():
        db.create_all()
        seed_demo(members=60, staff=15)
        db.session.commit()
        db.engine.dispose()


def answer_demo(session, base: str, timings: list[float], *,
                submit: bool = True, think=None) -> tuple[str, str, str] | None:
    """Answer the demo survey with a requests.Session. Without ``submit`` it stops on the
    check page and returns (response URL prefix, submission id, CSRF token) for `send`.
    Each request's seconds go into ``timings``. ``think``, when given, is called before each
    form is sent back: a person reading the page and answering (not counted in ``timings``)."""

    def call(method: str, url: str, **kwargs):
        if method == "POST" and think is not None:
            think()
        started = time.perf_counter()
        reply = session.request(method, url, timeout=60, allow_redirects=False, **kwargs)
        timings.append(time.perf_counter() - started)
        if reply.status_code >= 400:
            raise RuntimeError(f"{method} {url} -> {reply.status_code}")
        return reply

    landing = call("GET", f"{base}/r/walkmembers").text
    token = TOKEN.search(landing).group(1)
    step = call("POST", f"{base}/r/walkmembers/start", data={"csrf_token": token}).headers[
        "Location"]
    consent = base + call("GET", base + step).headers["Location"]
    token = TOKEN.search(call("GET", consent).text).group(1)
    panel = base + call("POST", consent, data={"csrf_token": token, "agree": "yes"}).headers[
        "Location"]
    token = TOKEN.search(call("GET", panel).text).group(1)
    page = base + call("POST", panel, data={"csrf_token": token, "action": "skip"}).headers[
        "Location"]
    prefix = page.rsplit("/p/", 1)[0]
    for section, fields in DEMO_PAGES:
        url = f"{prefix}/p/{section}"
        token = TOKEN.search(call("GET", url).text).group(1)
        call("POST", url, data={**fields, "csrf_token": token, "action": "continue"})
    check = call("GET", f"{prefix}/check").text
    submission, token = SUBMISSION.search(check).group(1), TOKEN.search(check).group(1)
    if not submit:
        return prefix, submission, token
    send(session, prefix, submission, token, timings)
    return None


def send(session, prefix: str, submission: str, token: str, timings: list[float]) -> None:
    started = time.perf_counter()
    reply = session.post(f"{prefix}/submit", data={"csrf_token": token,
                                                   "submission_id": submission},
                         timeout=60, allow_redirects=False)
    timings.append(time.perf_counter() - started)
    if reply.status_code != 302 or not reply.headers["Location"].endswith("/done"):
        raise RuntimeError(f"submit -> {reply.status_code}")

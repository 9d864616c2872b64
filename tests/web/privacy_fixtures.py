"""Helpers for the privacy tests: send a full response through the respondent pages and get
back its id and reference code, and read every stored value of the database as text."""

from __future__ import annotations

import re

import sqlalchemy as sa

from revaluation.extensions import db
from tests.web.respond_fixtures import VALID_PAGES, rid_of, start, submission_id


def answer_pages(client, first: str, *, extra: dict | None = None,
                 words: dict | None = None) -> str:
    """Answer every page of the all-types survey (``extra`` and ``words`` change fields of the
    first and second pages); return the "Check your answers" URL."""
    base = first.rsplit("/p/", 1)[0]
    changes = {"basics": extra or {}, "words": words or {}}
    for section, fields in VALID_PAGES.items():
        data = {**fields, **changes.get(section, {}), "action": "continue"}
        reply = client.post(f"{base}/p/{section}", data=data)
        assert reply.status_code == 302, reply.get_data(True)[:1500]
    for _ in range(6):
        page = client.get(f"{base}/p/cat").get_data(as_text=True)
        found = re.search(r'name="item" value="([^"]+)"', page)
        if not found:
            break
        client.post(f"{base}/p/cat", data={"item": found.group(1), "answer": "4",
                                           "action": "answer"})
    return f"{base}/check"


def send_response(client, code: str, *, panel: str | None = "skip", extra: dict | None = None,
                  words: dict | None = None) -> tuple[int, str]:
    """Answer the all-types survey behind open link ``code`` and send it; return the response
    id and the reference code shown on the confirmation page."""
    first = start(client, code, panel=panel)
    check = answer_pages(client, first, extra=extra, words=words)
    html = client.get(check).get_data(True)
    sent = client.post(check.replace("/check", "/submit"),
                       data={"submission_id": submission_id(html)})
    assert sent.status_code == 302, sent.get_data(True)[:1500]
    done = client.get(sent.location).get_data(True)
    reference = re.search(r'class="code">([^<]+)<', done).group(1)
    return rid_of(first), reference


def database_text() -> str:
    """Every value of every table, as one string (to prove a secret is not stored anywhere)."""
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).all():
            parts.extend(repr(value) for value in row)
    return "\n".join(parts)

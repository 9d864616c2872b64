"""A respondent's own data, for the "your answers" pages: what we hold about one response,
and the same as JSON and CSV downloads (a subject access copy).

The answers arrive here already in plain words (the respond blueprint words them as the
"Check your answers" page does); this module adds what else is held about the response and
serialises both. Secrets are never included: the panel code and resume code exist only as
keyed hashes, and the response says only whether a panel code was given.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import Anonymity, Response, Story, StoryStatus
from revaluation.services import consent
from revaluation.services.exports import neutralise


@dataclass(frozen=True)
class AnswerRow:
    """One answer as the respondent sees it."""

    section: str
    key: str
    question: str
    answer: str
    #: The stored value in the survey engine's normal form (choice values, numbers, JSON).
    value: Any = None


@dataclass(frozen=True)
class Held:
    """Everything held about one response, apart from its answers."""

    response_id: int
    evaluation: str
    wave: str
    group: str
    language: str
    status: str
    started_at: datetime
    completed_at: datetime | None
    consent_version: int | None
    consent_hash: str | None
    consent_text: str | None
    consented_at: datetime | None
    panel_code_given: bool
    #: Only in a named wave, and only what the respondent typed.
    name: str | None
    stories: list[dict[str, Any]] = field(default_factory=list)


def held_about(response: Response) -> Held:
    """What we hold about this response besides the answers (consent, group, stories...)."""
    wave = response.wave
    agreed = consent.agreed_text(response)
    stories = db.session.execute(
        sa.select(Story).where(Story.response_id == response.id,
                               Story.status == StoryStatus.ACTIVE).order_by(Story.id)
    ).scalars()
    return Held(
        response_id=response.id,
        evaluation=wave.evaluation.title,
        wave=wave.name,
        group=response.group,
        language=response.language,
        status=str(response.status),
        started_at=response.started_at,
        completed_at=response.completed_at,
        consent_version=response.consent_version if response.consent_given else None,
        consent_hash=response.consent_hash or (agreed.text_hash if agreed else None),
        consent_text=(consent.agreed_words(response, agreed)
                      if agreed and agreed.text.strip() else None),
        consented_at=response.consented_at,
        panel_code_given=response.panel_hash is not None,
        name=response.respondent_name if wave.anonymity is Anonymity.NAMED else None,
        stories=[{"text": s.text, "shared_at": s.created_at} for s in stories],
    )


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value


def as_json(held: Held, rows: list[AnswerRow]) -> bytes:
    """The subject access copy as JSON (UTF-8, readable indentation)."""
    body = {
        "about": {k: _plain(v) for k, v in asdict(held).items() if k != "stories"},
        "answers": [asdict(row) for row in rows],
        "stories": [{k: _plain(v) for k, v in s.items()} for s in held.stories],
        "not_held": [
            "your resume code (only a keyed hash of it, which cannot be turned back)",
            "your panel code (only a keyed hash of it, if you gave one)",
            "your IP address or device details",
        ],
    }
    return json.dumps(body, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def as_csv(held: Held, rows: list[AnswerRow]) -> bytes:
    """The answers as a CSV a spreadsheet opens (UTF-8 with a byte-order mark), one row per
    answer after a few rows saying which response this is. Formula-like cells are defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "question_key", "question", "answer"])
    writer.writerow(["About this response", "survey", "Survey", held.evaluation])
    writer.writerow(["About this response", "wave", "Wave", held.wave])
    writer.writerow(["About this response", "group", "Group", held.group])
    writer.writerow(["About this response", "status", "Status", held.status])
    writer.writerow(["About this response", "started_at", "Started",
                     _plain(held.started_at)])
    if held.completed_at:
        writer.writerow(["About this response", "completed_at", "Sent",
                         _plain(held.completed_at)])
    if held.consent_version is not None and held.consent_text:
        writer.writerow(["About this response", "consent_version", "Consent version agreed",
                         held.consent_version])
    if held.name:
        writer.writerow(["About this response", "name", "Name", held.name])
    for row in rows:
        writer.writerow([neutralise(row.section), row.key, neutralise(row.question),
                         neutralise(row.answer)])
    for number, story in enumerate(held.stories, start=1):
        writer.writerow(["Stories", f"story_{number}", "Story shared with the evaluation",
                         neutralise(story["text"])])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")

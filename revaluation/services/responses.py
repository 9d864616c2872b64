"""Responses and answers: starting, saving pages, submitting once, resuming by code.

Every answer goes through the survey engine's types before it reaches here, so these
functions only store normalised values. They flush and never commit: the route commits once.
Secrets (resume codes, tokens, panel codes) are stored only as keyed hashes.
"""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from revaluation.extensions import db
from revaluation.models import Answer, Invitation, InvitationKind, Response, Wave
from revaluation.models.base import upsert, utcnow
from revaluation.models.fieldwork import Anonymity, WaveState, _aware
from revaluation.models.responses import ResponseStatus
from revaluation.services import adaptive_blocks, consent, participation_coding
from revaluation.services.secrets import keyed_hash, new_code, normalise_code
from surveys.model import Instrument as Definition
from surveys.types import StoredValue, get_type

logger = logging.getLogger(__name__)

#: Length of the resume code shown to respondents (31-letter alphabet: about 50 bits).
RESUME_CODE_LENGTH = 10


@dataclass(frozen=True)
class Entry:
    """Where a link leads: its invitation and wave, or the reason it leads nowhere.

    ``problem`` is one of: unknown, revoked, expired, used, closed, not_open (None: fine).
    """

    invitation: Invitation | None
    wave: Wave | None
    problem: str | None


def find_entry(*, code: str | None = None, token: str | None = None,
               now: datetime | None = None) -> Entry:
    """Look up an open link code or a single-use token and say whether it can be answered."""
    now = now or utcnow()
    if code is not None:
        query = db.select(Invitation).filter_by(code=code[:32], kind=InvitationKind.OPEN)
    else:
        digest = keyed_hash(normalise_code(token or ""), purpose="invitation")
        query = db.select(Invitation).filter_by(token_hash=digest, kind=InvitationKind.TOKEN)
    invitation = db.session.execute(query).scalar_one_or_none()
    if invitation is None:
        return Entry(None, None, "unknown")
    wave = invitation.wave
    problem = None
    if invitation.revoked_at is not None:
        problem = "revoked"
    elif invitation.expires_at is not None and now >= _aware(invitation.expires_at):
        problem = "expired"
    elif invitation.used_at is not None:
        problem = "used"
    elif wave.state is WaveState.CLOSED or (wave.closes_at and now >= _aware(wave.closes_at)):
        problem = "closed"
    elif not wave.accepting_at(now):
        problem = "not_open"
    return Entry(invitation, wave, problem)


def start_response(wave: Wave, invitation: Invitation, *, language: str) -> tuple[Response, str]:
    """A new partial response; returns it with its resume code (shown, never stored)."""
    code = new_code(RESUME_CODE_LENGTH)
    response = Response(
        wave_id=wave.id,
        invitation_id=invitation.id,
        group=invitation.group,
        language=language,
        resume_hash=keyed_hash(code, purpose="resume"),
        consent_given=not wave.consent_text.strip(),
        consent_version=None if wave.consent_text.strip() else wave.consent_version,
    )
    db.session.add(response)
    db.session.flush()
    logger.info("started response %s in wave %s", response.id, wave.id)
    return response, code


def partial_for_token(invitation: Invitation) -> Response | None:
    """The unfinished response begun with this single-use token, if any."""
    return db.session.execute(
        db.select(Response)
        .filter_by(invitation_id=invitation.id, status=ResponseStatus.PARTIAL)
        .order_by(Response.id.desc())
    ).scalars().first()


def rotate_resume_code(response: Response) -> str:
    """Give a response a fresh resume code (the old one stops working); returns it."""
    code = new_code(RESUME_CODE_LENGTH)
    response.resume_hash = keyed_hash(code, purpose="resume")
    db.session.flush()
    return code


def response_for(response_id: int, code: str) -> Response | None:
    """The response if ``code`` is its resume code (as kept in the respondent's cookie)."""
    response = db.session.execute(
        db.select(Response).where(Response.id == response_id).options(
            joinedload(Response.wave).joinedload(Wave.evaluation),
            joinedload(Response.wave).joinedload(Wave.instrument_version))
    ).unique().scalar_one_or_none()
    if response is None or not hmac.compare_digest(response.resume_hash or "",
                                                   keyed_hash(code, purpose="resume")):
        return None
    return response


def resume_by_code(code: str) -> Response | None:
    """The response whose resume code this is (typed on any device), or None."""
    cleaned = normalise_code(code)
    if not 4 <= len(cleaned) <= 32:
        return None
    digest = keyed_hash(cleaned, purpose="resume")
    return db.session.execute(
        db.select(Response).filter_by(resume_hash=digest)
    ).scalar_one_or_none()


def load_answers(response: Response, definition: Definition) -> dict[str, Any]:
    """The stored answers as the engine's normalised values, keyed by question (or item) key."""
    questions = {q.key: q for q in definition.questions()}
    rows = db.session.execute(
        db.select(Answer.question_key, Answer.number, Answer.text, Answer.data)
        .where(Answer.response_id == response.id)
    ).all()
    answers: dict[str, Any] = {}
    for key, number, text, data in rows:
        stored = StoredValue(number=number, text=text, data=data)
        question = questions.get(key)
        if question is not None:
            answers[key] = get_type(question.type).load(question, stored)
        else:
            value = adaptive_blocks.restore(definition, key, stored)
            if value is not None:
                answers[key] = value
    return answers


def storage_rows(definition: Definition, changes: Mapping[str, Any]) -> dict[str, StoredValue]:
    """The database shape of each changed answer (adaptive keys arrive already stored)."""
    questions = {q.key: q for q in definition.questions()}
    rows = {}
    for key, value in changes.items():
        if isinstance(value, StoredValue):
            rows[key] = value
        else:
            question = questions[key]
            rows[key] = get_type(question.type).storage(question, value, instrument=definition)
    return rows


def record_page_answers(response: Response, definition: Definition, changes: Mapping[str, Any],
                        *, remove: Iterable[str] = (), current_page: str | None = None) -> None:
    """Upsert the changed answers (idempotent per response and key) and delete removed ones.

    A value of None deletes the answer: a question left blank has no row.
    """
    if response.status is ResponseStatus.COMPLETE:
        raise ValueError("this response has been sent and can no longer change")
    removals = set(remove) | {k for k, v in changes.items() if v is None}
    stored = storage_rows(definition, {k: v for k, v in changes.items() if v is not None})
    if stored:
        _upsert(response.id, stored)
    if removals:
        db.session.execute(
            sa.delete(Answer).where(Answer.response_id == response.id,
                                    Answer.question_key.in_(sorted(removals)))
        )
    if current_page is not None:
        response.current_page = current_page
    response.updated_at = utcnow()
    db.session.flush()


def _upsert(response_id: int, stored: Mapping[str, StoredValue]) -> None:
    """INSERT ... ON CONFLICT (response_id, question_key) DO UPDATE, on SQLite and PostgreSQL,
    so two tabs or a retried request never create a second answer row."""
    now = utcnow()
    rows = [{"response_id": response_id, "question_key": key, "number": value.number,
             "text": value.text, "data": value.data, "updated_at": now}
            for key, value in sorted(stored.items())]
    db.session.execute(_answer_upsert(db.session.get_bind().dialect.name), rows)


@functools.cache
def _answer_upsert(dialect: str) -> Any:
    """The upsert, built once per dialect and run with one parameter set per answer, so it is
    compiled once per process (a VALUES list built per page would be compiled on every POST)."""
    return upsert(dialect, Answer.__table__, ["response_id", "question_key"],
                  ["number", "text", "data", "updated_at"])


def record_consent(response: Response, wave: Wave) -> None:
    """The respondent agreed to the wave's consent text as it stands now (its version and the
    SHA-256 of its words are kept with the response; see :mod:`revaluation.services.consent`)."""
    consent.record_agreement(response, wave)


def record_panel_code(response: Response, code: str | None) -> None:
    """Store the self-generated panel code as a keyed hash only (None: they chose not to)."""
    response.panel_hash = keyed_hash(normalise_code(code), purpose="panel") if code else None
    db.session.flush()


#: Longest name a respondent may give in a named wave (the column's size).
MAX_NAME_LENGTH = 200


def record_name(response: Response, name: str) -> None:
    """Store the name a respondent typed in a named wave (only there; never logged)."""
    if response.wave.anonymity is not Anonymity.NAMED:
        raise ValueError("names are asked only in named waves")
    response.respondent_name = " ".join(name.split())[:MAX_NAME_LENGTH]
    db.session.flush()


def withdraw(response: Response) -> None:
    """The respondent declined consent: keep nothing of the response."""
    db.session.delete(response)
    db.session.flush()


def submit_response(response: Response, definition: Definition, submission_id: str,
                    calculated: Mapping[str, Any]) -> bool:
    """Mark the response complete once. Returns False when it was already complete, so a
    double tap or a retried POST changes nothing and records no second answer set."""
    if response.status is ResponseStatus.COMPLETE:
        return False
    now = utcnow()
    # A conditional UPDATE: of two racing submissions only one finds the response partial.
    changed = db.session.execute(
        sa.update(Response)
        .where(Response.id == response.id, Response.status == ResponseStatus.PARTIAL)
        .values(status=ResponseStatus.COMPLETE, completed_at=now,
                submission_id=submission_id[:64], current_page=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(response)
    if not changed:
        return False
    stored = storage_rows(definition, {k: v for k, v in calculated.items() if v is not None})
    if stored:
        _upsert(response.id, stored)
    if response.invitation_id is not None:
        invitation = db.session.get(Invitation, response.invitation_id)
        if invitation is not None and invitation.kind is InvitationKind.TOKEN:
            invitation.used_at = utcnow()
    db.session.flush()
    # Stories told in the response join the evaluation's story pool for sense-making.
    participation_coding.stories_from_response(response)
    logger.info("completed response %s", response.id)
    return True

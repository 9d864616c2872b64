"""Versioned consent texts: what each respondent agreed to, word for word.

A wave's consent text has a version number (``Wave.consent_version``). Each version's words are
kept as a :class:`ConsentVersion` row with the SHA-256 of the text, and a response that agrees
records the version and the hash. Changing the text of an open wave adds a version: people who
already agreed keep theirs, people who arrive later see (and agree to) the new words.

The text is written in the instrument's default language; ``Wave.consent_translations`` holds
it in the instrument's other languages. A respondent answering in one of them reads that
translation, and the hash kept with their response is the hash of the words they were shown.
Changing the text or any translation makes a new version.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import (
    ConsentVersion,
    InstrumentVersion,
    Response,
    StateError,
    Wave,
    WaveState,
)
from revaluation.models.base import utcnow
from revaluation.services import audit
from revaluation.services.instruments import definition_of

logger = logging.getLogger(__name__)

#: Longest consent text accepted (the wave form uses the same limit).
MAX_CONSENT_LENGTH = 5000


class ConsentError(ValueError):
    """The consent text cannot be changed as asked; the message says why."""


def text_hash(text: str) -> str:
    """SHA-256 (hex) of the consent text's UTF-8 bytes: a short, checkable fingerprint."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def translation_languages(version: InstrumentVersion) -> list[str]:
    """The languages a consent text on ``version`` can be translated into: the instrument's
    languages other than its default, in which the text itself is written."""
    definition = definition_of(version)
    return [code for code in definition.languages if code != definition.default_language]


def words_for(text: str, translations: dict | None, language: str | None) -> str:
    """The consent words a respondent answering in ``language`` reads: its translation when
    there is one, else the text as written."""
    translated = (translations or {}).get(language or "")
    return translated if isinstance(translated, str) and translated.strip() else text


def wave_words(wave: Wave, language: str | None) -> str:
    """The wave's current consent words in ``language`` (see :func:`words_for`)."""
    return words_for(wave.consent_text, wave.consent_translations, language)


def version_words(version: ConsentVersion, language: str | None) -> str:
    """A kept version's words in ``language`` (see :func:`words_for`)."""
    return words_for(version.text, version.translations, language)


def current_version(wave: Wave, *, author_id: int | None = None) -> ConsentVersion:
    """The row holding the wave's current consent words, created when missing (waves made
    before versions were kept, or drafts whose text changed before anyone saw it)."""
    found = db.session.execute(
        sa.select(ConsentVersion).filter_by(wave_id=wave.id, version=wave.consent_version)
    ).scalar_one_or_none()
    if found is None:
        found = ConsentVersion(wave_id=wave.id, version=wave.consent_version,
                               text=wave.consent_text, text_hash=text_hash(wave.consent_text),
                               translations=dict(wave.consent_translations or {}),
                               created_by_id=author_id)
        db.session.add(found)
        db.session.flush()
    elif (found.text != wave.consent_text
          or (found.translations or {}) != (wave.consent_translations or {})):
        # A draft's text was edited in place (drafts have no responses): keep the row true.
        found.text, found.text_hash = wave.consent_text, text_hash(wave.consent_text)
        found.translations = dict(wave.consent_translations or {})
        db.session.flush()
    return found


def change_consent_text(wave: Wave, text: str, *, translations: dict[str, str] | None = None,
                        author_id: int | None = None) -> int | None:
    """Give an open (or draft) wave new consent words as a new version; returns the new version
    number, or None when the words did not change. Closed waves keep what respondents saw.

    ``translations`` ({language code: text}, None: keep the current ones) replaces every
    translation; an empty text removes that language's translation.
    """
    text = text.strip()
    if wave.state is WaveState.CLOSED:
        raise StateError(f"Wave “{wave.name}” is closed; its consent text can no longer change.")
    if len(text) > MAX_CONSENT_LENGTH:
        raise ConsentError(f"Consent text: use at most {MAX_CONSENT_LENGTH:,} characters.")
    if translations is None:
        wanted = dict(wave.consent_translations or {})
    else:
        wanted = {code: words.strip() for code, words in translations.items() if words.strip()}
    for code, words in wanted.items():
        if len(words) > MAX_CONSENT_LENGTH:
            raise ConsentError(f"Consent text ({code}): use at most {MAX_CONSENT_LENGTH:,} "
                               "characters.")
    if wanted and not text:
        raise ConsentError("Write the consent text itself before its translations.")
    if text == wave.consent_text and wanted == (wave.consent_translations or {}):
        return None
    current_version(wave)  # the old words stay on record before they are replaced
    wave.consent_version += 1
    wave.consent_text = text
    wave.consent_translations = wanted
    added = current_version(wave, author_id=author_id)
    audit.record("wave.consent_change", evaluation_id=wave.evaluation_id, obj=wave,
                 version=added.version, text_hash=added.text_hash)
    logger.info("wave %s consent text now version %s", wave.id, added.version)
    return added.version


@dataclass(frozen=True)
class VersionView:
    """One consent version as the wave's consent page lists it."""

    version: int
    text: str
    text_hash: str
    created_at: datetime | None
    responses: int
    current: bool
    #: (language code, words, SHA-256 of the words) of each translation, by code.
    translations: list[tuple[str, str, str]]


def versions_of(wave: Wave) -> list[VersionView]:
    """Every recorded version of the wave's consent text, newest first, with how many
    responses agreed to each."""
    current_version(wave)
    counts = dict(db.session.execute(
        sa.select(Response.consent_version, sa.func.count(Response.id))
        .where(Response.wave_id == wave.id, Response.consent_given.is_(True))
        .group_by(Response.consent_version)
    ).all())
    rows = db.session.execute(
        sa.select(ConsentVersion).filter_by(wave_id=wave.id)
        .order_by(ConsentVersion.version.desc())
    ).scalars()
    return [VersionView(v.version, v.text, v.text_hash, v.created_at, counts.get(v.version, 0),
                        v.version == wave.consent_version,
                        [(code, words, text_hash(words))
                         for code, words in sorted((v.translations or {}).items())])
            for v in rows]


def agreed_text(response: Response) -> ConsentVersion | None:
    """The consent words this response agreed to, or None (no text, or not agreed)."""
    if not response.consent_given or response.consent_version is None:
        return None
    return db.session.execute(
        sa.select(ConsentVersion).filter_by(wave_id=response.wave_id,
                                            version=response.consent_version)
    ).scalar_one_or_none()


def agreed_words(response: Response, version: ConsentVersion) -> str:
    """The words of ``version`` this response agreed to: those whose hash it kept (they may be
    a translation), else the words in the response's language."""
    for words in (version.text, *(version.translations or {}).values()):
        if response.consent_hash and text_hash(words) == response.consent_hash:
            return words
    return version_words(version, response.language)


def record_agreement(response: Response, wave: Wave) -> None:
    """The respondent agreed to the wave's consent text as it stands now: keep the version,
    the fingerprint of the words they were shown (in their language) and the time."""
    response.consent_given = True
    response.consent_version = wave.consent_version
    if wave.consent_text.strip():
        current_version(wave)
        response.consent_hash = text_hash(wave_words(wave, response.language))
        response.consented_at = utcnow()
    db.session.flush()

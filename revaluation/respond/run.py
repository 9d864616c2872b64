"""One respondent's run through an instrument: a real response, or an evaluator's preview.

Both go through the same pages. A real run stores answers as Answer rows through
`revaluation.services.responses`. A preview keeps its answers only in the evaluator's
signed session cookie, so nothing is stored, counted or exported (a Response needs a wave,
and a draft version has none). Long texts are shortened in preview so the cookie stays
under the browsers' 4 KB limit; the page says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import session, url_for

from revaluation.extensions import db
from revaluation.models import Response, Wave
from revaluation.services import adaptive_blocks, responses
from surveys.model import Instrument as Definition
from surveys.types import StoredValue

PREVIEW_KEY = "respond_preview"
PREVIEW_TEXT_LIMIT = 300

ENDPOINTS = {
    "page": ("respond.page", "respond.preview_page"),
    "autosave": ("respond.autosave", "respond.preview_autosave"),
    "check": ("respond.check", "respond.preview_check"),
    "submit": ("respond.submit", "respond.preview_submit"),
    "done": ("respond.done", "respond.preview_done"),
    "save": ("respond.save_for_later", "respond.preview_page"),
    "language": ("respond.language", "respond.preview_language"),
}


@dataclass
class Run:
    """Everything a respondent page needs to know about whose answers these are."""

    definition: Definition
    answers: dict[str, Any]
    language: str
    title: str
    brand: str
    response: Response | None = None
    wave: Wave | None = None
    version_id: int | None = None
    resume_code: str | None = None
    #: True for an evaluator's preview: nothing is stored.
    preview: bool = False
    #: The response id, kept apart so URLs need no reload of the response after a commit.
    rid: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def url(self, what: str, **values: Any) -> str:
        real, preview = ENDPOINTS[what]
        if self.preview:
            if what == "save":
                values.setdefault("section", self.first_section())
            return url_for(preview, version_id=self.version_id, **values)
        return url_for(real, rid=self.rid, **values)

    def first_section(self) -> str:
        return self.definition.sections[0].key

    def save(self, changes: Mapping[str, Any], removals: Iterable[str] = (), *,
             current_page: str | None = None) -> None:
        """Store changed answers (None deletes) and commit, or keep them in the preview."""
        removals = set(removals)
        if self.preview:
            kept = dict(self.answers)
            for key, value in changes.items():
                kept[key] = shorten(_plain(self.definition, key, value))
            for key in removals | {k for k, v in changes.items() if v is None}:
                kept.pop(key, None)
            self.answers = {k: v for k, v in kept.items() if v is not None}
            state = session.get(PREVIEW_KEY) or {}
            state.update({"v": self.version_id, "a": self.answers, "lang": self.language})
            session[PREVIEW_KEY] = state
            return
        responses.record_page_answers(self.response, self.definition, changes,
                                      remove=removals, current_page=current_page)
        db.session.commit()
        for key, value in changes.items():
            plain = _plain(self.definition, key, value)
            if plain is None:
                self.answers.pop(key, None)
            else:
                self.answers[key] = plain
        for key in removals:
            self.answers.pop(key, None)


def _plain(definition: Definition, key: str, value: Any) -> Any:
    """The answer value of a stored adaptive row; other values pass through (shortened in
    preview where they are long texts)."""
    if isinstance(value, StoredValue):
        return adaptive_blocks.restore(definition, key, value)
    return value


def shorten(value: Any) -> Any:
    """Preview only: cut long texts so the session cookie stays small."""
    if isinstance(value, str):
        return value[:PREVIEW_TEXT_LIMIT]
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shorten(v) for v in value]
    return value


def preview_state(version_id: int) -> dict[str, Any]:
    """The preview's answers and language for this version (empty for another version)."""
    state = session.get(PREVIEW_KEY) or {}
    if state.get("v") != version_id:
        return {"v": version_id, "a": {}, "lang": None}
    return state

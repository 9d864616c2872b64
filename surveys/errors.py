"""Errors the survey engine raises, shared by every module of `surveys`.

Two families: a definition that cannot be used (`DefinitionError`, carrying every
`Problem` found at once so an author can fix them in one pass) and an answer that a
respondent must correct (`AnswerError`, whose message is shown next to the field).

What a respondent reads is a `Message`: English text that is also a plain `str`, and that
keeps its gettext-style template and values so an app can show it in another language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class Message(str):
    """A respondent-facing message: the English text, plus the template it came from.

    The engine speaks English and knows nothing of catalogues. An app that translates looks
    `template` (or, with `plural`, both forms and the count ``num``, as ngettext does) up in
    its catalogue and fills `params` in again; a param that is itself a Message is translated
    first. Everything else can treat a Message as the English string it is.
    """

    template: str
    plural: str | None
    params: Mapping[str, Any]

    def __new__(cls, template: str, plural: str | None = None, /, **params: Any) -> Message:
        chosen = template if plural is None or params.get("num") == 1 else plural
        text = chosen % params if params else template
        made = super().__new__(cls, text)
        made.template, made.plural, made.params = template, plural, dict(params)
        return made


def answer_message(template: str, /, **params: Any) -> Message:
    """A message with %(name)s placeholders filled from `params` (gettext tools extract
    it under the keyword ``answer_message``; pass one string literal)."""
    return Message(template, **params)


def answer_plural(singular: str, plural: str, num: int, /, **params: Any) -> Message:
    """A message whose wording depends on the count `num` (keyword ``answer_plural:1,2``)."""
    return Message(singular, plural, num=num, **params)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an instrument definition, located as precisely as we can.

    `key` names the question, section, scale, choice list or item at fault; `field` the
    attribute within it; `line` the 1-based line of a YAML/JSON file; `row` the 1-based
    spreadsheet row (XLSForm).
    """

    message: str
    key: str | None = None
    field: str | None = None
    line: int | None = None
    row: int | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.key is not None:
            where.append(f"'{self.key}'")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class DefinitionError(ValueError):
    """An instrument definition has one or more problems; `problems` lists all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = "1 problem" if count == 1 else f"{count} problems"
        super().__init__(f"{head} in the instrument definition:\n" + "\n".join(
            f"- {p}" for p in self.problems))


class AnswerError(ValueError):
    """An answer the respondent must change; `message` is plain text shown beside the field."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

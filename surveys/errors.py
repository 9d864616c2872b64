"""Errors the survey engine raises, shared by every module of `surveys`.

Two families: a definition that cannot be used (`DefinitionError`, carrying every
`Problem` found at once so an author can fix them in one pass) and an answer that a
respondent must correct (`AnswerError`, whose message is shown next to the field).
"""

from __future__ import annotations

from dataclasses import dataclass


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

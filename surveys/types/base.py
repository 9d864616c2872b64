"""The question-type base class, the registry, and helpers every type shares.

A question type turns what a respondent sent (JSON or HTML form fields) into one clean
value, knows how that value is stored (`StoredValue`) and read back, and how it becomes
numbers for analysis. The shared machinery lives here: blank answers, non-substantive
answers ("prefer not to say", "don't know"), "other, please specify", and a safety net
that turns any malformed (tampered) input into an `AnswerError` instead of a crash.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from surveys.errors import AnswerError, answer_message
from surveys.model import Choice, Instrument, Question, Text

#: Longest text any answer field may hold; longer input is refused, not truncated.
MAX_TEXT = 20_000
#: The non-substantive answers a question may offer through `question.nonsubstantive`.
NONSUBSTANTIVE = ("prefer_not_to_say", "dont_know")
#: The value of the "Other, please specify" option.
OTHER = "other"

GetList = Callable[[str], list[str]]

QUESTION_TYPES: dict[str, QuestionType] = {}


@dataclass(frozen=True)
class StoredValue:
    """How an answer sits in the database: a number, a text, and/or JSON data."""

    number: float | None = None
    text: str | None = None
    data: Any = None


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Class decorator: add one instance of a question type to the registry."""
    QUESTION_TYPES[cls.name] = cls()
    return cls


def get_type(name: str) -> QuestionType:
    """The question type registered under `name`; KeyError names the known types."""
    try:
        return QUESTION_TYPES[name]
    except KeyError:
        known = ", ".join(sorted(QUESTION_TYPES))
        raise KeyError(f"unknown question type {name!r}; known types: {known}") from None


def is_nonsubstantive(value: Any, question: Question | None = None) -> bool:
    """True for "prefer not to say" / "don't know" answers (offered by `question`, if given);
    analysis treats them as missing."""
    if not isinstance(value, str):
        return False
    allowed = question.nonsubstantive if question is not None else NONSUBSTANTIVE
    return value in allowed


def is_blank(raw: Any) -> bool:
    """No answer at all: None, empty or whitespace text, empty list or mapping."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list | tuple | dict):
        return len(raw) == 0
    return False


def clean_text(raw: Any, *, limit: int = MAX_TEXT, what: str | None = None) -> str:
    """A stripped string of at most `limit` characters; `what` names the text in the
    message (a `message`, so it can be translated; "your answer" if not given)."""
    if not isinstance(raw, str):
        raise AnswerError(answer_message("Enter text in this box"))
    text = raw.strip()
    if len(text) > limit:
        raise AnswerError(answer_message(
            "Shorten %(what)s to %(limit)s characters or fewer (it has %(length)s)",
            what=what if what is not None else answer_message("your answer"),
            limit=f"{limit:,}", length=f"{len(text):,}"))
    return text


def to_number(raw: Any) -> float:
    """A finite float from a number or numeric text; ValueError otherwise (not bools)."""
    if isinstance(raw, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(raw, str):
        if len(raw) > 50:
            raise ValueError("too long to be a number")
        raw = raw.strip()
    number = float(raw)
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def fmt(number: float) -> str:
    """A number as a person would write it: 10 rather than 10.0."""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def first(values: list[str]) -> str | None:
    """The first non-empty form value, if any."""
    return next((v for v in values if v is not None and v != ""), None)


class QuestionType:
    """Base class of every question type. Subclasses set `name` and override `clean`
    (and, where their shape differs, the form/storage/number hooks)."""

    name: ClassVar[str] = ""
    #: False for types the respondent does not answer (note, calculated).
    answerable: ClassVar[bool] = True
    #: True for types whose answer is picked from the question's choices.
    uses_choices: ClassVar[bool] = False
    #: Type-specific settings allowed flat on the question: name -> kind
    #: (int, number, bool, text, texts, rows, date).
    settings_fields: ClassVar[dict[str, str]] = {}
    #: Shown when input has the wrong shape (usually a tampered request).
    invalid_message: ClassVar[str] = answer_message(
        "This answer could not be read; please answer again")

    @property
    def template(self) -> str:
        """The template the web app renders this type with."""
        return f"questions/{self.name}.html"

    # -- answers ---------------------------------------------------------------------

    def normalise(self, question: Question, raw: Any, *,
                  instrument: Instrument | None = None) -> Any:
        """Check and clean a raw answer; None means unanswered. Raises AnswerError with
        a message for the respondent, and never any other exception for bad input."""
        if not self.answerable and self.name != "calculated":
            return None
        if (self.uses_choices and not isinstance(question.choices, tuple)
                and instrument is None):
            raise TypeError("instrument= is needed to check a question with a named choice list")
        if is_blank(raw):
            return None
        if is_nonsubstantive(raw, question):
            return raw
        try:
            return self.clean(question, raw, instrument)
        except AnswerError:
            raise
        except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError):
            raise AnswerError(self.invalid_message) from None

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        """Type-specific cleaning of a non-blank, substantive answer."""
        raise NotImplementedError

    def from_form(self, question: Question, getlist: GetList, *,
                  instrument: Instrument | None = None) -> Any:
        """The raw answer from HTML form fields named after the question key
        (`key`, `key__other`, `key__ns` for a non-substantive choice, `key__<part>`)."""
        chosen = first(getlist(f"{question.key}__ns"))
        if chosen is not None:
            return chosen
        return self.read_form(question, getlist, instrument)

    def read_form(self, question: Question, getlist: GetList,
                  instrument: Instrument | None) -> Any:
        return first(getlist(question.key))

    def storage(self, question: Question, value: Any, *,
                instrument: Instrument | None = None) -> StoredValue:
        """The database shape of a normalised value."""
        if value is None:
            return StoredValue()
        if is_nonsubstantive(value, question):
            return StoredValue(data={"nonsubstantive": value})
        return self.store(question, value, instrument)

    def store(self, question: Question, value: Any, instrument: Instrument | None) -> StoredValue:
        return StoredValue(text=str(value))

    def load(self, question: Question, stored: StoredValue) -> Any:
        """The normalised value back from its stored shape (inverse of `storage`)."""
        data = stored.data
        if isinstance(data, Mapping) and set(data) == {"nonsubstantive"}:
            return data["nonsubstantive"]
        if stored == StoredValue():
            return None
        return self.restore(question, stored)

    def restore(self, question: Question, stored: StoredValue) -> Any:
        return stored.text

    def numbers(self, question: Question, value: Any, *,
                instrument: Instrument | None = None) -> dict[str, float]:
        """Numbers for analysis, keyed `key` or `key__part`; {} for missing and
        non-substantive answers so statistics leave them out."""
        if value is None or is_nonsubstantive(value, question):
            return {}
        return self.to_numbers(question, value, instrument)

    def to_numbers(self, question: Question, value: Any,
                   instrument: Instrument | None) -> dict[str, float]:
        return {}

    def expression_value(self, question: Question, value: Any) -> Any:
        """The value expressions see as ${key}: the plain choice for "other" answers."""
        if isinstance(value, Mapping) and "other_text" in value:
            return value["value"]
        return value

    def display(self, question: Question, value: Any, language: str,
                instrument: Instrument | None = None) -> str:
        """The answer as text for piping into later labels."""
        value = self.expression_value(question, value)
        if value is None:
            return ""
        if isinstance(value, float):
            return fmt(value)
        return str(value)

    # -- definitions -------------------------------------------------------------------

    def check_settings(self, question: Question,
                       instrument: Instrument | None = None) -> list[tuple[str, str]]:
        """Problems with the question's type settings as (field, message) pairs."""
        problems: list[tuple[str, str]] = []
        for name, value in question.settings.items():
            kind = self.settings_fields.get(name)
            if kind is None:
                allowed = ", ".join(sorted(self.settings_fields)) or "none"
                problems.append((name, f"'{name}' is not a setting of {self.name} questions "
                                       f"(allowed: {allowed})"))
            elif (message := _kind_problem(kind, value)) is not None:
                problems.append((name, message))
        if not problems:
            problems.extend(self.check_more(question, instrument))
        return problems

    def check_more(self, question: Question,
                   instrument: Instrument | None) -> list[tuple[str, str]]:
        """Checks across settings (min <= max...), run once each setting has the right kind."""
        return []

    def texts(self, question: Question) -> list[tuple[str, Text]]:
        """The translatable texts among the settings, as (field, Text) pairs."""
        found: list[tuple[str, Text]] = []
        for name, value in question.settings.items():
            kind = self.settings_fields.get(name)
            if kind == "text" and isinstance(value, Mapping):
                found.append((name, Text(value)))
            elif kind == "texts" and isinstance(value, list):
                found += [(name, Text(v)) for v in value if isinstance(v, Mapping)]
            elif kind == "rows" and isinstance(value, list):
                found += [(name, Text(r["label"])) for r in value
                          if isinstance(r, Mapping) and isinstance(r.get("label"), Mapping)]
        return found

    def choices(self, question: Question, instrument: Instrument | None) -> tuple[Choice, ...]:
        """The choices offered by the question; needs the instrument for a named list."""
        if isinstance(question.choices, tuple):
            return question.choices
        if instrument is None or question.choices is None:
            return ()
        return instrument.choices_for(question)


def _kind_problem(kind: str, value: Any) -> str | None:
    """A message if a setting value is not of its declared kind."""
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "text": isinstance(value, Mapping),
        "texts": isinstance(value, list) and all(isinstance(v, Mapping) for v in value),
        "rows": isinstance(value, list) and all(
            isinstance(r, Mapping) and isinstance(r.get("key"), str) for r in value),
        "date": isinstance(value, str),
    }[kind]
    if ok:
        return None
    return {
        "int": "must be a whole number", "number": "must be a number",
        "bool": "must be true or false", "text": "must be a text (one per language)",
        "texts": "must be a list of texts", "rows": "must be a list of {key, label} rows",
        "date": "must be a date written YYYY-MM-DD",
    }[kind]

"""Question types with typed-in answers: numbers, ratings, texts, stories and dates,
plus the two types respondents never answer (note and calculated)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from surveys.errors import AnswerError, answer_message
from surveys.model import Instrument, Question
from surveys.types.base import (
    MAX_TEXT,
    GetList,
    QuestionType,
    StoredValue,
    clean_text,
    first,
    fmt,
    register,
    to_number,
)

#: The outcome-harvesting fields a story may carry (Wilson-Grau's outcome harvesting).
HARVEST_FIELDS = ("what_changed", "for_whom", "why_it_matters", "contribution", "intended",
                  "substantiation")
INTENDED = {"yes": 1.0, "partly": 0.5, "no": 0.0}


class _Numeric(QuestionType):
    """Shared storage for types whose answer is one number."""

    def store(self, question: Question, value: Any, instrument: Instrument | None) -> StoredValue:
        return StoredValue(number=float(value))

    def restore(self, question: Question, stored: StoredValue) -> Any:
        number = stored.number
        return int(number) if self._whole(question) and number is not None else number

    def to_numbers(self, question: Question, value: Any,
                   instrument: Instrument | None) -> dict[str, float]:
        return {question.key: float(value)}

    def _whole(self, question: Question) -> bool:
        return True


@register
class Number(_Numeric):
    """A whole or decimal number, optionally within min..max, with a unit shown beside it."""

    name = "number"
    settings_fields = {"min": "number", "max": "number", "integer": "bool", "unit": "text"}
    invalid_message = answer_message("Enter a number")

    def _whole(self, question: Question) -> bool:
        return bool(question.settings.get("integer", False))

    def _message(self, question: Question) -> str:
        low, high = question.settings.get("min"), question.settings.get("max")
        whole = self._whole(question)
        # One literal per call, so gettext tools extract every wording.
        if low is not None and high is not None:
            if whole:
                return answer_message("Enter a whole number between %(low)s and %(high)s",
                                      low=fmt(low), high=fmt(high))
            return answer_message("Enter a number between %(low)s and %(high)s",
                                  low=fmt(low), high=fmt(high))
        if low is not None:
            if whole:
                return answer_message("Enter a whole number of at least %(low)s", low=fmt(low))
            return answer_message("Enter a number of at least %(low)s", low=fmt(low))
        if high is not None:
            if whole:
                return answer_message("Enter a whole number no greater than %(high)s",
                                      high=fmt(high))
            return answer_message("Enter a number no greater than %(high)s", high=fmt(high))
        return answer_message("Enter a whole number") if whole else answer_message("Enter a number")

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        try:
            number = to_number(raw)
        except (TypeError, ValueError):
            raise AnswerError(self._message(question)) from None
        low, high = question.settings.get("min"), question.settings.get("max")
        if (self._whole(question) and not number.is_integer()) or (
                low is not None and number < low) or (high is not None and number > high):
            raise AnswerError(self._message(question))
        return int(number) if self._whole(question) else number

    def check_more(self, question: Question,
                   instrument: Instrument | None) -> list[tuple[str, str]]:
        low, high = question.settings.get("min"), question.settings.get("max")
        if low is not None and high is not None and low > high:
            return [("min", f"min ({fmt(low)}) is greater than max ({fmt(high)})")]
        return []


@register
class Rating(_Numeric):
    """A whole-number rating, 0 to 10 unless min/max say otherwise."""

    name = "rating"
    settings_fields = {"min": "int", "max": "int", "left": "text", "right": "text"}

    def _bounds(self, question: Question) -> tuple[int, int]:
        return question.settings.get("min", 0), question.settings.get("max", 10)

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        low, high = self._bounds(question)
        message = answer_message("Choose a number from %(low)s to %(high)s", low=low, high=high)
        try:
            number = to_number(raw)
        except (TypeError, ValueError):
            raise AnswerError(message) from None
        if not number.is_integer() or not low <= number <= high:
            raise AnswerError(message)
        return int(number)

    def check_more(self, question: Question,
                   instrument: Instrument | None) -> list[tuple[str, str]]:
        low, high = self._bounds(question)
        if low >= high:
            return [("min", f"min ({low}) must be less than max ({high})")]
        if high - low > 100:
            return [("max", "a rating can have at most 101 points")]
        return []


@register
class ShortText(QuestionType):
    """A line of text, at most `max_length` characters."""

    name = "text"
    settings_fields = {"max_length": "int"}

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        return clean_text(raw, limit=question.settings.get("max_length", MAX_TEXT))

    def check_more(self, question: Question,
                   instrument: Instrument | None) -> list[tuple[str, str]]:
        limit = question.settings.get("max_length", MAX_TEXT)
        if not 1 <= limit <= MAX_TEXT:
            return [("max_length", f"max_length must be between 1 and {MAX_TEXT}")]
        return []


@register
class LongText(ShortText):
    """Several paragraphs of text."""

    name = "long_text"


@register
class Story(QuestionType):
    """A story in the respondent's words; with `outcome_harvest` it also asks what changed,
    for whom, why it matters, the movement's contribution, whether it was intended
    (yes / no / partly) and who can substantiate it. The value is a dict with "text"."""

    name = "story"
    settings_fields = {"outcome_harvest": "bool"}

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        if isinstance(raw, str):
            raw = {"text": raw}
        if not isinstance(raw, Mapping):
            raise AnswerError(self.invalid_message)
        harvest = question.settings.get("outcome_harvest", False)
        allowed = {"text", *HARVEST_FIELDS} if harvest else {"text"}
        if set(raw) - allowed:
            raise AnswerError(self.invalid_message)
        story = {"text": clean_text(raw.get("text") or "", what=answer_message("your story"))}
        for name in HARVEST_FIELDS:
            part = raw.get(name)
            if part is None or part == "":
                continue
            text = clean_text(part, what=answer_message("this answer"))
            if name == "intended" and text not in INTENDED:
                raise AnswerError(answer_message("Choose yes, no or partly"))
            if text:
                story[name] = text
        if not story["text"] and len(story) == 1:
            return None
        return story

    def read_form(self, question: Question, getlist: GetList,
                  instrument: Instrument | None) -> Any:
        raw = {"text": first(getlist(question.key)) or ""}
        if question.settings.get("outcome_harvest", False):
            for name in HARVEST_FIELDS:
                raw[name] = first(getlist(f"{question.key}__{name}")) or ""
        return raw

    def store(self, question: Question, value: Any, instrument: Instrument | None) -> StoredValue:
        parts = {k: v for k, v in value.items() if k != "text"}
        return StoredValue(text=value["text"], data=parts or None)

    def restore(self, question: Question, stored: StoredValue) -> Any:
        return {"text": stored.text or "", **(stored.data or {})}

    def to_numbers(self, question: Question, value: Any,
                   instrument: Instrument | None) -> dict[str, float]:
        intended = value.get("intended")
        return {} if intended is None else {f"{question.key}__intended": INTENDED[intended]}

    def expression_value(self, question: Question, value: Any) -> Any:
        return value["text"] if isinstance(value, Mapping) else value


@register
class Date(QuestionType):
    """A calendar date written YYYY-MM-DD, optionally between min and max."""

    name = "date"
    settings_fields = {"min": "date", "max": "date"}
    invalid_message = answer_message("Enter a date as YYYY-MM-DD, for example 2024-03-31")

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        if isinstance(raw, date):
            day = raw
        else:
            if not isinstance(raw, str) or len(raw.strip()) != 10:
                raise AnswerError(self.invalid_message)
            day = date.fromisoformat(raw.strip())
        low, high = question.settings.get("min"), question.settings.get("max")
        if low is not None and high is not None and not low <= day.isoformat() <= high:
            raise AnswerError(answer_message("Enter a date between %(low)s and %(high)s",
                                             low=low, high=high))
        if low is not None and day.isoformat() < low:
            raise AnswerError(answer_message("Enter a date on or after %(low)s", low=low))
        if high is not None and day.isoformat() > high:
            raise AnswerError(answer_message("Enter a date on or before %(high)s", high=high))
        return day.isoformat()

    def check_more(self, question: Question,
                   instrument: Instrument | None) -> list[tuple[str, str]]:
        for name in ("min", "max"):
            value = question.settings.get(name)
            try:
                if value is not None:
                    date.fromisoformat(value)
            except ValueError:
                return [(name, f"{name} must be a date written YYYY-MM-DD")]
        low, high = question.settings.get("min"), question.settings.get("max")
        if low is not None and high is not None and low > high:
            return [("min", f"min ({low}) is after max ({high})")]
        return []


@register
class Note(QuestionType):
    """Text shown to the respondent; never stores an answer."""

    name = "note"
    answerable = False


@register
class Calculated(QuestionType):
    """A hidden value computed by the flow from `calculation`; stored for analysis."""

    name = "calculated"
    answerable = False

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        if isinstance(raw, bool | int | float):
            return raw
        if isinstance(raw, str):
            return clean_text(raw)
        raise AnswerError(self.invalid_message)

    def store(self, question: Question, value: Any, instrument: Instrument | None) -> StoredValue:
        if isinstance(value, bool):
            return StoredValue(number=float(value), data=value)
        if isinstance(value, int | float):
            return StoredValue(number=float(value))
        return StoredValue(text=value)

    def restore(self, question: Question, stored: StoredValue) -> Any:
        if isinstance(stored.data, bool):
            return stored.data
        return stored.number if stored.text is None else stored.text

    def to_numbers(self, question: Question, value: Any,
                   instrument: Instrument | None) -> dict[str, float]:
        try:
            return {question.key: to_number(value)} if not isinstance(value, bool) else {
                question.key: float(value)}
        except ValueError:
            return {}

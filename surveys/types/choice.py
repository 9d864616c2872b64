"""Question types whose answers are picked from choices: single and multiple choice,
likert, ranking, matrix (rows x likert columns) and consent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from surveys.errors import AnswerError, answer_message, answer_plural
from surveys.model import Choice, Instrument, Question
from surveys.types.base import (
    OTHER,
    GetList,
    QuestionType,
    StoredValue,
    clean_text,
    first,
    fmt,
    register,
)

CHOOSE_SHOWN = answer_message("Choose one of the options shown")


def _value(raw: Any) -> str:
    """A choice value from JSON or form input (numbers are accepted for numeric values)."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return fmt(raw)
    if not isinstance(raw, str) or len(raw) > 200:
        raise AnswerError(CHOOSE_SHOWN)
    return raw.strip()


def _other_text(raw: Any) -> str:
    text = clean_text("" if raw is None else raw, what=answer_message("the other answer"))
    if not text:
        raise AnswerError(answer_message("Say what your other answer is in the box"))
    return text


def _score(choices: tuple[Choice, ...], value: str) -> float | None:
    for position, choice in enumerate(choices, start=1):
        if choice.value == value:
            return choice.number(position)
    return None


def _numeric(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


@register
class SingleChoice(QuestionType):
    """One option from a list; optionally "Other, please specify"."""

    name = "single_choice"
    uses_choices = True
    invalid_message = CHOOSE_SHOWN

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        other_text = None
        if isinstance(raw, Mapping):
            raw, other_text = raw.get("value"), raw.get("other_text")
        value = _value(raw)
        if question.other and value == OTHER:
            return {"value": OTHER, "other_text": _other_text(other_text)}
        if all(c.value != value for c in self.choices(question, instrument)):
            raise AnswerError(CHOOSE_SHOWN)
        return value

    def read_form(self, question: Question, getlist: GetList,
                  instrument: Instrument | None) -> Any:
        value = first(getlist(question.key))
        if value == OTHER and question.other:
            return {"value": OTHER, "other_text": first(getlist(f"{question.key}__other")) or ""}
        return value

    def store(self, question: Question, value: Any, instrument: Instrument | None) -> StoredValue:
        if isinstance(value, Mapping):
            return StoredValue(text=OTHER, data={"other_text": value["other_text"]})
        return StoredValue(number=self._number(question, value, instrument), text=value)

    def restore(self, question: Question, stored: StoredValue) -> Any:
        if isinstance(stored.data, Mapping) and "other_text" in stored.data:
            return {"value": stored.text, "other_text": stored.data["other_text"]}
        return stored.text

    def _number(self, question: Question, value: str,
                instrument: Instrument | None) -> float | None:
        choice = next((c for c in self.choices(question, instrument) if c.value == value), None)
        if choice is not None and choice.score is not None:
            return choice.score
        return _numeric(value)

    def to_numbers(self, question: Question, value: Any,
                   instrument: Instrument | None) -> dict[str, float]:
        if isinstance(value, Mapping):
            return {}
        number = self._number(question, value, instrument)
        return {} if number is None else {question.key: number}

    def display(self, question: Question, value: Any, language: str,
                instrument: Instrument | None = None) -> str:
        if isinstance(value, Mapping):
            return str(value.get("other_text", ""))
        choice = next((c for c in self.choices(question, instrument) if c.value == value), None)
        return choice.label.get(language) if choice is not None else str(value or "")


@register
class Likert(SingleChoice):
    """A labelled agreement/frequency scale; each point has a numeric value (its score,
    else its value if numeric, else its position)."""

    name = "likert"

    def _number(self, question: Question, value: str,
                instrument: Instrument | None) -> float | None:
        score = _score(self.choices(question, instrument), value)
        return score if score is not None else _numeric(value)


@register
class MultipleChoice(QuestionType):
    """Any number of options, within min_selected..max_selected."""

    name = "multiple_choice"
    uses_choices = True
    settings_fields = {"min_selected": "int", "max_selected": "int"}
    invalid_message = answer_message("Choose only from the options shown")

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        other_text = None
        if isinstance(raw, Mapping):
            raw, other_text = raw.get("value"), raw.get("other_text")
        if isinstance(raw, str):
            raw = raw.split()
        if not isinstance(raw, list | tuple):
            raise AnswerError(self.invalid_message)
        picked = {_value(v) for v in raw}
        offered = [c.value for c in self.choices(question, instrument)]
        if question.other:
            offered.append(OTHER)
        if not picked <= set(offered):
            raise AnswerError(self.invalid_message)
        values = [v for v in offered if v in picked]
        low, high = question.settings.get("min_selected"), question.settings.get("max_selected")
        if low is not None and len(values) < low:
            raise AnswerError(answer_plural("Choose at least %(num)s option",
                                            "Choose at least %(num)s options", low))
        if high is not None and len(values) > high:
            raise AnswerError(answer_plural("Choose no more than %(num)s option",
                                            "Choose no more than %(num)s options", high))
        if OTHER in values and question.other:
            return {"value": values, "other_text": _other_text(other_text)}
        return values

    def read_form(self, question: Question, getlist: GetList,
                  instrument: Instrument | None) -> Any:
        values = [v for v in getlist(question.key) if v]
        if OTHER in values and question.other:
            return {"value": values, "other_text": first(getlist(f"{question.key}__other")) or ""}
        return values

    def store(self, question: Question, value: Any, instrument: Instrument | None) -> StoredValue:
        values = value["value"] if isinstance(value, Mapping) else value
        return StoredValue(number=float(len(values)), text=" ".join(values), data=value)

    def restore(self, question: Question, stored: StoredValue) -> Any:
        return stored.data

    def to_numbers(self, question: Question, value: Any,
                   instrument: Instrument | None) -> dict[str, float]:
        values = self.expression_value(question, value)
        keys = [c.value for c in self.choices(question, instrument)] or list(values)
        if question.other:
            keys.append(OTHER)
        return {f"{question.key}__{k}": float(k in values) for k in dict.fromkeys(keys)}

    def display(self, question: Question, value: Any, language: str,
                instrument: Instrument | None = None) -> str:
        values = self.expression_value(question, value)
        labels = {c.value: c.label.get(language) for c in self.choices(question, instrument)}
        if isinstance(value, Mapping):
            labels[OTHER] = str(value.get("other_text", ""))
        return ", ".join(labels.get(v, v) for v in values)

    def check_more(self, question: Question,
                   instrument: Instrument | None) -> list[tuple[str, str]]:
        low = question.settings.get("min_selected", 0)
        high = question.settings.get("max_selected")
        count = len(self.choices(question, instrument)) + int(question.other)
        if low < 0:
            return [("min_selected", "min_selected cannot be negative")]
        if high is not None and low > high:
            return [("min_selected", f"min_selected ({low}) is greater than max_selected "
                                     f"({high})")]
        if count and low > count:
            return [("min_selected", f"min_selected ({low}) is more than the {count} options")]
        if high is not None and high < 1:
            return [("max_selected", "max_selected must be at least 1")]
        return []


@register
class Ranking(QuestionType):
    """Put all the options in order, or only the `top` N."""

    name = "ranking"
    uses_choices = True
    settings_fields = {"top": "int"}
    invalid_message = answer_message("Put the options shown in order")

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        if not isinstance(raw, list | tuple):
            raise AnswerError(self.invalid_message)
        values = [_value(v) for v in raw]
        offered = {c.value for c in self.choices(question, instrument)}
        if not set(values) <= offered:
            raise AnswerError(self.invalid_message)
        if len(set(values)) != len(values):
            raise AnswerError(answer_message("Each option can only be ranked once"))
        top = question.settings.get("top")
        if top is None and len(values) != len(offered):
            raise AnswerError(answer_message("Put all %(count)s options in order",
                                             count=len(offered)))
        if top is not None and len(values) > top:
            raise AnswerError(answer_plural("Rank no more than %(num)s option",
                                            "Rank no more than %(num)s options", top))
        return values

    def read_form(self, question: Question, getlist: GetList,
                  instrument: Instrument | None) -> Any:
        ordered = [v for v in getlist(question.key) if v]
        if ordered:
            return ordered
        places = (first(getlist(f"{question.key}__{i}")) for i in range(1, 101))
        return [p for p in places if p is not None]

    def store(self, question: Question, value: Any, instrument: Instrument | None) -> StoredValue:
        return StoredValue(text=value[0], data=value)

    def restore(self, question: Question, stored: StoredValue) -> Any:
        return stored.data

    def to_numbers(self, question: Question, value: Any,
                   instrument: Instrument | None) -> dict[str, float]:
        return {f"{question.key}__{v}": float(rank) for rank, v in enumerate(value, start=1)}

    def check_more(self, question: Question,
                   instrument: Instrument | None) -> list[tuple[str, str]]:
        top, count = question.settings.get("top"), len(self.choices(question, instrument))
        if top is not None and (top < 1 or (count and top > count)):
            return [("top", f"top must be between 1 and the number of options ({count})")]
        return []


@register
class Matrix(QuestionType):
    """Several rows answered on the same likert columns (the question's choices)."""

    name = "matrix"
    uses_choices = True
    settings_fields = {"rows": "rows"}
    invalid_message = answer_message("Choose one of the options shown in each row")

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        if not isinstance(raw, Mapping):
            raise AnswerError(self.invalid_message)
        rows = [r["key"] for r in question.settings.get("rows", [])]
        offered = {c.value for c in self.choices(question, instrument)}
        answers = {}
        for row in rows:
            cell = raw.get(row)
            if cell is None or cell == "":
                continue
            value = _value(cell)
            if value not in offered:
                raise AnswerError(self.invalid_message)
            answers[row] = value
        if set(raw) - set(rows):
            raise AnswerError(self.invalid_message)
        if question.required and answers and len(answers) < len(rows):
            raise AnswerError(answer_message("Answer every row"))
        return answers or None

    def read_form(self, question: Question, getlist: GetList,
                  instrument: Instrument | None) -> Any:
        rows = [r["key"] for r in question.settings.get("rows", [])]
        return {row: v for row in rows if (v := first(getlist(f"{question.key}__{row}")))}

    def store(self, question: Question, value: Any, instrument: Instrument | None) -> StoredValue:
        return StoredValue(data=value)

    def restore(self, question: Question, stored: StoredValue) -> Any:
        return stored.data

    def to_numbers(self, question: Question, value: Any,
                   instrument: Instrument | None) -> dict[str, float]:
        choices = self.choices(question, instrument)
        out = {}
        for row, cell in value.items():
            number = _score(choices, cell) if choices else _numeric(cell)
            if number is not None:
                out[f"{question.key}__{row}"] = number
        return out

    def check_more(self, question: Question,
                   instrument: Instrument | None) -> list[tuple[str, str]]:
        keys = [r["key"] for r in question.settings.get("rows", [])]
        if not keys:
            return [("rows", "a matrix needs at least one row")]
        if len(set(keys)) != len(keys):
            return [("rows", "row keys must be unique")]
        return []


@register
class Consent(QuestionType):
    """Agreement to take part: the only valid answer is yes."""

    name = "consent"
    invalid_message = answer_message("Tick the box to agree before you continue")

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        accepted = raw is True or (isinstance(raw, str) and raw.strip().lower() in (
            "yes", "true", "on", "1", "agree", "accept"))
        if not accepted:
            raise AnswerError(self.invalid_message)
        return True

    def store(self, question: Question, value: Any, instrument: Instrument | None) -> StoredValue:
        return StoredValue(number=1.0, text="yes")

    def restore(self, question: Question, stored: StoredValue) -> Any:
        return True

    def to_numbers(self, question: Question, value: Any,
                   instrument: Instrument | None) -> dict[str, float]:
        return {question.key: 1.0}

    def expression_value(self, question: Question, value: Any) -> Any:
        return "yes" if value is True else value

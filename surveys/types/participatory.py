"""Question types from participatory and sense-making practice: dyads (a point between
two poles), triads (three shares), dot allocation (spreading a budget of dots) and
Revaluation's value grid (calculate / calibrate / capacitate x visible / invisible)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from surveys.errors import AnswerError, answer_message, answer_plural
from surveys.model import Instrument, Question
from surveys.types.base import (
    GetList,
    QuestionType,
    StoredValue,
    clean_text,
    first,
    register,
    to_number,
)

BOXES = ("calculate", "calibrate", "capacitate")
VISIBILITY = ("visible", "invisible")
NOTE_LIMIT = 500


@register
class Dyad(QuestionType):
    """A point on a line between two poles (`left`, `right`), stored as 0..1."""

    name = "dyad"
    settings_fields = {"left": "text", "right": "text"}
    invalid_message = answer_message("Choose a point on the line")

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        number = to_number(raw)
        if not 0.0 <= number <= 1.0:
            raise AnswerError(self.invalid_message)
        return number

    def store(self, question: Question, value: Any, instrument: Instrument | None) -> StoredValue:
        return StoredValue(number=float(value))

    def restore(self, question: Question, stored: StoredValue) -> Any:
        return stored.number

    def to_numbers(self, question: Question, value: Any,
                   instrument: Instrument | None) -> dict[str, float]:
        return {question.key: float(value)}


@register
class Triad(QuestionType):
    """Three shares (one per corner) summing to 1. Sums within 0.001 of 1 are rescaled
    so the stored shares sum to 1 within 1e-6; other sums are refused."""

    name = "triad"
    settings_fields = {"corners": "texts"}
    invalid_message = answer_message("Place the dot inside the triangle")

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        if not isinstance(raw, list | tuple) or len(raw) != 3:
            raise AnswerError(self.invalid_message)
        shares = [to_number(x) for x in raw]
        total = sum(shares)
        if any(s < 0 or s > 1 for s in shares) or abs(total - 1.0) > 1e-3:
            raise AnswerError(self.invalid_message)
        return [s / total for s in shares]

    def read_form(self, question: Question, getlist: GetList,
                  instrument: Instrument | None) -> Any:
        parts = [first(getlist(f"{question.key}__{i}")) for i in (1, 2, 3)]
        return None if all(p is None for p in parts) else parts

    def store(self, question: Question, value: Any, instrument: Instrument | None) -> StoredValue:
        return StoredValue(data=list(value))

    def restore(self, question: Question, stored: StoredValue) -> Any:
        return list(stored.data)

    def to_numbers(self, question: Question, value: Any,
                   instrument: Instrument | None) -> dict[str, float]:
        return {f"{question.key}__{i}": float(s) for i, s in enumerate(value, start=1)}

    def check_more(self, question: Question,
                   instrument: Instrument | None) -> list[tuple[str, str]]:
        corners = question.settings.get("corners")
        if corners is None or len(corners) != 3:
            return [("corners", "a triad needs exactly three corners")]
        return []


def dots_status(question: Question, value: Mapping[str, int] | None) -> str:
    """What the respondent sees under a dot allocation: how many dots are left or over."""
    budget = question.settings.get("budget", 0)
    used = sum((value or {}).values())
    if used > budget:
        return answer_message(
            "You have used %(used)s dots but only have %(budget)s (%(over)s too many)",
            used=used, budget=budget, over=used - budget)
    return answer_plural("You have %(num)s dot left", "You have %(num)s dots left",
                         budget - used)


@register
class DotAllocation(QuestionType):
    """Spread a budget of dots over the options: whole, non-negative numbers per option
    whose total is at most `budget`."""

    name = "dot_allocation"
    uses_choices = True
    settings_fields = {"budget": "int"}
    invalid_message = answer_message("Give each option a whole number of dots")

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        if not isinstance(raw, Mapping):
            raise AnswerError(self.invalid_message)
        offered = [c.value for c in self.choices(question, instrument)]
        if not set(raw) <= set(offered):
            raise AnswerError(answer_message("Choose one of the options shown"))
        dots = {}
        for option in offered:
            cell = raw.get(option)
            if cell is None or cell == "":
                continue
            number = to_number(cell)
            if number < 0:
                raise AnswerError(answer_message("Dots cannot be negative"))
            if not number.is_integer():
                raise AnswerError(self.invalid_message)
            if number:
                dots[option] = int(number)
        if sum(dots.values()) > question.settings.get("budget", 0):
            raise AnswerError(dots_status(question, dots))
        return dots or None

    def read_form(self, question: Question, getlist: GetList,
                  instrument: Instrument | None) -> Any:
        offered = [c.value for c in self.choices(question, instrument)]
        return {o: v for o in offered if (v := first(getlist(f"{question.key}__{o}")))}

    def store(self, question: Question, value: Any, instrument: Instrument | None) -> StoredValue:
        return StoredValue(number=float(sum(value.values())), data=dict(value))

    def restore(self, question: Question, stored: StoredValue) -> Any:
        return dict(stored.data)

    def to_numbers(self, question: Question, value: Any,
                   instrument: Instrument | None) -> dict[str, float]:
        offered = [c.value for c in self.choices(question, instrument)] or list(value)
        return {f"{question.key}__{o}": float(value.get(o, 0)) for o in offered}

    def check_more(self, question: Question,
                   instrument: Instrument | None) -> list[tuple[str, str]]:
        budget = question.settings.get("budget")
        if budget is None or budget <= 0:
            return [("budget", "a dot allocation needs a budget of at least 1 dot")]
        return []


@register
class ValueGrid(QuestionType):
    """Revaluation's value grid: up to `max_items` value items, each placed in a box
    (calculate, calibrate, capacitate), marked visible or invisible, with a short note."""

    name = "value_grid"
    settings_fields = {"max_items": "int"}
    invalid_message = answer_message("Choose a box and whether the value is visible for each item")

    def clean(self, question: Question, raw: Any, instrument: Instrument | None) -> Any:
        if not isinstance(raw, list | tuple):
            raise AnswerError(self.invalid_message)
        limit = question.settings.get("max_items", 20)
        if len(raw) > limit:
            raise AnswerError(answer_plural("Add no more than %(num)s value item",
                                            "Add no more than %(num)s value items", limit))
        items = []
        for number, item in enumerate(raw, start=1):
            if not isinstance(item, Mapping) or set(item) - {"box", "visibility", "note"}:
                raise AnswerError(self.invalid_message)
            if item.get("box") not in BOXES:
                raise AnswerError(answer_message(
                    "Choose calculate, calibrate or capacitate for item %(number)s",
                    number=number))
            if item.get("visibility") not in VISIBILITY:
                raise AnswerError(answer_message(
                    "Say whether the value of item %(number)s is visible or invisible",
                    number=number))
            note = clean_text(item.get("note") or "", limit=NOTE_LIMIT,
                              what=answer_message("the note of item %(number)s", number=number))
            items.append({"box": item["box"], "visibility": item["visibility"], "note": note})
        return items or None

    def read_form(self, question: Question, getlist: GetList,
                  instrument: Instrument | None) -> Any:
        items = []
        for i in range(1, question.settings.get("max_items", 20) + 1):
            parts = {p: first(getlist(f"{question.key}__{i}__{p}"))
                     for p in ("box", "visibility", "note")}
            if any(v is not None for v in parts.values()):
                items.append({k: v for k, v in parts.items() if v is not None})
        return items

    def store(self, question: Question, value: Any, instrument: Instrument | None) -> StoredValue:
        return StoredValue(number=float(len(value)), data=[dict(i) for i in value])

    def restore(self, question: Question, stored: StoredValue) -> Any:
        return [dict(i) for i in stored.data]

    def to_numbers(self, question: Question, value: Any,
                   instrument: Instrument | None) -> dict[str, float]:
        """How many items fall in each of the six cells of the grid."""
        counts = {f"{question.key}__{b}_{v}": 0.0 for b in BOXES for v in VISIBILITY}
        for item in value:
            counts[f"{question.key}__{item['box']}_{item['visibility']}"] += 1.0
        return counts

    def check_more(self, question: Question,
                   instrument: Instrument | None) -> list[tuple[str, str]]:
        if not 1 <= question.settings.get("max_items", 20) <= 50:
            return [("max_items", "max_items must be between 1 and 50")]
        return []

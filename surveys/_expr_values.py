"""How expression values convert and combine, following XLSForm (XPath 1.0) habits.

Answers arrive as Python values: None (missing), str (XLSForm stores numbers as text),
int, float, bool, ``datetime.date`` and lists of choice values. Every conversion here is
total: odd or oversized input yields None ("no value") rather than an exception, so a
respondent's answer can never crash a form.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from surveys._expr_ast import MAX_NUMBER, MAX_STRING_LENGTH

_NUMERIC = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*")
_ISO_DATE = re.compile(r"\s*\d{4}-\d{2}-\d{2}\s*")
_EPOCH = date(1970, 1, 1)

Number = int | float


def bounded(number: Number | None) -> Number | None:
    """``number`` if it is finite and within ±MAX_NUMBER, else None."""
    if number is None or isinstance(number, bool):
        return None if number is None else int(number)
    if isinstance(number, float) and not math.isfinite(number):
        return None
    return number if abs(number) <= MAX_NUMBER else None


def to_number(value: Any) -> Number | None:
    """XPath ``number()``: numbers, numeric text and dates (as days since 1970) else None."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return bounded(value)
    if isinstance(value, date):
        day = value.date() if isinstance(value, datetime) else value
        return (day - _EPOCH).days
    if isinstance(value, str) and len(value) <= 40:
        if _NUMERIC.fullmatch(value):
            text = value.strip()
            return bounded(float(text) if "." in text else int(text))
        if _ISO_DATE.fullmatch(value):
            try:
                return to_number(date.fromisoformat(value.strip()))
            except ValueError:
                return None
    return None


def format_number(number: Number) -> str:
    """Numbers as people write them: ``3`` not ``3.0``, ``0.3`` not ``0.30000000000000004``."""
    if isinstance(number, float):
        if number.is_integer():
            return str(int(number))
        return f"{number:.15g}"
    return str(number)


def to_text(value: Any) -> str:
    """XPath ``string()``: '' for no value, 'true'/'false', ISO dates, space-separated lists."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        number = bounded(value)
        return "" if number is None else format_number(number)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return cap(" ".join(to_text(item) for item in value[:MAX_STRING_LENGTH]))
    return cap(str(value))


def to_bool(value: Any) -> bool:
    """XPath ``boolean()``: no value, 0, '' and an empty selection are false."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, str | list | tuple):
        return len(value) > 0
    return True


def is_empty(value: Any) -> bool:
    """No answer: None, '' or a multiple choice with nothing selected."""
    return value is None or (isinstance(value, str | list | tuple) and len(value) == 0)


def choices(value: Any) -> list[str]:
    """The selected choice values of a multiple-choice answer (a list or "a b c" text)."""
    if isinstance(value, list | tuple):
        return [to_text(item) for item in value[:MAX_STRING_LENGTH]]
    return to_text(value).split()


def cap(text: str) -> str:
    """``text`` cut to MAX_STRING_LENGTH characters, so no string grows without bound."""
    return text[:MAX_STRING_LENGTH]


def arithmetic(operator: str, left: Any, right: Any) -> Number | None:
    """``left <operator> right`` for + - * div mod; None if either side is no number."""
    x, y = to_number(left), to_number(right)
    if x is None or y is None:
        return None
    if operator == "+":
        return bounded(x + y)
    if operator == "-":
        return bounded(x - y)
    if operator == "*":
        return bounded(x * y)
    if y == 0:
        return None
    if operator == "div":
        return bounded(x / y)
    remainder = math.fmod(x, y)  # XPath mod keeps the sign of the dividend
    return bounded(int(remainder) if isinstance(x, int) and isinstance(y, int) else remainder)


def compare(operator: str, left: Any, right: Any) -> bool:
    """XLSForm comparison.

    Empty answers (None, '', no selection) equal each other, so ``${x} = ''`` is true when
    x is unanswered; otherwise a missing answer makes every comparison false. Both sides
    numeric (including numeric text and dates) compare as numbers; true/false compare as
    booleans; anything else compares as text, and only for = and !=.
    """
    if is_empty(left) and is_empty(right):
        return operator == "="
    if left is None or right is None:
        return False
    if isinstance(left, bool) or isinstance(right, bool):
        if operator in ("=", "!="):
            return (to_bool(left) == to_bool(right)) == (operator == "=")
        left, right = int(to_bool(left)), int(to_bool(right))
    x, y = to_number(left), to_number(right)
    if x is not None and y is not None:
        return _ordered(operator, x, y)
    if operator in ("=", "!="):
        return (to_text(left) == to_text(right)) == (operator == "=")
    return False


def _ordered(operator: str, x: Number, y: Number) -> bool:
    if operator == "=":
        return x == y
    if operator == "!=":
        return x != y
    if operator == "<":
        return x < y
    if operator == "<=":
        return x <= y
    if operator == ">":
        return x > y
    return x >= y

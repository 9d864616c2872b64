"""The functions an expression may call, with their arity and result type.

Each entry says how many arguments the function takes (checked when the expression is
parsed, so a designer learns of ``selected(${q})`` at once), what kind of value it
returns (for the static type check) and whether its arguments must be numbers.
``if`` and ``today`` need the evaluator's context and are evaluated there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from surveys._expr_regex import compile_pattern
from surveys._expr_values import (
    Number,
    bounded,
    cap,
    choices,
    is_empty,
    to_bool,
    to_number,
    to_text,
)

#: Static result types: "number", "text", "boolean", "date" or "any" (unknown until run).
NUMBER, TEXT, BOOLEAN, DATE, ANY = "number", "text", "boolean", "date", "any"
#: Enough precision to round any number within MAX_NUMBER to 15 decimal places.
_WIDE = Context(prec=40)


@dataclass(frozen=True, slots=True)
class Function:
    """One callable function: arity bounds (``maximum`` None = any number), result type."""

    minimum: int
    maximum: int | None
    returns: str
    implementation: Callable[..., Any] | None
    numeric: bool = False

    def arity_problem(self, name: str, count: int) -> str | None:
        """A message if ``count`` arguments are wrong for this function, else None."""
        if self.minimum <= count and (self.maximum is None or count <= self.maximum):
            return None
        if self.maximum is None:
            wanted = f"at least {_arguments(self.minimum)}"
        elif self.minimum == self.maximum:
            wanted = _arguments(self.minimum) if self.minimum else "no arguments"
        else:
            wanted = f"{self.minimum} or {_arguments(self.maximum)}"
        return f"{name}() takes {wanted}, got {count}"


def _arguments(count: int) -> str:
    return f"{count} argument" if count == 1 else f"{count} arguments"


def _numbers(arguments: tuple[Any, ...]) -> list[Number] | None:
    """Every argument as a number (lists spread out); None if any is not a number."""
    flat: list[Any] = []
    for argument in arguments:
        flat.extend(argument if isinstance(argument, list | tuple) else [argument])
    numbers = [to_number(item) for item in flat]
    if not numbers or any(number is None for number in numbers):
        return None
    return numbers  # type: ignore[return-value]


def _sum(*arguments: Any) -> Number | None:
    numbers = _numbers(arguments)
    if numbers is None:
        return None
    if all(isinstance(number, int) for number in numbers):
        return bounded(sum(numbers))
    return bounded(math.fsum(numbers))


def _extreme(pick: Callable[..., Number]) -> Callable[..., Number | None]:
    def extreme(*arguments: Any) -> Number | None:
        numbers = _numbers(arguments)
        return None if numbers is None else pick(numbers)

    return extreme


def _int(value: Any) -> int | None:
    number = to_number(value)
    return None if number is None else int(number)  # truncates toward zero, as XLSForm


def _round(value: Any, places: Any = 0) -> Number | None:
    """Round half away from zero (2.5 -> 3), as ODK Collect does, not to even."""
    number, digits = to_number(value), to_number(places)
    if number is None or digits is None or not -15 <= digits <= 15:
        return None
    exponent = Decimal(1).scaleb(-int(digits))
    rounded = Decimal(repr(number)).quantize(exponent, ROUND_HALF_UP, _WIDE)
    return int(rounded) if digits <= 0 else float(rounded)


def _abs(value: Any) -> Number | None:
    number = to_number(value)
    return None if number is None else abs(number)


def _selected_at(value: Any, index: Any) -> str:
    items, position = choices(value), to_number(index)
    if position is None or not 0 <= position < len(items):
        return ""
    return items[int(position)]


def _substr(value: Any, start: Any, end: Any = None) -> str | None:
    """0-based ``substr(text, start, end)`` with ``end`` exclusive, as in ODK."""
    text, first = to_text(value), to_number(start)
    last = len(text) if end is None else to_number(end)
    if first is None or last is None:
        return None
    return text[max(int(first), 0) : max(int(last), 0)]


def _regex(value: Any, pattern: Any) -> bool | None:
    return compile_pattern(to_text(pattern)).search(to_text(value))


def _coalesce(*arguments: Any) -> Any:
    return next((argument for argument in arguments if not is_empty(argument)), None)


def _boolean_from_string(value: Any) -> bool:
    return to_text(value).strip().lower() in ("true", "1")


FUNCTIONS: dict[str, Function] = {
    "abs": Function(1, 1, NUMBER, _abs, numeric=True),
    "boolean": Function(1, 1, BOOLEAN, to_bool),
    "boolean-from-string": Function(1, 1, BOOLEAN, _boolean_from_string),
    "coalesce": Function(2, None, ANY, _coalesce),
    "concat": Function(1, None, TEXT, lambda *a: cap("".join(to_text(x) for x in a))),
    "contains": Function(2, 2, BOOLEAN, lambda s, t: to_text(t) in to_text(s)),
    "count-selected": Function(1, 1, NUMBER, lambda value: len(choices(value))),
    "ends-with": Function(2, 2, BOOLEAN, lambda s, t: to_text(s).endswith(to_text(t))),
    "false": Function(0, 0, BOOLEAN, lambda: False),
    "if": Function(3, 3, ANY, None),
    "int": Function(1, 1, NUMBER, _int, numeric=True),
    "max": Function(1, None, NUMBER, _extreme(max), numeric=True),
    "min": Function(1, None, NUMBER, _extreme(min), numeric=True),
    "not": Function(1, 1, BOOLEAN, lambda value: not to_bool(value)),
    "number": Function(1, 1, NUMBER, to_number),
    "regex": Function(2, 2, BOOLEAN, _regex),
    "round": Function(1, 2, NUMBER, _round, numeric=True),
    "selected": Function(2, 2, BOOLEAN, lambda value, v: to_text(v) in choices(value)),
    "selected-at": Function(2, 2, TEXT, _selected_at),
    "starts-with": Function(2, 2, BOOLEAN, lambda s, t: to_text(s).startswith(to_text(t))),
    "string": Function(1, 1, TEXT, to_text),
    "string-length": Function(1, 1, NUMBER, lambda value: len(to_text(value))),
    "substr": Function(2, 3, TEXT, _substr),
    "sum": Function(1, None, NUMBER, _sum, numeric=True),
    "today": Function(0, 0, DATE, None),
    "true": Function(0, 0, BOOLEAN, lambda: True),
}

"""The survey expression language: relevance, constraints, calculations, choice filters, piping.

An XLSForm-compatible subset (``${age} >= 18 and selected(${topics}, 'housing')``) parsed
by a real grammar into a syntax tree and evaluated by walking it: nothing a designer or a
respondent writes ever reaches ``eval``. Work is bounded for any input: the text length
and tree depth are capped, numbers beyond ±1e15 become "no value", computed text is cut
at 10,000 characters, and ``regex()`` runs on a linear-time engine.

Semantics follow XLSForm where they are defined: a missing answer is None; arithmetic on
it gives None; comparing it gives False, except that empty answers equal ``''`` (so
``${x} = ''`` means "x is unanswered"); numeric text compares as a number (``'18' > 17``);
division by zero gives None. Inside a choice filter, ``.`` is the choice being filtered
and a bare name such as ``filter`` reads that column of the choice (``this`` a mapping).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from surveys._expr_ast import (
    MAX_STRING_LENGTH,
    Call,
    Current,
    ExpressionError,
    Field,
    Literal,
    Logical,
    Negate,
    Node,
    Operation,
    Reference,
    walk,
)
from surveys._expr_functions import ANY, BOOLEAN, DATE, FUNCTIONS, NUMBER, TEXT
from surveys._expr_grammar import parse_tree
from surveys._expr_regex import compile_pattern
from surveys._expr_values import arithmetic, bounded, compare, to_bool, to_number, to_text

__all__ = ["Expression", "ExpressionError", "check", "interpolate", "parse"]

_VERBS = {
    "+": "add",
    "-": "subtract",
    "*": "multiply",
    "div": "divide",
    "mod": "take the remainder of",
}
_KINDS = {
    TEXT: "text",
    NUMBER: "a number",
    BOOLEAN: "a true/false value",
    DATE: "a date",
    ANY: "an answer",
}
_PIPE = re.compile(r"\$\{([A-Za-z_][\w.-]*)\}")


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its source ``text``, the question keys it reads and its tree."""

    text: str
    references: frozenset[str]
    tree: Node = field(repr=False, compare=False)

    def evaluate(
        self, values: Mapping[str, Any], *, this: Any = None, today: date | None = None
    ) -> Any:
        """The value of the expression given the answers so far.

        ``values`` maps question keys to answers (missing keys count as unanswered),
        ``this`` is what ``.`` stands for and ``today`` fixes ``today()`` (for tests and
        for re-checking old responses). Comparisons and logic give Python bools. The only
        error possible here is an ExpressionError for a ``regex()`` pattern that is itself
        computed from answers and is not an allowed pattern.
        """
        return _evaluate(self.tree, _Context(values, this, today or date.today()))

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class _Context:
    values: Mapping[str, Any]
    this: Any
    today: date


def _read(value: Any) -> Any:
    """An answer as expressions see it: numbers beyond the limits are "no value"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return bounded(value)
    return value


def _evaluate(node: Node, context: _Context) -> Any:
    """Walk the tree; its depth is capped at parse time, so the recursion is bounded."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Reference):
        return _read(context.values.get(node.key))
    if isinstance(node, Current):
        return _read(context.this)
    if isinstance(node, Field):
        return _read(context.this.get(node.name)) if isinstance(context.this, Mapping) else None
    if isinstance(node, Negate):
        return arithmetic("-", 0, _evaluate(node.operand, context))
    if isinstance(node, Logical):
        truths = (to_bool(_evaluate(operand, context)) for operand in node.operands)
        return all(truths) if node.operator == "and" else any(truths)
    if isinstance(node, Operation):
        result = _evaluate(node.first, context)
        for operator, operand in node.rest:
            right = _evaluate(operand, context)
            if operator in _VERBS:
                result = arithmetic(operator, result, right)
            else:
                result = compare(operator, result, right)
        return result
    if node.name == "if":
        condition, when_true, when_false = node.arguments
        chosen = when_true if to_bool(_evaluate(condition, context)) else when_false
        return _evaluate(chosen, context)
    if node.name == "today":
        return context.today
    arguments = [_evaluate(argument, context) for argument in node.arguments]
    return FUNCTIONS[node.name].implementation(*arguments)  # type: ignore[misc]


@lru_cache(maxsize=4096)
def parse(text: str) -> Expression:
    """Parse ``text``, checking function names and argument counts; raise ExpressionError.

    Cached, because the same relevance conditions are evaluated on every page view.
    """
    tree = parse_tree(text)
    nodes = walk(tree)
    for node in nodes:
        if not isinstance(node, Call):
            continue
        function = FUNCTIONS.get(node.name)
        if function is None:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"unknown function '{node.name}' (known: {known})", text=text)
        problem = function.arity_problem(node.name, len(node.arguments))
        if problem:
            raise ExpressionError(problem, text=text)
    references = frozenset(node.key for node in nodes if isinstance(node, Reference))
    return Expression(text, references, tree)


def check(
    expression_text: str,
    *,
    known_keys: Collection[str],
    allow_this: bool,
    choice_fields: Collection[str] = (),
) -> Expression:
    """Parse and statically check an expression written in the form designer.

    Beyond :func:`parse`: every ``${key}`` must be one of ``known_keys``; ``.`` is only
    allowed where ``allow_this`` (constraints, choice filters); bare names only when they
    are ``choice_fields`` (the choice columns a choice filter may read); and operands must
    fit their operators (``'a' + 1`` is a type error). Nothing is evaluated.
    """
    expression = parse(expression_text)
    known = set(known_keys)
    for node in walk(expression.tree):
        problem = None
        if isinstance(node, Reference) and node.key not in known:
            problem = f"refers to unknown question ${{{node.key}}}{_suggest(node.key, known)}"
        elif isinstance(node, Current) and not allow_this:
            problem = "'.' (the current answer) can only be used in a constraint or choice filter"
        elif isinstance(node, Field) and node.name not in choice_fields:
            problem = f"unknown name '{node.name}': a question is referred to as ${{{node.name}}}"
        if problem:
            raise ExpressionError(problem, text=expression_text)
    try:
        _static_type(expression.tree)
    except ExpressionError as error:
        error.text = expression_text
        raise
    return expression


def _suggest(key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f" (did you mean ${{{close[0]}}}?)" if close else ""


def _static_type(node: Node) -> str:
    """The kind of value ``node`` gives, raising ExpressionError on a certain type mismatch."""
    if isinstance(node, Literal):
        if isinstance(node.value, str):
            return ANY if to_number(node.value) is not None else TEXT
        return NUMBER
    if isinstance(node, Negate):
        if _static_type(node.operand) == TEXT:
            raise ExpressionError("type error: cannot negate text")
        return NUMBER
    if isinstance(node, Logical):
        for operand in node.operands:
            _static_type(operand)
        return BOOLEAN
    if isinstance(node, Operation):
        left = _static_type(node.first)
        for operator, operand in node.rest:
            right = _static_type(operand)
            if operator in _VERBS and TEXT in (left, right):
                verb = _VERBS[operator]
                raise ExpressionError(
                    f"type error: cannot {verb} {_KINDS[left]} and {_KINDS[right]}"
                )
            if operator not in _VERBS and {left, right} == {TEXT, NUMBER}:
                raise ExpressionError(
                    f"type error: cannot compare {_KINDS[left]} and {_KINDS[right]}"
                )
            left = NUMBER if operator in _VERBS else BOOLEAN
        return left
    if not isinstance(node, Call):
        return ANY
    types = [_static_type(argument) for argument in node.arguments]
    function = FUNCTIONS[node.name]
    if function.numeric and TEXT in types:
        raise ExpressionError(f"type error: {node.name}() needs numbers, not text")
    pattern = node.arguments[1] if node.name == "regex" else None
    if isinstance(pattern, Literal):
        compile_pattern(to_text(pattern.value))
    if node.name == "if":
        return types[1] if types[1] == types[2] else ANY
    return function.returns


def interpolate(text: str, values: Mapping[str, Any]) -> str:
    """Pipe answers into label text: each ``${key}`` becomes the answer as displayed.

    Lists (multiple choice) are joined with ", ", a missing answer shows as nothing. The rest
    of the text is left alone, not parsed. The result is cut at 10,000 characters.
    """
    parts: list[str] = []
    size = 0
    position = 0
    for match in _PIPE.finditer(text):
        for part in (text[position : match.start()], _display(values.get(match.group(1)))):
            parts.append(part)
            size += len(part)
        position = match.end()
        if size >= MAX_STRING_LENGTH:
            break
    else:
        parts.append(text[position:])
    return "".join(parts)[:MAX_STRING_LENGTH]


def _display(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(to_text(item) for item in value)
    return to_text(value)

"""From HTML form fields to checked answers for one page, and back again.

The engine's types read their own fields (`qtype.from_form`); this module adds what a web
page needs around them: refusing fields no question on the page owns, percentages for
triads, the page's relevance and required rules through `surveys.flow.Flow`, and the
inverse direction (`to_form`), so a page re-renders from stored answers exactly as if the
respondent had just typed them. Pure functions: no database, no request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from revaluation.services.languages import N_, translate
from surveys.flow import Flow
from surveys.model import Instrument as Definition
from surveys.model import Question, Section
from surveys.types import OTHER, AnswerError, get_type, is_nonsubstantive
from surveys.types.base import fmt

#: Form fields every respondent page may carry besides answers.
RESERVED = frozenset({"csrf_token", "action", "submission_id", "return_to", "item", "lang"})


class TamperedForm(ValueError):
    """The POST could not have come from our page: unknown fields or hidden questions."""


@dataclass
class PageResult:
    """What one page POST means: answers to store, answers to drop, and problems."""

    changes: dict[str, Any] = field(default_factory=dict)
    removals: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)
    #: Questions the new answers revealed on this page and that are still unanswered.
    revealed: list[str] = field(default_factory=list)
    flow: Flow | None = None


def owner(name: str, keys: list[str]) -> str | None:
    """The question key a form field belongs to (`key` or `key__part`), longest match."""
    for key in sorted(keys, key=len, reverse=True):
        if name == key or name.startswith(f"{key}__"):
            return key
    return None


def _is_blank_field(values: list[str]) -> bool:
    return all(not v.strip() for v in values)


def read_question(definition: Definition, question: Question,
                  getlist: Callable[[str], list[str]]) -> Any:
    """The normalised answer to one question from its form fields; AnswerError if wrong."""
    qtype = get_type(question.type)
    if question.type == "triad":
        return _read_triad(definition, question, getlist)
    raw = qtype.from_form(question, getlist, instrument=definition)
    return qtype.normalise(question, raw, instrument=definition)


def _read_triad(definition: Definition, question: Question,
                getlist: Callable[[str], list[str]]) -> Any:
    """Triads are typed as three percentages; the engine wants shares summing to 1."""
    ns = [v for v in getlist(f"{question.key}__ns") if v]
    if ns:
        return get_type("triad").normalise(question, ns[0], instrument=definition)
    parts = [(getlist(f"{question.key}__{i}") or [""])[0].strip() for i in (1, 2, 3)]
    if not any(parts):
        return None
    message = _("Enter three percentages, each from 0 to 100, that add up to 100")
    try:
        shares = [float(p) / 100 if p else 0.0 for p in parts]
    except ValueError:
        raise AnswerError(message) from None
    total = sum(shares) * 100
    if abs(total - 100) > 0.1:
        shown = fmt(round(total, 1))
        raise AnswerError(message + " " + _("(yours add up to %(total)s)", total=shown))
    try:
        return get_type("triad").normalise(question, shares, instrument=definition)
    except AnswerError:
        raise AnswerError(message) from None


REQUIRED_MESSAGES = {
    "single_choice": N_("Choose an answer"),
    "likert": N_("Choose an answer"),
    "rating": N_("Choose a number"),
    "dyad": N_("Choose a point on the line"),
    "multiple_choice": N_("Choose at least one option"),
    "text": N_("Enter your answer"),
    "long_text": N_("Enter your answer"),
    "story": N_("Write your answer in the box"),
    "number": N_("Enter a number"),
    "date": N_("Enter a date"),
    "consent": N_("Tick the box to agree before you continue"),
    "ranking": N_("Put the options in order"),
    "matrix": N_("Answer every row"),
    "triad": N_("Enter three percentages that add up to 100"),
    "dot_allocation": N_("Give at least one option some dots"),
    "value_grid": N_("Add at least one value item"),
}


def required_message(question: Question) -> str:
    """The message shown when a required question is left blank."""
    return _(REQUIRED_MESSAGES.get(question.type, N_("Answer this question")))


def read_page(definition: Definition, section: Section, answers: Mapping[str, Any],
              form_names: list[str], getlist: Callable[[str], list[str]], *,
              language: str, strict: bool = True) -> PageResult:
    """Check one page's POST against the engine. ``strict`` (a Continue press) also asks for
    required answers; autosave only stores what is valid so far."""
    answerable = [q for q in section.questions if get_type(q.type).answerable]
    keys = [q.key for q in answerable]
    for name in form_names:
        if name not in RESERVED and owner(name, keys) is None:
            raise TamperedForm(f"field {name[:40]!r} does not belong to this page")
    before = Flow(definition, answers, language=language)
    result = PageResult()
    parsed: dict[str, Any] = {}
    for question in answerable:
        try:
            parsed[question.key] = read_question(definition, question, getlist)
        except AnswerError as error:
            result.errors[question.key] = translate(error.message)
    merged = dict(answers)
    merged.update(parsed)
    after = Flow(definition, merged, language=language)
    result.flow = after
    for question in answerable:
        key = question.key
        shown_before, shown_after = before.is_visible(key), after.is_visible(key)
        posted = [n for n in form_names if owner(n, keys) == key]
        has_input = any(not _is_blank_field(getlist(n)) for n in posted)
        if not shown_before and not shown_after and has_input:
            raise TamperedForm(f"an answer was sent for the hidden question {key!r}")
        if not shown_after:
            result.errors.pop(key, None)
            result.removals.add(key)
            continue
        if key in result.errors:
            continue
        value = parsed.get(key)
        message = translate(after.validate(question, value))
        if message is not None:
            result.errors[key] = message
        elif value is None and not shown_before:
            result.revealed.append(key)
            result.removals.add(key)
        elif value is None and question.required and strict:
            result.errors[key] = required_message(question)
        elif value is None:
            result.removals.add(key)
        else:
            result.changes[key] = value
    kept = after.pruned_answers()
    result.removals |= {k for k in merged if k not in kept and k in
                        {q.key for q in definition.questions()}}
    return result


def _values(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def to_form(definition: Definition, question: Question, value: Any) -> dict[str, list[str]]:
    """The form fields that would produce ``value`` (the inverse of `read_question`)."""
    key = question.key
    if value is None:
        return {}
    if is_nonsubstantive(value, question):
        inline = question.type in ("single_choice", "likert", "rating")
        return {key if inline else f"{key}__ns": [value]}
    kind = question.type
    if kind in ("single_choice", "likert"):
        if isinstance(value, Mapping):
            return {key: [OTHER], f"{key}__other": [value.get("other_text", "")]}
        return {key: [str(value)]}
    if kind == "multiple_choice":
        if isinstance(value, Mapping):
            return {key: _values(value["value"]), f"{key}__other": [value.get("other_text", "")]}
        return {key: _values(value)}
    if kind in ("rating", "number", "dyad"):
        return {key: [fmt(value)]}
    if kind == "story":
        fields = {key: [value.get("text", "")]}
        fields.update({f"{key}__{k}": [v] for k, v in value.items() if k != "text"})
        return fields
    if kind == "consent":
        return {key: ["yes"]}
    if kind == "triad":
        return {f"{key}__{i}": [fmt(round(s * 100, 1))] for i, s in enumerate(value, start=1)}
    if kind == "dot_allocation":
        return {f"{key}__{o}": [str(n)] for o, n in value.items()}
    if kind == "ranking":
        return {f"{key}__{i}": [v] for i, v in enumerate(value, start=1)}
    if kind == "matrix":
        return {f"{key}__{row}": [v] for row, v in value.items()}
    if kind == "value_grid":
        fields: dict[str, list[str]] = {}
        for i, item in enumerate(value, start=1):
            for part in ("box", "visibility", "note"):
                fields[f"{key}__{i}__{part}"] = [str(item.get(part, ""))]
        return fields
    return {key: [str(value)]}

"""Plain values for the respondent templates: questions, choices and form state.

Templates never see engine objects or models; they get the dataclasses built here, with
every text already in the respondent's language and piped (`flow.label`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from revaluation.services.answer_forms import to_form
from revaluation.services.languages import N_, language_name, text_direction, translate
from surveys.flow import Flow
from surveys.model import Instrument as Definition
from surveys.model import Question, Text
from surveys.types import dots_status, get_type

__all__ = ["FormState", "QuestionView", "display_answer", "language_choices", "question_view",
           "state_from_answers", "text_direction"]

NONSUBSTANTIVE_LABELS = {"prefer_not_to_say": N_("Prefer not to say"),
                         "dont_know": N_("Don't know")}
HARVEST_LABELS = {
    "what_changed": N_("What changed?"),
    "for_whom": N_("For whom?"),
    "why_it_matters": N_("Why does it matter?"),
    "contribution": N_("How did the movement contribute?"),
    "intended": N_("Was this change intended?"),
    "substantiation": N_("Who else could tell us about it?"),
}
BOX_LABELS = {"calculate": N_("Calculate (can be counted)"),
              "calibrate": N_("Calibrate (can be compared)"),
              "capacitate": N_("Capacitate (builds what people can do)")}
VISIBILITY_LABELS = {"visible": N_("Visible: people can see it"),
                     "invisible": N_("Invisible: easily missed")}


def language_choices(languages: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """(code, name in that language) for a language picker."""
    return [(code, language_name(code)) for code in languages]


class FormState:
    """What each form field holds: stored answers turned into fields, or the POST itself."""

    def __init__(self, fields: Mapping[str, list[str]]) -> None:
        self._fields = {k: list(v) for k, v in fields.items()}

    def get(self, name: str) -> str:
        values = self._fields.get(name) or [""]
        return values[0]

    def has(self, name: str, value: str) -> bool:
        return value in (self._fields.get(name) or [])

    def any(self, prefix: str) -> bool:
        return any(k == prefix or k.startswith(prefix + "__") for k in self._fields)


@dataclass(frozen=True)
class QuestionView:
    """One question as its template needs it."""

    key: str
    type: str
    template: str
    label: str
    hint: str
    required: bool
    error: str | None
    hidden: bool
    choices: list[tuple[str, str]] = field(default_factory=list)
    nonsubstantive: list[tuple[str, str]] = field(default_factory=list)
    other: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    #: (number, text) pairs for repeated rows: ranking places, value-grid items.
    slots: list[int] = field(default_factory=list)

    @property
    def described_by(self) -> str:
        parts = [f"{self.key}-hint"] if self.hint else []
        if self.error:
            parts.append(f"{self.key}-error")
        return " ".join(parts)


def _text(definition: Definition, value: Any, language: str) -> str:
    if isinstance(value, Mapping):
        return definition.text(Text(value), language)
    return "" if value is None else str(value)


def question_view(definition: Definition, flow: Flow, question: Question, *, language: str,
                  error: str | None, state: FormState) -> QuestionView:
    """Build the view of one question, with choices filtered and texts translated."""
    settings: dict[str, Any] = {}
    for name, value in question.settings.items():
        if name == "corners":
            settings[name] = [_text(definition, v, language) for v in value]
        elif name == "rows":
            settings[name] = [(r["key"], _text(definition, r.get("label"), language))
                              for r in value]
        elif isinstance(value, Mapping):
            settings[name] = _text(definition, value, language)
        else:
            settings[name] = value
    choices = []
    if get_type(question.type).uses_choices:
        choices = [(c.value, definition.text(c.label, language)) for c in flow.choices(question)]
    slots: list[int] = []
    if question.type == "ranking":
        slots = list(range(1, (question.settings.get("top") or len(choices)) + 1))
    elif question.type == "value_grid":
        filled = sum(1 for n in range(1, 51) if state.get(f"{question.key}__{n}__box"))
        slots = list(range(1, min(question.settings.get("max_items", 20), max(filled + 1, 3)) + 1))
    elif question.type == "rating":
        low, high = question.settings.get("min", 0), question.settings.get("max", 10)
        slots = list(range(low, high + 1))
    elif question.type == "dot_allocation":
        used = sum(int(state.get(f"{question.key}__{c}") or 0)
                   for c, _label in choices if state.get(f"{question.key}__{c}").isdigit())
        settings["status"] = translate(dots_status(question, {"all": used}))
    if question.type == "story" and question.settings.get("outcome_harvest"):
        settings["harvest"] = [(k, _(v)) for k, v in HARVEST_LABELS.items()]
    if question.type == "value_grid":
        settings["boxes"] = [(k, _(v)) for k, v in BOX_LABELS.items()]
    return QuestionView(
        key=question.key,
        type=question.type,
        template=get_type(question.type).template,
        label=flow.label(question, language),
        hint=flow.hint(question, language),
        required=question.required,
        error=error,
        hidden=not flow.is_visible(question.key),
        choices=choices,
        nonsubstantive=[(v, _(NONSUBSTANTIVE_LABELS.get(v, v))) for v in question.nonsubstantive],
        other=question.other,
        settings=settings,
        slots=slots,
    )


def state_from_answers(definition: Definition, questions: list[Question],
                       answers: Mapping[str, Any]) -> FormState:
    """Form fields for stored answers, so back/forward and resume show what was given."""
    fields: dict[str, list[str]] = {}
    for question in questions:
        fields.update(to_form(definition, question, answers.get(question.key)))
    return FormState(fields)


def display_answer(definition: Definition, question: Question, value: Any,
                   language: str) -> str:
    """An answer as a short text for "Check your answers"."""
    if value is None:
        return ""
    if isinstance(value, str) and value in question.nonsubstantive:
        return _(NONSUBSTANTIVE_LABELS.get(value, value))
    kind = question.type
    if kind == "triad":
        corners = [_text(definition, c, language) for c in question.settings.get("corners", [])]
        return ", ".join(f"{c}: {round(s * 100)}%" for c, s in zip(corners, value, strict=False))
    if kind == "dyad":
        right = _text(definition, question.settings.get("right"), language)
        return _("%(share)s%% towards “%(right)s”", share=round(value * 100), right=right)
    if kind == "dot_allocation":
        labels = {c.value: definition.text(c.label, language)
                  for c in definition.choices_for(question)}
        return ", ".join(f"{labels.get(k, k)}: {n}" for k, n in value.items())
    if kind == "ranking":
        labels = {c.value: definition.text(c.label, language)
                  for c in definition.choices_for(question)}
        return "; ".join(f"{i}. {labels.get(v, v)}" for i, v in enumerate(value, start=1))
    if kind == "matrix":
        labels = {c.value: definition.text(c.label, language)
                  for c in definition.choices_for(question)}
        rows = {r["key"]: _text(definition, r.get("label"), language)
                for r in question.settings.get("rows", [])}
        return "; ".join(f"{rows.get(r, r)}: {labels.get(v, v)}" for r, v in value.items())
    if kind == "value_grid":
        return "; ".join(
            f"{_(BOX_LABELS.get(i['box'], i['box']))} / "
            f"{_(VISIBILITY_LABELS.get(i['visibility'], i['visibility']))}"
            + (f": {i['note']}" if i["note"] else "") for i in value)
    if kind == "story":
        return value.get("text", "")
    if kind == "consent":
        return _("Yes")
    return get_type(kind).display(question, value, language, definition)

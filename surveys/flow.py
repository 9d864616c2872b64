"""The flow of a survey for one respondent: which pages and questions are visible given
the answers so far, calculated values, piping, choice filters, constraints, required
answers and completeness.

Semantics follow XLSForm: a question inside a hidden section is hidden; a hidden
question's answer counts as empty for every later expression and is dropped on saving
(`pruned_answers`). Expressions may only look back (the loader enforces it), so one
pass in page order settles visibility; calculations may use later calculations, which
are computed on demand.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from surveys.errors import answer_message
from surveys.expressions import Expression, ExpressionError, interpolate, parse
from surveys.model import Choice, Instrument, Question, Section
from surveys.types import get_type, is_nonsubstantive

logger = logging.getLogger(__name__)

#: Shown when a constraint fails and the author gave no constraint_message.
DEFAULT_CONSTRAINT_MESSAGE = answer_message("This answer is not allowed here; please check it")


@lru_cache(maxsize=2048)
def _parsed(text: str) -> Expression:
    return parse(text)


@dataclass(frozen=True)
class Page:
    """A visible section and its visible questions (none for an adaptive section, whose
    items the web app asks `surveys.adaptive` for)."""

    section: Section
    questions: list[Question]

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def adaptive(self) -> str | None:
        return self.section.adaptive


class Flow:
    """One respondent's path through an instrument, from the answers given so far
    (question key -> normalised value)."""

    def __init__(self, instrument: Instrument, answers: Mapping[str, Any], *,
                 language: str = "en", today: date | None = None) -> None:
        self.instrument = instrument
        self.answers = dict(answers)
        self.language = language
        self.today = today
        self._questions = {q.key: q for q in instrument.questions()}
        self._section_of = {q.key: s for s in instrument.sections for q in s.questions}
        self._visible: dict[str, bool] = {}
        self._section_visible: dict[str, bool] = {}
        #: What expressions see as ${key}: None for hidden or unanswered questions.
        self.values: dict[str, Any] = {}
        self._calculating: set[str] = set()
        self._resolve()

    # -- evaluation ----------------------------------------------------------------

    def _evaluate(self, text: str, *, this: Any = None, values: Mapping[str, Any] | None = None
                  ) -> Any:
        try:
            return _parsed(text).evaluate(self.values if values is None else values,
                                          this=this, today=self.today)
        except ExpressionError:
            logger.warning("expression failed at runtime in %s", self.instrument.key)
            return None

    def _true(self, text: str | None) -> bool:
        return text is None or bool(self._evaluate(text))

    def _resolve(self) -> None:
        for section in self.instrument.sections:
            shown = self._true(section.relevant)
            self._section_visible[section.key] = shown
            for question in section.questions:
                if question.key in self._visible:
                    continue  # a calculation already computed on demand
                self._settle(question, shown)

    def _settle(self, question: Question, section_shown: bool) -> None:
        visible = section_shown and self._true(question.relevant)
        self._visible[question.key] = visible
        if not visible:
            self.values[question.key] = None
        elif question.type == "calculated":
            self.values[question.key] = self._calculate(question)
        else:
            value = self.answers.get(question.key)
            self.values[question.key] = get_type(question.type).expression_value(question, value)

    def _calculate(self, question: Question) -> Any:
        if question.calculation is None or question.key in self._calculating:
            return None
        self._calculating.add(question.key)
        try:
            for ref in sorted(_parsed(question.calculation).references):
                later = self._questions.get(ref)
                if later is not None and ref not in self._visible and later.type == "calculated":
                    section = self._section_of[ref]
                    self._settle(later, self._section_visible.get(section.key, True)
                                 and self._true(section.relevant))
            return self._evaluate(question.calculation)
        finally:
            self._calculating.discard(question.key)

    # -- visibility and pages ------------------------------------------------------

    def is_visible(self, key: str) -> bool:
        """Whether the question (or section) with this key is shown to this respondent."""
        if key in self._section_visible:
            return self._section_visible[key]
        return self._visible.get(key, False)

    def pages(self) -> list[Page]:
        """The visible pages, in order, each with its visible questions."""
        pages = []
        for section in self.instrument.sections:
            if not self._section_visible[section.key]:
                continue
            questions = [q for q in section.questions if self._visible[q.key]]
            if questions or section.adaptive:
                pages.append(Page(section, questions))
        return pages

    def page(self, section_key: str) -> Page | None:
        """The visible page of this section, or None if it is hidden or empty."""
        return next((p for p in self.pages() if p.key == section_key), None)

    def next_page(self, section_key: str | None) -> str | None:
        """The key of the next visible page after `section_key` (the first page for None)."""
        keys = [p.key for p in self.pages()]
        if section_key is None:
            return keys[0] if keys else None
        order = [s.key for s in self.instrument.sections]
        here = order.index(section_key)
        return next((k for k in keys if order.index(k) > here), None)

    def previous_page(self, section_key: str) -> str | None:
        """The key of the visible page before `section_key`, or None on the first page."""
        order = [s.key for s in self.instrument.sections]
        here = order.index(section_key)
        earlier = [p.key for p in self.pages() if order.index(p.key) < here]
        return earlier[-1] if earlier else None

    # -- answers ---------------------------------------------------------------------

    def choices(self, question: Question) -> list[Choice]:
        """The choices to show: all of them, or those passing the question's choice_filter
        (where a bare name reads a column of the choice, `name` or `value` its value)."""
        choices = list(self.instrument.choices_for(question))
        if question.choice_filter is None:
            return choices
        shown = []
        for choice in choices:
            columns = {**choice.extra, "name": choice.value, "value": choice.value}
            if self._evaluate(question.choice_filter, this=columns):
                shown.append(choice)
        return shown

    def validate(self, question: Question, value: Any) -> str | None:
        """The message to show if a normalised answer breaks the question's constraint or
        picks a choice the filter hides; None if it is fine."""
        if value is None or is_nonsubstantive(value, question):
            return None
        if question.choice_filter is not None and question.type in ("single_choice", "likert"):
            plain = get_type(question.type).expression_value(question, value)
            if plain != "other" and all(c.value != plain for c in self.choices(question)):
                return answer_message("Choose one of the options shown")
        if question.constraint is None:
            return None
        this = get_type(question.type).expression_value(question, value)
        values = {**self.values, question.key: this}
        if self._evaluate(question.constraint, this=this, values=values):
            return None
        if question.constraint_message is not None:
            return self.instrument.text(question.constraint_message, self.language)
        return DEFAULT_CONSTRAINT_MESSAGE

    def errors(self) -> dict[str, str]:
        """Constraint messages for every visible answered question that breaks its rule."""
        found = {}
        for key, question in self._questions.items():
            if self._visible[key] and question.type != "calculated":
                message = self.validate(question, self.answers.get(key))
                if message is not None:
                    found[key] = message
        return found

    def missing_required(self) -> list[str]:
        """Keys of visible required questions still unanswered, in page order."""
        return [q.key for q in self._questions.values()
                if q.required and self._visible[q.key] and get_type(q.type).answerable
                and _empty(self.answers.get(q.key))]

    def is_complete(self) -> bool:
        """True when no visible required question is unanswered and no answer breaks its
        constraint. Adaptive pages are judged by `surveys.adaptive`, not here."""
        return not self.missing_required() and not self.errors()

    def calculate(self) -> dict[str, Any]:
        """Values of the visible calculated questions."""
        return {k: self.values[k] for k, q in self._questions.items()
                if q.type == "calculated" and self._visible[k]}

    def pruned_answers(self) -> dict[str, Any]:
        """The answers worth keeping: those of visible answerable questions, plus answers
        to bank items of visible adaptive sections. Hidden questions' answers are dropped."""
        bank_items = {item.key for s in self.instrument.sections
                      if s.adaptive and self._section_visible[s.key]
                      for item in self.instrument.item_bank(s.adaptive).items}
        kept = {}
        for key, value in self.answers.items():
            question = self._questions.get(key)
            if question is None:
                if key in bank_items:
                    kept[key] = value
            elif self._visible[key] and get_type(question.type).answerable:
                kept[key] = value
        return kept

    # -- text --------------------------------------------------------------------------

    def _piped(self) -> dict[str, str]:
        shown = {}
        for key, question in self._questions.items():
            if not self._visible[key]:
                shown[key] = ""
            elif question.type == "calculated":
                value = self.values[key]
                shown[key] = "" if value is None else get_type("calculated").display(
                    question, value, self.language)
            else:
                shown[key] = get_type(question.type).display(
                    question, self.answers.get(key), self.language, self.instrument)
        return shown

    def label(self, question: Question, language: str | None = None) -> str:
        """The question's label in `language`, with ${key} replaced by earlier answers
        (choice labels rather than codes)."""
        text = self.instrument.text(question.label, language or self.language)
        return interpolate(text, self._piped()) if "${" in text else text

    def hint(self, question: Question, language: str | None = None) -> str:
        """The question's hint with piping, or "" if it has none."""
        text = self.instrument.text(question.hint, language or self.language)
        return interpolate(text, self._piped()) if "${" in text else text


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}

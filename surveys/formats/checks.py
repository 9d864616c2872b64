"""Meaning checks on a native instrument document (a dict already read from YAML/JSON).

The JSON Schema checks shape; these check sense: unique keys, known types and choice
lists, expressions that parse and only look back, calculations without cycles, complete
translations, type settings, scales and item-bank parameters. Every check reports through
`report(message, path, key, field)` and carries on, so an author sees every problem at
once; checks skip parts whose shape is already wrong (the schema has reported those).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

from surveys.expressions import ExpressionError, check, parse
from surveys.model import COMMON_FIELDS, Question
from surveys.types import QUESTION_TYPES, get_type

Path = tuple[Any, ...]
Report = Callable[[str, Path, "str | None", "str | None"], None]

MAX_QUESTIONS = 2_000
TEXT_FIELDS = ("label", "hint", "constraint_message")


def _items(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    """(index, mapping) pairs of a list, skipping entries that are not mappings."""
    if not isinstance(value, list):
        return []
    return [(i, v) for i, v in enumerate(value) if isinstance(v, Mapping)]


class DocumentChecker:
    """Runs every meaning check over one document."""

    def __init__(self, doc: Mapping[str, Any], report: Report) -> None:
        self.doc = doc
        self.report = report
        languages = doc.get("languages")
        self.languages = [x for x in languages if isinstance(x, str)] if isinstance(
            languages, list) else []
        default = doc.get("default_language")
        self.default = default if isinstance(default, str) else (
            self.languages[0] if self.languages else "en")
        lists = doc.get("choice_lists")
        self.choice_lists: dict[str, list[Any]] = dict(lists) if isinstance(lists, Mapping) else {}
        #: question key -> (position, path, type) in page order; bank items included.
        self.order: dict[str, tuple[int, Path, str]] = {}

    def run(self) -> None:
        if self.languages and self.default not in self.languages:
            self.report(f"default_language '{self.default}' is not one of the languages "
                        f"({', '.join(self.languages)})", ("default_language",), None,
                        "default_language")
        self._text(self.doc.get("title"), ("title",), None, "title")
        self._text(self.doc.get("description"), ("description",), None, "description")
        self._choice_lists()
        banks = self._item_banks()
        self._collect_keys(banks)
        self._sections(banks)
        self._scales()

    # -- shared helpers --------------------------------------------------------------

    def _text(self, value: Any, path: Path, key: str | None, field: str) -> None:
        """Every declared language must have a non-empty text."""
        if value is None or len(self.languages) < 2:
            return
        texts = value if isinstance(value, Mapping) else {self.default: value}
        for language in self.languages:
            if not str(texts.get(language) or "").strip():
                self.report(f"{field} has no '{language}' translation", path, key, field)

    def _expression(self, text: Any, path: Path, key: str | None, field: str, *,
                    position: float, allow_self: bool = False,
                    allow_calculations: bool = False, choice_fields: tuple[str, ...] = ()
                    ) -> set[str]:
        """Parse an expression and check that it only refers to earlier questions; return
        the keys it refers to."""
        if not isinstance(text, str):
            return set()
        try:
            references = set(parse(text).references)
            check(text, known_keys=self.order, allow_this=field in ("constraint", "choice_filter"),
                  choice_fields=choice_fields)
        except ExpressionError as error:
            if error.column is not None:
                self.report(f"{field} has a syntax error at column {error.column}: "
                            f"{error.message}", path, key, field)
            else:
                self.report(f"{field}: {error.message}", path, key, field)
            return set()
        for ref in sorted(references):
            found = self.order[ref]
            if ref == key and not allow_self:
                self.report(f"{field} refers to its own question ${{{ref}}}; use . for the "
                            "answer being checked", path, key, field)
            elif found[0] > position and not (allow_calculations and found[2] == "calculated"):
                self.report(f"{field} refers to ${{{ref}}}, which comes later; it can only use "
                            "answers to earlier questions", path, key, field)
        return references

    # -- parts -------------------------------------------------------------------------

    def _choice_lists(self) -> None:
        for name, choices in self.choice_lists.items():
            seen: dict[str, int] = {}
            for i, choice in _items(choices):
                path = ("choice_lists", name, i)
                value = str(choice.get("value"))
                if value in seen:
                    self.report(f"choice value '{value}' appears twice in list '{name}'",
                                (*path, "value"), name, "value")
                seen[value] = i
                self._text(choice.get("label"), (*path, "label"), name, "label")

    def _item_banks(self) -> dict[str, tuple[int, Mapping[str, Any]]]:
        banks: dict[str, tuple[int, Mapping[str, Any]]] = {}
        for i, bank in _items(self.doc.get("item_banks")):
            key, path = bank.get("key"), ("item_banks", i)
            if key in banks:
                self.report(f"item bank '{key}' is defined twice", (*path, "key"), key, "key")
            banks[str(key)] = (i, bank)
            categories = self.choice_lists.get(bank.get("categories"))
            if categories is None:
                self.report(f"categories names an unknown choice list "
                            f"'{bank.get('categories')}'", (*path, "categories"), key,
                            "categories")
            rule = bank.get("rule") if isinstance(bank.get("rule"), Mapping) else {}
            low, high = rule.get("min_items"), rule.get("max_items")
            if isinstance(low, int) and isinstance(high, int) and low > high:
                self.report(f"rule min_items ({low}) is greater than max_items ({high})",
                            (*path, "rule"), key, "rule")
            self._text(bank.get("title"), (*path, "title"), key, "title")
            for j, item in _items(bank.get("items")):
                self._bank_item(item, (*path, "items", j), categories)
        return banks

    def _bank_item(self, item: Mapping[str, Any], path: Path, categories: Any) -> None:
        key = item.get("key")
        slope, thresholds = item.get("slope"), item.get("thresholds")
        if isinstance(slope, int | float) and not slope > 0:
            self.report(f"item '{key}' has slope {slope}; the slope must be greater than 0",
                        (*path, "slope"), key, "slope")
        if isinstance(thresholds, list) and all(isinstance(t, int | float) for t in thresholds):
            if any(b <= a for a, b in itertools.pairwise(thresholds)):
                self.report(f"item '{key}' has thresholds that are not strictly increasing",
                            (*path, "thresholds"), key, "thresholds")
            if isinstance(categories, list) and len(thresholds) != len(categories) - 1:
                self.report(f"item '{key}' has {len(thresholds)} thresholds; its "
                            f"{len(categories)} categories need {len(categories) - 1}",
                            (*path, "thresholds"), key, "thresholds")
        self._text(item.get("label"), (*path, "label"), key, "label")

    def _collect_keys(self, banks: Mapping[str, tuple[int, Mapping[str, Any]]]) -> None:
        sections_seen: set[str] = set()
        position = 0
        for s, section in _items(self.doc.get("sections")):
            skey = section.get("key")
            if skey in sections_seen:
                self.report(f"section key '{skey}' is used twice", ("sections", s, "key"), skey,
                            "key")
            sections_seen.add(skey)
            entries: list[tuple[Any, Path, str]] = [
                (q.get("key"), ("sections", s, "questions", i, "key"), str(q.get("type")))
                for i, q in _items(section.get("questions"))]
            found = banks.get(section.get("adaptive")) if section.get("adaptive") else None
            if found is not None:
                b, bank = found
                entries += [(item.get("key"), ("item_banks", b, "items", j, "key"), "bank_item")
                            for j, item in _items(bank.get("items"))]
            for key, path, qtype in entries:
                if not isinstance(key, str):
                    continue
                if key in self.order:
                    self.report(f"question key '{key}' is used twice", path, key, "key")
                    continue
                position += 1
                self.order[key] = (position, path, qtype)
        if len(self.order) > MAX_QUESTIONS:
            self.report(f"the instrument has {len(self.order)} questions; the limit is "
                        f"{MAX_QUESTIONS}", ("sections",), None, "sections")

    def _sections(self, banks: Mapping[str, tuple[int, Mapping[str, Any]]]) -> None:
        calculations: dict[str, set[str]] = {}
        for s, section in _items(self.doc.get("sections")):
            path, skey = ("sections", s), section.get("key")
            questions = _items(section.get("questions"))
            first_key = questions[0][1].get("key") if questions else None
            start = self.order.get(first_key, (len(self.order) + 1,))[0]
            self._expression(section.get("relevant"), (*path, "relevant"), skey, "relevant",
                             position=start - 0.5)
            for name in ("title", "description"):
                self._text(section.get(name), (*path, name), skey, name)
            adaptive = section.get("adaptive")
            if adaptive is not None and adaptive not in banks:
                self.report(f"adaptive names an unknown item bank '{adaptive}'",
                            (*path, "adaptive"), skey, "adaptive")
            for i, question in questions:
                refs = self._question(question, (*path, "questions", i))
                if question.get("type") == "calculated" and isinstance(question.get("key"), str):
                    calculations[question["key"]] = refs
        self._cycles(calculations)

    def _question(self, raw: Mapping[str, Any], path: Path) -> set[str]:
        key, qtype = raw.get("key"), raw.get("type")
        position = self.order.get(key, (0, path, ""))[0] if isinstance(key, str) else 0
        if qtype not in QUESTION_TYPES:
            known = ", ".join(sorted(QUESTION_TYPES))
            self.report(f"unknown question type '{qtype}'; known types: {known}",
                        (*path, "type"), key, "type")
            return set()
        kind = get_type(qtype)
        choices = raw.get("choices")
        if kind.uses_choices and choices is None:
            self.report(f"a {qtype} question needs choices", (*path, "type"), key, "choices")
        elif not kind.uses_choices and choices is not None:
            self.report(f"a {qtype} question does not take choices", (*path, "choices"), key,
                        "choices")
        elif isinstance(choices, str) and choices not in self.choice_lists:
            self.report(f"choices names an unknown choice list '{choices}'",
                        (*path, "choices"), key, "choices")
        if (qtype == "calculated") != (raw.get("calculation") is not None):
            message = ("a calculated question needs a calculation" if qtype == "calculated"
                       else "only calculated questions take a calculation")
            self.report(message, (*path, "calculation" if qtype != "calculated" else "type"),
                        key, "calculation")
        if qtype != "note" and qtype != "calculated" and raw.get("label") is None:
            self.report("the question needs a label", (*path, "key"), key, "label")
        for name in TEXT_FIELDS:
            self._text(raw.get(name), (*path, name), key, name)
        if isinstance(choices, list):
            for i, choice in _items(choices):
                self._text(choice.get("label"), (*path, "choices", i, "label"), key, "choices")
        self._expression(raw.get("relevant"), (*path, "relevant"), key, "relevant",
                         position=position)
        self._expression(raw.get("choice_filter"), (*path, "choice_filter"), key,
                         "choice_filter", position=position, choice_fields=self._columns(choices))
        self._expression(raw.get("constraint"), (*path, "constraint"), key, "constraint",
                         position=position, allow_self=True)
        self._piping(raw, path, key, position)
        refs = self._expression(raw.get("calculation"), (*path, "calculation"), key,
                                "calculation", position=position, allow_self=True,
                                allow_calculations=True)
        self._settings(raw, path, key, kind)
        return refs

    def _columns(self, choices: Any) -> tuple[str, ...]:
        """The names a choice filter may read: name, value and the choices' extra columns."""
        rows = self.choice_lists.get(choices, []) if isinstance(choices, str) else choices
        names = {"name", "value"}
        for _, row in _items(rows):
            names.update(k for k in row if isinstance(k, str) and k not in ("label", "score"))
        return tuple(sorted(names))

    def _piping(self, raw: Mapping[str, Any], path: Path, key: Any, position: int) -> None:
        """${key} inside a label or hint must name an earlier question or a calculation."""
        for name in ("label", "hint"):
            value = raw.get(name)
            texts = value.values() if isinstance(value, Mapping) else [value]
            for text in texts:
                if not isinstance(text, str) or "${" not in text:
                    continue
                for ref in _piped_keys(text):
                    found = self.order.get(ref)
                    if found is None or (found[0] >= position and found[2] != "calculated"):
                        self.report(f"{name} pipes in ${{{ref}}}, which is not an earlier "
                                    "question", (*path, name), key, name)

    def _settings(self, raw: Mapping[str, Any], path: Path, key: Any, kind: Any) -> None:
        settings = {k: v for k, v in raw.items() if k not in COMMON_FIELDS}
        question = Question(key=str(key), type=kind.name, choices=_choices_of(raw),
                            settings=settings, other=raw.get("other") is True)
        choices = raw.get("choices")
        options = self.choice_lists.get(choices, []) if isinstance(choices, str) else choices
        count = len(options) if isinstance(options, list) else 0
        for field, message in kind.check_settings(question, _ChoiceCounter(count)):
            self.report(message, (*path, field), key, field)
        for field, text in kind.texts(question):
            self._text(dict(text), (*path, field), key, field)

    def _cycles(self, calculations: Mapping[str, set[str]]) -> None:
        """Report each cycle among calculations once, naming it."""
        reported: set[frozenset[str]] = set()
        for start in calculations:
            stack = [(start, [start])]
            while stack:
                node, trail = stack.pop()
                for nxt in sorted(calculations.get(node, ())):
                    if nxt == start:
                        cycle = frozenset(trail)
                        if cycle not in reported:
                            reported.add(cycle)
                            path = (*self.order[start][1][:-1], "calculation")
                            self.report("calculations form a cycle: " + " → ".join(
                                [*trail, start]), path, start, "calculation")
                    elif nxt in calculations and nxt not in trail:
                        stack.append((nxt, [*trail, nxt]))

    def _scales(self) -> None:
        seen: set[str] = set()
        # An adaptive bank's T-score is analysed like a scale score under the bank's key.
        banks = {b.get("key") for _, b in _items(self.doc.get("item_banks"))}
        for i, scale in _items(self.doc.get("scales")):
            key, path = scale.get("key"), ("scales", i)
            if key in seen:
                self.report(f"scale key '{key}' is used twice", (*path, "key"), key, "key")
            if key in banks:
                self.report(f"scale key '{key}' is also an item bank's key; the bank's T-score "
                            "is analysed under that key, so give the scale another one",
                            (*path, "key"), key, "key")
            seen.add(key)
            items = [x for x in scale.get("items") or [] if isinstance(x, str)]
            for item in items:
                if item not in self.order:
                    self.report(f"item '{item}' is not a question in this instrument",
                                (*path, "items"), key, "items")
            for item in scale.get("reverse") or []:
                if item not in items:
                    self.report(f"reverse item '{item}' is not one of the scale's items",
                                (*path, "reverse"), key, "reverse")
            low, high = scale.get("item_min"), scale.get("item_max")
            if scale.get("reverse") and (low is None or high is None):
                self.report("reverse-coded items need item_min and item_max", (*path, "reverse"),
                            key, "reverse")
            if isinstance(low, int | float) and isinstance(high, int | float) and low >= high:
                self.report(f"item_min ({low}) must be less than item_max ({high})",
                            (*path, "item_min"), key, "item_min")
            needed = scale.get("min_answered")
            if isinstance(needed, int) and needed > len(items):
                self.report(f"min_answered ({needed}) is more than the {len(items)} items",
                            (*path, "min_answered"), key, "min_answered")
            self._text(scale.get("title"), (*path, "title"), key, "title")


class _ChoiceCounter:
    """Stands in for the instrument when settings are checked before it exists: type
    checks only need to know how many choices a named list has."""

    def __init__(self, count: int) -> None:
        self.count = count

    def choices_for(self, question: Question) -> tuple[None, ...]:
        return (None,) * self.count


def _choices_of(raw: Mapping[str, Any]) -> Any:
    choices = raw.get("choices")
    if isinstance(choices, list):
        return tuple(choices)
    return choices if isinstance(choices, str) else None


def _piped_keys(text: str) -> list[str]:
    keys, start = [], 0
    while (begin := text.find("${", start)) != -1:
        end = text.find("}", begin)
        if end == -1:
            break
        keys.append(text[begin + 2:end].strip())
        start = end + 1
    return keys

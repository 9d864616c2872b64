"""The instrument model: frozen dataclasses describing a survey definition.

An `Instrument` is plain, immutable data. It is built by `surveys.formats` (which
validates it) or by `Instrument.from_dict` (which trusts its input: it is how a stored,
already validated definition comes back from the database). `to_dict` gives the same
JSON-able shape as the native YAML format, so `from_dict(to_dict(x)) == x`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Question attributes shared by every type; anything else on a question is a type setting.
COMMON_FIELDS = (
    "key", "type", "label", "hint", "required", "choices", "choice_filter", "other",
    "nonsubstantive", "relevant", "constraint", "constraint_message", "calculation", "default",
)


class Text(Mapping[str, str]):
    """Multilingual text: an immutable mapping language -> string.

    `text.get("cy", "en")` gives the Welsh text, else the English, else whatever exists,
    so a respondent never sees an empty label because one translation is missing.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | None = None, /, **more: str) -> None:
        merged = dict(items or {})
        merged.update(more)
        self._items = tuple((str(k), str(v)) for k, v in merged.items())

    @classmethod
    def of(cls, value: Any, default_language: str = "en") -> Text:
        """Read a plain string (meaning the default language) or a language mapping."""
        if isinstance(value, Text):
            return value
        if isinstance(value, Mapping):
            return cls(value)
        return cls({default_language: "" if value is None else str(value)})

    def __getitem__(self, language: str) -> str:
        for key, value in self._items:
            if key == language:
                return value
        raise KeyError(language)

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items))

    def __repr__(self) -> str:
        return f"Text({dict(self._items)!r})"

    def get(self, language: str, fallback: str | None = None) -> str:  # type: ignore[override]
        """Text in `language`, else in the `fallback` language, else any text, else ""."""
        items = dict(self._items)
        if language in items:
            return items[language]
        if fallback is not None and fallback in items:
            return items[fallback]
        return next(iter(items.values()), "")

    def to_value(self) -> dict[str, str]:
        """The JSON-able form: a plain dict."""
        return dict(self._items)


def _text_or_none(value: Any, language: str) -> Text | None:
    return None if value is None else Text.of(value, language)


def _put(out: dict[str, Any], name: str, value: Any) -> None:
    """Add a field to a dict unless it holds its default, so dumps stay short."""
    if value is None or value is False or value == () or value == {}:
        return
    if isinstance(value, Text):
        value = value.to_value()
    out[name] = value


@dataclass(frozen=True)
class Choice:
    """One option of a choice list. `score` is the number analysis uses (likert points);
    `extra` holds further columns, such as the ones a choice_filter tests."""

    value: str
    label: Text
    score: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def number(self, position: int) -> float:
        """The numeric value of this choice: its score, else its value if numeric, else
        its 1-based position in the list."""
        if self.score is not None:
            return float(self.score)
        try:
            return float(self.value)
        except ValueError:
            return float(position)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "label": self.label.to_value()}
        if self.score is not None:
            out["score"] = self.score
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], language: str = "en") -> Choice:
        extra = {k: v for k, v in data.items() if k not in ("value", "label", "score")}
        score = data.get("score")
        return cls(value=choice_value(data["value"]), label=Text.of(data.get("label"), language),
                   score=None if score is None else float(score), extra=extra)


def choice_value(value: Any) -> str:
    """A choice value as the string it is stored as. YAML 1.1 reads unquoted yes/no as
    booleans; they come back as the words the author typed."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class ChoiceList:
    """A named, ordered list of choices shared by questions (and item banks)."""

    name: str
    choices: tuple[Choice, ...]

    def get(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


@dataclass(frozen=True)
class Question:
    """One question. Type-specific settings (min, max, budget, rows...) live in `settings`
    as JSON-able values, flat on the question in YAML."""

    key: str
    type: str
    label: Text = field(default_factory=Text)
    hint: Text | None = None
    required: bool = False
    choices: str | tuple[Choice, ...] | None = None
    choice_filter: str | None = None
    other: bool = False
    nonsubstantive: tuple[str, ...] = ()
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Text | None = None
    calculation: str | None = None
    default: Any = field(default=None, hash=False)
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "type": self.type}
        _put(out, "label", self.label if len(self.label) else None)
        _put(out, "hint", self.hint)
        _put(out, "required", self.required)
        if isinstance(self.choices, tuple):
            out["choices"] = [c.to_dict() for c in self.choices]
        else:
            _put(out, "choices", self.choices)
        for name in ("choice_filter", "other", "nonsubstantive", "relevant", "constraint",
                     "constraint_message", "calculation"):
            value = getattr(self, name)
            _put(out, name, list(value) if isinstance(value, tuple) else value)
        if self.default is not None:
            out["default"] = self.default
        out.update(self.settings)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], language: str = "en") -> Question:
        choices = data.get("choices")
        if isinstance(choices, list):
            choices = tuple(Choice.from_dict(c, language) for c in choices)
        return cls(
            key=data["key"], type=data["type"],
            label=Text.of(data.get("label", {}), language),
            hint=_text_or_none(data.get("hint"), language),
            required=bool(data.get("required", False)),
            choices=choices,
            choice_filter=data.get("choice_filter"),
            other=bool(data.get("other", False)),
            nonsubstantive=tuple(data.get("nonsubstantive") or ()),
            relevant=data.get("relevant"),
            constraint=data.get("constraint"),
            constraint_message=_text_or_none(data.get("constraint_message"), language),
            calculation=data.get("calculation"),
            default=data.get("default"),
            settings={k: v for k, v in data.items() if k not in COMMON_FIELDS},
        )


@dataclass(frozen=True)
class Section:
    """A page of questions, or (with `adaptive` set) a page served item by item from a bank."""

    key: str
    title: Text | None = None
    description: Text | None = None
    relevant: str | None = None
    adaptive: str | None = None
    questions: tuple[Question, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key}
        for name in ("title", "description", "relevant", "adaptive"):
            _put(out, name, getattr(self, name))
        out["questions"] = [q.to_dict() for q in self.questions]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], language: str = "en") -> Section:
        return cls(
            key=data["key"], title=_text_or_none(data.get("title"), language),
            description=_text_or_none(data.get("description"), language),
            relevant=data.get("relevant"), adaptive=data.get("adaptive"),
            questions=tuple(Question.from_dict(q, language) for q in data.get("questions") or ()),
        )


@dataclass(frozen=True)
class Scale:
    """A scale score over items: how to combine them and what to do about gaps."""

    key: str
    items: tuple[str, ...]
    title: Text | None = None
    method: str = "sum"
    reverse: tuple[str, ...] = ()
    item_min: float | None = None
    item_max: float | None = None
    min_answered: int | None = None
    missing: str = "require_all"
    lookup: Mapping[float, float] | None = field(default=None, hash=False)
    lookup_requires_all: bool = True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key}
        _put(out, "title", self.title)
        out["items"] = list(self.items)
        out["method"] = self.method
        _put(out, "reverse", list(self.reverse))
        for name in ("item_min", "item_max", "min_answered"):
            _put(out, name, getattr(self, name))
        out["missing"] = self.missing
        if self.lookup is not None:
            out["lookup"] = {_plain_number(k): v for k, v in self.lookup.items()}
            if not self.lookup_requires_all:
                out["lookup_requires_all"] = False
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], language: str = "en") -> Scale:
        lookup = data.get("lookup")
        return cls(
            key=data["key"], items=tuple(data["items"]),
            title=_text_or_none(data.get("title"), language),
            method=data.get("method", "sum"), reverse=tuple(data.get("reverse") or ()),
            item_min=_float_or_none(data.get("item_min")),
            item_max=_float_or_none(data.get("item_max")),
            min_answered=data.get("min_answered"),
            missing=data.get("missing", "require_all"),
            lookup=None if lookup is None else {float(k): float(v) for k, v in lookup.items()},
            lookup_requires_all=bool(data.get("lookup_requires_all", True)),
        )


@dataclass(frozen=True)
class BankItem:
    """An item of a graded-response item bank: discrimination `slope` and the K-1
    increasing category `thresholds`."""

    key: str
    label: Text
    slope: float
    thresholds: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label.to_value(), "slope": self.slope,
                "thresholds": list(self.thresholds)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], language: str = "en") -> BankItem:
        return cls(key=data["key"], label=Text.of(data.get("label"), language),
                   slope=float(data["slope"]),
                   thresholds=tuple(float(t) for t in data["thresholds"]))


@dataclass(frozen=True)
class ItemBank:
    """A calibrated item bank for adaptive testing; `categories` names the choice list of
    the K response categories in order; `rule` holds min_items, max_items and max_se."""

    key: str
    categories: str
    items: tuple[BankItem, ...]
    title: Text | None = None
    rule: Mapping[str, float] = field(default_factory=dict, hash=False)

    def item(self, key: str) -> BankItem:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key}
        _put(out, "title", self.title)
        out["categories"] = self.categories
        _put(out, "rule", dict(self.rule))
        out["items"] = [i.to_dict() for i in self.items]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], language: str = "en") -> ItemBank:
        return cls(key=data["key"], categories=data["categories"],
                   items=tuple(BankItem.from_dict(i, language) for i in data.get("items") or ()),
                   title=_text_or_none(data.get("title"), language),
                   rule=dict(data.get("rule") or {}))


@dataclass(frozen=True)
class Instrument:
    """A whole survey definition: metadata, choice lists, pages, scales and item banks."""

    key: str
    title: Text
    languages: tuple[str, ...] = ("en",)
    default_language: str = "en"
    description: Text | None = None
    licence: str | None = None
    credit: str | None = None
    source: str | None = None
    choice_lists: tuple[ChoiceList, ...] = ()
    sections: tuple[Section, ...] = ()
    scales: tuple[Scale, ...] = ()
    item_banks: tuple[ItemBank, ...] = ()

    def questions(self) -> list[Question]:
        """Every question in page order."""
        return [q for s in self.sections for q in s.questions]

    def question(self, key: str) -> Question:
        """The question with this key; KeyError if there is none."""
        for q in self.questions():
            if q.key == key:
                return q
        raise KeyError(key)

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def choice_list(self, name: str) -> ChoiceList:
        for cl in self.choice_lists:
            if cl.name == name:
                return cl
        raise KeyError(name)

    def choices_for(self, question: Question) -> tuple[Choice, ...]:
        """The choices a question offers (its named list or its inline list); () if none."""
        if isinstance(question.choices, tuple):
            return question.choices
        if question.choices is None:
            return ()
        return self.choice_list(question.choices).choices

    def scale(self, key: str) -> Scale:
        for scale in self.scales:
            if scale.key == key:
                return scale
        raise KeyError(key)

    def item_bank(self, key: str) -> ItemBank:
        for bank in self.item_banks:
            if bank.key == key:
                return bank
        raise KeyError(key)

    def text(self, value: Text | None, language: str | None = None) -> str:
        """A Text in `language`, falling back to the instrument's default language."""
        if value is None:
            return ""
        return value.get(language or self.default_language, self.default_language)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able native-format dict (what the database stores)."""
        out: dict[str, Any] = {"key": self.key, "title": self.title.to_value(),
                               "languages": list(self.languages),
                               "default_language": self.default_language}
        for name in ("description", "licence", "credit", "source"):
            _put(out, name, getattr(self, name))
        if self.choice_lists:
            out["choice_lists"] = {cl.name: [c.to_dict() for c in cl.choices]
                                   for cl in self.choice_lists}
        out["sections"] = [s.to_dict() for s in self.sections]
        if self.scales:
            out["scales"] = [s.to_dict() for s in self.scales]
        if self.item_banks:
            out["item_banks"] = [b.to_dict() for b in self.item_banks]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Instrument:
        """Rebuild an instrument from `to_dict` output (or a validated native document)."""
        languages = tuple(data.get("languages") or ("en",))
        lang = data.get("default_language") or languages[0]
        return cls(
            key=data["key"], title=Text.of(data.get("title", ""), lang),
            languages=languages, default_language=lang,
            description=_text_or_none(data.get("description"), lang),
            licence=data.get("licence"), credit=data.get("credit"), source=data.get("source"),
            choice_lists=tuple(
                ChoiceList(name, tuple(Choice.from_dict(c, lang) for c in choices))
                for name, choices in (data.get("choice_lists") or {}).items()),
            sections=tuple(Section.from_dict(s, lang) for s in data.get("sections") or ()),
            scales=tuple(Scale.from_dict(s, lang) for s in data.get("scales") or ()),
            item_banks=tuple(ItemBank.from_dict(b, lang) for b in data.get("item_banks") or ()),
        )


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _plain_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value

"""A readable difference between two versions of an instrument.

Questions are matched by key (the key is what analysis joins versions on), so a changed
wording shows as a change of `label`, a new key as an added question. Pages are matched by
key too; choice lists by name, and their choices by value. The result is plain data for a
template: what was added, removed or changed, with each changed field before and after.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

Doc = dict[str, Any]


@dataclass(frozen=True)
class FieldChange:
    """One field of a question, page or choice list: its value before and after, as text."""

    name: str
    before: str
    after: str


@dataclass(frozen=True)
class ItemChange:
    """Something kept under the same key whose fields changed."""

    key: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class VersionDiff:
    """Every difference between two definitions, grouped for reading."""

    details: tuple[FieldChange, ...] = ()
    sections_added: tuple[str, ...] = ()
    sections_removed: tuple[str, ...] = ()
    sections_changed: tuple[ItemChange, ...] = ()
    sections_reordered: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    questions_added: tuple[tuple[str, str], ...] = ()  # (key, page)
    questions_removed: tuple[tuple[str, str], ...] = ()
    questions_changed: tuple[ItemChange, ...] = ()
    choice_lists_added: tuple[str, ...] = ()
    choice_lists_removed: tuple[str, ...] = ()
    choice_lists_changed: tuple[ItemChange, ...] = ()
    banks_added: tuple[str, ...] = ()
    banks_removed: tuple[str, ...] = ()
    #: A bank's own fields (title, categories, stopping rule).
    banks_changed: tuple[ItemChange, ...] = ()
    bank_items_added: tuple[tuple[str, str], ...] = ()  # (item key, bank key)
    bank_items_removed: tuple[tuple[str, str], ...] = ()
    #: An item's label, slope or thresholds (a calibration changes the last two).
    bank_items_changed: tuple[ItemChange, ...] = ()
    other: tuple[FieldChange, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not any(getattr(self, name) for name in self.__dataclass_fields__)


def show(value: Any) -> str:
    """A field value as a short readable text."""
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
        return " / ".join(f"{k}: {v}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _field_changes(old: Doc, new: Doc, skip: tuple[str, ...] = ()) -> tuple[FieldChange, ...]:
    names = [k for k in old if k not in skip] + [k for k in new if k not in old and k not in skip]
    return tuple(FieldChange(n, show(old.get(n)), show(new.get(n)))
                 for n in names if old.get(n) != new.get(n))


def _questions(doc: Doc) -> dict[str, tuple[str, Doc]]:
    return {q["key"]: (s["key"], q) for s in doc.get("sections", [])
            for q in s.get("questions", [])}


def _choice_changes(old: list[Doc], new: list[Doc]) -> tuple[FieldChange, ...]:
    before = {str(c["value"]): c for c in old}
    after = {str(c["value"]): c for c in new}
    changes = [FieldChange(f"choice {v}", "(none)", show(after[v].get("label")))
               for v in after if v not in before]
    changes += [FieldChange(f"choice {v}", show(before[v].get("label")), "(removed)")
                for v in before if v not in after]
    changes += [FieldChange(f"choice {v}", show(before[v]), show(after[v]))
                for v in after if v in before and before[v] != after[v]]
    if not changes and list(before) != list(after):
        changes.append(FieldChange("order", ", ".join(before), ", ".join(after)))
    return tuple(changes)


def diff_definitions(old: Doc, new: Doc) -> VersionDiff:
    """What changed from `old` to `new` (both `Instrument.to_dict()` forms)."""
    details = _field_changes(
        {k: old.get(k) for k in ("key", "title", "languages", "default_language", "description",
                                 "licence", "credit", "source")},
        {k: new.get(k) for k in ("key", "title", "languages", "default_language", "description",
                                 "licence", "credit", "source")})
    old_sections = {s["key"]: s for s in old.get("sections", [])}
    new_sections = {s["key"]: s for s in new.get("sections", [])}
    kept = [k for k in old_sections if k in new_sections]
    kept_new_order = [k for k in new_sections if k in old_sections]
    old_q, new_q = _questions(old), _questions(new)
    changed = []
    for key, (page, question) in new_q.items():
        if key not in old_q:
            continue
        old_page, old_question = old_q[key]
        changes = list(_field_changes(old_question, question))
        if old_page != page:
            changes.insert(0, FieldChange("page", old_page, page))
        if changes:
            changed.append(ItemChange(key, tuple(changes)))
    old_lists, new_lists = old.get("choice_lists") or {}, new.get("choice_lists") or {}
    list_changes = [ItemChange(n, _choice_changes(old_lists[n], new_lists[n]))
                    for n in new_lists if n in old_lists and old_lists[n] != new_lists[n]]
    other = _field_changes({"scales": old.get("scales")}, {"scales": new.get("scales")})
    return VersionDiff(
        **_bank_changes(old, new),
        details=details,
        sections_added=tuple(k for k in new_sections if k not in old_sections),
        sections_removed=tuple(k for k in old_sections if k not in new_sections),
        sections_changed=tuple(
            ItemChange(k, c) for k in kept_new_order
            if (c := _field_changes(old_sections[k], new_sections[k], skip=("questions",)))),
        sections_reordered=(tuple(kept), tuple(kept_new_order)) if kept != kept_new_order
        else None,
        questions_added=tuple((k, p) for k, (p, _) in new_q.items() if k not in old_q),
        questions_removed=tuple((k, p) for k, (p, _) in old_q.items() if k not in new_q),
        questions_changed=tuple(changed),
        choice_lists_added=tuple(n for n in new_lists if n not in old_lists),
        choice_lists_removed=tuple(n for n in old_lists if n not in new_lists),
        choice_lists_changed=tuple(c for c in list_changes if c.changes),
        other=other,
    )


def show_rule(rule: dict[str, Any] | None) -> str:
    """An adaptive stopping rule in words, e.g. "min 4, max 12 items, stop at SE 0.3"."""
    if not rule:
        return "(none: every item is asked)"
    parts = []
    if rule.get("min_items") is not None:
        parts.append(f"min {rule['min_items']}")
    if rule.get("max_items") is not None:
        parts.append(f"max {rule['max_items']} items")
    if rule.get("max_se") is not None:
        parts.append(f"stop at SE {rule['max_se']:g}")
    return ", ".join(parts)


def _bank_changes(old: Doc, new: Doc) -> dict[str, Any]:
    """Item banks matched by key and their items by key, field by field."""
    before = {b["key"]: b for b in old.get("item_banks") or []}
    after = {b["key"]: b for b in new.get("item_banks") or []}
    banks_changed, added, removed, items_changed = [], [], [], []
    for key in (k for k in after if k in before):
        own = [FieldChange("rule", show_rule(before[key].get("rule")),
                           show_rule(after[key].get("rule")))
               ] if before[key].get("rule") != after[key].get("rule") else []
        own += _field_changes(before[key], after[key], skip=("key", "items", "rule"))
        if own:
            banks_changed.append(ItemChange(key, tuple(own)))
        old_items = {i["key"]: i for i in before[key].get("items", [])}
        new_items = {i["key"]: i for i in after[key].get("items", [])}
        added += [(item, key) for item in new_items if item not in old_items]
        removed += [(item, key) for item in old_items if item not in new_items]
        items_changed += [
            ItemChange(f"{item} ({key})", changes)
            for item in new_items if item in old_items
            if (changes := _field_changes(old_items[item], new_items[item]))
        ]
    return {
        "banks_added": tuple(k for k in after if k not in before),
        "banks_removed": tuple(k for k in before if k not in after),
        "banks_changed": tuple(banks_changed),
        "bank_items_added": tuple(added),
        "bank_items_removed": tuple(removed),
        "bank_items_changed": tuple(items_changed),
    }

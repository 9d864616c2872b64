"""Adaptive blocks: serving an item bank one item at a time, statelessly.

A section with ``adaptive: <bank>`` is answered through :mod:`surveys.adaptive`. Nothing
about the test lives between requests: the session is replayed on every request from
what is stored. The stored shape, per response:

- each asked item under its own key: the choice value as text, its category index as number;
- ``<bank>__asked``: the items in the order presented, with the category (None if skipped);
- ``<bank>__theta``, ``<bank>__se``, ``<bank>__t``: the current EAP estimate, its standard
  error and the T-score (50 + 10 theta), updated after every item, final when the test stops.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from surveys.adaptive import CatRule, CatSession, GradedItem, ItemBank
from surveys.model import Choice
from surveys.model import Instrument as Definition
from surveys.types import StoredValue

SUFFIXES = ("asked", "theta", "se", "t")


@dataclass(frozen=True)
class Block:
    """One adaptive section's bank, rule and response categories."""

    key: str
    bank: ItemBank
    rule: CatRule
    categories: tuple[Choice, ...]


def block(definition: Definition, bank_key: str) -> Block:
    """The engine objects for the instrument's item bank ``bank_key``."""
    spec = definition.item_bank(bank_key)
    bank = ItemBank(GradedItem(i.key, i.slope, i.thresholds) for i in spec.items)
    rule = spec.rule or {}
    max_items = int(rule.get("max_items", len(bank)))
    min_items = min(int(rule.get("min_items", 1)), max_items)
    max_se = rule.get("max_se")
    return Block(
        key=bank_key,
        bank=bank,
        rule=CatRule(min_items=max(min_items, 1), max_items=max(max_items, 1),
                     max_se=float(max_se) if max_se is not None else None),
        categories=definition.choice_list(spec.categories).choices,
    )


def asked_pairs(answers: Mapping[str, Any], bank_key: str) -> list[tuple[str, int | None]]:
    """The presented items in order, from the stored ``<bank>__asked`` list."""
    raw = answers.get(f"{bank_key}__asked") or []
    return [(str(k), None if c is None else int(c)) for k, c in raw]


def session(found: Block, answers: Mapping[str, Any]) -> CatSession:
    """Replay the respondent's test from stored answers; entries that no longer fit the bank
    (an edited definition) are dropped rather than crashing the page."""
    pairs = []
    seen = set()
    for key, category in asked_pairs(answers, found.key):
        if key in found.bank and key not in seen:
            try:
                if category is not None:
                    found.bank.check_category(key, category)
            except ValueError:
                continue
            pairs.append((key, category))
            seen.add(key)
    return CatSession.replay(found.bank, found.rule, pairs)


def answer_item(found: Block, answers: Mapping[str, Any], item_key: str,
                choice_value: str | None) -> dict[str, StoredValue]:
    """Record one answer (or a skip, when ``choice_value`` is None) and return the stored
    rows that change. ValueError if the item is not the one being asked or the choice is
    not a category."""
    current = session(found, answers)
    expected = current.next_item()
    if expected is None or expected.key != item_key:
        raise ValueError("this is not the question being asked now")
    changes: dict[str, StoredValue] = {}
    if choice_value is None:
        current.skip(item_key)
    else:
        values = [c.value for c in found.categories]
        if choice_value not in values:
            raise ValueError("choose one of the options shown")
        category = values.index(choice_value)
        current.record(item_key, category)
        changes[item_key] = StoredValue(number=float(category), text=choice_value)
    changes[f"{found.key}__asked"] = StoredValue(data=[list(p) for p in current.asked])
    changes[f"{found.key}__theta"] = StoredValue(number=round(current.theta, 6))
    changes[f"{found.key}__se"] = StoredValue(number=round(current.se, 6))
    changes[f"{found.key}__t"] = StoredValue(number=round(current.t_score, 4))
    return changes


def restore(definition: Definition, key: str, stored: StoredValue) -> Any:
    """The value of a stored adaptive row (item answer or derived score), else None."""
    for spec in definition.item_banks:
        if key.startswith(f"{spec.key}__") and key.removeprefix(f"{spec.key}__") in SUFFIXES:
            return stored.data if key.endswith("__asked") else stored.number
        if any(item.key == key for item in spec.items):
            return stored.text
    return None


def derived_keys(bank_key: str) -> list[str]:
    """The keys of the bookkeeping rows of a bank (not answers to items)."""
    return [f"{bank_key}__{suffix}" for suffix in SUFFIXES]


def is_finished(definition: Definition, bank_key: str, answers: Mapping[str, Any]) -> bool:
    """Whether the adaptive test of this bank has stopped for this respondent."""
    return session(block(definition, bank_key), answers).finished

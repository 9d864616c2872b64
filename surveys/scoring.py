"""Scale scores: sums or means of items, with reverse-coded items, rules for missing
items and optional official lookup tables (raw total -> converted score).

Missing-item rules (`scale.missing`), applied once at least `min_answered` items are
answered:

* `require_all`: any missing item means no score.
* `prorate`: the mean of the answered items stands for every item, so a sum is
  mean x number of items (a mean is simply the mean of the answered items).
* `mean_impute`: each missing item is filled with the respondent's own mean of the
  answered items, rounded to the nearest whole item value, so the raw total stays a
  whole number a lookup table can convert.

Non-substantive answers ("prefer not to say", "don't know") count as missing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from surveys.model import Instrument, Scale
from surveys.types.base import NONSUBSTANTIVE, get_type


@dataclass(frozen=True)
class ScaleScore:
    """A respondent's score on a scale. `value` is the score (after any lookup), `raw`
    the sum or mean before lookup; when there is no score `value` is None and `reason`
    says why in plain words."""

    value: float | None
    raw: float | None
    n_answered: int
    reason: str | None = None


def item_number(key: str, value: Any, instrument: Instrument | None = None) -> float | None:
    """The numeric value of one item answer, or None if it is missing or non-substantive.

    With the instrument, the question type decides (likert points use their scores);
    without it, numbers and numeric text are taken as they are.
    """
    if value is None or (isinstance(value, str) and value in NONSUBSTANTIVE):
        return None
    if instrument is not None:
        try:
            question = instrument.question(key)
        except KeyError:
            question = None
        if question is not None:
            numbers = get_type(question.type).numbers(question, value, instrument=instrument)
            return numbers.get(key)
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def score_scale(scale: Scale, answers: Mapping[str, Any], *,
                instrument: Instrument | None = None) -> ScaleScore:
    """Score one scale from a respondent's answers (question key -> normalised value)."""
    values: dict[str, float] = {}
    for key in scale.items:
        number = item_number(key, answers.get(key), instrument)
        if number is None or not _in_range(scale, number):
            continue
        if key in scale.reverse:
            number = scale.item_min + scale.item_max - number  # type: ignore[operator]
        values[key] = number
    total = len(scale.items)
    answered = len(values)
    needed = total if scale.min_answered is None and scale.missing == "require_all" else (
        scale.min_answered or 1)
    if answered < needed or (scale.missing == "require_all" and answered < total):
        return ScaleScore(None, None, answered,
                          f"{answered} of {total} items answered; the scale needs "
                          f"{total if scale.missing == 'require_all' else needed}")
    person_mean = sum(values.values()) / answered
    if scale.missing == "mean_impute":
        filled = float(round(person_mean))
        item_sum = sum(values.values()) + filled * (total - answered)
        raw = item_sum if scale.method == "sum" else item_sum / total
    elif scale.method == "sum":
        raw = person_mean * total
    else:
        raw = person_mean
    if scale.lookup is None:
        return ScaleScore(raw, raw, answered)
    return _look_up(scale, raw, answered, total)


def _in_range(scale: Scale, number: float) -> bool:
    """Values outside item_min..item_max (stale or foreign answers) count as missing."""
    if scale.item_min is not None and number < scale.item_min:
        return False
    return not (scale.item_max is not None and number > scale.item_max)


def _look_up(scale: Scale, raw: float, answered: int, total: int) -> ScaleScore:
    if scale.lookup_requires_all and answered < total:
        return ScaleScore(None, raw, answered,
                          f"the scoring table needs all {total} items answered; "
                          f"{answered} were")
    table = scale.lookup or {}
    key = float(round(raw)) if not scale.lookup_requires_all else raw
    for table_raw, converted in table.items():
        if math.isclose(table_raw, key, abs_tol=1e-9):
            return ScaleScore(converted, raw, answered)
    shown = int(key) if float(key).is_integer() else round(key, 3)
    return ScaleScore(None, raw, answered, f"raw total {shown} is not in the scoring table")


def score_matrix(scale: Scale, items: np.ndarray) -> np.ndarray:
    """Every respondent's score at once: ``items`` is respondents x ``scale.items`` numbers
    (NaN: missing), the result one score per row (NaN: no score).

    The same rules as :func:`score_scale`, as array operations for analysing a whole wave;
    item sums run in item order, so each score equals :func:`score_scale`'s bit for bit.
    """
    matrix = np.asarray(items, dtype=float)
    rows, total = matrix.shape[0], len(scale.items)
    valid = np.isfinite(matrix)
    if scale.item_min is not None:
        valid &= ~(matrix < scale.item_min)
    if scale.item_max is not None:
        valid &= ~(matrix > scale.item_max)
    answered = valid.sum(axis=1)
    item_sum = np.zeros(rows)
    for index, key in enumerate(scale.items):
        column = matrix[:, index]
        if key in scale.reverse:
            column = scale.item_min + scale.item_max - column  # type: ignore[operator]
        item_sum = item_sum + np.where(valid[:, index], column, 0.0)
    needed = total if scale.min_answered is None and scale.missing == "require_all" else (
        scale.min_answered or 1)
    scored = answered >= needed
    if scale.missing == "require_all":
        scored &= answered == total
    with np.errstate(invalid="ignore", divide="ignore"):
        person_mean = item_sum / answered
    if scale.missing == "mean_impute":
        filled = item_sum + np.round(person_mean) * (total - answered)
        raw = filled if scale.method == "sum" else filled / total
    elif scale.method == "sum":
        raw = person_mean * total
    else:
        raw = person_mean
    raw = np.where(scored, raw, np.nan)
    if scale.lookup is None:
        return raw
    if scale.lookup_requires_all:
        raw = np.where(answered == total, raw, np.nan)
        key = raw
    else:
        key = np.round(raw)
    out = np.full(rows, np.nan)
    found = np.zeros(rows, dtype=bool)
    for table_raw, converted in scale.lookup.items():
        # math.isclose's test (relative 1e-9, absolute 1e-9); the first entry that matches wins.
        tolerance = np.maximum(1e-9 * np.maximum(np.abs(key), abs(table_raw)), 1e-9)
        hit = ~found & (np.abs(key - table_raw) <= tolerance)
        out[hit] = converted
        found |= hit
    return out


def score_all(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, ScaleScore]:
    """Every scale of the instrument, scored for one respondent."""
    return {s.key: score_scale(s, answers, instrument=instrument) for s in instrument.scales}

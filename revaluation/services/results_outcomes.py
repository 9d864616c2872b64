"""Intended vs actual for every outcome, in the current framework and the original snapshot.

For each outcome: the measured wave (the wave it is due by, else the latest wave with answers),
the actual value with its 95% interval, the baseline (typed, or computed with the same statistic
from the baseline wave), the change, the test against the target and the status, from
:func:`revaluation.analysis.compare_with_target`. Holm adjusts the outcome table's tests (the
current and the original framework each form one family); the wave and group comparisons of the
outcomes form another Holm family. Values per wave and per group come from the same function, so
every estimate is suppressed by the analysis layer.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from revaluation.analysis import (
    OutcomeSpec,
    adjust_results,
    compare_groups,
    compare_independent,
    compare_paired,
    compare_with_target,
)
from revaluation.analysis.suppression import public_count
from revaluation.models import Evaluation
from revaluation.services.analysis_data import WaveData
from revaluation.services.concurrency import map_in_threads

KINDS = {"mean": "continuous", "median": "ordinal", "proportion": "binary"}


@dataclass
class _Slice:
    values: np.ndarray
    groups: np.ndarray
    panel: np.ndarray


@dataclass
class OutcomeInputs:
    """Indicator values of every wave read so far, kept small: one array per indicator."""

    threshold: int
    waves: dict[int, str] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)
    values: dict[tuple[int, str, str], _Slice] = field(default_factory=dict)
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    tests: set[str] = field(default_factory=set)
    #: Panel-linked row pairs per (baseline wave, measured wave): every indicator of a wave
    #: has the same rows, so outcomes compared across the same two waves share them.
    pairs: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def add_wave(self, data: WaveData, rows: np.ndarray, indicators: dict) -> None:
        self.order.append(data.wave_id)
        self.add_baseline_wave(data, rows, indicators)

    def add_baseline_wave(self, data: WaveData, rows: np.ndarray, indicators: dict) -> None:
        self.waves[data.wave_id] = data.name
        for (kind, key), values in indicators.items():
            if values is None:
                continue
            self.values[data.wave_id, kind, key] = _Slice(
                values[rows], data.groups[rows], data.panel[rows]
            )
            self.labels.setdefault((kind, key), _label(data, kind, key))

    def get(self, wave_id: int | None, spec: dict[str, Any]) -> _Slice | None:
        if wave_id is None:
            return None
        found = self.values.get((wave_id, spec["indicator_kind"], spec["indicator_key"]))
        if found is None or not np.isfinite(found.values).any():
            return None
        return found

    def tests_used(self) -> set[str]:
        return self.tests


def _label(data: WaveData, kind: str, key: str) -> str:
    language = data.instrument.default_language
    if kind == "scale":
        scale = next((s for s in data.instrument.scales if s.key == key), None)
        if scale is None:
            bank = next((b for b in data.instrument.item_banks if b.key == key), None)
            if bank is not None:
                return f"{bank.title.get(language) if bank.title else key} (T-score)"
        return scale.title.get(language) if scale is not None and scale.title else key
    try:
        return data.instrument.question(key).label.get(language)
    except KeyError:
        return key


def outcome_specs(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Framework entries of the current outcomes and of the original snapshot (plain dicts)."""
    entries = [o.as_framework_entry() for o in evaluation.outcomes]
    return entries + [dict(e) for e in evaluation.framework_snapshot or []]


def _spec(entry: dict[str, Any], baseline: float | None) -> OutcomeSpec:
    return OutcomeSpec(
        statistic=entry["statistic"],
        target=float(entry["target"]),
        direction=entry["direction"],
        baseline=baseline,
        cutoff=entry.get("threshold"),
    )


def _measure(entry, inputs: OutcomeInputs, included: list[int]):
    """(result, measured wave id, baseline source) for one framework entry."""
    candidates = [w for w in included if inputs.get(w, entry) is not None]
    due = entry.get("due_wave_id")
    measured = due if due in candidates else (candidates[-1] if candidates else None)
    baseline, source = entry.get("baseline_value"), "typed" if entry.get(
        "baseline_value") is not None else None
    base_slice = inputs.get(entry.get("baseline_wave_id"), entry)
    if entry.get("baseline_wave_id") is not None:
        source = "wave"
        baseline = None
        if base_slice is not None:
            found = compare_with_target(base_slice.values, _spec(entry, None),
                                        threshold=inputs.threshold)
            baseline = found.actual.value
    current = inputs.get(measured, entry)
    values = current.values if current is not None else np.array([])
    result = compare_with_target(values, _spec(entry, baseline), threshold=inputs.threshold)
    if result.test:
        inputs.tests.add(result.test)
    return result, measured, source


def _indicator(values: np.ndarray, entry: dict[str, Any]) -> np.ndarray:
    if entry["statistic"] != "proportion" or entry.get("threshold") is None:
        return values
    return np.where(np.isnan(values), np.nan, (values >= entry["threshold"]).astype(float))


def _estimates(entry, inputs: OutcomeInputs, included: list[int], measured: int | None):
    by_wave, by_group = [], []
    spec = _spec(entry, None)
    for wave_id in included:
        found = inputs.get(wave_id, entry)
        if found is None:
            continue
        result = compare_with_target(found.values, spec, threshold=inputs.threshold)
        by_wave.append({"wave_id": wave_id, "wave": inputs.waves[wave_id],
                        "n": public_count(result.n, inputs.threshold),
                        "estimate": result.actual.to_dict(), "status": result.status})
    current = inputs.get(measured, entry)
    if current is not None:
        for group in dict.fromkeys(current.groups.tolist()):
            part = current.values[current.groups == group]
            result = compare_with_target(part, spec, threshold=inputs.threshold)
            by_group.append({"group": group, "wave_id": measured,
                             "n": public_count(result.n, inputs.threshold),
                             "estimate": result.actual.to_dict(), "status": result.status})
    return by_wave, by_group


def _comparisons(entry, inputs: OutcomeInputs, included: list[int], measured: int | None):
    """The outcome's wave comparison (measured vs baseline wave) and group comparison."""
    out = []
    current = inputs.get(measured, entry)
    if current is None:
        return out
    kind = KINDS.get(entry["statistic"], "continuous")
    base_id = entry.get("baseline_wave_id")
    if inputs.get(base_id, entry) is None or base_id == measured:
        base_id = next((w for w in included if inputs.get(w, entry) is not None), None)
    base = inputs.get(base_id, entry) if base_id != measured else None
    after = _indicator(current.values, entry)
    if base is not None:
        before = _indicator(base.values, entry)
        labels = (inputs.waves[base_id], inputs.waves[measured])
        pairs = inputs.pairs.get((base_id, measured))
        if pairs is None:
            pairs = inputs.pairs[base_id, measured] = _pairs(base.panel, current.panel)
        if len(pairs[0]) >= inputs.threshold:
            result = compare_paired(before[pairs[0]], after[pairs[1]], kind, labels=labels,
                                    threshold=inputs.threshold)
            how = f"paired by panel code, {len(pairs[0])} people in both waves"
        else:
            result = compare_independent(after, before, kind, labels=labels[::-1],
                                         threshold=inputs.threshold)
            how = "independent samples (too few panel-linked respondents to pair)"
        out.append(("waves", f"{labels[1]} vs {labels[0]} ({how})", [base_id, measured], result))
    groups = {g: after[current.groups == g] for g in dict.fromkeys(current.groups.tolist())}
    if len(groups) >= 2:
        result = compare_groups(groups, kind, threshold=inputs.threshold)
        out.append(("groups", f"Between groups in {inputs.waves[measured]}", [measured], result))
    return out


def _pairs(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the panel codes found in both waves (each wave's first row with the code),
    ordered by the last row of each code in ``first``, latest first."""
    a_hashes, a_first, a_last = _occurrences(first)
    b_hashes, b_first, _ = _occurrences(second)
    _, in_a, in_b = np.intersect1d(a_hashes, b_hashes, assume_unique=True, return_indices=True)
    order = np.argsort(-a_last[in_a], kind="stable")
    return a_first[in_a][order].astype(int), b_first[in_b][order].astype(int)


def _occurrences(panel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct panel codes (None left out), with the first and the last row of each."""
    present = np.flatnonzero(np.not_equal(panel, None))
    if not len(present):
        empty = np.array([], dtype=np.int64)
        return np.array([], dtype=str), empty, empty
    codes = panel[present].astype(str)
    hashes, first = np.unique(codes, return_index=True)
    _, from_end = np.unique(codes[::-1], return_index=True)
    return hashes, present[first], present[len(codes) - 1 - from_end]


def _definition(entry: dict[str, Any]) -> dict[str, Any]:
    keys = ("statistic", "threshold", "target", "direction", "baseline_value",
            "baseline_wave_id", "due_wave_id", "indicator_kind", "indicator_key", "title")
    return {k: entry.get(k) for k in keys}


def outcome_entries(
    evaluation: Evaluation, specs: list[dict[str, Any]], inputs: OutcomeInputs,
    included: list[int], pool: Executor | None = None,
) -> list[dict[str, Any]]:
    """One entry per outcome (current outcomes in order, then snapshot-only ones)."""
    current = [o.as_framework_entry() for o in evaluation.outcomes]
    original = {e["key"]: e for e in evaluation.framework_snapshot or []}
    keys = [e["key"] for e in current] + [k for k in original if k not in
                                          {e["key"] for e in current}]
    entries: list[dict[str, Any]] = []
    results, original_results, comparisons = [], [], []

    def measured_outcome(key: str):
        entry = next((e for e in current if e["key"] == key), None)
        base = entry or {**original[key], "active": False}
        result, measured, source = _measure(base, inputs, included)
        by_wave, by_group = _estimates(base, inputs, included, measured)
        found = _comparisons(base, inputs, included, measured)
        first = original.get(key)
        first_result = _measure(first, inputs, included)[0] if first else None
        return key, entry, base, result, measured, source, by_wave, by_group, found, first, \
            first_result

    # Outcomes are independent of each other: measured side by side, assembled in order.
    for (key, entry, base, result, measured, source, by_wave, by_group, found, first,
         first_result) in map_in_threads(measured_outcome, keys, pool):
        results.append(result)
        original_results.append(first_result)
        comparisons.extend((len(entries), c) for c in found)
        entries.append({
            "key": key,
            "title": base["title"],
            "description": base.get("description") or "",
            "origin": base.get("origin") or "planned",
            "active": bool(base.get("active", True)) and entry is not None,
            "in_original": first is not None,
            "changed": first is not None and _definition(first) != _definition(base),
            **{k: base.get(k) for k in ("indicator_kind", "indicator_key", "statistic",
                                        "threshold", "target", "direction", "baseline_value",
                                        "baseline_wave_id", "due_wave_id")},
            "indicator_label": inputs.labels.get(
                (base["indicator_kind"], base["indicator_key"]), base["indicator_key"]),
            "measured_wave": {"id": measured, "name": inputs.waves[measured]}
            if measured is not None else None,
            "baseline_source": source,
            "original": {**_definition(first), "result": None} if first else None,
            "by_wave": by_wave,
            "by_group": by_group,
            "comparisons": [],
        })
    _attach(entries, results, original_results, comparisons, inputs)
    return entries


def _attach(entries, results, original_results, comparisons, inputs: OutcomeInputs) -> None:
    """Holm within each family, then the plain dicts into the entries."""
    active = [i for i, e in enumerate(entries) if e["active"]]
    adjusted = dict(zip(active, adjust_results([results[i] for i in active], "holm"),
                        strict=True))
    for index, entry in enumerate(entries):
        entry["result"] = {**(adjusted.get(index) or results[index]).to_dict(),
                           "wave_id": (entry["measured_wave"] or {}).get("id")}
    present = [i for i, r in enumerate(original_results) if r is not None]
    adjusted_original = adjust_results([original_results[i] for i in present], "holm")
    for index, result in zip(present, adjusted_original, strict=True):
        entries[index]["original"]["result"] = result.to_dict()
    adjusted_comparisons = adjust_results([c[3] for _, c in comparisons], "holm")
    for (index, (kind, label, wave_ids, _)), result in zip(comparisons, adjusted_comparisons,
                                                           strict=True):
        inputs.tests.add(result.test)
        entries[index]["comparisons"].append(
            {"kind": kind, "label": label, "wave_ids": wave_ids, **result.to_dict()}
        )

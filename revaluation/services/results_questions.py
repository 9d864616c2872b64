"""Question-level tables and scales: descriptives by wave and group, exploratory comparisons.

Fed one wave at a time (:meth:`QuestionTables.add_wave`), keeping only the small summaries, plus
the first wave's data for comparing each later wave with it (paired by panel code where enough
respondents are linked). Every comparison is one exploratory family adjusted with
Benjamini-Hochberg when :meth:`QuestionTables.questions` is read.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from revaluation.analysis import (
    adjust_results,
    compare_groups,
    compare_independent,
    compare_paired,
    describe_categorical,
    describe_coded,
    describe_multiple,
    describe_numeric,
    scale_reliability,
)
from revaluation.services.analysis_data import (
    WaveData,
    linked_pairs,
    question_families,
    scale_items,
    scale_scores,
)
from revaluation.services.concurrency import Inline
from surveys.types import get_type


@dataclass
class _Question:
    key: str
    label: str
    type: str
    family: str
    choices: list[tuple[str, str]]
    scale_points: list[float] | None
    by_wave: list[dict[str, Any]] = field(default_factory=list)
    by_group: list[dict[str, Any]] = field(default_factory=list)
    comparisons: list[tuple[str, str, list[int], Any]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """How answers are compared: continuous numbers, ordered or unordered categories."""
        if self.family == "numeric":
            return "continuous"
        if self.type == "likert":
            return "ordinal"
        if self.family == "category":
            return "binary" if len(self.choices) == 2 else "categorical"
        return "none"


def _meta(question, instrument, family: str) -> _Question:
    language = instrument.default_language
    qtype = get_type(question.type)
    choices = [(c.value, c.label.get(language)) for c in qtype.choices(question, instrument)]
    points = None
    if question.type == "rating":
        low, high = question.settings.get("min", 0), question.settings.get("max", 10)
        points = [float(x) for x in range(int(low), int(high) + 1)]
    return _Question(question.key, question.label.get(language), question.type, family,
                     choices, points)


def _choice_codes(values: np.ndarray, meta: _Question) -> np.ndarray:
    """Each answer's position in the choice list (0, 1 for a yes/no); NaN when missing."""
    out = np.full(len(values), np.nan)
    for index, (value, _) in enumerate(meta.choices):
        out[values == value] = index
    return out


@dataclass
class QuestionTables:
    """Accumulates per-wave question summaries, scale statistics and comparisons."""

    threshold: int
    groups: list[str]
    #: False for a report, which shows each question's waves only: no group rows, no
    #: comparisons (and no panel pairs to find for them).
    detail: bool = True
    _questions: dict[str, _Question] = field(default_factory=dict)
    _scales: dict[str, dict[str, Any]] = field(default_factory=dict)
    _tests: set[str] = field(default_factory=set)

    def _summary(self, meta: _Question, data: WaveData, rows: np.ndarray) -> dict[str, Any]:
        ns = data.ns_count(meta.key, rows)
        options = {"threshold": self.threshold, "nonsubstantive_count": ns}
        if meta.family == "numeric":
            summary = describe_numeric(data.numbers[meta.key][rows],
                                       scale_points=meta.scale_points, **options)
        elif meta.family == "category" and meta.key in data.codes:
            codes, words = data.codes[meta.key]
            summary = describe_coded(codes[rows], words, meta.choices,
                                     ordinal=meta.type == "likert", **options)
        elif meta.family == "category":
            summary = describe_categorical(data.categories[meta.key][rows], meta.choices,
                                           ordinal=meta.type == "likert", **options)
        else:
            answers = data.multiple[meta.key]
            chosen = answers if isinstance(rows, slice) \
                else [answers[i] for i in np.flatnonzero(rows)]
            summary = describe_multiple(chosen, meta.choices, **options)
        return summary.to_dict()

    def _values(self, meta: _Question, data: WaveData) -> np.ndarray:
        return data.categories[meta.key] if meta.kind in ("binary", "categorical") \
            else data.numbers[meta.key]

    def add_wave(self, data: WaveData, rows: np.ndarray, first: WaveData | None,
                 pool: Executor | None = None) -> Callable[[], None]:
        """Start one wave's question and scale summaries and its comparisons with the first
        wave on ``pool`` (at once without one). Returns ``finish``, which waits for them and
        records them: call it once, in wave order, so each table lists its waves in order."""
        pool = pool or Inline()
        families = question_families(data.instrument)
        present = list(dict.fromkeys(data.groups[rows].tolist()))
        # Row masks and panel pairs are the same for every question: found once per wave.
        group_rows = {group: rows & (data.groups == group) for group in present} \
            if self.detail else {}
        pairs = self._pairs(first, data, rows) if first is not None and self.detail else None
        # Every row chosen (no group filter): the columns themselves, not copies of them.
        chosen = slice(None) if rows.all() else rows
        wave = {"wave_id": data.wave_id, "wave": data.name}

        def tables(question, meta: _Question):
            """(by-wave row, by-group rows, comparisons) of one question: its own entries."""
            by_wave = {**wave, "summary": self._summary(meta, data, chosen)}
            by_group = [{**wave, "group": group, "summary": self._summary(meta, data, part)}
                        for group, part in group_rows.items()]
            comparisons = []
            if meta.kind != "none" and self.detail:
                values = self._values(meta, data)
                if first is not None and question.key in first.numbers:
                    comparisons.append(self._compare_waves(meta, first, data, rows, pairs))
                if len(present) >= 2:
                    result = compare_groups(
                        {g: values[part] for g, part in group_rows.items()}, meta.kind,
                        threshold=self.threshold)
                    comparisons.append(
                        ("groups", f"Between groups in {data.name}", [data.wave_id], result))
            return by_wave, by_group, comparisons

        started = []
        for family, questions in families.items():
            for question in questions:
                meta = self._questions.get(question.key)
                if meta is None:
                    meta = self._questions[question.key] = _meta(question, data.instrument,
                                                                 family)
                started.append((meta, pool.submit(tables, question, meta)))
        scales = [(self._scale_entry(scale, data), pool.submit(self._scale_row, scale, data, rows))
                  for scale in data.instrument.scales]

        def finish() -> None:
            for meta, future in started:
                by_wave, by_group, comparisons = future.result()
                meta.by_wave.append(by_wave)
                meta.by_group.extend(by_group)
                meta.comparisons.extend(comparisons)
            for entry, future in scales:
                entry["by_wave"].append(future.result())

        return finish

    def _pairs(self, first: WaveData, data: WaveData,
               rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The first wave's chosen rows, and the panel-linked row pairs inside the choice."""
        first_rows = first.mask(self.groups)
        a, b = linked_pairs(first, data)
        keep = first_rows[a] & rows[b] if len(a) else np.zeros(0, dtype=bool)
        return first_rows, a[keep], b[keep]

    def _compare_waves(self, meta: _Question, first: WaveData, data: WaveData,
                       rows: np.ndarray, pairs) -> tuple[str, str, list[int], Any]:
        first_rows, a, b = pairs
        before_all, after_all = self._values(meta, first), self._values(meta, data)
        labels = (first.name, data.name)
        if len(a) >= self.threshold and meta.kind != "categorical":
            before, after = before_all[a], after_all[b]
            if meta.kind == "binary":
                before, after = _choice_codes(before, meta), _choice_codes(after, meta)
            result = compare_paired(before, after, meta.kind, labels=labels,
                                    threshold=self.threshold)
            how = f"paired by panel code, {len(a)} people in both waves"
        else:
            result = compare_independent(after_all[rows], before_all[first_rows], meta.kind,
                                         labels=labels[::-1], threshold=self.threshold)
            how = "independent samples"
        return ("waves", f"{data.name} vs {first.name} ({how})", [first.wave_id, data.wave_id],
                result)

    def _scale_entry(self, scale, data: WaveData) -> dict[str, Any]:
        language = data.instrument.default_language
        return self._scales.setdefault(scale.key, {
            "key": scale.key,
            "title": scale.title.get(language) if scale.title else scale.key,
            "items": list(scale.items),
            "reverse": list(scale.reverse),
            "method": scale.method,
            "by_wave": [],
        })

    def _scale_row(self, scale, data: WaveData, rows: np.ndarray) -> dict[str, Any]:
        """One wave's summary and reliability of a scale."""
        scores = scale_scores(data, scale)[rows]
        items = scale_items(data, scale)[rows]
        reliability = scale_reliability(
            items, item_min=scale.item_min if scale.item_min is not None else np.nanmin(items),
            item_max=scale.item_max if scale.item_max is not None else np.nanmax(items),
            names=list(scale.items), threshold=self.threshold)
        return {
            "wave_id": data.wave_id,
            "wave": data.name,
            "summary": describe_numeric(scores, threshold=self.threshold).to_dict(),
            "reliability": reliability.to_dict(),
        }

    def questions(self) -> list[dict[str, Any]]:
        """Every question with its tables; comparisons adjusted together (Benjamini-Hochberg)."""
        flat = [(meta, c) for meta in self._questions.values() for c in meta.comparisons]
        adjusted = adjust_results([c[3] for _, c in flat], "bh")
        grouped: dict[str, list[dict[str, Any]]] = {}
        for (meta, (kind, label, wave_ids, _)), result in zip(flat, adjusted, strict=True):
            self._tests.add(result.test)
            grouped.setdefault(meta.key, []).append(
                {"kind": kind, "label": label, "wave_ids": wave_ids, **result.to_dict()})
        return [
            {
                "key": meta.key,
                "label": meta.label,
                "type": meta.type,
                "kind": meta.kind,
                "choices": [{"value": v, "label": label} for v, label in meta.choices],
                "by_wave": meta.by_wave,
                "by_group": meta.by_group,
                "comparisons": grouped.get(meta.key, []),
            }
            for meta in self._questions.values()
        ]

    def scales(self) -> list[dict[str, Any]]:
        return list(self._scales.values())

    def tests_used(self) -> set[str]:
        return {t for t in self._tests if t and t != "none"}

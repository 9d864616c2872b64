"""Statistics for the participatory question types and activities.

- Triads: the compositional (closed geometric) mean of the three shares, per group. A share of 0
  has no logarithm, so zeros get the multiplicative replacement of Martín-Fernández et al. (2003):
  each zero becomes ``ZERO_REPLACEMENT`` (0.001, a tenth of a percent) and the respondent's
  non-zero shares shrink by the same total, so the point still sums to 1.
- Dyads: a histogram over [0, 1] (1-D small-cell suppression), the median and the interquartile
  range (25th-75th percentile, linear interpolation).
- Value grid: counts of value items by box × visibility, per wave, with 2-D suppression.
- Emergent outcomes and Most Significant Change selections: listings and tallies of plain records
  (MSC selections are the panel's choices, not respondents' answers, so they are not suppressed).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .suppression import (
    SMALL_CELL_THRESHOLD,
    public_count,
    suppress_counts,
    suppress_table,
    suppression_reason,
    too_few,
)
from .values import as_float_array, finite, json_number, split_by

ZERO_REPLACEMENT = 0.001
VALUE_BOXES = ("calculate", "calibrate", "capacitate")
VISIBILITIES = ("visible", "invisible")


@dataclass(frozen=True)
class TriadMean:
    """The compositional centre of a group's triad points (three shares summing to 1)."""

    shares: tuple[float, float, float] | None
    n: int
    n_with_zeros: int
    threshold: int
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        hidden = too_few(self.n, self.threshold)
        return {
            "shares": None if hidden or self.shares is None else list(self.shares),
            "n": public_count(self.n, self.threshold),
            "n_with_zeros": None if hidden else public_count(self.n_with_zeros, self.threshold),
            "method": f"closed geometric mean; zeros replaced by {ZERO_REPLACEMENT} "
            "(multiplicative replacement)",
            "suppressed": hidden,
            "reason": suppression_reason(self.threshold) if hidden else self.reason,
        }


def triad_mean(points: Any, *, threshold: int = SMALL_CELL_THRESHOLD) -> TriadMean:
    """Closed geometric mean of triad answers; rows with a missing or invalid share are skipped."""
    array = as_float_array(np.asarray(points, dtype=object).ravel())
    if array.size % 3:
        return TriadMean(None, 0, 0, threshold, "triad points must have three shares each")
    rows = array.reshape(-1, 3)
    valid = np.all(np.isfinite(rows), axis=1) & np.all(rows >= 0, axis=1) & (rows.sum(axis=1) > 0)
    rows = rows[valid]
    n = len(rows)
    if n == 0:
        return TriadMean(None, 0, 0, threshold, "no triad answers")
    rows = rows / rows.sum(axis=1, keepdims=True)
    zeros = rows == 0
    shrink = 1 - ZERO_REPLACEMENT * zeros.sum(axis=1, keepdims=True)
    replaced = np.where(zeros, ZERO_REPLACEMENT, rows * shrink)
    centre = np.exp(np.log(replaced).mean(axis=0))
    centre = centre / centre.sum()
    shares = (float(centre[0]), float(centre[1]), float(centre[2]))
    return TriadMean(shares, n, int(zeros.any(axis=1).sum()), threshold)


def triad_means_by(
    points: Any, labels: Sequence[Hashable], *, threshold: int = SMALL_CELL_THRESHOLD
) -> dict[Hashable, TriadMean]:
    """Triad means per group label; ``points`` has one row of three shares per label."""
    rows = np.asarray(points, dtype=object).reshape(-1, 3)
    groups = split_by(np.arange(len(rows)), labels)
    return {
        label: triad_mean(rows[indexes.astype(int)], threshold=threshold)
        for label, indexes in groups.items()
    }


@dataclass(frozen=True)
class DyadSummary:
    """Where a group's dyad answers (0 = left pole, 1 = right pole) fall."""

    bin_edges: tuple[float, ...]
    counts: tuple[int, ...]
    hidden: tuple[bool, ...]
    n: int
    median: float | None
    quartiles: tuple[float, float] | None
    threshold: int
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        small = too_few(self.n, self.threshold)
        return {
            "bins": [
                {
                    "low": self.bin_edges[i],
                    "high": self.bin_edges[i + 1],
                    "count": None if self.hidden[i] else self.counts[i],
                    "suppressed": self.hidden[i],
                }
                for i in range(len(self.counts))
            ],
            "n": public_count(self.n, self.threshold),
            "median": None if small else json_number(self.median),
            "iqr": None if small or self.quartiles is None else list(self.quartiles),
            "suppressed": small,
            "reason": suppression_reason(self.threshold) if small else self.reason,
        }


def dyad_distribution(
    values: Any, *, bins: int = 10, threshold: int = SMALL_CELL_THRESHOLD
) -> DyadSummary:
    """Histogram (equal bins over [0, 1], the last one closed), median and IQR of dyad answers."""
    data = finite(values)
    data = data[(data >= 0) & (data <= 1)]
    counts, edges = np.histogram(data, bins=bins, range=(0.0, 1.0))
    hidden = suppress_counts(counts, threshold)
    n = len(data)
    if n == 0:
        return DyadSummary(
            tuple(edges.tolist()),
            tuple(int(c) for c in counts),
            tuple(bool(h) for h in hidden),
            0,
            None,
            None,
            threshold,
            "no dyad answers",
        )
    quartiles = (float(np.percentile(data, 25)), float(np.percentile(data, 75)))
    return DyadSummary(
        tuple(edges.tolist()),
        tuple(int(c) for c in counts),
        tuple(bool(h) for h in hidden),
        n,
        float(np.median(data)),
        quartiles,
        threshold,
    )


@dataclass(frozen=True)
class ValueGridCounts:
    """Counts of value items in one wave: rows are boxes, columns visible/invisible."""

    wave: str
    counts: tuple[tuple[int, ...], ...]
    hidden: tuple[tuple[bool, ...], ...]
    row_totals_hidden: tuple[bool, ...]
    column_totals_hidden: tuple[bool, ...]
    total_hidden: bool

    def to_dict(self) -> dict[str, Any]:
        rows = {}
        for r, box in enumerate(VALUE_BOXES):
            cells = {
                visibility: None if self.hidden[r][c] else self.counts[r][c]
                for c, visibility in enumerate(VISIBILITIES)
            }
            cells["total"] = None if self.row_totals_hidden[r] else sum(self.counts[r])
            rows[box] = cells
        column_totals = {
            visibility: None if self.column_totals_hidden[c] else sum(row[c] for row in self.counts)
            for c, visibility in enumerate(VISIBILITIES)
        }
        grand = sum(map(sum, self.counts))
        return {
            "wave": self.wave,
            "boxes": rows,
            "totals": {**column_totals, "total": None if self.total_hidden else grand},
            "suppressed": bool(any(map(any, self.hidden)) or self.total_hidden),
        }


def value_grid_counts(
    items: Sequence[Mapping[str, Any]], *, threshold: int = SMALL_CELL_THRESHOLD
) -> list[ValueGridCounts]:
    """Count value items (records with ``box``, ``visibility`` and ``wave``) per wave.

    Records with an unknown box or visibility are ignored; waves keep first-seen order.
    """
    tables: dict[str, np.ndarray] = {}
    for item in items:
        box, visibility = item.get("box"), item.get("visibility")
        if box not in VALUE_BOXES or visibility not in VISIBILITIES:
            continue
        table = tables.setdefault(str(item.get("wave", "")), np.zeros((3, 2), dtype=int))
        table[VALUE_BOXES.index(box), VISIBILITIES.index(visibility)] += 1
    out = []
    for wave, table in tables.items():
        mask = suppress_table(table, threshold)
        out.append(
            ValueGridCounts(
                wave,
                tuple(tuple(int(x) for x in row) for row in table),
                tuple(tuple(bool(x) for x in row) for row in mask.cells),
                tuple(bool(x) for x in mask.row_totals),
                tuple(bool(x) for x in mask.column_totals),
                mask.grand_total,
            )
        )
    return out


ORIGIN_WORDS = {
    "planned": "in the framework when fieldwork started",
    "emergent": "added after fieldwork started",
    "proposed": "proposed by members and accepted by an evaluator",
}


def emergent_outcomes(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Outcomes that were not planned, oldest first, each with a sentence saying where it came from.

    Each record is a plain mapping with at least ``title`` and ``origin``; ``added`` (an ISO date
    string) orders them, and any other keys are passed through unchanged.
    """
    listed = [
        dict(record) for record in records if record.get("origin") in ("emergent", "proposed")
    ]
    listed.sort(key=lambda record: (str(record.get("added") or ""), str(record.get("title", ""))))
    for record in listed:
        record["origin_description"] = ORIGIN_WORDS[record["origin"]]
    return listed


@dataclass(frozen=True)
class SelectionTally:
    """How often a story was selected in one Most Significant Change round."""

    round: str
    story: str
    selections: int
    rank: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "story": self.story,
            "selections": self.selections,
            "rank": self.rank,
        }


def msc_tallies(selections: Sequence[Mapping[str, Any]]) -> list[SelectionTally]:
    """Tally selections (records with ``round`` and ``story``) per round, most selected first.

    Ties share a rank (competition ranking: 1, 1, 3) and are ordered by story key.
    """
    counts: dict[str, dict[str, int]] = {}
    for selection in selections:
        if selection.get("story") is None:
            continue
        per_round = counts.setdefault(str(selection.get("round", "")), {})
        story = str(selection["story"])
        per_round[story] = per_round.get(story, 0) + 1
    out = []
    for round_key, stories in counts.items():
        ordered = sorted(stories.items(), key=lambda pair: (-pair[1], pair[0]))
        for story, count in ordered:
            rank = 1 + sum(1 for other in stories.values() if other > count)
            out.append(SelectionTally(round_key, story, count, rank))
    return out

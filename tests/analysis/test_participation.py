"""Triads, dyads, the value grid, emergent outcomes and MSC tallies."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from revaluation.analysis import (
    dyad_distribution,
    emergent_outcomes,
    msc_tallies,
    triad_mean,
    triad_means_by,
    value_grid_counts,
)


def test_triad_mean_is_closed_geometric_mean() -> None:
    points = np.array(
        [[0.2, 0.3, 0.5], [0.6, 0.2, 0.2], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3], [0.25, 0.25, 0.5]]
    )
    result = triad_mean(points)
    expected = stats.gmean(points, axis=0)
    assert result.shares == pytest.approx(tuple(expected / expected.sum()), abs=1e-12)
    assert sum(result.shares) == pytest.approx(1.0)


def test_triad_zero_replacement_keeps_rows_closed() -> None:
    points = np.array([[1.0, 0.0, 0.0]] + [[0.2, 0.3, 0.5]] * 5)
    result = triad_mean(points)
    replaced = np.array([[0.998, 0.001, 0.001]] + [[0.2, 0.3, 0.5]] * 5)
    expected = stats.gmean(replaced, axis=0)
    assert result.shares == pytest.approx(tuple(expected / expected.sum()), abs=1e-12)
    assert result.n_with_zeros == 1
    assert "0.001" in result.to_dict()["method"]


def test_triad_means_by_group_suppresses_small_group() -> None:
    points = [[0.2, 0.3, 0.5]] * 6 + [[0.5, 0.3, 0.2]] * 3
    by_group = triad_means_by(points, ["member"] * 6 + ["staff"] * 3)
    assert by_group["member"].to_dict()["shares"] == pytest.approx([0.2, 0.3, 0.5])
    assert by_group["staff"].to_dict()["shares"] is None
    assert by_group["staff"].to_dict()["suppressed"]


def test_dyad_distribution_median_iqr_and_bins() -> None:
    values = np.array([0.05, 0.1, 0.12, 0.15, 0.18, 0.5, 0.55, 0.52, 0.58, 0.51, 0.95, 1.0, np.nan])
    out = dyad_distribution(values, bins=4).to_dict()
    clean = values[~np.isnan(values)]
    assert out["n"] == 12
    assert out["median"] == pytest.approx(np.median(clean))
    assert out["iqr"] == pytest.approx(list(np.percentile(clean, [25, 75])))
    counts = [row["count"] for row in out["bins"]]
    # Bins: [0,.25)=5, [.25,.5)=0, [.5,.75)=5, [.75,1]=2 -> 2 hidden, and the next smallest
    # non-zero cell too (of two 5s, the first), so the 2 cannot be recovered from the total.
    assert counts == [None, 0, 5, None]


def test_value_grid_counts_per_wave_with_suppression() -> None:
    items = (
        [{"box": "calculate", "visibility": "visible", "wave": "w1"}] * 9
        + [{"box": "calibrate", "visibility": "invisible", "wave": "w1"}] * 6
        + [{"box": "capacitate", "visibility": "invisible", "wave": "w1"}] * 8
        + [{"box": "capacitate", "visibility": "visible", "wave": "w1"}] * 2
        + [{"box": "calculate", "visibility": "visible", "wave": "w2"}] * 5
        + [{"box": "elsewhere", "visibility": "visible", "wave": "w2"}]
    )
    first, second = value_grid_counts(items)
    out = first.to_dict()
    assert out["wave"] == "w1" and out["totals"]["total"] == 25
    assert out["boxes"]["capacitate"]["visible"] is None  # 2 is a small cell
    assert out["boxes"]["capacitate"]["invisible"] is None  # its complement in the row
    assert out["boxes"]["calculate"]["visible"] is None  # its complement in the column
    # No row or column (totals included) is left with a single hidden entry to subtract out.
    lines = [
        [out["boxes"][box][v] for v in ("visible", "invisible", "total")]
        for box in ("calculate", "calibrate", "capacitate")
    ]
    lines.append([out["totals"][v] for v in ("visible", "invisible", "total")])
    columns = [list(column) for column in zip(*lines, strict=True)]
    assert all([cell is None for cell in line].count(True) != 1 for line in lines + columns)
    assert second.to_dict()["totals"]["total"] == 5
    assert second.to_dict()["boxes"]["calculate"]["visible"] == 5


def test_emergent_outcomes_listing() -> None:
    records = [
        {"title": "Better sleep", "origin": "planned"},
        {"title": "New peer group", "origin": "proposed", "added": "2024-05-01"},
        {"title": "Council listens", "origin": "emergent", "added": "2024-03-10", "id": 7},
    ]
    listed = emergent_outcomes(records)
    assert [r["title"] for r in listed] == ["Council listens", "New peer group"]
    assert listed[0]["id"] == 7 and "after fieldwork" in listed[0]["origin_description"]


def test_msc_tallies_rank_ties_together() -> None:
    selections = [{"round": "r1", "story": s} for s in ["a", "b", "a", "c", "b", "d"]]
    tallies = [t.to_dict() for t in msc_tallies(selections)]
    assert [(t["story"], t["selections"], t["rank"]) for t in tallies] == [
        ("a", 2, 1),
        ("b", 2, 1),
        ("c", 1, 3),
        ("d", 1, 3),
    ]

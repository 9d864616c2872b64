"""Small-cell suppression: primary, complementary, and through every summary's to_dict()."""

from __future__ import annotations

import numpy as np
import pytest

from revaluation.analysis import describe_categorical, suppress_counts, suppress_table


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ([12, 9, 7], [False, False, False]),  # nothing small
        ([12, 3, 7], [False, True, True]),  # one small cell: the next smallest goes too
        ([12, 3, 2], [False, True, True]),  # two small cells protect each other
        ([12, 3, 0], [True, True, False]),  # zeros are shown, so the 12 must be hidden
        ([0, 0, 0], [False, False, False]),  # no answers: nothing to hide
        ([2, 1], [True, True]),  # total itself is small
    ],
)
def test_one_dimensional_rule(counts: list[int], hidden: list[bool]) -> None:
    assert suppress_counts(counts, 5).tolist() == hidden


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_threshold_is_configurable(threshold: int) -> None:
    mask = suppress_counts([threshold - 1, 20, 30], threshold)
    assert mask.tolist() == [True, True, False]


def _recoverable(table: np.ndarray, hidden: np.ndarray) -> bool:
    """A hidden entry is recoverable if it is alone in a row or column of the bordered table."""
    return any(int(line.sum()) == 1 for line in hidden) or any(
        int(line.sum()) == 1 for line in hidden.T
    )


def test_table_suppression_leaves_no_line_with_a_single_hidden_cell() -> None:
    table = np.array([[20, 3, 15], [8, 9, 1], [30, 12, 6]])
    result = suppress_table(table, 5)
    bordered = np.zeros((4, 4), dtype=bool)
    bordered[:3, :3] = result.cells
    bordered[:3, 3] = result.row_totals
    bordered[3, :3] = result.column_totals
    bordered[3, 3] = result.grand_total
    assert result.cells[0, 1] and result.cells[1, 2]
    assert not _recoverable(table, bordered)
    # Each hidden count is in 1..4 or a complement; visible cells stay visible where possible.
    assert not result.cells[2, 0]


def test_summary_never_shows_a_small_category(likert: np.ndarray) -> None:
    answers = [*likert[:30].tolist(), "dont_know", None]
    summary = describe_categorical(
        answers, [(str(i), None) for i in range(1, 6)], nonsubstantive=["dont_know"]
    ).to_dict()
    shown = [row["count"] for row in summary["distribution"] if row["count"] is not None]
    assert all(count == 0 or count >= 5 for count in shown)
    for row in summary["distribution"]:
        if row["suppressed"]:
            assert row["percent"] is None
            assert row["proportion"]["value"] is None
            assert "fewer than 5" in row["proportion"]["reason"]
    assert summary["nonsubstantive"] is None and summary["missing"] is None

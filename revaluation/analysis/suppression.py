"""Small-cell suppression, applied inside the analysis layer so no output can forget it.

Rule (the platform's disclosure policy): a count from 1 to ``threshold - 1`` respondents is never
shown; zero is shown (an empty category discloses nobody). Because tables are shown with their
totals, a single hidden cell could be recovered by subtraction, so *complementary* suppression
also hides the next smallest non-zero entry of any row or column (its total included) that would
otherwise have exactly one hidden entry, repeating until no line has exactly one. This protects
against recovery by row/column subtraction; it is a line-by-line rule, not an optimal
(linear-programming) cell-suppression solver.

Any statistic computed on fewer than ``threshold`` respondents is replaced by ``None`` with
``suppressed: True`` and a reason, by the result types that call :func:`too_few`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SMALL_CELL_THRESHOLD = 5


def suppression_reason(threshold: int) -> str:
    """The sentence shown wherever a number is hidden."""
    return f"hidden: fewer than {threshold} respondents (small-cell rule)"


def too_few(n: int, threshold: int) -> bool:
    """True when a statistic on ``n`` respondents must be hidden (``0 < n < threshold``)."""
    return 0 < n < threshold


def public_count(n: int, threshold: int) -> int | None:
    """The count as it may be shown: ``None`` when it is a small cell."""
    return None if too_few(n, threshold) else int(n)


@dataclass(frozen=True)
class TableSuppression:
    """Which cells and margins of a 2-D count table must be hidden."""

    cells: np.ndarray  # bool, same shape as the table
    row_totals: np.ndarray  # bool, one per row
    column_totals: np.ndarray  # bool, one per column
    grand_total: bool


def _complete_lines(extended: np.ndarray, hidden: np.ndarray) -> None:
    """Hide the smallest non-zero visible entry of every line that has exactly one hidden entry.

    ``extended`` carries the row totals in its last column and column totals in its last row; each
    row and column of it is an additive line. Works in place, iterating until stable.
    """
    changed = True
    while changed:
        changed = False
        for axis in (0, 1):
            for index in range(extended.shape[axis]):
                line = extended[index, :] if axis == 0 else extended[:, index]
                mask = hidden[index, :] if axis == 0 else hidden[:, index]
                if int(mask.sum()) != 1:
                    continue
                candidates = [
                    (float(line[j]), j == len(line) - 1, j)
                    for j in range(len(line))
                    if not mask[j] and line[j] > 0
                ]
                if not candidates:
                    continue
                _, _, chosen = min(candidates)
                if axis == 0:
                    hidden[index, chosen] = True
                else:
                    hidden[chosen, index] = True
                changed = True


def suppress_table(
    table: Sequence[Sequence[float]] | np.ndarray, threshold: int
) -> TableSuppression:
    """Primary and complementary suppression for a table shown with row, column and grand totals."""
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2:
        counts = counts.reshape(1, -1) if counts.size else np.zeros((0, 0))
    rows, cols = counts.shape
    extended = np.zeros((rows + 1, cols + 1))
    extended[:rows, :cols] = counts
    extended[:rows, cols] = counts.sum(axis=1)
    extended[rows, :cols] = counts.sum(axis=0)
    extended[rows, cols] = counts.sum()
    hidden = (extended > 0) & (extended < threshold)
    _complete_lines(extended, hidden)
    return TableSuppression(
        cells=hidden[:rows, :cols].copy(),
        row_totals=hidden[:rows, cols].copy(),
        column_totals=hidden[rows, :cols].copy(),
        grand_total=bool(hidden[rows, cols]),
    )


def suppress_counts(counts: Sequence[float] | np.ndarray, threshold: int) -> np.ndarray:
    """Which cells of a 1-D distribution shown with its total must be hidden (bool array).

    Small cells are hidden; if exactly one is hidden, the next smallest non-zero cell is hidden
    too, so the hidden one cannot be recovered from the total. When the total itself is small
    every non-zero cell is hidden.
    """
    array = np.asarray(counts, dtype=float).ravel()
    if array.size == 0:
        return np.zeros(0, dtype=bool)
    result = suppress_table(array.reshape(1, -1), threshold)
    cells = result.cells[0].copy()
    if result.row_totals[0]:
        cells |= array > 0
    return cells

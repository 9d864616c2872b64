"""Scale reliability: Cronbach's alpha with Feldt's interval, item-total statistics, floor/ceiling.

- Alpha uses listwise deletion: only respondents who answered every item count; the number used
  is reported as ``n``.
- The 95% interval is Feldt's (1965) F-based interval: with ``df1 = n - 1`` and
  ``df2 = (n - 1)(k - 1)``, ``[1 - (1 - α)·F(0.975; df1, df2), 1 - (1 - α)·F(0.025; df1, df2)]``.
- Corrected item-total correlation: Pearson correlation of an item with the sum of the *other*
  items. "Alpha if item deleted" recomputes alpha without the item.
- Floor and ceiling effects (Terwee et al. 2007): flagged when more than 15% of respondents have
  the lowest or the highest *possible* total score (``k·item_min`` or ``k·item_max``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from .intervals import Estimate, undefined
from .suppression import SMALL_CELL_THRESHOLD, public_count, suppression_reason, too_few
from .values import CONFIDENCE, as_float_array, json_number

FLOOR_CEILING_LIMIT = 0.15
FLOOR_CEILING_RULE = (
    "floor/ceiling effect when more than 15% of respondents score the lowest/highest possible "
    "total (Terwee et al. 2007)"
)
ALPHA_METHOD = "Cronbach's alpha with Feldt (1965) F-based interval; listwise deletion"


@dataclass(frozen=True)
class ItemStatistics:
    """How one item behaves inside its scale."""

    name: str
    corrected_item_total: float | None
    alpha_if_deleted: float | None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "corrected_item_total": json_number(self.corrected_item_total),
            "alpha_if_deleted": json_number(self.alpha_if_deleted),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ReliabilityResult:
    """Reliability of one scale in one wave/group."""

    alpha: Estimate
    n: int
    n_excluded: int
    items: tuple[ItemStatistics, ...]
    floor_share: float | None
    ceiling_share: float | None
    threshold: int

    @property
    def floor_effect(self) -> bool | None:
        return None if self.floor_share is None else self.floor_share > FLOOR_CEILING_LIMIT

    @property
    def ceiling_effect(self) -> bool | None:
        return None if self.ceiling_share is None else self.ceiling_share > FLOOR_CEILING_LIMIT

    def to_dict(self) -> dict[str, Any]:
        small = too_few(self.n, self.threshold)
        return {
            "alpha": self.alpha.to_dict(),
            "n": public_count(self.n, self.threshold),
            "n_excluded": public_count(self.n_excluded, self.threshold),
            "items": [] if small else [item.to_dict() for item in self.items],
            "floor_percent": None if small or self.floor_share is None else 100 * self.floor_share,
            "ceiling_percent": None
            if small or self.ceiling_share is None
            else 100 * self.ceiling_share,
            "floor_effect": None if small else self.floor_effect,
            "ceiling_effect": None if small else self.ceiling_effect,
            "floor_ceiling_rule": FLOOR_CEILING_RULE,
            "suppressed": small,
            "reason": suppression_reason(self.threshold) if small else self.alpha.reason,
        }


def cronbach_alpha(matrix: np.ndarray) -> float | None:
    """Alpha of a complete respondents × items matrix; ``None`` when it is undefined."""
    n, k = matrix.shape
    if n < 2 or k < 2:
        return None
    total_variance = float(np.var(matrix.sum(axis=1), ddof=1))
    if total_variance == 0:
        return None
    item_variances = float(np.var(matrix, axis=0, ddof=1).sum())
    return k / (k - 1) * (1 - item_variances / total_variance)


def feldt_interval(
    alpha: float, n: int, k: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Feldt's (1965) confidence interval for alpha from ``n`` respondents and ``k`` items."""
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - confidence) / 2
    return (
        1 - (1 - alpha) * float(stats.f.ppf(1 - tail, df1, df2)),
        1 - (1 - alpha) * float(stats.f.ppf(tail, df1, df2)),
    )


def _item_statistics(matrix: np.ndarray, names: Sequence[str]) -> tuple[ItemStatistics, ...]:
    rows = []
    for index, name in enumerate(names):
        item = matrix[:, index]
        rest = np.delete(matrix, index, axis=1)
        rest_total = rest.sum(axis=1)
        deleted = cronbach_alpha(rest) if rest.shape[1] >= 2 else None
        if np.std(item) == 0 or np.std(rest_total) == 0:
            rows.append(ItemStatistics(name, None, deleted, "no variation: correlation undefined"))
            continue
        correlation = float(stats.pearsonr(item, rest_total).statistic)
        rows.append(ItemStatistics(name, correlation, deleted))
    return tuple(rows)


def scale_reliability(
    items: np.ndarray | Sequence[Sequence[Any]],
    *,
    item_min: float,
    item_max: float,
    names: Sequence[str] | None = None,
    threshold: int = SMALL_CELL_THRESHOLD,
) -> ReliabilityResult:
    """Alpha (Feldt CI), item-total statistics and floor/ceiling shares for a respondents × items
    matrix in which ``NaN``/``None`` marks a missing answer."""
    numeric = isinstance(items, np.ndarray) and items.dtype.kind in "fiu"
    raw = items if numeric else np.asarray(items, dtype=object)
    if raw.ndim != 2:
        raw = raw.reshape(0, 0) if raw.size == 0 else raw.reshape(-1, 1)
    matrix = as_float_array(raw.ravel()).reshape(raw.shape)
    k = matrix.shape[1]
    names = list(names) if names is not None else [f"item{i + 1}" for i in range(k)]
    complete = matrix[np.all(np.isfinite(matrix), axis=1)] if k else matrix
    n = complete.shape[0]
    excluded = matrix.shape[0] - n
    if too_few(n, threshold):
        alpha = Estimate(
            None, method=ALPHA_METHOD, reason=suppression_reason(threshold), suppressed=True
        )
        return ReliabilityResult(alpha, n, excluded, (), None, None, threshold)
    floor = ceiling = None
    if n:
        totals = complete.sum(axis=1)
        floor = float(np.mean(totals <= k * item_min))
        ceiling = float(np.mean(totals >= k * item_max))
    value = cronbach_alpha(complete) if n else None
    if k < 2:
        alpha = undefined(ALPHA_METHOD, "a scale needs at least two items")
    elif n < 2:
        alpha = undefined(ALPHA_METHOD, "fewer than two respondents answered every item")
    elif value is None:
        alpha = undefined(ALPHA_METHOD, "every respondent has the same total: alpha is undefined")
    else:
        low, high = feldt_interval(value, n, k)
        alpha = Estimate(value, low, high, ALPHA_METHOD)
    statistics = _item_statistics(complete, names) if n >= 2 and k >= 2 else ()
    return ReliabilityResult(alpha, n, excluded, statistics, floor, ceiling, threshold)

"""Comparing three or more independent groups (members, staff, volunteers...).

Groups with fewer answers than the small-cell threshold are left out of the test and named in the
reason, so a group of three never blocks the comparison of the others. Two remaining groups are
compared as in :mod:`.two_sample`; three or more with Kruskal-Wallis (epsilon²) for numbers and
ordered answers, or a chi-square test (Cramér's V) for categories.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from scipy import stats

from .comparisons import ComparisonResult, choose_test
from .effect_sizes import epsilon_squared
from .suppression import SMALL_CELL_THRESHOLD
from .two_sample import categorical_table_test, clean_categories, compare_independent
from .values import finite


def _kruskal(groups: list[np.ndarray]) -> tuple[float | None, float | None, str | None]:
    pooled = np.concatenate(groups)
    if np.all(pooled == pooled[0]):
        return None, None, "every answer is the same: there is nothing to compare"
    result = stats.kruskal(*groups)
    return float(result.statistic), float(result.pvalue), None


def compare_groups(
    groups: Mapping[Hashable, Sequence[Any] | np.ndarray],
    kind: str,
    *,
    threshold: int = SMALL_CELL_THRESHOLD,
    bias_corrected: bool = False,
) -> ComparisonResult:
    """Compare two or more independent groups (e.g. members, staff, volunteers).

    Groups with fewer than ``threshold`` answers are left out, and the reason says so; two
    remaining groups are compared with :func:`compare_independent`.
    """
    binary_or_categorical = kind in ("binary", "categorical")
    cleaned = {
        str(label): clean_categories(values) if binary_or_categorical else finite(values)
        for label, values in groups.items()
    }
    left_out = [label for label, values in cleaned.items() if len(values) < max(threshold, 1)]
    kept = {label: values for label, values in cleaned.items() if label not in left_out}
    note = f"left out (fewer than {threshold} answers): {', '.join(left_out)}" if left_out else None
    if len(kept) == 2:
        (name_a, a), (name_b, b) = kept.items()
        result = compare_independent(
            a, b, kind, labels=(name_a, name_b), threshold=threshold, bias_corrected=bias_corrected
        )
        reason = "; ".join(part for part in (result.reason, note) if part) or None
        return replace(result, reason=reason)
    choice = choose_test(kind, min((len(v) for v in kept.values()), default=0), False, len(kept))
    names, ns = tuple(kept), tuple(len(values) for values in kept.values())
    if len(kept) < 2:
        reason = "; ".join(p for p in ("fewer than two groups have enough answers", note) if p)
        return ComparisonResult(
            choice.test,
            choice.explanation,
            False,
            names,
            ns,
            None,
            None,
            None,
            (),
            threshold,
            reason,
        )
    if binary_or_categorical:
        return categorical_table_test(
            list(kept.values()), names, choice, threshold, bias_corrected, note
        )
    statistic, p_value, reason = _kruskal(list(kept.values()))
    effects = (epsilon_squared(statistic, sum(ns)),) if statistic is not None else ()
    reason = "; ".join(part for part in (reason, note) if part) or None
    return ComparisonResult(
        choice.test,
        choice.explanation,
        False,
        names,
        ns,
        statistic,
        float(len(kept) - 1),
        p_value,
        effects,
        threshold,
        reason,
    )

"""Adjusting p-values for multiple comparisons, recording the method on every result.

- ``holm``: Holm's (1979) step-down method, controlling the family-wise error rate;
- ``bh``: Benjamini–Hochberg (1995) step-up method, controlling the false discovery rate.

A ``None`` p-value (a test that could not be run, or a hidden one) stays ``None`` and is not
counted in the family. Every adjusted result carries ``adjustment`` naming the method, so a page
can always say how a p-value was adjusted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, TypeVar

import numpy as np

METHODS = {
    "holm": "Holm step-down (family-wise error rate)",
    "bh": "Benjamini–Hochberg (false discovery rate)",
}

ResultT = TypeVar("ResultT")


def _holm(p: np.ndarray) -> np.ndarray:
    m = len(p)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def _benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    m = len(p)
    order = np.argsort(p, kind="stable")[::-1]
    ranks = m - np.arange(m)
    stepped = np.minimum.accumulate(p[order] * m / ranks)
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def adjust_pvalues(p_values: Sequence[float | None], method: str) -> list[float | None]:
    """Adjusted p-values in the same order; ``None`` (or NaN) entries stay ``None``."""
    if method not in METHODS:
        raise ValueError(f"unknown adjustment {method!r}: use one of {', '.join(METHODS)}")
    present = [i for i, p in enumerate(p_values) if p is not None and np.isfinite(float(p))]
    out: list[float | None] = [None] * len(p_values)
    if not present:
        return out
    values = np.array([float(p_values[i]) for i in present])  # type: ignore[arg-type]
    adjusted = _holm(values) if method == "holm" else _benjamini_hochberg(values)
    for index, value in zip(present, adjusted, strict=True):
        out[index] = float(value)
    return out


def adjust_results(results: Sequence[ResultT], method: str) -> list[ResultT]:
    """Copies of the results with ``p_adjusted`` filled in and ``adjustment`` naming the method.

    Each result must be a dataclass with ``p_value``, ``p_adjusted`` and ``adjustment`` fields
    (a :class:`.comparisons.ComparisonResult` or :class:`.outcomes.OutcomeResult`). Results that
    are hidden by the small-cell rule take part as ``None``.
    """
    p_values: list[Any] = [
        None if getattr(result, "suppressed", False) else result.p_value  # type: ignore[attr-defined]
        for result in results
    ]
    adjusted = adjust_pvalues(p_values, method)
    return [
        replace(result, p_adjusted=value, adjustment=METHODS[method])  # type: ignore[type-var]
        for result, value in zip(results, adjusted, strict=True)
    ]

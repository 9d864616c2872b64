"""Calibrate a graded-response item bank from data: marginal maximum likelihood by EM.

Bock & Aitkin (1981): θ is integrated out over a fixed quadrature grid with N(0,1) weights.
The E-step gives, for each item, the expected number of respondents in each category at each
grid point; the M-step maximises the items' expected log-likelihoods, which are separate
terms, together in one L-BFGS-B call with analytic gradients (``surveys.grm_em``).
Thresholds are parameterised as the first threshold plus log-gaps, so they stay strictly
ordered, and the slope on the log scale, so it stays positive. Each M-step starts from the
previous estimates and only accepts improvements, so the marginal log-likelihood never
decreases (generalised EM).

Categories nobody used for an item cannot have a threshold; they are dropped for that item
(the others keep their own answers, renumbered in order), the item is returned with fewer
thresholds and a warning names the item and category. :attr:`CalibrationResult.categories`
maps each item's model categories back to the original codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from surveys.grm import GradedItem
from surveys.grm_em import SLOPE_BOUNDS, ParameterLayout, e_step, m_step, start_values

__all__ = ["CalibrationError", "CalibrationResult", "fit_grm"]


class CalibrationError(ValueError):
    """The data cannot support a calibration (too few respondents, a constant item...)."""


@dataclass(frozen=True)
class CalibrationResult:
    """Fitted items and how the fit went.

    ``categories[key]`` lists the original category codes the item's model categories
    0..K-1 stand for; it differs from 0..K-1 only for items with unused categories, which
    ``warnings`` also reports.
    """

    items: list[GradedItem]
    loglik_history: list[float]
    converged: bool
    n_used: int
    warnings: list[str]
    categories: dict[str, tuple[int, ...]]

    def recode(self, key: str, code: int) -> int:
        """Model category for an original answer ``code`` to item ``key``.

        A code that was never seen in calibration is scored as the nearest observed
        category below it (or the lowest one), a conservative reading stated here so the
        caller can decide whether to accept it.
        """
        observed = self.categories[key]
        below = [position for position, value in enumerate(observed) if value <= code]
        return below[-1] if below else 0


def fit_grm(
    matrix: np.ndarray | Sequence[Sequence[float]],
    *,
    keys: Sequence[str] | None = None,
    n_categories: int | None = None,
    max_iter: int = 500,
    tol: float = 1e-4,
    min_complete: int = 200,
    n_quadrature: int = 61,
) -> CalibrationResult:
    """Fit Samejima's graded response model to an n_people x n_items matrix of categories.

    Categories are 0..K-1, missing answers NaN or -1. K is ``n_categories`` or, if not
    given, one more than the highest code in the matrix. Respondents with no answer at all
    are left out (``n_used`` counts the rest). Iteration stops when no parameter moves by
    more than ``tol``. Raises :class:`CalibrationError` when fewer than ``min_complete``
    respondents answered every item or an item has all its answers in one category.
    """
    codes, names, n_cat = _read_matrix(matrix, keys, n_categories)
    n_complete = int(np.all(codes >= 0, axis=1).sum())
    if n_complete < min_complete:
        raise CalibrationError(
            f"only {n_complete} respondents answered every item; calibration needs at least "
            f"{min_complete} (lower min_complete only if you accept a rough fit)"
        )
    codes = codes[np.any(codes >= 0, axis=1)]
    observed, warnings = _observed_categories(codes, names, n_cat)
    model_codes = np.full_like(codes, -1)
    for column, values in enumerate(observed):
        lookup = np.full(n_cat, -1)
        lookup[list(values)] = np.arange(len(values))
        answered = codes[:, column] >= 0
        model_codes[answered, column] = lookup[codes[answered, column]]

    grid = np.linspace(-6.0, 6.0, n_quadrature)
    log_prior = -0.5 * grid**2
    log_prior -= logsumexp(log_prior)
    layout = ParameterLayout([len(values) - 1 for values in observed])
    indicators = _indicators(model_codes, max(len(values) for values in observed))
    counts = indicators.sum(axis=0).reshape(len(observed), -1)
    x = start_values(counts, layout)

    history: list[float] = []
    converged = False
    for _ in range(max_iter):
        expected, loglik = e_step(x, layout, indicators, grid, log_prior)
        history.append(loglik)
        new_x = m_step(x, layout, expected, grid)
        change = np.abs(_natural(new_x, layout) - _natural(x, layout)).max()
        x = new_x
        if change < tol:
            converged = True
            break
    history.append(e_step(x, layout, indicators, grid, log_prior)[1])
    if not converged:
        warnings.append(f"EM did not converge in {max_iter} iterations; estimates are provisional")

    slopes, thresholds = layout.unpack(x)
    items = []
    for name, slope, row, values in zip(names, slopes, thresholds, observed, strict=True):
        items.append(GradedItem(name, float(slope), tuple(row[: len(values) - 1])))
        if np.isclose(slope, SLOPE_BOUNDS[0]) or np.isclose(slope, SLOPE_BOUNDS[1]):
            warnings.append(
                f"item {name!r}: slope {slope:.3g} is at its bound; the item is poorly estimated"
            )
    categories = {name: tuple(values) for name, values in zip(names, observed, strict=True)}
    return CalibrationResult(items, history, converged, len(codes), warnings, categories)


def _read_matrix(
    matrix: np.ndarray | Sequence[Sequence[float]],
    keys: Sequence[str] | None,
    n_categories: int | None,
) -> tuple[np.ndarray, list[str], int]:
    """Integer codes (-1 = missing), item names and K, or a CalibrationError saying why not."""
    data = np.array(matrix, dtype=float)
    if data.ndim != 2 or data.shape[1] < 2:
        raise CalibrationError(
            f"expected an n_people x n_items matrix with at least 2 items, got {data.shape}"
        )
    names = [f"item{j + 1}" for j in range(data.shape[1])] if keys is None else list(keys)
    if len(names) != data.shape[1] or len(set(names)) != len(names):
        raise CalibrationError(f"keys must be {data.shape[1]} distinct names, got {names}")
    missing = np.isnan(data) | (data == -1)
    values = data[~missing]
    n_cat = int(values.max()) + 1 if n_categories is None and values.size else n_categories or 0
    bad = ~missing & ((data != np.round(data)) | (data < 0) | (data >= n_cat))
    if bad.any():
        person, column = (int(i) for i in np.argwhere(bad)[0])
        value = float(data[person, column])
        raise CalibrationError(
            f"respondent {person + 1}, item {names[column]!r}: {value:g} is not "
            f"a category 0..{n_cat - 1} (use NaN or -1 for a missing answer)"
        )
    return np.where(missing, -1, data).astype(int), names, n_cat


def _observed_categories(
    codes: np.ndarray, names: list[str], n_cat: int
) -> tuple[list[tuple[int, ...]], list[str]]:
    """The categories each item used, and a warning for every category it did not use."""
    observed, warnings = [], []
    for column, name in enumerate(names):
        answers = codes[codes[:, column] >= 0, column]
        used = tuple(int(v) for v in np.unique(answers))
        if len(used) < 2:
            where = f"category {used[0]}" if used else "no category (nobody answered it)"
            raise CalibrationError(
                f"item {name!r}: every answer is in {where}; an item needs answers in at least "
                "two categories to be calibrated (drop it or collect more varied data)"
            )
        for unused in sorted(set(range(n_cat)) - set(used)):
            warnings.append(
                f"item {name!r}: category {unused} was never used, so it was collapsed; the "
                f"fitted item has {len(used)} categories standing for codes {list(used)}"
            )
        observed.append(used)
    return observed, warnings


def _indicators(model_codes: np.ndarray, width: int) -> np.ndarray:
    """One-hot n x (n_items * width) matrix of answers (all-zero blocks for missing)."""
    n_people, n_items = model_codes.shape
    table = np.zeros((n_people, n_items * width))
    person, item = np.nonzero(model_codes >= 0)
    table[person, item * width + model_codes[person, item]] = 1.0
    return table


def _natural(x: np.ndarray, layout: ParameterLayout) -> np.ndarray:
    """Slopes and finite thresholds in one vector, to measure how far an EM cycle moved."""
    slopes, thresholds = layout.unpack(x)
    return np.concatenate([slopes, thresholds[np.isfinite(thresholds)]])

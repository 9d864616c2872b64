"""Standard errors of fitted graded-response parameters (observed information).

The marginal log-likelihood's gradient at any parameter vector is the gradient of the
expected complete-data log-likelihood with the posterior held at that vector (Fisher's
identity), which :func:`surveys.grm_em.objective` already computes analytically. Central
differences of that gradient give the observed information matrix of all items together (the
items are coupled through the shared posterior); its inverse is the covariance of the
optimiser's parameters (log slope, first threshold, log gaps), carried to slopes and
thresholds by the delta method.

An item whose slope ended on its bound, or an information matrix that is not positive
definite (an item the data barely identify), gets no standard error rather than a wrong one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from surveys.calibration import CalibrationResult
from surveys.grm_em import SLOPE_BOUNDS, ParameterLayout, e_step, objective

__all__ = ["ItemErrors", "standard_errors"]


@dataclass(frozen=True)
class ItemErrors:
    """Standard errors of one item's slope and of each of its thresholds."""

    slope: float
    thresholds: tuple[float, ...]


def standard_errors(
    result: CalibrationResult,
    codes: np.ndarray | Sequence[Sequence[int]],
    *,
    n_quadrature: int = 61,
    step: float = 1e-4,
) -> dict[str, ItemErrors | None]:
    """Standard errors for every item of ``result``, fitted to ``codes``.

    ``codes`` is the matrix the fit used: n_people x n_items in the order of
    ``result.items``, original category codes, -1 (or NaN) for a missing answer.
    ``n_quadrature`` must match the fit's. Items without a usable error map to None.
    """
    data = np.asarray(codes, dtype=float)
    keys = [item.key for item in result.items]
    if data.ndim != 2 or data.shape[1] != len(keys):
        raise ValueError(f"expected an n x {len(keys)} matrix of categories, got {data.shape}")
    data = np.where(np.isnan(data), -1, data).astype(int)
    data = data[np.any(data >= 0, axis=1)]
    model_codes = np.full_like(data, -1)
    for column, key in enumerate(keys):
        observed = result.categories[key]
        lookup = {code: position for position, code in enumerate(observed)}
        for code, position in lookup.items():
            model_codes[data[:, column] == code, column] = position

    layout = ParameterLayout([len(item.thresholds) for item in result.items])
    width = max(len(item.thresholds) for item in result.items)
    thresholds = np.full((len(keys), width), np.inf)
    for row, item in enumerate(result.items):
        thresholds[row, : len(item.thresholds)] = item.thresholds
    x = layout.pack(np.array([item.slope for item in result.items]), thresholds)

    grid = np.linspace(-6.0, 6.0, n_quadrature)
    log_prior = -0.5 * grid**2
    log_prior -= logsumexp(log_prior)
    indicators = _indicators(model_codes, width + 1)

    def score(point: np.ndarray) -> np.ndarray:
        expected, _ = e_step(point, layout, indicators, grid, log_prior)
        return -objective(point, layout, expected, grid)[1]

    hessian = np.empty((layout.size, layout.size))
    for index in range(layout.size):
        shift = np.zeros(layout.size)
        shift[index] = step
        hessian[:, index] = (score(x + shift) - score(x - shift)) / (2 * step)
    information = -(hessian + hessian.T) / 2
    try:
        np.linalg.cholesky(information)
    except np.linalg.LinAlgError:
        return dict.fromkeys(keys)
    covariance = np.linalg.inv(information)

    out: dict[str, ItemErrors | None] = {}
    for row, item in enumerate(result.items):
        at_bound = any(np.isclose(item.slope, bound) for bound in SLOPE_BOUNDS)
        count = len(item.thresholds)
        where = np.concatenate([
            [layout.slope_index[row], layout.first_index[row]],
            layout.gap_index[row, : count - 1],
        ]).astype(int)
        jacobian = np.zeros((count + 1, count + 1))
        jacobian[0, 0] = item.slope
        gaps = np.exp(x[where[2:]])
        for k in range(count):
            jacobian[k + 1, 1] = 1.0
            jacobian[k + 1, 2 : 2 + k] = gaps[:k]
        natural = jacobian @ covariance[np.ix_(where, where)] @ jacobian.T
        variances = np.diag(natural)
        if at_bound or not np.all(np.isfinite(variances)) or np.any(variances <= 0):
            out[item.key] = None
            continue
        errors = np.sqrt(variances)
        out[item.key] = ItemErrors(float(errors[0]), tuple(float(e) for e in errors[1:]))
    return out


def _indicators(model_codes: np.ndarray, width: int) -> np.ndarray:
    """One-hot n x (n_items * width) matrix of answers (all-zero blocks for missing)."""
    n_people, n_items = model_codes.shape
    table = np.zeros((n_people, n_items * width))
    person, item = np.nonzero(model_codes >= 0)
    table[person, item * width + model_codes[person, item]] = 1.0
    return table

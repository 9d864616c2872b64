"""The numerical steps of graded-response calibration (used by ``surveys.calibration``).

All items are handled at once on padded arrays: item j has K_j categories and its thresholds
are padded with +inf up to the widest item, which gives the padded categories probability 0.
The optimiser sees one flat vector holding, for each item, (log slope, first threshold,
log gaps between thresholds): any value of it is a valid item, so ordering and a positive
slope never need checking during the search.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logsumexp, ndtri

from surveys.grm import category_probabilities_array

#: Bounds keep an item with nearly perfect separation from running off to infinity.
SLOPE_BOUNDS = (0.05, 15.0)
FIRST_THRESHOLD_BOUNDS = (-10.0, 10.0)
GAP_BOUNDS = (1e-4, 20.0)

#: Floor on probabilities inside logarithms and divisions.
FLOOR = 1e-300


class ParameterLayout:
    """Where each item's parameters sit in the optimiser's flat vector."""

    def __init__(self, n_thresholds: list[int]) -> None:
        width = max(n_thresholds)
        starts = np.concatenate([[0], np.cumsum([count + 1 for count in n_thresholds])])
        self.size = int(starts[-1])
        self.slope_index = starts[:-1]
        self.first_index = starts[:-1] + 1
        self.gap_index = np.full((len(n_thresholds), max(width - 1, 0)), -1)
        for item, count in enumerate(n_thresholds):
            self.gap_index[item, : count - 1] = starts[item] + 2 + np.arange(count - 1)
        self.gap_mask = self.gap_index >= 0
        low = np.full(self.size, np.log(GAP_BOUNDS[0]))
        high = np.full(self.size, np.log(GAP_BOUNDS[1]))
        low[self.slope_index], high[self.slope_index] = np.log(SLOPE_BOUNDS)
        low[self.first_index], high[self.first_index] = FIRST_THRESHOLD_BOUNDS
        self.bounds = list(zip(low, high, strict=True))
        self.low, self.high = low, high

    def unpack(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Slopes (n_items,) and +inf-padded thresholds (n_items, K_max - 1)."""
        gaps = np.where(self.gap_mask, np.exp(x[np.maximum(self.gap_index, 0)]), np.inf)
        offsets = np.concatenate([np.zeros((len(gaps), 1)), np.cumsum(gaps, axis=1)], axis=1)
        return np.exp(x[self.slope_index]), x[self.first_index][:, None] + offsets

    def pack(self, slopes: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
        """The flat vector for ``slopes`` and padded, strictly increasing ``thresholds``."""
        x = np.empty(self.size)
        x[self.slope_index] = np.log(slopes)
        x[self.first_index] = thresholds[:, 0]
        gaps = np.diff(np.where(np.isfinite(thresholds), thresholds, 0.0), axis=1)
        x[self.gap_index[self.gap_mask]] = np.log(gaps[self.gap_mask])
        return x


def start_values(counts: np.ndarray, layout: ParameterLayout) -> np.ndarray:
    """Slope 1 and thresholds matching each category's share under a N(0,1) population.

    ``counts`` is n_items x K_max (zeros for padding). With slope a the marginal
    P(X >= k) is about Φ(-a b_k / sqrt(1.7² + a²)), which is solved for b_k at a = 1.
    """
    totals = counts.sum(axis=1, keepdims=True)
    at_or_above = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1][:, 1:] / totals
    thresholds = np.where(
        at_or_above > 0, -ndtri(np.clip(at_or_above, 1e-12, 1)) * np.sqrt(1.7**2 + 1), np.inf
    )
    return layout.pack(np.ones(len(counts)), thresholds)


def e_step(
    x: np.ndarray,
    layout: ParameterLayout,
    indicators: np.ndarray,
    grid: np.ndarray,
    log_prior: np.ndarray,
) -> tuple[np.ndarray, float]:
    """Expected counts (n_items, K_max, n_grid) and the marginal log-likelihood.

    ``indicators`` is the n_people x (n_items * K_max) one-hot matrix of answers (a row of
    zeros for a missing answer), so one matrix product gives every respondent's
    log-likelihood at every grid point.
    """
    slopes, thresholds = layout.unpack(x)
    probabilities = category_probabilities_array(slopes, thresholds, grid)
    n_items, width, n_grid = probabilities.shape
    log_table = np.log(np.maximum(probabilities, FLOOR)).reshape(n_items * width, n_grid)
    log_joint = indicators @ log_table + log_prior
    log_marginal = logsumexp(log_joint, axis=1)
    posterior = np.exp(log_joint - log_marginal[:, None])
    expected = (indicators.T @ posterior).reshape(n_items, width, n_grid)
    return expected, float(log_marginal.sum())


def objective(
    x: np.ndarray, layout: ParameterLayout, expected: np.ndarray, grid: np.ndarray
) -> tuple[float, np.ndarray]:
    """Minus the expected complete-data log-likelihood of all items, and its gradient.

    With S_m = P*(X >= m), W_m = S_m (1 - S_m) and g_k = expected_k / P_k, the derivative
    with respect to S_m is g_m - g_{m-1}; S_m depends on the slope through W_m (θ - b_m) and
    on b_m through -a W_m. The chain rule then runs through the cumulative sums of gaps.
    """
    slopes, thresholds = layout.unpack(x)
    finite = np.where(np.isfinite(thresholds), thresholds, 0.0)
    boundary = expit(slopes[:, None, None] * (grid - thresholds[:, :, None]))
    n_items, _, n_grid = boundary.shape
    star = np.concatenate(
        [np.ones((n_items, 1, n_grid)), boundary, np.zeros((n_items, 1, n_grid))], axis=1
    )
    probabilities = np.maximum(star[:, :-1] - star[:, 1:], FLOOR)
    value = -float(np.sum(expected * np.log(probabilities)))
    ratio = expected / probabilities
    d_star = -(ratio[:, 1:] - ratio[:, :-1]) * boundary * (1.0 - boundary)
    d_slope = np.sum(d_star * (grid - finite[:, :, None]), axis=(1, 2))
    d_thresholds = -slopes[:, None] * d_star.sum(axis=2)
    tail = np.cumsum(d_thresholds[:, ::-1], axis=1)[:, ::-1]
    gradient = np.zeros(layout.size)
    gradient[layout.slope_index] = slopes * d_slope
    gradient[layout.first_index] = tail[:, 0]
    gaps = np.exp(x[np.maximum(layout.gap_index, 0)])
    gradient[layout.gap_index[layout.gap_mask]] = (tail[:, 1:] * gaps)[layout.gap_mask]
    return value, gradient


def m_step(
    x: np.ndarray, layout: ParameterLayout, expected: np.ndarray, grid: np.ndarray
) -> np.ndarray:
    """Maximise the expected log-likelihood with L-BFGS-B, never returning a worse point.

    The items' terms are separate, so optimising their sum in one call finds each item's
    own maximum; one call per EM cycle costs far less than one per item.
    """
    start = np.clip(x, layout.low, layout.high)
    result = minimize(
        objective,
        start,
        args=(layout, expected, grid),
        jac=True,
        method="L-BFGS-B",
        bounds=layout.bounds,
        options={"ftol": 1e-12, "gtol": 1e-8},
    )
    before = objective(start, layout, expected, grid)[0]
    return result.x if result.fun <= before else start

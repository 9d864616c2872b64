"""Standard errors of calibrated graded-response parameters, against an independent Hessian."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, logsumexp

from surveys.calibration import fit_grm
from surveys.grm import GradedItem, simulate_responses
from surveys.grm_errors import standard_errors

ITEMS = [
    GradedItem("a", 2.0, (-1.5, -0.5, 0.5, 1.5)),
    GradedItem("b", 1.2, (-1.0, 0.0, 1.0, 2.0)),
    GradedItem("c", 2.6, (-2.0, -1.0, 0.0, 1.0)),
    GradedItem("d", 0.9, (-2.0, -0.7, 0.4, 1.2)),
]


def marginal_loglik(codes: np.ndarray, params: np.ndarray, n_categories: int) -> float:
    """log L written directly: ∑_i log ∫ ∏_j P(x_ij | θ) φ(θ) dθ on the fit's 61-point grid."""
    grid = np.linspace(-6, 6, 61)
    log_prior = -0.5 * grid**2 - logsumexp(-0.5 * grid**2)
    total = np.tile(log_prior, (len(codes), 1))
    width = n_categories
    for j in range(codes.shape[1]):
        a, b = params[j * width], params[j * width + 1:(j + 1) * width]
        star = np.vstack([np.ones_like(grid), expit(a * (grid - b[:, None])),
                          np.zeros_like(grid)])
        total += np.log(star[:-1] - star[1:])[codes[:, j]]
    return float(logsumexp(total, axis=1).sum())


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(8)
    codes = simulate_responses(ITEMS, rng.normal(size=300), rng)
    return codes, fit_grm(codes, keys=[i.key for i in ITEMS], n_categories=5, min_complete=100)


def test_errors_match_the_inverse_of_a_numerical_hessian(fitted):
    codes, result = fitted
    errors = standard_errors(result, codes)
    point = np.concatenate([[i.slope, *i.thresholds] for i in result.items])
    h, size = 1e-3, len(point)
    hessian = np.zeros((size, size))
    for i in range(size):
        for k in range(i, size):
            e_i, e_k = np.eye(size)[i] * h, np.eye(size)[k] * h
            value = sum(sign * marginal_loglik(codes, point + s_i * e_i + s_k * e_k, 5)
                        for s_i, s_k, sign in ((1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)))
            hessian[i, k] = hessian[k, i] = value / (4 * h * h)
    expected = np.sqrt(np.diag(np.linalg.inv(-hessian)))
    mine = np.concatenate([[errors[i.key].slope, *errors[i.key].thresholds]
                           for i in result.items])
    np.testing.assert_allclose(mine, expected, rtol=1e-3)
    # Sanity: with N = 300 and four items, a slope is known to within about 10-20% of itself.
    assert all(0.05 < errors[i.key].slope / i.slope < 0.3 for i in result.items)


def test_an_item_that_the_data_cannot_identify_gets_no_error():
    rng = np.random.default_rng(2)
    items = [*ITEMS[:3], GradedItem("flat", 0.05, (-1.0, 0.0, 1.0, 2.0))]
    codes = simulate_responses(items, rng.normal(size=300), rng)
    # Answers to "flat" unrelated to everything else: its slope runs to the lower bound.
    codes[:, 3] = rng.permutation(codes[:, 3])
    result = fit_grm(codes, keys=[i.key for i in items], n_categories=5, min_complete=100)
    assert result.items[3].slope == pytest.approx(0.05)  # on its lower bound
    errors = standard_errors(result, codes)
    assert errors["flat"] is None
    assert errors["a"] is not None and errors["a"].slope > 0


def test_the_matrix_must_match_the_fit(fitted):
    codes, result = fitted
    with pytest.raises(ValueError, match="expected an n x 4 matrix"):
        standard_errors(result, codes[:, :3])

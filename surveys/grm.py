"""Samejima's graded response model: item parameters, probabilities, information, EAP scores.

Parameterisation (Samejima 1969, logistic form, D = 1):

    P*(X >= k | θ) = 1 / (1 + exp(-a (θ - b_k)))     for k = 1..K-1
    P(X = k | θ)   = P*(X >= k) - P*(X >= k + 1)       with P*(X >= 0) = 1, P*(X >= K) = 0

``a`` is the item's slope (discrimination) and ``b_1 < ... < b_{K-1}`` its thresholds
(category boundary locations) on the θ scale. Categories are coded 0..K-1.

This module holds the maths shared by adaptive testing (``surveys.adaptive``) and calibration
(``surveys.calibration``). It is numpy only and knows nothing of instruments or the web.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

#: Quadrature grid for EAP scoring: 121 equally spaced points over -6..6 (step 0.1).
EAP_GRID: np.ndarray = np.linspace(-6.0, 6.0, 121)

#: Smallest probability used inside logarithms, so an extreme θ never yields log(0).
PROBABILITY_FLOOR = 1e-300


class ItemParameterError(ValueError):
    """An item's slope or thresholds cannot define a graded response item."""


@dataclass(frozen=True)
class GradedItem:
    """One graded-response item: a slope and K-1 strictly increasing thresholds.

    The constructor checks the parameters, so a bank built from a bad definition fails at
    once with the item key in the message instead of giving silently wrong scores later.
    """

    key: str
    slope: float
    thresholds: tuple[float, ...]

    def __post_init__(self) -> None:
        try:
            slope = float(self.slope)
            thresholds = tuple(float(b) for b in self.thresholds)
        except (TypeError, ValueError) as exc:
            raise ItemParameterError(
                f"item {self.key!r}: slope and thresholds must be numbers ({exc})"
            ) from exc
        if not math.isfinite(slope) or slope <= 0:
            raise ItemParameterError(
                f"item {self.key!r}: slope must be a finite number above 0, got {self.slope!r}"
            )
        if not thresholds:
            raise ItemParameterError(f"item {self.key!r}: needs at least one threshold")
        if not all(math.isfinite(b) for b in thresholds):
            raise ItemParameterError(
                f"item {self.key!r}: thresholds must be finite numbers, got {list(thresholds)}"
            )
        for position, (low, high) in enumerate(itertools.pairwise(thresholds)):
            if not low < high:
                raise ItemParameterError(
                    f"item {self.key!r}: thresholds must be strictly increasing, but threshold "
                    f"{position + 2} ({high}) is not above threshold {position + 1} ({low})"
                )
        object.__setattr__(self, "slope", slope)
        object.__setattr__(self, "thresholds", thresholds)

    @property
    def n_categories(self) -> int:
        """K, the number of response categories (one more than the thresholds)."""
        return len(self.thresholds) + 1


def boundary_probabilities(
    slopes: np.ndarray, thresholds: np.ndarray, theta: np.ndarray
) -> np.ndarray:
    """P*(X >= k) for items x boundaries x θ, padded with 1 (k = 0) and 0 (k = K).

    ``slopes`` has shape (n_items,), ``thresholds`` (n_items, K-1) where a padding of +inf
    marks boundaries an item does not have, ``theta`` shape (n_theta,). The result has shape
    (n_items, K+1, n_theta).
    """
    z = slopes[:, None, None] * (theta[None, None, :] - thresholds[:, :, None])
    inner = expit(z)
    n_items, _, n_theta = inner.shape
    ones = np.ones((n_items, 1, n_theta))
    zeros = np.zeros((n_items, 1, n_theta))
    return np.concatenate([ones, inner, zeros], axis=1)


def category_probabilities_array(
    slopes: np.ndarray, thresholds: np.ndarray, theta: np.ndarray
) -> np.ndarray:
    """P(X = k | θ) for items x categories x θ (shape (n_items, K, n_theta)).

    Padded categories (thresholds at +inf) get probability 0.
    """
    star = boundary_probabilities(slopes, thresholds, theta)
    return np.clip(star[:, :-1, :] - star[:, 1:, :], 0.0, 1.0)


def information_array(slopes: np.ndarray, thresholds: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Fisher information of each item at each θ (shape (n_items, n_theta)).

    Samejima's formula I(θ) = Σ_k P_k'(θ)² / P_k(θ), with P_k' = a (W_k - W_{k+1}) and
    W_k = P*_k (1 - P*_k).
    """
    star = boundary_probabilities(slopes, thresholds, theta)
    spread = star * (1.0 - star)
    derivative = slopes[:, None, None] * (spread[:, :-1, :] - spread[:, 1:, :])
    probability = star[:, :-1, :] - star[:, 1:, :]
    terms = np.divide(
        derivative**2, probability, out=np.zeros_like(probability), where=probability > 1e-12
    )
    return terms.sum(axis=1)


def pack_parameters(items: Sequence[GradedItem]) -> tuple[np.ndarray, np.ndarray]:
    """Slopes and +inf-padded thresholds of ``items`` as arrays, for the vectorised functions."""
    width = max(len(item.thresholds) for item in items)
    thresholds = np.full((len(items), width), np.inf)
    for row, item in enumerate(items):
        thresholds[row, : len(item.thresholds)] = item.thresholds
    slopes = np.array([item.slope for item in items], dtype=float)
    return slopes, thresholds


def category_probabilities(item: GradedItem, theta: float | Iterable[float]) -> np.ndarray:
    """P(X = k | θ) for one item: shape (K,) for a scalar θ, (n_theta, K) for an array."""
    scalar = np.ndim(theta) == 0
    grid = np.atleast_1d(np.asarray(theta, dtype=float))
    slopes, thresholds = pack_parameters([item])
    table = category_probabilities_array(slopes, thresholds, grid)[0].T
    return table[0] if scalar else table


def item_information(item: GradedItem, theta: float | Iterable[float]) -> float | np.ndarray:
    """Fisher information of one item at θ (a float for a scalar θ, else an array)."""
    scalar = np.ndim(theta) == 0
    grid = np.atleast_1d(np.asarray(theta, dtype=float))
    slopes, thresholds = pack_parameters([item])
    values = information_array(slopes, thresholds, grid)[0]
    return float(values[0]) if scalar else values


def normal_prior(grid: np.ndarray) -> np.ndarray:
    """N(0, 1) weights on ``grid``, normalised to sum to 1."""
    weights = np.exp(-0.5 * grid**2)
    return weights / weights.sum()


def posterior_summary(
    log_likelihood: np.ndarray, grid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """EAP mean and posterior SD from log-likelihoods on ``grid`` (last axis) and an N(0,1) prior.

    Works on one respondent (shape (n_grid,)) or many (shape (n, n_grid)).
    """
    log_post = log_likelihood + np.log(normal_prior(grid))
    log_post = log_post - log_post.max(axis=-1, keepdims=True)
    weights = np.exp(log_post)
    weights /= weights.sum(axis=-1, keepdims=True)
    mean = weights @ grid
    variance = np.sum(weights * (grid - mean[..., None]) ** 2, axis=-1)
    return mean, np.sqrt(variance)


def t_score(theta: float) -> float:
    """T-score metric used by PROMIS-style reports: 50 + 10 θ."""
    return 50.0 + 10.0 * theta


def simulate_responses(
    items: Sequence[GradedItem], theta: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Draw categories for respondents at ``theta`` (n_people x n_items, codes 0..K-1).

    Used by the benchmark, the documentation's worked example and the tests, so all three
    simulate data the same way.
    """
    slopes, thresholds = pack_parameters(items)
    probabilities = category_probabilities_array(slopes, thresholds, np.asarray(theta, float))
    cumulative = probabilities.cumsum(axis=1)
    draws = rng.uniform(size=(len(items), 1, cumulative.shape[2]))
    codes = (draws > cumulative[:, :-1, :]).sum(axis=1)
    # Rounding can leave a cumulative sum a hair under 1; never draw past an item's last category.
    top = np.array([item.n_categories - 1 for item in items])
    return np.minimum(codes, top[:, None]).T

"""Computerised adaptive testing (CAT) on graded-response item banks.

A :class:`CatSession` asks the most informative remaining item of an :class:`ItemBank`,
re-scores the respondent after each answer by EAP (expected a posteriori, N(0,1) prior on a
121-point grid over -6..6; the posterior SD is the standard error) and stops by a
:class:`CatRule`. The web app is stateless, so a session is rebuilt on every request with
:meth:`CatSession.replay` from the answers stored so far; replay gives the same state as the
live session. Item maths lives in :mod:`surveys.grm`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from surveys.grm import (
    EAP_GRID,
    PROBABILITY_FLOOR,
    GradedItem,
    ItemParameterError,
    category_probabilities_array,
    information_array,
    normal_prior,
    pack_parameters,
    posterior_summary,
    t_score,
)

__all__ = [
    "CatRule",
    "CatSession",
    "GradedItem",
    "ItemBank",
    "ItemParameterError",
    "eap",
    "eap_scores",
    "t_score",
]

#: Why a session stopped, in the order the rules are checked.
STOP_REASONS = ("max_se", "se_not_improving", "max_items", "bank_exhausted")

Responses = Mapping[str, int | None] | Iterable[tuple[str, int | None]]


class ItemBank:
    """An ordered set of graded items with unique keys.

    Items may have different numbers of categories (a calibration can collapse a category
    nobody used for one item); each answer is checked against its own item's K.
    Log-probabilities and information on the EAP grid are computed once here, so sessions
    only add rows.
    """

    def __init__(self, items: Iterable[GradedItem]) -> None:
        self._items: tuple[GradedItem, ...] = tuple(items)
        if not self._items:
            raise ValueError("an item bank needs at least one item")
        self._index: dict[str, int] = {}
        for position, item in enumerate(self._items):
            if not isinstance(item, GradedItem):
                raise TypeError(f"item {position + 1} of the bank is not a GradedItem: {item!r}")
            if item.key in self._index:
                raise ValueError(f"item key {item.key!r} appears more than once in the bank")
            self._index[item.key] = position
        self.slopes, self.thresholds = pack_parameters(self._items)
        probabilities = category_probabilities_array(self.slopes, self.thresholds, EAP_GRID)
        #: log P(X = k | θ) on EAP_GRID, shape (n_items, K_max, n_grid).
        self.log_probabilities = np.log(np.maximum(probabilities, PROBABILITY_FLOOR))
        #: item information on EAP_GRID, shape (n_items, n_grid).
        self.grid_information = information_array(self.slopes, self.thresholds, EAP_GRID)

    @property
    def items(self) -> tuple[GradedItem, ...]:
        """The items in bank order."""
        return self._items

    @property
    def keys(self) -> list[str]:
        """The item keys in bank order."""
        return [item.key for item in self._items]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[GradedItem]:
        return iter(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __getitem__(self, key: str) -> GradedItem:
        return self._items[self.position(key)]

    def position(self, key: str) -> int:
        """The row of ``key`` in the bank's arrays; ValueError naming the key if unknown."""
        try:
            return self._index[key]
        except KeyError:
            raise ValueError(f"item {key!r} is not in this item bank") from None

    def check_category(self, key: str, category: object) -> int:
        """Return ``category`` as an int if it is a valid answer to item ``key``, else raise."""
        item = self[key]
        if isinstance(category, bool) or not isinstance(category, int | np.integer):
            raise ValueError(f"item {key!r}: category must be an integer, got {category!r}")
        if not 0 <= category < item.n_categories:
            raise ValueError(
                f"item {key!r}: category {category} is out of range; "
                f"answers are coded 0 to {item.n_categories - 1}"
            )
        return int(category)


@dataclass(frozen=True)
class CatRule:
    """When to stop and how to choose items.

    ``min_items`` and ``max_items`` count items presented, skipped ones included (a skip
    still costs the respondent a screen). The session stops, once ``min_items`` have been
    presented, when the SE falls below ``max_se`` (None: no SE rule), or when the last
    answer reduced the SE by less than ``min_se_improvement`` (0: rule off); it always
    stops at ``max_items`` or when the bank runs out. ``selection`` is "mfi" (maximum
    Fisher information at the current θ) or "pwi" (information weighted by the posterior).
    """

    min_items: int
    max_items: int
    max_se: float | None
    min_se_improvement: float = 0.0
    selection: Literal["mfi", "pwi"] = "mfi"

    def __post_init__(self) -> None:
        if not 1 <= self.min_items <= self.max_items:
            raise ValueError(
                f"CAT rule needs 1 <= min_items <= max_items, got min_items={self.min_items}, "
                f"max_items={self.max_items}"
            )
        if self.max_se is not None and not self.max_se > 0:
            raise ValueError(f"CAT rule max_se must be above 0 or None, got {self.max_se}")
        if not self.min_se_improvement >= 0:
            raise ValueError(
                f"CAT rule min_se_improvement must be 0 or more, got {self.min_se_improvement}"
            )
        if self.selection not in ("mfi", "pwi"):
            raise ValueError(f"CAT rule selection must be 'mfi' or 'pwi', got {self.selection!r}")


class CatSession:
    """One respondent's adaptive test: choose, record, re-score, stop."""

    def __init__(self, bank: ItemBank, rule: CatRule) -> None:
        self.bank = bank
        self.rule = rule
        self._asked: list[tuple[str, int | None]] = []
        self._log_likelihood = np.zeros(EAP_GRID.size)
        self._theta, self._se = 0.0, 1.0
        self._rescore()
        #: SE before any answer and after each answered (not skipped) item.
        self._se_history: list[float] = [self._se]
        self._stop_reason: str | None = None
        self._next: GradedItem | None = None
        self._refresh()

    @classmethod
    def replay(cls, bank: ItemBank, rule: CatRule, responses: Responses) -> CatSession:
        """Rebuild a session from stored answers, in the order they were given.

        ``responses`` is what :attr:`asked` returned (pairs of key and category, None for a
        skip) or an insertion-ordered mapping. Stored answers are facts, so they are applied
        even if the rule has changed and would have stopped earlier.
        """
        session = cls(bank, rule)
        pairs = responses.items() if isinstance(responses, Mapping) else responses
        for key, category in pairs:
            session._apply(key, category)
        return session

    def next_item(self) -> GradedItem | None:
        """The item to present next, or None when the session has finished."""
        return self._next

    def record(self, key: str, category: int) -> None:
        """Record the answer ``category`` (0..K-1) to item ``key`` and re-score."""
        self._check_open()
        self._apply(key, self.bank.check_category(key, category))

    def skip(self, key: str) -> None:
        """Record that the respondent skipped item ``key``; it will not be offered again."""
        self._check_open()
        self._apply(key, None)

    @property
    def theta(self) -> float:
        """EAP estimate of θ from the answers so far (0 before any answer)."""
        return self._theta

    @property
    def se(self) -> float:
        """Posterior SD of θ, used as the standard error (1 before any answer)."""
        return self._se

    @property
    def t_score(self) -> float:
        """θ on the T-score metric, 50 + 10 θ."""
        return t_score(self._theta)

    @property
    def t_se(self) -> float:
        """Standard error on the T-score metric, 10 SE."""
        return 10.0 * self._se

    @property
    def asked(self) -> list[tuple[str, int | None]]:
        """Items presented so far, in order, with the category given (None if skipped)."""
        return list(self._asked)

    @property
    def finished(self) -> bool:
        """True once a stopping rule has been met."""
        return self._stop_reason is not None

    @property
    def stop_reason(self) -> str | None:
        """One of :data:`STOP_REASONS`, or None while the session is running."""
        return self._stop_reason

    def _check_open(self) -> None:
        if self._stop_reason is not None:
            raise ValueError(
                f"the adaptive session has finished ({self._stop_reason}); "
                "no more items can be recorded"
            )

    def _apply(self, key: str, category: int | None) -> None:
        row = self.bank.position(key)
        if any(asked_key == key for asked_key, _ in self._asked):
            raise ValueError(f"item {key!r} has already been asked in this session")
        if category is not None:
            category = self.bank.check_category(key, category)
            self._log_likelihood = self._log_likelihood + self.bank.log_probabilities[row, category]
            self._rescore()
            self._se_history.append(self._se)
        self._asked.append((key, category))
        self._refresh()

    def _rescore(self) -> None:
        theta, se = posterior_summary(self._log_likelihood, EAP_GRID)
        self._theta, self._se = float(theta), float(se)

    def _refresh(self) -> None:
        asked = {key for key, _ in self._asked}
        remaining = [row for row, item in enumerate(self.bank) if item.key not in asked]
        self._stop_reason = self._check_stop(len(self._asked), bool(remaining))
        self._next = None if self._stop_reason else self._select(remaining)

    def _check_stop(self, n_presented: int, any_left: bool) -> str | None:
        rule = self.rule
        if n_presented >= rule.min_items:
            if rule.max_se is not None and self._se < rule.max_se:
                return "max_se"
            history = self._se_history
            if (
                rule.min_se_improvement > 0
                and len(history) >= 2
                and history[-2] - history[-1] < rule.min_se_improvement
            ):
                return "se_not_improving"
        if n_presented >= rule.max_items:
            return "max_items"
        if not any_left:
            return "bank_exhausted"
        return None

    def _select(self, remaining: list[int]) -> GradedItem:
        rows = np.asarray(remaining)
        if self.rule.selection == "pwi":
            log_post = self._log_likelihood + np.log(normal_prior(EAP_GRID))
            weights = np.exp(log_post - log_post.max())
            weights /= weights.sum()
            scores = self.bank.grid_information[rows] @ weights
        else:
            point = np.array([self._theta])
            bank = self.bank
            scores = information_array(bank.slopes[rows], bank.thresholds[rows], point)[:, 0]
        return self.bank.items[int(rows[int(np.argmax(scores))])]


def eap(bank: ItemBank, responses: Responses) -> tuple[float, float]:
    """EAP θ and its SE from answers to any subset of the bank (None or absent = missing).

    Unknown keys and out-of-range categories raise ValueError; with no answers the result is
    the prior, (0, 1).
    """
    pairs = responses.items() if isinstance(responses, Mapping) else responses
    log_likelihood = np.zeros(EAP_GRID.size)
    seen: set[str] = set()
    for key, category in pairs:
        row = bank.position(key)
        if key in seen:
            raise ValueError(f"item {key!r} is answered more than once")
        seen.add(key)
        if category is None:
            continue
        log_likelihood += bank.log_probabilities[row, bank.check_category(key, category)]
    theta, se = posterior_summary(log_likelihood, EAP_GRID)
    return float(theta), float(se)


def eap_scores(bank: ItemBank, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EAP θ and SE for many respondents at once.

    ``matrix`` is n_people x n_items in bank order, categories 0..K-1, missing as NaN or -1.
    """
    data = np.asarray(matrix, dtype=float)
    if data.ndim != 2 or data.shape[1] != len(bank):
        raise ValueError(f"expected an n x {len(bank)} matrix of categories, got {data.shape}")
    missing = np.isnan(data) | (data == -1)
    codes = np.where(missing, 0, data)
    limits = np.array([item.n_categories for item in bank])
    bad = ~missing & ((codes != np.round(codes)) | (codes < 0) | (codes >= limits))
    if bad.any():
        person, column = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"respondent {person + 1}, item {bank.items[column].key!r}: "
            f"{float(data[person, column]):g} is not a category 0..{limits[column] - 1}"
        )
    codes = codes.astype(int)
    log_likelihood = np.zeros((data.shape[0], EAP_GRID.size))
    for column in range(len(bank)):
        contribution = bank.log_probabilities[column, codes[:, column]]
        log_likelihood += np.where(missing[:, column, None], 0.0, contribution)
    return posterior_summary(log_likelihood, EAP_GRID)

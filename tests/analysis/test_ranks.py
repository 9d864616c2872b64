"""Rank tests from counts give scipy's own statistics and p-values, to the last bit, on tied
Likert answers, wide integer ranges, continuous values, zero differences and small groups."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from revaluation.analysis import ranks
from revaluation.analysis.effect_sizes import _independent_rbc, _matched_rbc


def _samples(seed: int):
    rng = np.random.default_rng(seed)
    for trial in range(60):
        n1, n2 = (int(n) for n in rng.integers(3, 300, 2))
        shape = trial % 4
        if shape == 0:  # five-point items: heavy ties
            yield rng.integers(1, 6, n1).astype(float), rng.integers(1, 6, n2).astype(float)
        elif shape == 1:  # continuous: no ties
            yield rng.normal(size=n1), rng.normal(0.3, size=n2)
        elif shape == 2:  # 0-100 whole numbers against a narrow range
            yield rng.integers(0, 101, n1).astype(float), rng.integers(40, 43, n2).astype(float)
        else:  # 0-10 ratings with a shifted group
            yield rng.integers(0, 11, n1).astype(float), rng.integers(2, 11, n2).astype(float)


@pytest.mark.parametrize("seed", [1, 2])
def test_mann_whitney_is_scipys(seed):
    for a, b in _samples(seed):
        expected = stats.mannwhitneyu(a, b, alternative="two-sided")
        assert ranks.mann_whitney(a, b) == (expected.statistic, expected.pvalue)


@pytest.mark.parametrize("seed", [3, 4])
def test_wilcoxon_is_scipys(seed):
    rng = np.random.default_rng(seed)
    for a, b in _samples(seed):
        n = min(len(a), len(b))
        differences = np.concatenate([b[:n] - a[:n], np.zeros(int(rng.integers(0, 6)))])
        if not np.any(differences != 0):
            continue
        expected = stats.wilcoxon(differences, zero_method="wilcox")
        assert ranks.wilcoxon(differences) == (expected.statistic, expected.pvalue)


@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_one_sided_wilcoxon_is_scipys(alternative):
    rng = np.random.default_rng(7)
    for a, b in _samples(7):
        n = min(len(a), len(b))
        differences = np.concatenate([b[:n] - a[:n], np.zeros(int(rng.integers(0, 6)))])
        if not np.any(differences != 0):
            continue
        expected = stats.wilcoxon(differences, zero_method="wilcox", alternative=alternative)
        assert ranks.wilcoxon(differences, alternative) == (expected.statistic, expected.pvalue)


def test_a_difference_of_one_value_repeated():
    differences = np.array([0.0] * 30 + [2.0] * 40)
    expected = stats.wilcoxon(differences, zero_method="wilcox")
    assert ranks.wilcoxon(differences) == (expected.statistic, expected.pvalue)


def test_counted_statistics_equal_the_ranked_ones():
    for a, b in _samples(5):
        distinct = ranks.counted(np.concatenate([a, b]))[0]
        u = ranks.u_statistic(ranks.counts_on(distinct, a), ranks.counts_on(distinct, b))
        assert 2 * u / (len(a) * len(b)) - 1 == _independent_rbc(a.reshape(-1, 1),
                                                                 b.reshape(-1, 1))[0]
        n = min(len(a), len(b))
        differences = b[:n] - a[:n]
        nonzero = differences[differences != 0]
        if len(nonzero):
            positive, negative, _ = ranks.signed_rank_sums(*ranks.counted(nonzero))
            assert (positive - negative) / (positive + negative) == \
                _matched_rbc(differences.reshape(-1, 1))[0]

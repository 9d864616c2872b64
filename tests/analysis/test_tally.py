"""values.tally counts answers as np.unique does (same values, same type, same counts), by
bincount for whole numbers over a short range and by np.unique otherwise; median_ci's partition
gives the same median and interval as sorting."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from revaluation.analysis.intervals import median_ci
from revaluation.analysis.values import TALLY_SPAN, tally

RNG = np.random.default_rng(20261130)

CASES = {
    "likert": RNG.integers(1, 6, 5000).astype(float),
    "rating with gaps": RNG.choice([0.0, 3.0, 10.0], 777),
    "negative differences": RNG.integers(-4, 5, 3000).astype(float),
    "ints": RNG.integers(0, 11, 999),
    "fractions": RNG.normal(size=500),
    "halves": RNG.integers(0, 20, 400) / 2,
    "wide range": np.array([0.0, TALLY_SPAN + 1.0, 5.0, 5.0]),
    "just within the span": np.array([0.0, float(TALLY_SPAN), 7.0]),
    "one value": np.array([3.0]),
    "empty": np.array([], dtype=float),
    "with NaN": np.array([1.0, np.nan, 2.0, 2.0]),
    "large values": np.array([1e15, 1e15 + 2, 1e15 + 2]),
    "int64 limits": np.array([np.iinfo(np.int64).min, 0, np.iinfo(np.int64).max]),
    "unsigned": np.array([3, 1, 3], dtype=np.uint8),
}


@pytest.mark.parametrize("name", list(CASES))
def test_tally_is_np_unique(name):
    values = CASES[name]
    found, counts = tally(values)
    expected, expected_counts = np.unique(values, return_counts=True)
    np.testing.assert_array_equal(found, expected)
    np.testing.assert_array_equal(counts, expected_counts)
    assert found.dtype == expected.dtype


@pytest.mark.parametrize("name", ["likert", "rating with gaps", "ints", "fractions", "halves",
                                  "one value"])
@pytest.mark.parametrize("size", [1, 2, 5, 6, 7, 50, 51, None])
def test_median_interval_as_sorting_gives_it(name, size):
    values = CASES[name][:size]
    estimate = median_ci(values)
    assert estimate.value == pytest.approx(float(np.median(values)), abs=0)
    n = len(values)
    if estimate.ci_low is None:
        return
    ordered = np.sort(values)
    # The largest k whose exact binomial coverage reaches 95%, found independently.
    k = max(k for k in range(1, n // 2 + 1)
            if 1 - 2 * stats.binom.cdf(k - 1, n, 0.5) >= 0.95)
    assert (estimate.ci_low, estimate.ci_high) == (ordered[k - 1], ordered[n - k])


def test_ranked_texts_counts_each_different_text_most_often_first():
    from revaluation.analysis import ranked_texts

    given = ["B.", " A ", None, "", "A", "C", "  ", "B.", "A"]
    assert ranked_texts(given) == [("A", 3), ("B.", 2), ("C", 1)]
    assert ranked_texts([]) == [] and ranked_texts([None, " "]) == []
    # Ties keep the order the texts were first given.
    assert ranked_texts(["z", "y", "z", "y", "x"]) == [("z", 2), ("y", 2), ("x", 1)]

"""Counting a choice question from codes gives exactly the summary counting its text gives:
blanks, white space, answers that are not choices (in first-seen order), non-numeric ordinal
answers, non-substantive counts, small cells and empty questions."""

from __future__ import annotations

import numpy as np
import pytest

from revaluation.analysis import describe_categorical, describe_coded

CHOICES = [(str(i), f"Point {i}") for i in range(1, 6)]


def _as_codes(values: np.ndarray):
    words, codes = np.unique(values, return_inverse=True)
    return codes.reshape(-1), words


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ordinal", [True, False])
def test_codes_and_text_give_the_same_summary(seed, ordinal):
    rng = np.random.default_rng(seed)
    pool = ["1", "2", "3", "4", "5", "", " ", "7", "x", "5 "] if seed % 2 else \
        ["1", "2", "3", "4", "5", ""]
    size = int(rng.integers(0, 400))
    values = rng.choice(pool, size=size, p=None).astype(str)
    ns = int(rng.integers(0, max(1, int((values == "").sum()) + 1)))
    codes, words = _as_codes(values)
    for threshold in (1, 5, 30):
        expected = describe_categorical(values, CHOICES, nonsubstantive_count=ns,
                                        ordinal=ordinal, threshold=threshold)
        found = describe_coded(codes, words, CHOICES, nonsubstantive_count=ns,
                               ordinal=ordinal, threshold=threshold)
        assert found.to_dict() == expected.to_dict()


def test_missing_codes_count_as_no_answer():
    values = np.array(["yes", "", "no", "yes", ""])
    words = np.array(["no", "yes"])
    codes = np.array([1, -1, 0, 1, -1])
    choices = [("yes", "Yes"), ("no", "No")]
    assert describe_coded(codes, words, choices, threshold=1).to_dict() == \
        describe_categorical(values, choices, threshold=1).to_dict()

"""Per-question summaries checked against numpy/scipy and hand counts."""

from __future__ import annotations

import json

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from revaluation.analysis import (
    describe_by,
    describe_categorical,
    describe_multiple,
    describe_numeric,
    split_by,
)

AGREE = [
    ("1", "Strongly disagree"),
    ("2", "Disagree"),
    ("3", "Neither"),
    ("4", "Agree"),
    ("5", "Strongly agree"),
]


def test_likert_distribution_counts_percentages_and_wilson(likert: np.ndarray) -> None:
    answers = [str(int(x)) for x in likert] + [None, None, "dont_know"]
    summary = describe_categorical(
        answers, AGREE, nonsubstantive=["dont_know"], ordinal=True, threshold=0
    )
    out = summary.to_dict()
    assert out["n"] == 40 and out["missing"] == 2 and out["nonsubstantive"] == 1
    for row, (value, label) in zip(out["distribution"], AGREE, strict=True):
        count = int(np.sum(likert == float(value)))
        assert (row["value"], row["label"], row["count"]) == (value, label, count)
        # Percent of the 40 substantive answers; Wilson CI to 1e-9 of statsmodels.
        assert row["percent"] == pytest.approx(100 * count / 40)
        low, high = proportion_confint(count, 40, method="wilson")
        assert (row["proportion"]["ci_low"], row["proportion"]["ci_high"]) == pytest.approx(
            (low, high), abs=1e-9
        )
    assert out["mean"]["value"] == pytest.approx(likert.mean(), abs=1e-12)
    assert out["median"]["value"] == np.median(likert)
    assert out["sd"] == pytest.approx(np.std(likert, ddof=1), abs=1e-12)


def test_rating_scale_points_include_empty_points(ratings_members: np.ndarray) -> None:
    summary = describe_numeric(ratings_members, scale_points=range(11), threshold=0).to_dict()
    counts = {row["value"]: row["count"] for row in summary["distribution"]}
    assert list(counts) == [str(i) for i in range(11)]
    assert sum(counts.values()) == 37
    low, high = DescrStatsW(ratings_members).tconfint_mean()
    assert (summary["mean"]["ci_low"], summary["mean"]["ci_high"]) == pytest.approx(
        (low, high), abs=1e-10
    )


def test_numeric_with_missing_and_text_answers() -> None:
    summary = describe_numeric(
        [4, np.nan, None, "", 7, 8, 5, 6, "refused"], nonsubstantive=["refused"]
    )
    assert (summary.n, summary.missing, summary.nonsubstantive) == (5, 3, 1)
    assert summary.mean.value == pytest.approx(6.0)


def test_multiple_choice_shares_are_of_respondents() -> None:
    answers = [["a", "b"]] * 6 + [["a"]] * 6 + [["c"]] * 5 + [None, [], ["none"]]
    out = describe_multiple(
        answers, [("a", "A"), ("b", "B"), ("c", "C")], nonsubstantive=["none"]
    ).to_dict()
    rows = {row["value"]: row for row in out["distribution"]}
    assert out["n"] == 17
    assert rows["a"]["count"] == 12 and rows["a"]["percent"] == pytest.approx(100 * 12 / 17)
    assert rows["c"]["count"] == 5
    assert out["missing"] is None  # 2 missing is a small cell


def test_describe_by_splits_groups_and_suppresses_small_group(
    ratings_members: np.ndarray, ratings_staff: np.ndarray
) -> None:
    values = [*ratings_members, *ratings_staff, 6, 7, 8]
    labels = ["member"] * 37 + ["staff"] * 12 + ["volunteer"] * 3
    by_group = describe_by(values, labels, describe_numeric)
    assert list(by_group) == ["member", "staff", "volunteer"]
    assert by_group["staff"].mean.value == pytest.approx(ratings_staff.mean())
    volunteer = by_group["volunteer"].to_dict()
    assert volunteer["suppressed"] and volunteer["n"] is None
    assert volunteer["mean"]["value"] is None and "fewer than 5" in volunteer["reason"]
    json.dumps(volunteer, allow_nan=False)


def test_split_by_skips_missing_labels() -> None:
    groups = split_by([1, 2, 3, 4], ["w1", None, "w2", "w1"])
    assert {key: value.tolist() for key, value in groups.items()} == {"w1": [1, 4], "w2": [3]}

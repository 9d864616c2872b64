"""Tiny, empty, constant and missing data: every function gives a defined result with a reason.

Each row calls a public function with awkward data and checks that ``to_dict()`` is strict JSON
(no NaN or infinity) and that the number a reader would look for is ``None`` with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from revaluation.analysis import (
    OutcomeSpec,
    compare_groups,
    compare_independent,
    compare_paired,
    compare_with_target,
    describe_categorical,
    describe_multiple,
    describe_numeric,
    dyad_distribution,
    scale_reliability,
    triad_mean,
)

NAN = np.nan
CASES: list[tuple[str, Callable[[], Any], Callable[[dict], Any], str]] = [
    ("numeric n=0", lambda: describe_numeric([], threshold=0), lambda d: d["mean"], "no answers"),
    (
        "numeric all missing",
        lambda: describe_numeric([NAN, None, ""], threshold=0),
        lambda d: d["mean"],
        "no answers",
    ),
    ("numeric n=1", lambda: describe_numeric([4], threshold=0), lambda d: d["mean"], "one answer"),
    (
        "numeric n=2 median",
        lambda: describe_numeric([4, 5], threshold=0),
        lambda d: d["median"],
        "needs 6",
    ),
    (
        "categorical n=0",
        lambda: describe_categorical([], [("1", "Yes")], threshold=0),
        lambda d: d,
        "no substantive answers",
    ),
    (
        "likert text",
        lambda: describe_categorical(["a", "b"], ordinal=True, threshold=0),
        lambda d: d,
        "not numeric",
    ),
    (
        "multiple n=0",
        lambda: describe_multiple([None, []], [("a", "A")], threshold=0),
        lambda d: d,
        "no substantive answers",
    ),
    (
        "alpha constant",
        lambda: scale_reliability(np.full((6, 3), 2.0), item_min=1, item_max=5),
        lambda d: d["alpha"],
        "same total",
    ),
    (
        "alpha empty",
        lambda: scale_reliability(np.empty((0, 3)), item_min=1, item_max=5),
        lambda d: d["alpha"],
        "fewer than two",
    ),
    (
        "paired n=0",
        lambda: compare_paired([NAN], [1.0], "continuous"),
        lambda d: d,
        "no respondent answered both",
    ),
    (
        "paired constant change",
        lambda: compare_paired([1, 2, 3] * 4, [2, 3, 4] * 4, "continuous"),
        lambda d: d,
        "same amount",
    ),
    (
        "paired no change",
        lambda: compare_paired([3] * 8, [3] * 8, "ordinal"),
        lambda d: d,
        "no pair changed",
    ),
    (
        "mcnemar no change",
        lambda: compare_paired([1, 0] * 5, [1, 0] * 5, "binary"),
        lambda d: d,
        "nobody changed",
    ),
    (
        "mcnemar bad codes",
        lambda: compare_paired([1, 2] * 5, [1, 0] * 5, "binary"),
        lambda d: d,
        "coded 0 and 1",
    ),
    (
        "independent empty",
        lambda: compare_independent([], [1, 2, 3, 4, 5, 6], "ordinal"),
        lambda d: d,
        "no answers",
    ),
    (
        "independent constant",
        lambda: compare_independent([3] * 6, [3] * 7, "ordinal"),
        lambda d: d,
        "every answer is the same",
    ),
    (
        "welch constant",
        lambda: compare_independent([3] * 12, [3] * 12, "continuous"),
        lambda d: d,
        "no variation",
    ),
    (
        "chi-square one category",
        lambda: compare_independent(["a"] * 6, ["a"] * 7, "categorical"),
        lambda d: d,
        "one category",
    ),
    (
        "groups too small",
        lambda: compare_groups({"a": [1, 2], "b": [3]}, "ordinal"),
        lambda d: d,
        "fewer than two groups",
    ),
    (
        "kruskal constant",
        lambda: compare_groups({"a": [2] * 5, "b": [2] * 5, "c": [2] * 6}, "ordinal"),
        lambda d: d,
        "every answer is the same",
    ),
    (
        "outcome n=0",
        lambda: compare_with_target([], OutcomeSpec("median", 3, "increase")),
        lambda d: d,
        "no answers",
    ),
    ("triad n=0", lambda: triad_mean(np.empty((0, 3))), lambda d: d, "no triad answers"),
    ("triad bad shape", lambda: triad_mean([0.5, 0.5]), lambda d: d, "three shares"),
    ("dyad n=0", lambda: dyad_distribution([NAN]), lambda d: d, "no dyad answers"),
]


@pytest.mark.parametrize(("name", "call", "pick", "reason"), CASES, ids=[c[0] for c in CASES])
def test_edge_case_has_reason_and_strict_json(
    name: str, call: Callable[[], Any], pick: Callable[[dict], Any], reason: str
) -> None:
    out = call().to_dict()
    json.dumps(out, allow_nan=False)  # raises on NaN or infinity
    part = pick(out)
    assert reason in (part.get("reason") or "")
    for key in ("ci_low", "ci_high", "p_value", "statistic", "shares", "median"):
        if key in part:
            assert part[key] is None


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_small_groups_are_suppressed_everywhere(n: int) -> None:
    values = [4.0, 5.0, 3.0, 4.0][:n]
    outputs = [
        describe_numeric(values).to_dict(),
        compare_independent(values, [1.0, 2.0, 3.0, 4.0, 5.0, 2.0], "ordinal").to_dict(),
        compare_with_target(values, OutcomeSpec("mean", 3, "increase")).to_dict(),
        scale_reliability(np.array([values, values]).T, item_min=1, item_max=5).to_dict(),
    ]
    for out in outputs:
        assert out["suppressed"] is True
        json.dumps(out, allow_nan=False)
    assert outputs[0]["mean"]["value"] is None and outputs[0]["n"] is None
    assert outputs[1]["p_value"] is None and outputs[1]["effects"][0]["value"] is None
    assert outputs[2]["status"] == "not_measurable" and outputs[2]["actual"]["value"] is None


def test_ties_are_handled_by_rank_tests() -> None:
    a = [3, 3, 3, 4, 4, 3, 3, 3, 4, 3]
    b = [3, 4, 4, 4, 5, 4, 4, 4, 3, 4]
    result = compare_independent(a, b, "ordinal").to_dict()
    assert result["p_value"] is not None and 0 < result["p_value"] < 1
    json.dumps(result, allow_nan=False)

"""Comparing waves and groups: which test, and the result every results page shows.

:func:`choose_test` is the rule, in words a results page can repeat:

- paired (the same people, linked by panel code, at baseline and follow-up):
  continuous answers with at least 10 pairs → paired t-test (effect: Cohen's d_z);
  ordinal answers, or fewer than 10 pairs → Wilcoxon signed-rank (matched-pairs rank-biserial);
  binary → McNemar's test (exact binomial when fewer than 25 pairs changed);
- independent (different people):
  continuous answers with at least 10 in each group → Welch's t-test (Cohen's d, Hedges' g);
  ordinal, or fewer than 10 in a group → Mann-Whitney U (rank-biserial correlation);
  binary or categorical → chi-square test of independence without continuity correction,
  or Fisher's exact test for a 2×2 table with an expected count below 5 (Cramér's V; for
  binary answers also the risk difference with Newcombe's interval);
- three or more groups: Kruskal-Wallis (epsilon²) or chi-square (Cramér's V).

The tests themselves live in :mod:`.two_sample` (two waves or groups) and :mod:`.groups`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .intervals import Estimate
from .suppression import public_count, suppression_reason, too_few
from .values import json_number

KINDS = ("continuous", "ordinal", "binary", "categorical")
MIN_N_FOR_T = 10
EXACT_MCNEMAR_BELOW = 25
NOT_ADJUSTED = "none"


@dataclass(frozen=True)
class TestChoice:
    """The test a comparison uses and the sentence that explains why."""

    test: str
    explanation: str

    def to_dict(self) -> dict[str, str]:
        return {"test": self.test, "explanation": self.explanation}


@dataclass(frozen=True)
class ComparisonResult:
    """A test between waves or groups, its effect size(s) and, when it has one, its adjustment."""

    test: str
    explanation: str
    paired: bool
    groups: tuple[str, ...]
    ns: tuple[int, ...]
    statistic: float | None
    df: float | None
    p_value: float | None
    effects: tuple[Estimate, ...]
    threshold: int
    reason: str | None = None
    p_adjusted: float | None = None
    adjustment: str = NOT_ADJUSTED

    @property
    def suppressed(self) -> bool:
        return any(too_few(n, self.threshold) for n in self.ns)

    def to_dict(self) -> dict[str, Any]:
        hidden = self.suppressed
        return {
            "test": self.test,
            "explanation": self.explanation,
            "paired": self.paired,
            "groups": list(self.groups),
            "ns": [public_count(n, self.threshold) for n in self.ns],
            "statistic": None if hidden else json_number(self.statistic),
            "df": None if hidden else json_number(self.df),
            "p_value": None if hidden else json_number(self.p_value),
            "p_adjusted": None if hidden else json_number(self.p_adjusted),
            "adjustment": self.adjustment,
            "effects": [
                (effect.hidden(self.threshold) if hidden else effect).to_dict()
                for effect in self.effects
            ],
            "suppressed": hidden,
            "reason": suppression_reason(self.threshold) if hidden else self.reason,
        }


def choose_test(kind: str, n: int, paired: bool, groups: int = 2) -> TestChoice:
    """Pick the test for ``kind`` of answer with ``n`` (pairs, or the smallest group's size)."""
    if kind not in KINDS:
        return TestChoice("none", f"unknown kind of answer {kind!r}: use one of {', '.join(KINDS)}")
    if groups > 2:
        if paired:
            return TestChoice("none", "paired comparisons of more than two waves are not tested")
        if kind in ("binary", "categorical"):
            return TestChoice(
                "chi-square",
                "answers fall in categories and there are several "
                "groups, so a chi-square test of independence compares them",
            )
        return TestChoice(
            "Kruskal-Wallis",
            "there are several groups, so the Kruskal-Wallis "
            "rank test compares them without assuming normal answers",
        )
    if paired:
        if kind == "binary":
            return TestChoice(
                "McNemar",
                "the same people answered yes/no twice, so McNemar's test "
                "compares those who changed one way with those who changed the other "
                f"(exact binomial when fewer than {EXACT_MCNEMAR_BELOW} changed)",
            )
        if kind == "categorical":
            return TestChoice(
                "none",
                "paired answers with more than two categories are not "
                "tested; compare one category at a time as yes/no",
            )
        if kind == "continuous" and n >= MIN_N_FOR_T:
            return TestChoice(
                "paired t-test",
                "the same people answered twice on a numeric "
                "scale, so a paired t-test compares their changes",
            )
        why = (
            "the answers are ordered categories"
            if kind == "ordinal"
            else (f"there are fewer than {MIN_N_FOR_T} pairs")
        )
        return TestChoice(
            "Wilcoxon signed-rank",
            f"the same people answered twice and {why}, so "
            "the Wilcoxon signed-rank test compares the ranks of their changes",
        )
    if kind in ("binary", "categorical"):
        return TestChoice(
            "chi-square",
            "answers fall in categories, so a chi-square test compares "
            "the groups (Fisher's exact test for a 2×2 table with an expected count "
            "below 5)",
        )
    if kind == "continuous" and n >= MIN_N_FOR_T:
        return TestChoice(
            "Welch t-test",
            "different people answered on a numeric scale, so "
            "Welch's t-test compares the means without assuming equal spreads",
        )
    why = (
        "the answers are ordered categories"
        if kind == "ordinal"
        else (f"a group has fewer than {MIN_N_FOR_T} answers")
    )
    return TestChoice(
        "Mann-Whitney U",
        f"different people answered and {why}, so the Mann-Whitney U test compares their ranks",
    )

"""Preliminary findings for a sense-making round, written in plain words from the results.

Each active outcome of :func:`revaluation.services.results.evaluation_results` becomes one
finding: what was hoped for, what was found (already suppressed where small), and the status.
The evaluator can add findings by hand as well; both are stored the same way.
"""

from __future__ import annotations

from typing import Any

from revaluation.models import Evaluation
from revaluation.models.participation import SenseMakingRound
from revaluation.services.participation_rounds import add_finding
from revaluation.services.results import evaluation_results

STATUS_WORDS = {
    "achieved": "The target looks reached.",
    "not_achieved": "The target does not look reached.",
    "too_early": "It is too early to say whether the target is reached.",
    "not_measurable": "This could not be measured yet.",
}
DIRECTION_WORDS = {"increase": "go up to", "decrease": "come down to", "maintain": "stay at"}


def _number(value: Any, statistic: str | None) -> str:
    if value is None:
        return "–"
    if statistic == "proportion":
        return f"{value * 100:.0f}%"
    return f"{value:.3g}"


def finding_for(outcome: dict[str, Any]) -> dict[str, Any]:
    """One outcome entry of the results structure as a finding: title, summary, data."""
    result = outcome.get("result") or {}
    statistic = outcome.get("statistic")
    actual = (result.get("actual") or {}).get("value")
    hoped = (f"The hope was that {outcome.get('indicator_label') or outcome['title']} would "
             f"{DIRECTION_WORDS.get(outcome.get('direction'), 'reach')} "
             f"{_number(outcome.get('target'), statistic)}.")
    if result.get("suppressed") or actual is None:
        found = "Too few people answered to show a figure without risking identifying anyone."
    else:
        people = f" from {result['n']} people" if result.get("n") else ""
        found = f"We found {_number(actual, statistic)}{people}."
    status = STATUS_WORDS.get(result.get("status"), "")
    return {
        "title": outcome["title"][:200],
        "summary": " ".join(part for part in (hoped, found, status) if part),
        "data": {"outcome": outcome["key"], "status": result.get("status"),
                 "actual": None if result.get("suppressed") else actual,
                 "target": outcome.get("target"), "statistic": statistic},
    }


def findings_from_results(evaluation: Evaluation, sense: SenseMakingRound) -> int:
    """Add one finding per active outcome to a draft round; returns how many were added."""
    results = evaluation_results(evaluation)
    added = 0
    for outcome in results.get("outcomes", []):
        if not outcome.get("active"):
            continue
        finding = finding_for(outcome)
        add_finding(sense, title=finding["title"], summary=finding["summary"],
                    data=finding["data"])
        added += 1
    return added

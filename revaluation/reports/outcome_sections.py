"""The outcome parts of the report: the plain-English summary, intended vs actual, and one page
per outcome. Every number is read from the results structure and written by the shared
formatting functions; statuses come from the analysis layer, never re-derived here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from revaluation.reports.formatting import (
    MISSING,
    format_change,
    format_change_ci,
    format_ci,
    format_count,
    format_effect,
    format_p,
    format_value,
    status_label,
)

ORIGIN_LABELS = {
    "planned": "Planned",
    "emergent": "Emergent (added later)",
    "proposed": "Proposed by members",
}
STATISTIC_WORDS = {"mean": "Mean", "median": "Median", "proportion": "Share"}
DIRECTION_WORDS = {"increase": "at least", "decrease": "at most", "maintain": "kept at"}

ChartFunction = Callable[[dict[str, Any]], tuple[str, str] | None]


def result_of(outcome: dict[str, Any]) -> dict[str, Any]:
    """The outcome's result against the current framework (status, actual, CI, n...)."""
    return outcome.get("result") or {}


def statistic_of(outcome: dict[str, Any]) -> str:
    return str(outcome.get("statistic") or "mean")


def _target_text(target: Any, direction: str | None, statistic: str) -> str:
    if target is None:
        return "No target"
    words = DIRECTION_WORDS.get(direction or "", "")
    return f"{words} {format_value(target, statistic)}".strip()


def indicator_text(outcome: dict[str, Any]) -> str:
    """E.g. "Share answering 4 or more to “lonely”"; the words commissioners read."""
    statistic = statistic_of(outcome)
    label = outcome.get("indicator_label") or outcome.get("indicator_key") or "the indicator"
    if statistic == "proportion" and outcome.get("threshold") is not None:
        return f"Share answering {outcome['threshold']:g} or more to “{label}”"
    return f"{STATISTIC_WORDS.get(statistic, statistic.title())} of “{label}”"


def sentence(outcome: dict[str, Any]) -> str:
    """One line a commissioner can read aloud: the outcome, its value, the target, the verdict."""
    result = result_of(outcome)
    statistic = statistic_of(outcome)
    status = result.get("status") or "not_measurable"
    actual = result.get("actual") or {}
    title = outcome.get("title", "This outcome")
    target = _target_text(
        result.get("target", outcome.get("target")),
        result.get("direction", outcome.get("direction")),
        statistic,
    )
    if status == "not_measurable" or actual.get("value") is None:
        why = result.get("reason") or "there were not enough answers"
        return f"{title}: not measurable yet, because {why}. The target is {target}."
    value = format_value(actual.get("value"), statistic)
    interval = format_ci(actual.get("ci_low"), actual.get("ci_high"), statistic)
    verdicts = {
        "achieved": "so it was achieved",
        "not_achieved": "so it was not achieved",
        "too_early": "so it is too early to tell whether it was achieved",
    }
    return (
        f"{title}: {value} (95% confidence interval {interval}) against a target of "
        f"{target}, {verdicts.get(status, 'so its status is unclear')}."
    )


def summary_section(results, outcomes, responses: int, waves, texts) -> dict[str, Any]:
    active = [o for o in outcomes if o.get("active", True)]
    counts: dict[str, int] = {}
    for outcome in active:
        status = result_of(outcome).get("status") or "not_measurable"
        counts[status] = counts.get(status, 0) + 1
    if active:
        parts = [f"{n} {status_label(s).lower()}" for s, n in counts.items()]
        opening = (
            f"The evaluation set out to achieve {len(active)} outcome"
            f"{'s' if len(active) != 1 else ''}. As things stand: " + ", ".join(parts) + "."
        )
    else:
        opening = ""
    key_numbers = [
        {"label": "Survey responses received", "value": format_count(responses)},
        {"label": "Survey waves included", "value": format_count(len(waves))},
        {"label": "Outcomes in the current framework", "value": format_count(len(active))},
    ]
    for status, label in (("achieved", "Outcomes achieved"), ("too_early", "Too early to tell")):
        key_numbers.append({"label": label, "value": format_count(counts.get(status, 0))})
    return {
        "opening": opening,
        "lines": [
            {
                "status": result_of(o).get("status") or "not_measurable",
                "status_label": status_label(result_of(o).get("status")),
                "sentence": sentence(o),
            }
            for o in active
        ],
        "key_numbers": key_numbers,
        "empty": texts["summary"],
    }


def framework_section(results, outcomes, evaluation, waves) -> dict[str, Any]:
    locked = evaluation.get("framework_locked_at")
    intro = (
        f"The outcome framework was locked on {locked.strftime('%-d %B %Y')}, when the first "
        "wave opened. The table sets what was first intended beside what is intended now and "
        "what the surveys measured."
        if locked
        else "The framework has not been locked yet: no wave has opened, so there is no "
        "original version to compare with."
    )
    rows = []
    for outcome in outcomes:
        result = result_of(outcome)
        statistic = statistic_of(outcome)
        original = outcome.get("original")
        actual = result.get("actual") or {}
        current = _target_text(outcome.get("target"), outcome.get("direction"), statistic)
        if original is None:
            first = "Not in the original framework"
        else:
            first = "Target " + _target_text(
                original.get("target"), original.get("direction"), statistic
            )
        if not outcome.get("active", True):
            now = "Dropped"
        elif original is not None and not outcome.get("changed"):
            now = "Unchanged"
        else:
            now = ("Added: target " if original is None else "Target ") + current
        original_result = (original or {}).get("result") or {}
        rows.append(
            {
                "title": outcome.get("title", ""),
                "indicator": indicator_text(outcome),
                "origin_label": ORIGIN_LABELS.get(outcome.get("origin", "planned"), "Planned"),
                "original": first,
                "revised": now,
                "baseline": format_value(result.get("baseline"), statistic),
                "actual": format_value(actual.get("value"), statistic),
                "ci": format_ci(actual.get("ci_low"), actual.get("ci_high"), statistic),
                "n": format_count(result.get("n")),
                "change": format_change(result.get("change_from_baseline"), statistic),
                "status": result.get("status") or "not_measurable",
                "status_label": status_label(result.get("status")),
                "original_status_label": status_label(original_result.get("status"))
                if original_result and original_result.get("status") != result.get("status")
                else None,
            }
        )
    changes = [
        {
            "when": _date_text(r.get("created_at")),
            "title": r.get("outcome_title") or r.get("title") or "",
            "what": r.get("summary") or r.get("change") or "Changed",
            "reason": r.get("reason") or "No reason recorded",
        }
        for r in results.get("revisions", [])
    ]
    return {
        "intro": intro,
        "rows": rows,
        "empty": "There are no outcomes in the framework yet.",
        "changes": changes,
        "no_changes": "Nothing has been added, dropped or changed since the framework was locked."
        if locked
        else "No changes: the framework is not locked yet.",
    }


def _date_text(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%-d %B %Y") if hasattr(value, "strftime") else ""


def _estimate_rows(entries: list[dict[str, Any]], label_key: str, statistic: str):
    rows = []
    for entry in entries:
        estimate = entry.get("estimate") or {}
        rows.append(
            {
                "label": entry.get(label_key) or "",
                "n": format_count(entry.get("n")),
                "value": format_value(estimate.get("value"), statistic)
                if not estimate.get("suppressed")
                else f"{MISSING} (fewer than the threshold)",
                "ci": format_ci(estimate.get("ci_low"), estimate.get("ci_high"), statistic),
            }
        )
    return rows


def _effect_name(method: str) -> str:
    """ "Cohen's d_z with noncentral-t interval" -> "Cohen's d_z"."""
    for stop in (" with ", " (", ";", " from "):
        method = method.split(stop)[0]
    return method[:1].upper() + method[1:]


def adjustment_name(adjustment: str | None) -> str:
    """ "Holm step-down (family-wise error rate)" -> "Holm"; "none" -> ""."""
    if not adjustment or adjustment == "none":
        return ""
    return adjustment.split(" ")[0]


def p_text(p_value: Any, p_adjusted: Any, adjustment: str | None) -> str:
    """The adjusted p-value with the adjustment named, else the raw one."""
    name = adjustment_name(adjustment)
    if p_adjusted is not None and name:
        return f"{format_p(p_adjusted)} ({name})"
    return format_p(p_value)


def _comparison_rows(comparisons: list[dict[str, Any]], statistic: str) -> list[dict[str, str]]:
    rows = []
    for c in comparisons:
        effects = c.get("effects") or []
        difference = next((e for e in effects if "difference" in (e.get("method") or "")), None)
        sizes = [e for e in effects if e is not difference]
        change = MISSING
        if difference and difference.get("value") is not None:
            change = format_change(difference["value"], statistic)
            if difference.get("ci_low") is not None:
                change += (
                    " ("
                    + format_change_ci(difference["ci_low"], difference["ci_high"], statistic)
                    + ")"
                )
        effect_texts = []
        for e in sizes:
            if e.get("value") is None:
                continue
            text = f"{_effect_name(e.get('method') or '')} {format_effect(e['value'])}"
            if e.get("ci_low") is not None:
                text += f" ({format_effect(e['ci_low'])} to {format_effect(e['ci_high'])})"
            effect_texts.append(text)
        rows.append(
            {
                "label": c.get("label") or " vs ".join(c.get("groups") or []),
                "test": c.get("test") or MISSING,
                "difference": change,
                "effect": "; ".join(effect_texts) or MISSING,
                "p": f"{MISSING} (small groups)"
                if c.get("suppressed")
                else p_text(c.get("p_value"), c.get("p_adjusted"), c.get("adjustment")),
            }
        )
    return rows


def outcome_pages(results, outcomes, chart: ChartFunction | None) -> list[dict[str, Any]]:
    pages = []
    for index, outcome in enumerate(o for o in outcomes if o.get("active", True)):
        result = result_of(outcome)
        statistic = statistic_of(outcome)
        drawn = chart(outcome) if chart else None
        notes = []
        if result.get("reason") and result.get("status") == "not_measurable":
            notes.append(f"Why it is not measurable: {result['reason']}.")
        measured = (outcome.get("measured_wave") or {}).get("name")
        if measured:
            notes.append(f"Measured in the wave “{measured}”.")
        if result.get("test") and not result.get("suppressed"):
            notes.append(
                f"Test against the target: {result['test']}, p = "
                + p_text(result.get("p_value"), result.get("p_adjusted"), result.get("adjustment"))
                + "."
            )
        pages.append(
            {
                "anchor": f"outcome-{index + 1}",
                "title": outcome.get("title", ""),
                "status": result.get("status") or "not_measurable",
                "status_label": status_label(result.get("status")),
                "indicator": indicator_text(outcome),
                "sentence": sentence(outcome),
                "chart_svg": drawn[0] if drawn else None,
                "caption": f"Figure {index + 1}.",
                "alt": drawn[1] if drawn else "",
                "statistic_label": STATISTIC_WORDS.get(statistic, "Value"),
                "waves": _estimate_rows(outcome.get("by_wave") or [], "wave", statistic),
                "groups": _estimate_rows(outcome.get("by_group") or [], "group", statistic),
                "comparisons": _comparison_rows(outcome.get("comparisons") or [], statistic),
                "notes": notes,
                "groups_heading": f"Groups, in “{measured}”" if measured else "Groups",
                "no_waves": "No wave has answers for this indicator yet.",
                "no_groups": "No group has enough answers to show separately.",
            }
        )
    return pages

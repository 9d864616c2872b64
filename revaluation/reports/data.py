"""Build the report's plain data: strings and lists a template prints as they are.

Input: the results structure of :func:`revaluation.services.results.evaluation_results`
(documented in docs/results-schema.md; already small-cell suppressed) and the plain inputs
gathered by :mod:`revaluation.reports.sources`. Output: one dict whose numbers are already
written by :mod:`revaluation.reports.formatting`, the functions the results pages use too, so
the PDF and the web page cannot disagree. No statistic is computed here; where the results hold
no number (suppressed, unmeasurable, no answers) the report says so in words.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from revaluation.reports import charts, context_sections, methods_sections
from revaluation.reports.formatting import (
    STATUS_LABELS,
    STATUS_MEANINGS,
    format_ci,
    format_count,
    format_value,
    status_label,
)
from revaluation.reports.outcome_sections import framework_section, outcome_pages, summary_section

#: Report sections in print order: anchor -> heading (also the `--sections` names).
SECTIONS = {
    "summary": "Summary in plain English",
    "framework": "Intended and actual outcomes",
    "going_on": "What is going on",
    "outcomes": "Outcome by outcome",
    "participation": "Participation and fieldwork",
    "methods": "Methods and caveats",
    "appendix": "Appendix: question by question",
}

STATUS_KEY = [
    {
        "status": key,
        "label": label,
        "meaning": STATUS_MEANINGS[key][0].upper() + STATUS_MEANINGS[key][1:] + ".",
    }
    for key, label in STATUS_LABELS.items()
]
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOUR = "#1d5c63"

__all__ = [
    "SECTIONS",
    "STATUS_KEY",
    "build_report_data",
    "empty_texts",
    "format_ci",
    "format_count",
    "format_value",
    "status_label",
]


def empty_texts(threshold: int) -> dict[str, str]:
    """What the report says where a part has nothing to show, in words a commissioner reads."""
    return {
        "summary": "The framework has no intended outcomes yet, so there is nothing to summarise.",
        "no_responses": "No survey responses have been received yet, so no outcome can be "
        "measured. Every outcome below is reported as not measurable.",
        "one_wave": "Only one survey wave is included, so no change over time can be measured: "
        "outcomes are compared with their targets only.",
        "suppressed": f"Some groups had fewer than {threshold} respondents. Their figures are "
        "withheld to protect the people in them, and marked with a dash (–).",
        "unmeasurable": "At least one outcome cannot be measured yet; the report says why "
        "beside it.",
    }


def build_report_data(results: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """The report dict the templates in templates/reports/ print."""
    evaluation = inputs["evaluation"]
    threshold = int(results.get("threshold") or evaluation["threshold"])
    texts = empty_texts(threshold)
    sections = [s for s in SECTIONS if s in inputs["options"]["sections"]]
    waves = inputs["waves"]
    fieldwork = context_sections.fieldwork_rows(inputs["fieldwork"], waves, threshold)
    for entry, wave in zip(fieldwork, waves, strict=True):
        entry["dates"] = _wave_dates(wave)
    responses = sum(row["started"] for row in inputs["fieldwork"])
    outcomes = list(results.get("outcomes", []))
    report: dict[str, Any] = {
        "lang": evaluation["language"] or "en",
        "title": evaluation["title"],
        "movement": evaluation["movement"],
        "description": evaluation["description"],
        "brand_colour": evaluation["brand_colour"]
        if COLOUR_RE.match(evaluation["brand_colour"] or "")
        else DEFAULT_COLOUR,
        "period": _period(waves),
        "generated_on": _day(inputs["generated_at"]),
        "generated_iso": inputs["generated_at"].date().isoformat(),
        "edition": inputs["edition_label"],
        "threshold": threshold,
        "waves": [{"name": w["name"], "dates": _wave_dates(w)} for w in waves],
        "filters": _filters(inputs),
        "authors": _authors(inputs),
        "sections": sections,
        "toc": [{"anchor": s, "title": SECTIONS[s]} for s in sections],
        "notices": _notices(results, outcomes, responses, waves, texts),
    }
    public = sum(w.get("responses") or 0 for w in results.get("waves", []))
    report["summary"] = summary_section(results, outcomes, public, waves, texts)
    report["summary"]["status_key"] = STATUS_KEY
    report["framework"] = framework_section(results, outcomes, evaluation, waves)
    report["going_on"] = context_sections.going_on(results, inputs["participation"], threshold)
    report["outcome_intro"] = (
        "One page for each outcome in the current framework: its chart, its value in each "
        "wave and group, and the tests behind its status."
    )
    report["outcomes"] = outcome_pages(results, outcomes, chart)
    report["no_outcomes"] = texts["summary"]
    report["participation"] = context_sections.participation(
        fieldwork, inputs["participation"], threshold, public
    )
    report["methods"] = methods_sections.methods(results, threshold)
    report["appendix"] = methods_sections.appendix(results)
    return report


def chart(outcome: dict[str, Any]) -> tuple[str, str] | None:
    """The outcome's SVG chart (shared with the results pages) and its text alternative."""
    if not outcome.get("by_wave") and not outcome.get("by_group"):
        return None
    return charts.outcome_chart(outcome)


def _day(moment: datetime | None) -> str:
    return moment.strftime("%-d %B %Y") if moment else ""


def _month(moment: datetime | None) -> str:
    return moment.strftime("%B %Y") if moment else ""


def _wave_dates(wave: dict[str, Any]) -> str:
    opened, closed = wave.get("opened_at"), wave.get("closed_at")
    if opened is None:
        return "not yet fielded"
    if closed is None:
        return f"open since {_day(opened)}"
    return f"{_day(opened)} to {_day(closed)}"


def _period(waves: list[dict[str, Any]]) -> str:
    opened = [w["opened_at"] for w in waves if w.get("opened_at")]
    if not opened:
        return "No fieldwork yet"
    start = min(opened)
    closed = [w["closed_at"] for w in waves if w.get("closed_at")]
    still_open = any(w.get("opened_at") and not w.get("closed_at") for w in waves)
    if still_open or not closed:
        return f"{_month(start)} to date"
    end = max(closed)
    return _month(start) if _month(start) == _month(end) else f"{_month(start)} to {_month(end)}"


def _filters(inputs: dict[str, Any]) -> list[dict[str, str]]:
    options = inputs["options"]
    out = []
    if options["wave_ids"]:
        names = ", ".join(w["name"] for w in inputs["waves"])
        out.append({"label": "Waves included", "value": names})
    if options["groups"]:
        out.append({"label": "Groups included", "value": ", ".join(options["groups"])})
    if len(options["sections"]) < len(SECTIONS):
        out.append(
            {
                "label": "Sections included",
                "value": ", ".join(SECTIONS[s] for s in SECTIONS if s in options["sections"]),
            }
        )
    return out


def _authors(inputs: dict[str, Any]) -> dict[str, str]:
    people = inputs["people"]
    participation = inputs["participation"]
    parts = ["answered the surveys"]
    if participation.get("stories"):
        parts.append("told stories of change and placed the value in them")
    if participation.get("msc"):
        parts.append("chose the most significant changes")
    if participation.get("sense_making"):
        parts.append("responded to the findings before this report was written")
    done = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return {
        "evaluators": ", ".join(people["evaluators"]) or "The evaluation team",
        "commissioners": ", ".join(people["commissioners"]) or "Not recorded",
        "participants": f"Members of the movement {done}. Their words are quoted as they "
        "wrote them.",
    }


def _notices(results, outcomes, responses: int, waves, texts) -> list[str]:
    notes = []
    if responses == 0:
        notes.append(texts["no_responses"])
    elif len([w for w in waves if w.get("opened_at")]) == 1:
        notes.append(texts["one_wave"])
    if responses and any(_status(o) == "not_measurable" for o in outcomes):
        notes.append(texts["unmeasurable"])
    if results.get("suppressed_any"):
        notes.append(texts["suppressed"])
    return notes


def _status(outcome: dict[str, Any]) -> str:
    return ((outcome.get("result") or {}).get("status")) or "not_measurable"

"""Methods and caveats, and the question-by-question appendix, from the results structure.

Tests are named as the analysis layer ran them, each with the reason it was chosen (the
results' own explanation where it gives one); appendix tables print the suppressed summaries
as they are, with a dash where a figure is withheld.
"""

from __future__ import annotations

from typing import Any

from revaluation.reports.formatting import MISSING, format_count, format_percent, format_value

#: Why each test is used, in words, for tests the results name without an explanation.
TEST_REASONS = {
    "one-sample t-test": "compares a mean with its target when there are enough answers for the "
    "mean to be close to normally distributed.",
    "wilcoxon signed-rank test against the target": "compares a median, or skewed answers, with "
    "the target without assuming a normal distribution.",
    "exact binomial test": "compares a share with its target exactly, whatever the number of "
    "answers.",
    "paired t-test": "compares the same people's answers in two waves (linked by panel code).",
    "wilcoxon signed-rank": "compares the same people's ranked answers in two waves without "
    "assuming a normal distribution.",
    "mcnemar": "compares the same people's yes/no answers in two waves: did more people change "
    "one way than the other?",
    "welch t-test": "compares the means of two separate samples without assuming equal spread.",
    "mann-whitney u": "compares two separate groups' ranked answers (such as rating scales).",
    "chi-square": "compares how answers fall into categories across groups.",
    "fisher": "compares categories in a small two-by-two table exactly.",
    "kruskal-wallis": "compares three or more groups' ranked answers.",
    "anova": "compares the means of three or more groups.",
}


def _test_reason(name: str, explanations: dict[str, str]) -> str:
    if name in explanations:
        text = explanations[name]
        return text[:1].upper() + text[1:].rstrip(".") + "."
    lowered = name.lower()
    for key in sorted(TEST_REASONS, key=len, reverse=True):
        if lowered.startswith(key):
            reason = TEST_REASONS[key]
            return reason[:1].upper() + reason[1:]
    return "Chosen by the analysis for this kind of answer."


def methods(results: dict[str, Any], threshold: int) -> dict[str, Any]:
    info = results.get("methods") or {}
    explanations = {
        c["test"]: c["explanation"]
        for o in results.get("outcomes", [])
        for c in o.get("comparisons", [])
        if c.get("test") and c.get("explanation")
    }
    return {
        "instruments": [
            {
                "title": i.get("instrument", ""),
                "version": f"Version {i.get('version')}",
                "waves": ", ".join(i.get("waves", [])),
            }
            for i in info.get("instruments", [])
        ],
        "no_instruments": "No instrument has been fielded yet.",
        "tests": [
            {"name": name[:1].upper() + name[1:], "why": _test_reason(name, explanations)}
            # The tests behind the figures a report shows (the outcomes'), whichever results
            # served it; older kept results have the whole list only.
            for name in info.get("outcome_tests", info.get("tests", []))
        ],
        "no_tests": "No statistical tests were run: there were no answers to test.",
        "multiplicity": info.get("outcome_multiplicity") or info.get("multiplicity")
        or "No p-values were computed.",
        "suppression": f"No figure describes fewer than {threshold} people. Counts from 1 to "
        f"{threshold - 1} are withheld, and so is the next smallest figure in the same row or "
        "column whenever the hidden one could otherwise be worked out from the totals. "
        "Withheld figures are shown as a dash (–).",
        "missing": info.get("missing") or "No answers were missing: there were no answers.",
        "limitations": [
            "People chose to answer, so those who responded may differ from those who did not.",
            "Answers are self-reported.",
            "Without a comparison group, changes over time cannot be attributed to the movement "
            "alone; stories and sense-making help judge its contribution.",
            "Statuses rest on 95% confidence intervals: with few answers an interval is wide, "
            "so “too early to tell” is common and is not a failure.",
        ],
    }


def appendix(results: dict[str, Any]) -> dict[str, Any]:
    tables = [_question_table(q) for q in results.get("questions", [])]
    tables += [
        _question_table({**s, "label": s.get("title", s["key"]), "type": "scale"})
        for s in results.get("scales", [])
    ]
    return {
        "intro": "Every question and scale, wave by wave. Percentages are of those who "
        "answered; a dash (–) marks a withheld figure.",
        "questions": [t for t in tables if t["rows"]],
        "empty": "There are no answers to tabulate yet.",
    }


def _question_table(q: dict[str, Any]) -> dict[str, Any]:
    waves = q.get("by_wave") or []
    summaries = [w.get("summary") or {} for w in waves]
    numeric = all(s.get("kind") == "numeric" for s in summaries)
    notes = []
    if numeric:
        columns = ["Wave", "Answered", "Missing", "Mean (95% CI)", "Median"]
        rows = []
        for w, s in zip(waves, summaries, strict=True):
            mean, median = s.get("mean") or {}, s.get("median") or {}
            mean_text = format_value(mean.get("value"))
            if mean.get("ci_low") is not None:
                mean_text += f" ({format_value(mean['ci_low'])} to {format_value(mean['ci_high'])})"
            rows.append(
                [
                    w.get("wave", ""),
                    format_count(s.get("n")),
                    format_count(s.get("missing")),
                    mean_text,
                    format_value(median.get("value")),
                ]
            )
    else:
        columns = ["Answer", *[w.get("wave", "") for w in waves]]
        labels: dict[str, str] = {}
        for s in summaries:
            for d in s.get("distribution", []):
                labels.setdefault(str(d.get("value")), d.get("label") or str(d.get("value")))
        rows = []
        for value, label in labels.items():
            cells = []
            for s in summaries:
                found = next(
                    (d for d in s.get("distribution", []) if str(d.get("value")) == value), None
                )
                share = ((found or {}).get("proportion") or {}).get("value")
                cells.append(
                    MISSING
                    if not found or found.get("count") is None
                    else f"{format_count(found['count'])} ({format_percent(share)})"
                )
            rows.append([label, *cells])
        rows.append(["Answered", *[format_count(s.get("n")) for s in summaries]])
        rows.append(
            [
                "Prefer not to say / don't know",
                *[format_count(s.get("nonsubstantive")) for s in summaries],
            ]
        )
        if q.get("type") == "multiple_choice":
            notes.append(
                "People could choose more than one answer, so percentages add up to more than 100%."
            )
    return {
        "key": q.get("key", ""),
        "label": q.get("label") or q.get("key", ""),
        "columns": columns,
        "rows": rows if waves else [],
        "notes": notes,
    }

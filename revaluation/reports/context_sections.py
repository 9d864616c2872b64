"""The context parts of the report: what is going on (stories, value, signifiers, themes,
sense-making), participation and fieldwork, methods and caveats, and the question appendix.

Inputs are already-suppressed plain values (results structure, participation data from
:mod:`revaluation.reports.participation_data`); fieldwork counts are raw and are suppressed here
with the analysis layer's rule before any is written.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import unescape

from revaluation.analysis import ranked_texts, suppress_counts
from revaluation.analysis.suppression import too_few
from revaluation.reports import charts
from revaluation.reports.formatting import (
    MISSING,
    format_count,
    format_percent,
    format_value,
)

VALUE_BOXES = {
    "calculate": ("Calculate", "things that can be counted or costed"),
    "calibrate": ("Calibrate", "judgements of worth"),
    "capacitate": ("Capacitate", "capacity built for the movement"),
}
STANCE_WORDS = {
    "agree": "agreed",
    "disagree": "disagreed",
    "complicated": "said it is more complicated",
}


def fieldwork_rows(
    counts: list[dict[str, Any]], waves: list[dict[str, Any]], threshold: int
) -> list[dict[str, Any]]:
    """Per wave: one row per group and a total row. Started and complete counts are each
    suppressed across the groups (with a complementary cell, so the total gives nothing away)."""
    out = []
    for wave in waves:
        rows = [c for c in counts if c["wave_id"] == wave["id"]]
        if not rows:
            out.append({"name": wave["name"], "rows": [], "started": 0})
            continue
        started_hidden = suppress_counts([r["started"] for r in rows], threshold)
        complete_hidden = suppress_counts([r["complete"] for r in rows], threshold)
        lines = [
            _line(
                r["group"],
                None if started_hidden[i] else r["started"],
                None if complete_hidden[i] or started_hidden[i] else r["complete"],
                r.get("invited"),
            )
            for i, r in enumerate(rows)
        ]
        total_started = sum(r["started"] for r in rows)
        total_complete = sum(r["complete"] for r in rows)
        invited = [r["invited"] for r in rows if r.get("invited")]
        total = _line(
            "All groups",
            None if too_few(total_started, threshold) else total_started,
            None if too_few(total_complete, threshold) else total_complete,
            sum(invited) if invited else None,
        )
        lines.append({**total, "total": True})
        out.append(
            {
                "name": wave["name"],
                "rows": lines,
                "started": total_started,
                "panel": sum(r["with_panel_code"] for r in rows),
            }
        )
    return out


def _line(group, started, complete, invited) -> dict[str, Any]:
    return {
        "group": group,
        "started": format_count(started),
        "complete": format_count(complete),
        "completion": format_percent(complete / started)
        if started and complete is not None
        else MISSING,
        "invited": format_count(invited) if invited else "Open link",
        "rate": format_percent(complete / invited) if invited and complete is not None else MISSING,
        "total": False,
    }


def participation(fieldwork, data: dict[str, Any], threshold: int, responses: int):
    notes = [
        "“Open link” means anyone with the wave's link could answer, so there is no count of "
        "people invited and no response rate.",
        f"A dash (–) marks a figure withheld because it concerns fewer than {threshold} people "
        "(or would let such a figure be worked out from the totals).",
    ]
    linked = sum(w.get("panel", 0) for w in fieldwork)
    if linked >= threshold:
        notes.append(
            f"{format_count(linked)} responses carried a panel code, which links the same person's "
            "answers across waves without identifying them; wave comparisons use these pairs."
        )
    activities = data.get("activities") or {}
    people = activities.get("participants")
    rows = [
        (
            "Participants in the co-design space",
            None if people is not None and 0 < people < threshold else people,
        ),
        ("Outcome and question proposals", activities.get("proposals")),
        ("Dot votes cast", activities.get("votes")),
        ("Stories of change told", data.get("stories")),
        ("Most Significant Change rounds completed", len(data.get("msc") or [])),
    ]
    return {
        "intro": f"{format_count(responses)} survey responses were received in the waves this "
        "report covers. The table shows them by wave and audience group.",
        "waves": [w for w in fieldwork if w["rows"]],
        "notes": notes,
        "empty": "No survey responses have been received yet, so there is nothing to count.",
        "activities": [
            {"label": label, "value": format_count(value)}
            for label, value in rows
            if value is not None
        ],
    }


def going_on(results: dict[str, Any], data: dict[str, Any], threshold: int) -> dict[str, Any]:
    emergent = [
        {
            "title": o.get("title", ""),
            "text": o.get("description") or "",
            "source": "An outcome "
            + (o.get("origin_description") or "added after fieldwork started"),
        }
        for o in results.get("emergent_outcomes", [])
    ]
    emergent += [
        {
            "title": s["title"],
            "text": s["what_changed"],
            "source": "A change the storyteller said was "
            + ("not intended" if s["intended"] == "no" else "only partly intended")
            + (f" ({s['group']})" if s.get("group") else ""),
        }
        for s in data.get("unintended", [])
    ]
    return {
        "intro": "Numbers say whether outcomes moved; this section says how and why, in "
        "participants' own words and judgements. Quotations are reproduced as written.",
        "emergent": emergent,
        "no_emergent": "No emergent or unintended outcomes have been recorded.",
        "msc": [_msc_story(s) for s in data.get("msc", [])],
        "no_msc": "No Most Significant Change selection round has been completed yet.",
        "value_grid": _value_grid(data.get("value_grid"), threshold),
        "settled": _settled(data.get("settled")),
        "triads": [_triad(t) for t in data.get("triads", [])],
        "dyads": [_dyad(d) for d in data.get("dyads", [])],
        "no_patterns": "No stories have been signified with dyads or triads yet.",
        "themes": _themes(data.get("themes") or {"columns": [], "rows": []}, threshold),
        "sense_making": [_finding(f, threshold) for f in data.get("sense_making", [])],
        "no_sense_making": "No findings have been shared with participants for sense-making yet.",
    }


def _withheld(threshold: int, what: str) -> str:
    return (f"A dash (–) marks a count withheld because it is below {threshold} {what}, or "
            "would let such a count be worked out from the totals.")


def _themes(themes: dict[str, Any], threshold: int) -> dict[str, Any]:
    hidden = any(c is None for r in themes["rows"] for c in r["counts"])
    return {
        "intro": "The evaluation team coded stories into themes. Counts are of stories, by "
        "where they were told: in a wave's survey, or in the participation space (outside the "
        "surveys). A story can carry several themes.",
        "columns": themes["columns"],
        "rows": [
            {"name": r["name"], "counts": [format_count(c) for c in r["counts"]]}
            for r in themes["rows"]
        ],
        "note": _withheld(threshold, "stories") if hidden else None,
        "empty": "No stories have been coded into themes yet.",
    }


def _msc_story(s: dict[str, Any]) -> dict[str, Any]:
    tally = None
    if s.get("panellists"):
        tally = (
            f"{s['first_choices']} of {s['panellists']} panellists chose it as their first choice."
            if s.get("first_choices")
            else None
        )
    return {
        "domain": s["domain"],
        "title": s["title"],
        "paragraphs": [p.strip() for p in s["text"].split("\n") if p.strip()],
        "selection_reason": s.get("selection_reason"),
        "reasons": _distinct(s.get("reasons", []), "panellist")[:5],
        "tally": tally,
    }


def _value_grid(grid: dict[str, Any] | None, threshold: int) -> dict[str, Any]:
    if not grid:
        return {"rows": [], "empty": "No value items have been placed on the value grid yet."}
    rows = []
    for key, (label, meaning) in VALUE_BOXES.items():
        cells = grid["boxes"].get(key, {})
        rows.append(
            {
                "box": label,
                "meaning": meaning,
                "visible": format_count(cells.get("visible")),
                "invisible": format_count(cells.get("invisible")),
                "total": format_count(cells.get("total")),
            }
        )
    totals = grid["totals"]
    rows.append(
        {
            "box": "All kinds",
            "meaning": "",
            "visible": format_count(totals.get("visible")),
            "invisible": format_count(totals.get("invisible")),
            "total": format_count(totals.get("total")),
        }
    )
    return {
        "rows": rows,
        "intro": "Storytellers placed the value in their stories on Revaluation's grid: what can "
        "be counted (Calculate), judged (Calibrate) or built as capacity (Capacitate), and "
        "whether that value is usually visible to funders or invisible.",
        "note": _withheld(threshold, "items") if grid.get("suppressed") else None,
    }


VERDICTS = {"endorsed": "Endorsed", "contested": "Contested", "unreviewed": "Not reviewed"}


def _distinct(texts: list[str], who: str) -> list[str]:
    """Each different text once, most often given first, with how many gave it when more than
    one did: "It shows a change nobody planned for (3 panellists)"."""
    return [text if n == 1 else f"{text.rstrip('.')} ({n} {who}s)"
            for text, n in ranked_texts(texts)]


def _settled(settled: dict[str, Any] | None) -> dict[str, Any] | None:
    if not settled or not isinstance(settled.get("account"), dict):
        return None
    account = settled["account"]
    rows, dissent = [], []
    for item in account.get("items", []):
        box = VALUE_BOXES.get(str(item.get("box")), (str(item.get("box", "")).title(), ""))[0]
        rows.append(
            {
                "text": item.get("note") or "–",
                "kind": f"{box}, {item.get('visibility', '')}".rstrip(", "),
                "verdict": VERDICTS.get(item.get("verdict"), "Not reviewed"),
                "endorsed": format_count(item.get("endorsements", 0)),
                "challenged": format_count(item.get("challenges", 0)),
            }
        )
        dissent.extend(item.get("dissent") or [])
    counts = account.get("counts") or {}
    return {
        "intro": f"In the round “{settled['title']}” participants negotiated which value they "
        "stand behind: "
        + ", ".join(f"{format_count(counts.get(k, 0))} {w.lower()}" for k, w in VERDICTS.items())
        + ". This is their verdict; disagreement is shown, not hidden.",
        "rows": rows,
        "dissent": _distinct(dissent, "challenge"),
    }


def _triad(t: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for group, mean in t["groups"].items():
        shares = mean.get("shares")
        rows.append(
            {
                "group": group,
                "n": format_count(mean.get("n")),
                "shares": [format_percent(s) for s in shares]
                if shares
                else [MISSING] * len(t["corners"]),
            }
        )
    points = [{"label": group, "shares": mean.get("shares")} for group, mean in t["groups"].items()]
    svg = charts.ternary_plot(t["corners"], points, cloud=t.get("cloud") or (), title=t["label"])
    return {
        "question": t["label"],
        "corners": t["corners"],
        "rows": rows,
        "chart_svg": svg,
        "caption": "Each open circle is one story; the filled shapes mark where each group's "
        "stories sit on average (their centre) between the three corners.",
        "alt": _description(svg),
    }


def _dyad(d: dict[str, Any]) -> dict[str, Any]:
    s = d["summary"]
    left, right = (d.get("poles") or ["", ""])[:2]
    if s.get("median") is None:
        text = "Too few stories were placed on this scale to describe where they fall."
    else:
        low, high = s.get("iqr") or (None, None)
        text = (
            f"From “{left}” (0) to “{right}” (1), the middle story sits at "
            f"{format_value(s['median'])}; half of the {format_count(s.get('n'))} stories lie "
            f"between {format_value(low)} and {format_value(high)}."
        )
    bins = s.get("bins") or []
    svg = None
    if s.get("median") is not None and bins:
        edges = [b["low"] for b in bins] + [bins[-1]["high"]]
        svg = charts.dyad_histogram(
            edges, [b.get("count") for b in bins], [left, right], title=d["label"]
        )
    return {
        "question": d["label"],
        "sentence": text,
        "chart_svg": svg,
        "caption": "How many stories fall in each band between the two poles.",
        "alt": _description(svg) if svg else "",
    }


def _description(svg: str) -> str:
    """A chart's own text alternative (its <desc>), printed under it for every reader."""
    if "<desc" not in svg:
        return ""
    return unescape(svg.split("<desc", 1)[1].split(">", 1)[1].split("</desc>", 1)[0])


def _said_by(n: int, threshold: int) -> str:
    """How many made the same comment, as a count only when that count could be published."""
    if n >= threshold:
        return f" ({format_count(n)} people)"
    return " (more than one person)" if n > 1 else ""


def _finding(f: dict[str, Any], threshold: int) -> dict[str, Any]:
    counts = f.get("counts") or {}
    if f.get("n") is None:
        stances = f"Fewer than {threshold} people responded, so their responses are not shown."
    elif not f.get("n"):
        stances = "Nobody has responded to this finding yet."
    else:
        stances = f"{format_count(f['n'])} responses: " + ", ".join(
            f"{format_count(counts.get(k))} {w}" for k, w in STANCE_WORDS.items()
        )
    return {
        "title": f["title"],
        "summary": f["summary"],
        "stances": stances,
        "comments": [f"“{text}”{_said_by(n, threshold)}" for text, n in f.get("comments") or []],
    }

"""The plain data of an evaluation's overview page: outcomes, instruments, waves and counts."""

from __future__ import annotations

from typing import Any

from revaluation.models import Evaluation
from revaluation.services.evaluations import response_counts


def evaluation_overview(evaluation: Evaluation) -> dict[str, Any]:
    """Everything the overview page shows, as plain values (templates fire no queries)."""
    counts = response_counts(evaluation)
    waves = []
    for wave in evaluation.waves:
        c = counts.get(wave.id)
        version = wave.instrument_version
        waves.append(
            {
                "id": wave.id,
                "name": wave.name,
                "state": str(wave.state),
                "groups": list(wave.groups),
                "instrument": f"{version.instrument.title} v{version.number}",
                "started": c.started if c else 0,
                "completed": c.completed if c else 0,
                "opened_at": wave.opened_at,
                "closed_at": wave.closed_at,
            }
        )
    outcomes = [
        {
            "key": o.key,
            "title": o.title,
            "indicator": f"{o.statistic} of {o.indicator_key}"
            + (f" (≥ {o.threshold:g})" if o.threshold is not None else ""),
            "baseline": (
                f"measured at {o.baseline_wave.name}"
                if o.baseline_wave
                else (f"{o.baseline_value:g}" if o.baseline_value is not None else "—")
            ),
            "target": o.target,
            "direction": str(o.direction),
            "origin": str(o.origin),
            "active": o.active,
            "due": o.due_wave.name if o.due_wave else None,
        }
        for o in evaluation.outcomes
    ]
    instruments = [
        {
            "key": i.key,
            "title": i.title,
            "versions": [
                {"number": v.number, "status": str(v.status), "published_at": v.published_at}
                for v in i.versions
            ],
        }
        for i in evaluation.instruments
    ]
    return {
        "slug": evaluation.slug,
        "title": evaluation.title,
        "movement": evaluation.movement,
        "description": evaluation.description,
        "brand_colour": evaluation.brand_colour,
        "framework_locked": evaluation.framework_locked,
        "framework_locked_at": evaluation.framework_locked_at,
        "outcomes": outcomes,
        "instruments": instruments,
        "waves": waves,
        "total_started": sum(w["started"] for w in waves),
        "total_completed": sum(w["completed"] for w in waves),
    }

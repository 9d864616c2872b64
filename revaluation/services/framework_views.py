"""The outcome framework and its history as plain values for pages (templates fire no queries).

Entries (from the live outcome, the lock-time snapshot or a revision) are described the same
way, so "original" and "current" read alike and a revision lists exactly what changed.
"""

from __future__ import annotations

from typing import Any

from revaluation.extensions import db
from revaluation.models import Evaluation, Outcome, OutcomeRevision, User
from revaluation.services.framework import indicators

#: Labels of the described fields, in the order a change list shows them.
FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "indicator": "Indicator",
    "baseline": "Baseline",
    "target": "Target",
    "due": "Due by",
    "status": "Status",
}


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


class Describer:
    """Turns framework entries into readable text, with the evaluation's labels loaded once."""

    def __init__(self, evaluation: Evaluation) -> None:
        self.labels = {i.value: i.label for i in indicators(evaluation)}
        self.waves = {w.id: w.name for w in evaluation.waves}

    def indicator(self, entry: dict[str, Any]) -> str:
        value = f"{entry['indicator_kind']}:{entry['indicator_key']}"
        label = self.labels.get(value)
        what = f"“{label}” ({entry['indicator_key']})" if label else entry["indicator_key"]
        if entry["indicator_kind"] == "scale":
            what = f"scale score {what}"
        if entry["statistic"] == "proportion":
            return f"Share of answers at or above {_num(entry['threshold'])} on {what}"
        return f"{str(entry['statistic']).capitalize()} of {what}"

    def wave(self, wave_id: int | None) -> str | None:
        if wave_id is None:
            return None
        return self.waves.get(wave_id, "a wave since deleted")

    def describe(self, entry: dict[str, Any]) -> dict[str, str]:
        baseline = (
            f"measured at {self.wave(entry['baseline_wave_id'])}"
            if entry.get("baseline_wave_id")
            else _num(entry.get("baseline_value"))
        )
        due = self.wave(entry.get("due_wave_id"))
        return {
            "title": entry["title"],
            "description": entry.get("description") or "",
            "indicator": self.indicator(entry),
            "baseline": baseline,
            "target": f"{entry['direction']} to {_num(entry['target'])}",
            "due": due or "—",
            "origin": str(entry["origin"]),
            "status": "in the framework" if entry.get("active", True) else "dropped",
        }

    def changes(self, before: dict | None, after: dict) -> list[dict[str, str]]:
        """What a revision changed, field by field, in words."""
        new = self.describe(after)
        if before is None:
            return [{"field": "Outcome", "before": "—", "after": "added to the framework"}]
        old = self.describe(before)
        return [
            {"field": label, "before": old[name] or "—", "after": new[name] or "—"}
            for name, label in FIELD_LABELS.items()
            if old[name] != new[name]
        ]


def framework_rows(evaluation: Evaluation) -> list[dict[str, Any]]:
    """The outcomes in framework order, active ones first, for the editor's list."""
    describer = Describer(evaluation)
    ordered = sorted(evaluation.outcomes, key=lambda o: (not o.active, o.position, o.id))
    active = [o for o in ordered if o.active]
    rows = []
    for outcome in ordered:
        text = describer.describe(outcome.as_framework_entry())
        index = active.index(outcome) if outcome.active else None
        rows.append(
            {
                "id": outcome.id,
                "key": outcome.key,
                "active": outcome.active,
                **text,
                "revisions": len(outcome.revisions),
                "first": index == 0,
                "last": index == len(active) - 1,
            }
        )
    return rows


def _revision_rows(describer: Describer, revisions: list[OutcomeRevision]) -> list[dict]:
    authors = (
        {
            u.id: u.name
            for u in db.session.scalars(
                db.select(User).where(User.id.in_({r.author_id for r in revisions if r.author_id}))
            )
        }
        if revisions
        else {}
    )
    rows = []
    for r in revisions:
        kind = (
            "added"
            if r.before is None
            else "dropped"
            if r.before.get("active") and not r.after.get("active")
            else "revised"
        )
        rows.append(
            {
                "id": r.id,
                "outcome_id": r.outcome_id,
                "outcome": r.after["title"],
                "kind": kind,
                "when": r.created_at,
                "who": authors.get(r.author_id, "someone no longer here"),
                "reason": r.reason,
                "changes": describer.changes(r.before, r.after),
            }
        )
    return rows


def framework_history(evaluation: Evaluation) -> dict[str, Any]:
    """The framework as locked beside the framework now, and every revision, oldest first."""
    describer = Describer(evaluation)
    snapshot = {e["key"]: e for e in evaluation.framework_snapshot or []}
    rows = []
    for outcome in sorted(evaluation.outcomes, key=lambda o: (o.position, o.id)):
        entry = outcome.as_framework_entry()
        original = snapshot.get(outcome.key)
        if original is None:
            status = "added after the lock" if evaluation.framework_locked else "planned"
        elif not outcome.active:
            status = "dropped"
        else:
            status = (
                "unchanged"
                if describer.describe(original)
                == describer.describe({**entry, "origin": original["origin"]})
                else "revised"
            )
        rows.append(
            {
                "id": outcome.id,
                "key": outcome.key,
                "status": status,
                "original": describer.describe(original) if original else None,
                "current": describer.describe(entry),
            }
        )
    revisions = list(
        db.session.scalars(
            db.select(OutcomeRevision)
            .join(Outcome, Outcome.id == OutcomeRevision.outcome_id)
            .where(Outcome.evaluation_id == evaluation.id)
            .order_by(OutcomeRevision.created_at, OutcomeRevision.id)
        )
    )
    return {
        "locked": evaluation.framework_locked,
        "locked_at": evaluation.framework_locked_at,
        "rows": rows,
        "revisions": _revision_rows(describer, revisions),
    }


def outcome_history(outcome: Outcome) -> dict[str, Any]:
    """One outcome: as locked (if it was in the snapshot), as now, and each revision."""
    evaluation = outcome.evaluation
    describer = Describer(evaluation)
    original = next(
        (e for e in evaluation.framework_snapshot or [] if e["key"] == outcome.key), None
    )
    return {
        "id": outcome.id,
        "title": outcome.title,
        "locked": evaluation.framework_locked,
        "locked_at": evaluation.framework_locked_at,
        "original": describer.describe(original) if original else None,
        "current": describer.describe(outcome.as_framework_entry()),
        "revisions": _revision_rows(describer, list(outcome.revisions)),
    }

"""The public results-back page in plain values: what was found, what the panels chose, the
settled account of value, and what happened to every proposal. Aggregates are suppressed with
the evaluation's small-cell threshold; withdrawn stories never appear."""

from __future__ import annotations

from typing import Any

import numpy as np

from revaluation.analysis import suppress_counts, value_grid_counts
from revaluation.extensions import db
from revaluation.models import (
    Evaluation,
    FindingResponse,
    FindingStance,
    MscRound,
    NegotiationRound,
    Outcome,
    Proposal,
    RoundState,
    Story,
    StoryStatus,
    ValueItem,
)
from revaluation.models.participation import SenseMakingRound
from revaluation.services.participation_rounds import rounds_of


def _findings(evaluation: Evaluation) -> list[dict[str, Any]]:
    threshold = evaluation.small_cell_threshold
    out = []
    for sense in rounds_of(SenseMakingRound, evaluation.id):
        if sense.state is RoundState.DRAFT:
            continue
        ids = [f.id for f in sense.findings]
        rows = db.session.execute(
            db.select(FindingResponse.finding_id, FindingResponse.stance)
            .where(FindingResponse.finding_id.in_(ids))
        ).all() if ids else []
        for finding in sense.findings:
            stances = [str(s) for fid, s in rows if fid == finding.id]
            counts = np.array([stances.count(s.value) for s in FindingStance])
            hidden = suppress_counts(counts, threshold)
            small = 0 < len(stances) < threshold
            out.append({
                "round": sense.title, "title": finding.title, "summary": finding.summary,
                "n": len(stances), "small": small,
                "counts": None if small else {s.value: None if hidden[i] else int(counts[i])
                                              for i, s in enumerate(FindingStance)},
            })
    return out


def _msc(evaluation: Evaluation) -> list[dict[str, Any]]:
    out = []
    for msc_round in rounds_of(MscRound, evaluation.id, state=RoundState.CLOSED):
        story = db.session.get(Story, msc_round.selected_story_id) \
            if msc_round.selected_story_id else None
        if story is None or story.status is not StoryStatus.ACTIVE:
            continue
        out.append({"domain": msc_round.domain, "title": story.title, "text": story.text,
                    "reason": msc_round.selection_reason})
    return out


def _value(evaluation: Evaluation) -> dict[str, Any] | None:
    rows = db.session.execute(
        db.select(ValueItem.box, ValueItem.visibility).join(Story, ValueItem.story_id == Story.id)
        .where(Story.evaluation_id == evaluation.id, Story.status == StoryStatus.ACTIVE,
               ValueItem.merged_into_id.is_(None))
    ).all()
    tables = value_grid_counts([{"box": str(b), "visibility": str(v), "wave": "all"}
                                for b, v in rows], threshold=evaluation.small_cell_threshold)
    return tables[0].to_dict() if tables else None


def _settled(evaluation: Evaluation) -> dict[str, Any] | None:
    closed = [r for r in rounds_of(NegotiationRound, evaluation.id, state=RoundState.CLOSED)
              if r.settled_account]
    if not closed:
        return None
    latest = closed[-1]
    return {"title": latest.title, **latest.settled_account}


def results_back(evaluation: Evaluation, proposals: list[Proposal],
                 support: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Everything the results-back page shows, as plain dicts."""
    outcomes = {o.id: o.title for o in db.session.execute(
        db.select(Outcome).filter_by(evaluation_id=evaluation.id)).scalars()}
    by_id = {p.id: p for p in proposals}
    listed = []
    for p in proposals:
        into = by_id.get(p.merged_into_id)
        listed.append({"id": p.id, "kind": str(p.kind), "text": p.text, "status": str(p.status),
                       "reason": p.moderation_reason, "outcome": outcomes.get(p.outcome_id),
                       "merged_into": into.text if into else None,
                       "support": support.get(p.id)})
    return {
        "findings": _findings(evaluation),
        "msc": _msc(evaluation),
        "value": _value(evaluation),
        "settled": _settled(evaluation),
        "proposals": listed,
        "stories": db.session.execute(
            db.select(db.func.count(Story.id)).filter_by(
                evaluation_id=evaluation.id, status=StoryStatus.ACTIVE)).scalar() or 0,
    }

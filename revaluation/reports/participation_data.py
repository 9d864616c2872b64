"""Participation in plain values for the report: stories, MSC selections, value, sense-making.

A few set-based queries load the records; every count and summary comes from
``revaluation.analysis`` (triad means, dyad distributions, value-grid counts, MSC tallies and
small-cell suppression), so the report applies the same disclosure rules as the results pages.
Withdrawn stories are left out everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from revaluation.analysis import (
    dyad_distribution,
    msc_tallies,
    ranked_texts,
    suppress_counts,
    suppress_table,
    triad_means_by,
    value_grid_counts,
)
from revaluation.extensions import db
from revaluation.models import (
    Evaluation,
    Finding,
    FindingResponse,
    FindingStance,
    MscRound,
    MscVote,
    NegotiationRound,
    Participant,
    ParticipationSpace,
    Proposal,
    RoundState,
    Story,
    StoryStatus,
    StoryTag,
    ValueItem,
    Vote,
    Wave,
)
from revaluation.models.participation import SenseMakingRound, story_tagging

MAX_UNINTENDED = 8
MAX_COMMENTS = 6
CLOUD_LIMIT = 2000  # story positions drawn behind a triad's group centres


def load(evaluation: Evaluation, waves: Sequence[Wave], groups: Sequence[str]) -> dict[str, Any]:
    """Everything participatory the report shows, suppressed, as plain dicts and lists."""
    threshold = evaluation.small_cell_threshold
    wave_names = {w.id: w.name for w in waves}
    query = db.select(Story).filter_by(evaluation_id=evaluation.id, status=StoryStatus.ACTIVE)
    if groups:
        query = query.where(Story.group.in_(list(groups)))
    stories = [
        s
        for s in db.session.execute(query).scalars()
        if s.wave_id is None or s.wave_id in wave_names
    ]
    labels = _signifier_labels(evaluation)
    return {
        "stories": len(stories),
        "unintended": _unintended(stories),
        "msc": _msc(evaluation, {s.id: s for s in stories}),
        "value_grid": _value_grid(stories, threshold),
        "settled": _settled(evaluation),
        "triads": _triads(stories, labels, threshold),
        "dyads": _dyads(stories, labels, threshold),
        "themes": _themes(evaluation, stories, wave_names, threshold),
        "sense_making": _sense_making(evaluation, threshold),
        "activities": _activities(evaluation),
    }


def _signifier_labels(evaluation: Evaluation) -> dict[str, dict[str, Any]]:
    """Question labels, dyad poles and triad corners, as the participation pages use them."""
    from revaluation.services.participation_stories import signifiers

    labels: dict[str, dict[str, Any]] = {}
    for mark in signifiers(evaluation):
        side = "poles" if mark.type == "dyad" else "corners"
        labels[mark.key] = {"label": mark.label, side: list(mark.poles)}
    return labels


def _unintended(stories: list[Story]) -> list[dict[str, Any]]:
    chosen = [s for s in stories if s.intended in ("no", "partly")]
    chosen.sort(key=lambda s: (s.intended != "no", s.id))
    return [
        {
            "title": s.title or (s.harvest or {}).get("what_changed", "")[:120] or "Untitled story",
            "what_changed": (s.harvest or {}).get("what_changed") or s.text,
            "intended": s.intended,
            "group": s.group,
        }
        for s in chosen[:MAX_UNINTENDED]
    ]


def _msc(evaluation: Evaluation, stories: dict[int, Story]) -> list[dict[str, Any]]:
    rounds = list(
        db.session.execute(
            db.select(MscRound)
            .filter_by(evaluation_id=evaluation.id, state=RoundState.CLOSED)
            .order_by(MscRound.closed_at)
        ).scalars()
    )
    if not rounds:
        return []
    votes = list(
        db.session.execute(
            db.select(MscVote).where(MscVote.round_id.in_([r.id for r in rounds]))
        ).scalars()
    )
    firsts = [{"round": v.round_id, "story": v.story_id} for v in votes if v.rank == 1]
    tallies = msc_tallies(firsts)
    panellists = {
        r.id: len({v.panellist_hash for v in votes if v.round_id == r.id}) for r in rounds
    }
    out = []
    for msc_round in rounds:
        story = stories.get(msc_round.selected_story_id)
        if story is None:
            continue
        tally = next(
            (t for t in tallies if t.round == str(msc_round.id) and t.story == str(story.id)), None
        )
        out.append(
            {
                "domain": msc_round.domain,
                "title": story.title or "A story of change",
                "text": story.text,
                "group": story.group,
                "selection_reason": msc_round.selection_reason,
                "reasons": [
                    v.reason
                    for v in votes
                    if v.round_id == msc_round.id and v.story_id == story.id and v.reason
                ],
                "first_choices": tally.selections if tally else 0,
                "panellists": panellists[msc_round.id],
            }
        )
    return out


def _value_grid(stories: list[Story], threshold: int) -> dict[str, Any] | None:
    ids = [s.id for s in stories]
    if not ids:
        return None
    items = db.session.execute(
        db.select(ValueItem.box, ValueItem.visibility).where(
            ValueItem.story_id.in_(ids), ValueItem.merged_into_id.is_(None)
        )
    ).all()
    tables = value_grid_counts(
        [{"box": str(b), "visibility": str(v), "wave": "all"} for b, v in items],
        threshold=threshold,
    )
    return tables[0].to_dict() if tables else None


def _settled(evaluation: Evaluation) -> dict[str, Any] | None:
    latest = db.session.execute(
        db.select(NegotiationRound)
        .filter_by(evaluation_id=evaluation.id, state=RoundState.CLOSED)
        .where(NegotiationRound.settled_account.is_not(None))
        .order_by(NegotiationRound.closed_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    if latest is None:
        return None
    return {"title": latest.title, "closed_at": latest.closed_at, "account": latest.settled_account}


def _triads(stories: list[Story], labels: dict, threshold: int) -> list[dict[str, Any]]:
    out = []
    for key, meta in labels.items():
        if "corners" not in meta:
            continue
        points, groups = [], []
        for story in stories:
            value = (story.signifiers or {}).get(key)
            if isinstance(value, list) and len(value) == 3:
                points.append(value)
                groups.append(story.group or "all")
        if not points:
            continue
        by_group = triad_means_by(points, groups, threshold=threshold)
        overall = triad_means_by(points, ["All stories"] * len(points), threshold=threshold)
        out.append(
            {
                "key": key,
                "label": meta["label"],
                "corners": meta["corners"],
                "groups": {str(g): m.to_dict() for g, m in {**overall, **by_group}.items()},
                "cloud": _triad_cloud(points, threshold),
            }
        )
    return out


def _triad_cloud(points: list[list], threshold: int) -> list[list[float]]:
    """Every story's own position (shares summing to 1, three decimals), unlabelled, so the
    chart shows the spread behind the group centres. Nothing when fewer stories than the
    small-group threshold; at most ``CLOUD_LIMIT`` positions, evenly spaced through the list."""
    valid = []
    for point in points:
        try:
            shares = [float(v) for v in point]
        except (TypeError, ValueError):
            continue
        total = sum(shares)
        if all(math.isfinite(v) and v >= 0 for v in shares) and total > 0:
            valid.append([round(v / total, 3) for v in shares])
    if len(valid) < threshold:
        return []
    step = max(1, math.ceil(len(valid) / CLOUD_LIMIT))
    return valid[::step]


def _dyads(stories: list[Story], labels: dict, threshold: int) -> list[dict[str, Any]]:
    out = []
    for key, meta in labels.items():
        if "poles" not in meta:
            continue
        values = [v for s in stories if isinstance(v := (s.signifiers or {}).get(key), int | float)]
        if values:
            out.append(
                {
                    "key": key,
                    "label": meta["label"],
                    "poles": meta["poles"],
                    "summary": dyad_distribution(values, threshold=threshold).to_dict(),
                }
            )
    return out


def _themes(
    evaluation: Evaluation, stories: list[Story], wave_names: dict[int, str], threshold: int
) -> dict[str, Any]:
    ids = {s.id: s for s in stories}
    rows = db.session.execute(
        db.select(StoryTag.name, story_tagging.c.story_id)
        .join(story_tagging, story_tagging.c.tag_id == StoryTag.id)
        .where(StoryTag.evaluation_id == evaluation.id)
    ).all()
    columns = [*wave_names.values(), "Outside the surveys"]
    tags = sorted({name for name, story_id in rows if story_id in ids})
    if not tags:
        return {"columns": columns, "rows": []}
    table = np.zeros((len(tags), len(columns)), dtype=int)
    for name, story_id in rows:
        story = ids.get(story_id)
        if story is None:
            continue
        column = list(wave_names).index(story.wave_id) if story.wave_id in wave_names else -1
        table[tags.index(name), column] += 1
    keep = [c for c in range(len(columns)) if table[:, c].any()]
    table = table[:, keep]
    hidden = suppress_table(table, threshold).cells
    return {
        "columns": [columns[c] for c in keep],
        "rows": [
            {
                "name": tag,
                "counts": [
                    None if hidden[r, c] else int(table[r, c]) for c in range(table.shape[1])
                ],
            }
            for r, tag in enumerate(tags)
        ],
    }


def _sense_making(evaluation: Evaluation, threshold: int) -> list[dict[str, Any]]:
    findings = list(
        db.session.execute(
            db.select(Finding)
            .join(SenseMakingRound, Finding.round_id == SenseMakingRound.id)
            .where(
                SenseMakingRound.evaluation_id == evaluation.id,
                SenseMakingRound.state != RoundState.DRAFT,
            )
            .order_by(SenseMakingRound.id, Finding.position)
        ).scalars()
    )
    if not findings:
        return []
    reactions = db.session.execute(
        db.select(FindingResponse.finding_id, FindingResponse.stance, FindingResponse.comment)
        .where(FindingResponse.finding_id.in_([f.id for f in findings]))
        .order_by(FindingResponse.created_at)
    ).all()
    stances = [str(s) for s in FindingStance]
    out = []
    for finding in findings:
        mine = [(str(stance), comment) for fid, stance, comment in reactions if fid == finding.id]
        counts = np.array([sum(1 for s, _ in mine if s == stance) for stance in stances])
        hidden = suppress_counts(counts, threshold)
        small = 0 < len(mine) < threshold
        out.append(
            {
                "title": finding.title,
                "summary": finding.summary,
                "n": None if small else len(mine),
                "counts": {
                    s: None if hidden[i] or small else int(counts[i]) for i, s in enumerate(stances)
                },
                "comments": [] if small else _comment_counts(c for _, c in mine),
            }
        )
    return out


def _comment_counts(comments) -> list[list]:
    """Each different comment once with how many people made it, most often made first (ties
    in the order they came), at most ``MAX_COMMENTS``: ``[[text, count], ...]``."""
    return [[text, n] for text, n in ranked_texts(comments)[:MAX_COMMENTS]]


def _activities(evaluation: Evaluation) -> dict[str, int]:
    count = db.func.count
    space = db.select(ParticipationSpace.id).filter_by(evaluation_id=evaluation.id).subquery()
    proposals = (
        db.session.execute(
            db.select(count(Proposal.id)).filter_by(evaluation_id=evaluation.id)
        ).scalar()
        or 0
    )
    votes = (
        db.session.execute(
            db.select(count(Vote.id))
            .join(Proposal, Vote.proposal_id == Proposal.id)
            .where(Proposal.evaluation_id == evaluation.id)
        ).scalar()
        or 0
    )
    participants = (
        db.session.execute(
            db.select(count(Participant.id)).where(Participant.space_id.in_(db.select(space)))
        ).scalar()
        or 0
    )
    return {"participants": participants, "proposals": proposals, "votes": votes}

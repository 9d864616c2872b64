"""Gather everything a report needs from the database into plain values, then build its data.

The statistics come from :func:`revaluation.services.results.evaluation_results` (computed once,
already suppressed); participation (stories, Most Significant Change, value, sense-making) and
fieldwork figures are loaded here with a handful of set-based queries and summarised by
``revaluation.analysis``. Nothing from this module reaches a template except through
:func:`revaluation.reports.data.build_report_data`, which receives plain dicts only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import (
    Evaluation,
    Invitation,
    InvitationKind,
    Membership,
    Response,
    ResponseStatus,
    Role,
    User,
)
from revaluation.reports import participation_data
from revaluation.reports.data import SECTIONS, build_report_data


class ReportOptionsError(ValueError):
    """An option names a wave, group or section that does not exist; ``field`` says which."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ReportOptions:
    """What a report covers: waves and groups (empty = all) and which sections."""

    wave_ids: tuple[int, ...] = ()
    groups: tuple[str, ...] = ()
    sections: tuple[str, ...] = field(default_factory=lambda: tuple(SECTIONS))

    def to_dict(self) -> dict[str, Any]:
        return {
            "wave_ids": list(self.wave_ids),
            "groups": list(self.groups),
            "sections": list(self.sections),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ReportOptions:
        return cls(
            wave_ids=tuple(int(w) for w in raw.get("wave_ids") or ()),
            groups=tuple(str(g) for g in raw.get("groups") or ()),
            sections=tuple(raw.get("sections") or SECTIONS),
        )

    @classmethod
    def parse(
        cls,
        evaluation: Evaluation,
        *,
        wave_ids: list[int] | None = None,
        groups: list[str] | None = None,
        sections: list[str] | None = None,
    ) -> ReportOptions:
        """Validate options against the evaluation; errors name what to choose instead."""
        unknown = evaluation.unknown_wave(wave_ids)
        if unknown:
            raise ReportOptionsError(unknown, "waves")
        known_groups = groups_of(evaluation)
        for group in groups or []:
            if group not in known_groups:
                raise ReportOptionsError(
                    f"There is no group “{group}” in this evaluation. Its groups are: "
                    + (", ".join(known_groups) or "none yet")
                    + ".",
                    "groups",
                )
        chosen = list(sections) if sections is not None else list(SECTIONS)
        unknown = [s for s in chosen if s not in SECTIONS]
        if unknown:
            raise ReportOptionsError(
                f"Unknown section “{unknown[0]}”. Choose from: {', '.join(SECTIONS)}.", "sections"
            )
        if not chosen:
            raise ReportOptionsError("Choose at least one section for the report.", "sections")
        # Keep the waves in the evaluation's order, the sections in print order.
        ordered_waves = tuple(w.id for w in evaluation.waves if w.id in set(wave_ids or []))
        ordered_sections = tuple(s for s in SECTIONS if s in chosen)
        return cls(ordered_waves, tuple(dict.fromkeys(groups or [])), ordered_sections)


def groups_of(evaluation: Evaluation) -> list[str]:
    """Audience groups named by any of the evaluation's waves, in first-seen order."""
    seen: dict[str, None] = {}
    for wave in evaluation.waves:
        for group in wave.groups or []:
            seen.setdefault(group, None)
    return list(seen)


def build_report(
    evaluation: Evaluation,
    options: ReportOptions,
    *,
    edition_label: str,
    generated_at: datetime,
    results: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report's plain data: results + participation + fieldwork + who wrote it."""
    if results is None:
        results = load_results(evaluation, options)
    waves = [w for w in evaluation.waves if not options.wave_ids or w.id in options.wave_ids]
    inputs = {
        "evaluation": {
            "slug": evaluation.slug,
            "title": evaluation.title,
            "movement": evaluation.movement,
            "description": evaluation.description,
            "brand_colour": evaluation.brand_colour,
            "language": evaluation.default_language,
            "threshold": evaluation.small_cell_threshold,
            "framework_locked_at": evaluation.framework_locked_at,
        },
        "people": _people(evaluation),
        "waves": [
            {
                "id": w.id,
                "name": w.name,
                "state": str(w.state),
                "opened_at": w.opened_at,
                "closed_at": w.closed_at,
                "groups": list(w.groups or []),
            }
            for w in waves
        ],
        "fieldwork": fieldwork_counts(evaluation, [w.id for w in waves], list(options.groups)),
        "participation": participation_data.load(evaluation, waves, options.groups),
        "options": options.to_dict(),
        "edition_label": edition_label,
        "generated_at": generated_at,
    }
    return build_report_data(results, inputs)


def load_results(evaluation: Evaluation, options: ReportOptions) -> dict[str, Any]:
    """The results structure (as ``flask results --format json`` prints it) for the options, in
    the report's scope: the questions' exploratory comparisons and group rows, which a report
    does not show, are not computed for it (kept full results serve it as they are)."""
    from revaluation.services.results import REPORT, evaluation_results

    return evaluation_results(
        evaluation,
        wave_ids=list(options.wave_ids) or None,
        groups=list(options.groups) or None,
        scope=REPORT,
    )


def _people(evaluation: Evaluation) -> dict[str, list[str]]:
    rows = db.session.execute(
        db.select(User.name, User.email, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.evaluation_id == evaluation.id)
        .order_by(User.name)
    ).all()
    people: dict[str, list[str]] = {"evaluators": [], "commissioners": []}
    for name, email, role in rows:
        key = "commissioners" if role is Role.COMMISSIONER else "evaluators"
        people[key].append(name or email.split("@", 1)[0])
    return people


def fieldwork_counts(
    evaluation: Evaluation, wave_ids: list[int], groups: list[str]
) -> list[dict[str, Any]]:
    """Started/complete responses, single-use invitations issued, and panel-linked responses,
    per wave and group (raw counts: :mod:`revaluation.reports.data` suppresses small cells)."""
    if not wave_ids:
        return []
    # Two narrow queries, each answered from an index alone: responses by status, and the
    # panel-linked ones (a partial index), per wave and group.
    by_status = sa.select(Response.wave_id, Response.group, Response.status,
                          sa.func.count()).where(Response.wave_id.in_(wave_ids))
    linked = sa.select(Response.wave_id, Response.group, sa.func.count()).where(
        Response.wave_id.in_(wave_ids), Response.panel_hash.is_not(None))
    invited = sa.select(Invitation.wave_id, Invitation.group, sa.func.count(Invitation.id)).where(
        Invitation.wave_id.in_(wave_ids), Invitation.kind == InvitationKind.TOKEN
    )
    if groups:
        by_status = by_status.where(Response.group.in_(groups))
        linked = linked.where(Response.group.in_(groups))
        invited = invited.where(Invitation.group.in_(groups))
    counts: dict[tuple[int, str], dict[str, int]] = {}
    for w, g, status, n in db.session.execute(
        by_status.group_by(Response.wave_id, Response.group, Response.status)
    ).all():
        cell = counts.setdefault((w, g), {"started": 0, "complete": 0})
        cell["started"] += n
        if status == ResponseStatus.COMPLETE:
            cell["complete"] += n
    panel = {(w, g): n for w, g, n in db.session.execute(
        linked.group_by(Response.wave_id, Response.group)).all()}
    tokens = {
        (w, g): n
        for w, g, n in db.session.execute(
            invited.group_by(Invitation.wave_id, Invitation.group)
        ).all()
    }
    return [
        {
            "wave_id": w,
            "group": g,
            "started": cell["started"],
            "complete": cell["complete"],
            "with_panel_code": panel.get((w, g), 0),
            "invited": tokens.get((w, g)),
        }
        for (w, g), cell in sorted(counts.items())
    ]

"""Live fieldwork figures for evaluators: how many started, finished, and where people stop;
and the plain data the fieldwork pages show.

Every figure is a count or a summary over a wave, computed with grouped queries (a handful per
page, whatever the number of responses). No individual response is listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from revaluation.analysis import describe_numeric
from revaluation.extensions import db
from revaluation.models import (
    Anonymity,
    Evaluation,
    InstrumentVersion,
    Invitation,
    InvitationKind,
    Response,
    ResponseStatus,
    Wave,
    WaveState,
)
from revaluation.services.evaluations import response_counts
from revaluation.services.fieldwork import link_url
from revaluation.services.instruments import definition_of
from revaluation.services.qr import qr_svg_inline

#: Label for partial responses that have not reached a known page (e.g. still at consent).
BEFORE_FIRST_PAGE = "Before the first page"


@dataclass(frozen=True)
class GroupFigures:
    group: str
    started: int
    completed: int

    @property
    def completion_rate(self) -> float | None:
        """Completed / started, or None when nobody started."""
        return self.completed / self.started if self.started else None


@dataclass(frozen=True)
class PageDropOff:
    """Partial responses whose respondent is (or stopped) on this page."""

    key: str | None
    title: str
    partial: int


@dataclass(frozen=True)
class DayFigures:
    day: date
    started: int
    completed: int


@dataclass(frozen=True)
class WaveFigures:
    groups: list[GroupFigures]
    total: GroupFigures
    #: Median of completed_at - started_at over completed responses, in seconds.
    median_seconds: float | None
    drop_off: list[PageDropOff]
    days: list[DayFigures] = field(default_factory=list)

    @property
    def median_text(self) -> str:
        """The median time in words a reader takes in at a glance, e.g. "7 min 30 s"."""
        if self.median_seconds is None:
            return "—"
        total = round(self.median_seconds)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        if hours:
            return f"{hours} h {minutes} min"
        return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def wave_figures(wave: Wave) -> WaveFigures:
    """The live page's figures for one wave."""
    groups = _group_counts(wave)
    total = GroupFigures(
        "All groups", sum(g.started for g in groups), sum(g.completed for g in groups)
    )
    return WaveFigures(
        groups=groups,
        total=total,
        median_seconds=_median_seconds(wave),
        drop_off=_drop_off(wave),
        days=_per_day(wave),
    )


def _group_counts(wave: Wave) -> list[GroupFigures]:
    rows = db.session.execute(
        sa.select(
            Response.group,
            sa.func.count(Response.id),
            sa.func.count(Response.id).filter(Response.status == ResponseStatus.COMPLETE),
        )
        .where(Response.wave_id == wave.id)
        .group_by(Response.group)
    ).all()
    found = {g: (started, completed) for g, started, completed in rows}
    # The wave's groups first, in its order (zeros included), then any group seen only in data
    # (e.g. imported responses), so no response goes uncounted.
    order = list(wave.groups) + sorted(set(found) - set(wave.groups))
    return [GroupFigures(g, *found.get(g, (0, 0))) for g in order]


def _median_seconds(wave: Wave) -> float | None:
    rows = db.session.execute(
        sa.select(Response.started_at, Response.completed_at).where(
            Response.wave_id == wave.id,
            Response.status == ResponseStatus.COMPLETE,
            Response.completed_at.is_not(None),
        )
    ).all()
    durations = [
        (_naive(done) - _naive(start)).total_seconds()
        for start, done in rows
        if _naive(done) >= _naive(start)
    ]
    if not durations:
        return None
    # Evaluator-facing operational figure: no small-cell hiding (threshold 1).
    return describe_numeric(durations, threshold=1).median.value


def _naive(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes and PostgreSQL aware ones; all are stored in UTC.
    return moment.replace(tzinfo=None)


def _drop_off(wave: Wave) -> list[PageDropOff]:
    rows = db.session.execute(
        sa.select(Response.current_page, sa.func.count(Response.id))
        .where(Response.wave_id == wave.id, Response.status == ResponseStatus.PARTIAL)
        .group_by(Response.current_page)
    ).all()
    counts = dict(rows)
    definition = definition_of(wave.instrument_version)
    language = definition.default_language
    pages = [
        PageDropOff(s.key, definition.text(s.title, language) or s.key, counts.pop(s.key, 0))
        for s in definition.sections
    ]
    before = counts.pop(None, 0)
    if before:
        pages.insert(0, PageDropOff(None, BEFORE_FIRST_PAGE, before))
    # Pages no longer in the instrument (should not happen for a published version).
    pages.extend(PageDropOff(k, k, n) for k, n in sorted(counts.items()))
    return pages


def _per_day(wave: Wave) -> list[DayFigures]:
    started = _count_by_day(Response.started_at, wave)
    completed = _count_by_day(Response.completed_at, wave)
    return [
        DayFigures(day, started.get(day, 0), completed.get(day, 0))
        for day in sorted(set(started) | set(completed))
    ]


def _count_by_day(column, wave: Wave) -> dict[date, int]:
    day = sa.func.date(column)
    rows = db.session.execute(
        sa.select(day, sa.func.count(Response.id))
        .where(Response.wave_id == wave.id, column.is_not(None))
        .group_by(day)
    ).all()
    # SQLite's date() gives 'YYYY-MM-DD' text, PostgreSQL's a date.
    return {(d if isinstance(d, date) else date.fromisoformat(d)): n for d, n in rows}


@dataclass(frozen=True)
class TokenFigures:
    group: str
    issued: int
    used: int
    revoked: int

    @property
    def available(self) -> int:
        return self.issued - self.used - self.revoked


def token_figures(wave: Wave) -> list[TokenFigures]:
    """Single-use tokens per group: issued, used, revoked (one grouped query)."""
    rows = db.session.execute(
        sa.select(
            Invitation.group,
            sa.func.count(Invitation.id),
            sa.func.count(Invitation.id).filter(Invitation.used_at.is_not(None)),
            sa.func.count(Invitation.id).filter(
                Invitation.used_at.is_(None), Invitation.revoked_at.is_not(None)
            ),
        )
        .where(Invitation.wave_id == wave.id, Invitation.kind == InvitationKind.TOKEN)
        .group_by(Invitation.group)
    ).all()
    found = {g: (issued, used, revoked) for g, issued, used, revoked in rows}
    return [TokenFigures(g, *found.get(g, (0, 0, 0))) for g in wave.groups]


# --- Plain data for the fieldwork pages (templates fire no queries) -------------------------

ANONYMITY_TEXT = {
    Anonymity.ANONYMOUS: "Your answers are anonymous: we do not ask your name.",
    Anonymity.PSEUDONYMOUS: (
        "We do not ask your name. You can make up a private code so that we can compare your "
        "answers over time without knowing who you are."
    ),
    Anonymity.NAMED: "You may give your name, but you do not have to.",
}


def wave_list(evaluation: Evaluation) -> list[dict[str, Any]]:
    """The evaluation's waves with their response counts (one grouped query for all)."""
    counts = response_counts(evaluation)
    return [
        {
            "id": w.id,
            "name": w.name,
            "state": str(w.state),
            "instrument": _version_label(w.instrument_version),
            "groups": list(w.groups),
            "opens_at": w.opens_at,
            "closes_at": w.closes_at,
            "started": counts[w.id].started if w.id in counts else 0,
            "completed": counts[w.id].completed if w.id in counts else 0,
        }
        for w in sorted(evaluation.waves, key=lambda w: (w.position, w.id))
    ]


def wave_view(wave: Wave) -> dict[str, Any]:
    """Everything the wave page shows: settings, state, links (with full URLs) and tokens."""
    links = sorted(
        (i for i in wave.invitations if i.kind is InvitationKind.OPEN),
        key=lambda i: (wave.groups.index(i.group) if i.group in wave.groups else 99, i.id),
    )
    return {
        "id": wave.id,
        "name": wave.name,
        "state": str(wave.state),
        "instrument": _version_label(wave.instrument_version),
        "groups": list(wave.groups),
        "ask_panel_code": wave.ask_panel_code,
        "anonymity": str(wave.anonymity),
        "consent_text": wave.consent_text,
        "consent_version": wave.consent_version,
        "opens_at": wave.opens_at,
        "closes_at": wave.closes_at,
        "opened_at": wave.opened_at,
        "closed_at": wave.closed_at,
        "links": [
            {
                "id": i.id,
                "group": i.group,
                "url": link_url(i),
                "revoked": i.revoked_at is not None,
                "revoked_at": i.revoked_at,
            }
            for i in links
        ],
        "tokens": token_figures(wave),
        # Groups whose links were all revoked: the latest one can be replaced by a fresh link.
        "unlinked": [
            {"group": g, "latest_id": max(i.id for i in links if i.group == g)}
            for g in wave.groups
            if any(i.group == g for i in links)
            and all(i.revoked_at is not None for i in links if i.group == g)
        ],
    }


def poster_view(evaluation: Evaluation, wave: Wave, invitation: Invitation) -> dict[str, Any]:
    """The printable poster: who is asking, why, and how to take part, with the QR as SVG."""
    url = link_url(invitation)
    return {
        "slug": evaluation.slug,
        "wave_id": wave.id,
        "evaluation": evaluation.title,
        "movement": evaluation.movement,
        "brand_colour": evaluation.brand_colour,
        "group": invitation.group,
        "url": url,
        "short_url": url.split("://", 1)[-1],
        "qr_svg": qr_svg_inline(url),
        "privacy": ANONYMITY_TEXT[wave.anonymity],
        "revoked": invitation.revoked_at is not None,
        "open": wave.state is WaveState.OPEN,
        "closes_at": wave.closes_at,
    }


def _version_label(version: InstrumentVersion) -> str:
    return f"{version.instrument.title} – version {version.number}"

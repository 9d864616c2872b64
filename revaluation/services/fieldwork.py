"""Waves and invitations: opening, closing and the framework lock that opening implies.

Routes call these; they flush, never commit, and write an audit event for every change.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, request

from revaluation.extensions import db
from revaluation.models import (
    Anonymity,
    Evaluation,
    InstrumentVersion,
    Invitation,
    InvitationKind,
    StateError,
    Wave,
    WaveState,
)
from revaluation.models.base import utcnow
from revaluation.services import audit
from revaluation.services.secrets import keyed_hash, new_code

logger = logging.getLogger(__name__)

#: Audience group names appear in links and exports: short, lower-case, no spaces.
GROUP_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_GROUPS = 10


class FieldworkError(ValueError):
    """A fieldwork request cannot be carried out; the message says why and what to do."""


def parse_groups(raw: str | list[str]) -> list[str]:
    """Audience groups from comma-separated text (or a list of inputs), checked and de-duplicated.

    Raises FieldworkError naming the first bad entry, so the form can say exactly what to fix.
    """
    parts = raw if isinstance(raw, list) else raw.split(",")
    groups: list[str] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if not GROUP_RE.match(part):
            raise FieldworkError(
                f"“{part[:40]}” is not a valid group name: use lower-case letters, digits, "
                "dashes or underscores (up to 40), e.g. member, staff."
            )
        if part in groups:
            raise FieldworkError(f"“{part}” is listed twice; list each group once.")
        groups.append(part)
    if not groups:
        raise FieldworkError("Enter at least one audience group, e.g. member.")
    if len(groups) > MAX_GROUPS:
        raise FieldworkError(
            f"Use at most {MAX_GROUPS} audience groups; you entered {len(groups)}."
        )
    return groups


def published_versions(evaluation: Evaluation) -> list[InstrumentVersion]:
    """The versions a wave may field: published ones only, by instrument then number."""
    return [v for i in evaluation.instruments for v in i.versions if v.is_published]


def wave_in(evaluation: Evaluation, wave_id: int) -> Wave | None:
    """The evaluation's wave with this id; None for another evaluation's wave (no IDOR)."""
    return db.session.execute(
        db.select(Wave).filter_by(id=wave_id, evaluation_id=evaluation.id)
    ).scalar_one_or_none()


def open_link_in(wave: Wave, invitation_id: int) -> Invitation | None:
    """The wave's open-link invitation with this id, or None."""
    return db.session.execute(
        db.select(Invitation).filter_by(id=invitation_id, wave_id=wave.id, kind=InvitationKind.OPEN)
    ).scalar_one_or_none()


def create_wave(
    evaluation: Evaluation,
    version: InstrumentVersion,
    *,
    name: str,
    groups: list[str],
    position: int | None = None,
    ask_panel_code: bool = False,
    anonymity: Anonymity = Anonymity.ANONYMOUS,
    consent_text: str = "",
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Wave:
    """A draft wave with an open link for each audience group."""
    if version.instrument.evaluation_id != evaluation.id:
        raise FieldworkError("Choose an instrument version from this evaluation.")
    _check_window(opens_at, closes_at)
    if position is None:
        # Asked of the database: a collection loaded earlier in this session may not hold the
        # waves made since, and every new wave would then take the same position.
        last = db.session.scalar(sa.select(sa.func.max(Wave.position))
                                 .where(Wave.evaluation_id == evaluation.id))
        position = 0 if last is None else last + 1
    wave = Wave(
        evaluation=evaluation,
        instrument_version_id=version.id,
        name=name.strip(),
        groups=list(groups),
        position=position,
        ask_panel_code=ask_panel_code,
        anonymity=anonymity,
        consent_text=consent_text,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    db.session.add(wave)
    db.session.flush()
    for group in groups:
        db.session.add(
            Invitation(wave_id=wave.id, kind=InvitationKind.OPEN, group=group, code=new_code())
        )
    db.session.flush()
    audit.record("wave.create", evaluation_id=evaluation.id, obj=wave)
    return wave


def lock_framework(evaluation: Evaluation) -> None:
    """Snapshot the outcome framework once, so reports can show what was first intended."""
    if evaluation.framework_locked_at is not None:
        return
    evaluation.framework_snapshot = [o.as_framework_entry() for o in evaluation.outcomes]
    evaluation.framework_locked_at = utcnow()
    audit.record(
        "framework.lock",
        evaluation_id=evaluation.id,
        obj=evaluation,
        outcomes=len(evaluation.framework_snapshot),
    )


def open_wave(wave: Wave) -> None:
    """Open a wave (guarded by the model) and lock the framework if this is the first."""
    wave.open()
    lock_framework(wave.evaluation)
    db.session.flush()
    audit.record("wave.open", evaluation_id=wave.evaluation_id, obj=wave)
    logger.info("opened wave %s", wave.id)


def close_wave(wave: Wave) -> None:
    """Close an open wave (guarded by the model); respondents then see a closed notice."""
    wave.close()
    db.session.flush()
    audit.record("wave.close", evaluation_id=wave.evaluation_id, obj=wave)
    logger.info("closed wave %s", wave.id)


def create_tokens(wave: Wave, group: str, count: int) -> list[str]:
    """Generate ``count`` single-use tokens; only their hashes are stored, so return them once."""
    _refuse_closed(wave)
    if group not in wave.groups:
        raise ValueError(f"“{group}” is not one of this wave's groups ({', '.join(wave.groups)}).")
    if not 1 <= count <= 10_000:
        raise ValueError("Create between 1 and 10,000 tokens at a time.")
    tokens = [new_code(12) for _ in range(count)]
    db.session.add_all(
        Invitation(
            wave_id=wave.id,
            kind=InvitationKind.TOKEN,
            group=group,
            token_hash=keyed_hash(t, purpose="invitation"),
        )
        for t in tokens
    )
    db.session.flush()
    audit.record("invitation.tokens", evaluation_id=wave.evaluation_id, obj=wave, count=count)
    return tokens


def _check_window(opens_at: datetime | None, closes_at: datetime | None) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise FieldworkError("The closing time must be after the opening time.")


@dataclass(frozen=True)
class WaveSettings:
    """What an evaluator may set on a draft wave (the form's cleaned data)."""

    name: str
    version: InstrumentVersion
    groups: list[str]
    ask_panel_code: bool
    anonymity: Anonymity
    consent_text: str
    opens_at: datetime | None
    closes_at: datetime | None


def update_wave(wave: Wave, settings: WaveSettings) -> list[str]:
    """Change a draft wave; returns the names of the fields that changed (for the audit log).

    Only drafts change: once respondents may have seen a wave, what they saw must stay known.
    Editing the consent text bumps ``consent_version``. Groups added get an open link; links
    and tokens of removed groups go (a draft has no responses that could refer to them).
    """
    if wave.state is not WaveState.DRAFT:
        raise StateError(f"Wave “{wave.name}” is {wave.state}; only a draft wave can be edited.")
    if settings.version.instrument.evaluation_id != wave.evaluation_id:
        raise FieldworkError("Choose an instrument version from this evaluation.")
    _check_window(settings.opens_at, settings.closes_at)
    new_values = {
        "name": settings.name.strip(),
        "instrument_version_id": settings.version.id,
        "ask_panel_code": settings.ask_panel_code,
        "anonymity": settings.anonymity,
        "consent_text": settings.consent_text,
        "opens_at": settings.opens_at,
        "closes_at": settings.closes_at,
    }
    changed = [k for k, v in new_values.items() if getattr(wave, k) != v]
    if "consent_text" in changed:
        wave.consent_version += 1
    for key in changed:
        setattr(wave, key, new_values[key])
    if "instrument_version_id" in changed:
        wave.instrument_version = settings.version
    if list(wave.groups) != settings.groups:
        changed.append("groups")
        _sync_group_links(wave, settings.groups)
    db.session.flush()
    if changed:
        audit.record(
            "wave.update", evaluation_id=wave.evaluation_id, obj=wave, fields=sorted(changed)
        )
    return changed


def _sync_group_links(wave: Wave, groups: list[str]) -> None:
    old = set(wave.groups)
    for invitation in list(wave.invitations):
        if invitation.group not in groups:
            wave.invitations.remove(invitation)
    for group in groups:
        if group not in old:
            wave.invitations.append(
                Invitation(kind=InvitationKind.OPEN, group=group, code=new_code())
            )
    wave.groups = list(groups)


def regenerate_link(invitation: Invitation) -> Invitation:
    """Retire an open link and issue a fresh one for the same group (e.g. after it leaked).

    The old invitation is revoked rather than deleted, so responses that came through it keep
    their provenance and people who follow it are told the link has been replaced.
    """
    _refuse_closed(invitation.wave)
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
    fresh = Invitation(
        wave_id=invitation.wave_id,
        kind=InvitationKind.OPEN,
        group=invitation.group,
        code=new_code(),
    )
    db.session.add(fresh)
    db.session.flush()
    audit.record(
        "invitation.regenerate",
        evaluation_id=invitation.wave.evaluation_id,
        obj=fresh,
        replaces=invitation.id,
        group=invitation.group,
    )
    return fresh


def revoke_link(invitation: Invitation) -> None:
    """Stop an open link from admitting anyone; a group may be left with no link."""
    if invitation.revoked_at is not None:
        raise FieldworkError("That link is already revoked.")
    invitation.revoked_at = utcnow()
    db.session.flush()
    audit.record(
        "invitation.revoke",
        evaluation_id=invitation.wave.evaluation_id,
        obj=invitation,
        group=invitation.group,
    )


def revoke_unused_tokens(wave: Wave, group: str | None = None) -> int:
    """Revoke every unused, unrevoked token of the wave (or of one group); returns how many."""
    if group is not None and group not in wave.groups:
        raise FieldworkError(f"“{group}” is not one of this wave's groups.")
    query = (
        sa.update(Invitation)
        .where(
            Invitation.wave_id == wave.id,
            Invitation.kind == InvitationKind.TOKEN,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if group is not None:
        query = query.where(Invitation.group == group)
    count = db.session.execute(query).rowcount or 0
    db.session.expire(wave, ["invitations"])
    audit.record(
        "invitation.tokens_revoke",
        evaluation_id=wave.evaluation_id,
        obj=wave,
        group=group or "all",
        count=count,
    )
    return count


def _refuse_closed(wave: Wave) -> None:
    if wave.state is WaveState.CLOSED:
        raise StateError(f"Wave “{wave.name}” is closed; its links can no longer change.")


def public_url(path: str) -> str:
    """An absolute URL for respondents: PUBLIC_BASE_URL when configured, else this request's root.

    Links go on paper and into messages, so they must name the public host, not a proxy's.
    """
    base = current_app.config.get("PUBLIC_BASE_URL") or request.url_root
    return base.rstrip("/") + "/" + path.lstrip("/")


def link_url(invitation: Invitation) -> str:
    """The full address of an open link."""
    return public_url(f"/r/{invitation.code}")


def tokens_csv(group: str, tokens: list[str]) -> str:
    """The one and only copy of new tokens, as CSV with columns group, token, url."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["group", "token", "url"])
    for token in tokens:
        writer.writerow([group, token, public_url(f"/t/{token}")])
    return out.getvalue()

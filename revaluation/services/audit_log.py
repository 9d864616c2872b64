"""An evaluation's audit trail for owners: a page of events described in plain language.

Events hold ids, never names; names are looked up here, a batch per object type, so the page
reads "Dee opened wave “Baseline”" without the audit table ever storing personal data.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import (
    AuditEvent,
    ColleagueInvitation,
    Evaluation,
    Instrument,
    InstrumentVersion,
    Membership,
    Outcome,
    User,
    Wave,
)

PER_PAGE = 50

#: action -> wording after the actor's name; {name} is the object's name where there is one.
VERBS = {
    "evaluation.create": "created the evaluation",
    "evaluation.settings": "changed the settings ({fields})",
    "membership.role": "gave {name} the role {role}",
    "member.remove": "removed {name} from the evaluation",
    "invitation.send": "emailed an invitation to join as {role}",
    "invitation.accept": "accepted an invitation and joined as {role}",
    "invitation.cancel": "withdrew an invitation to a colleague",
    "outcome.add": "added the outcome {name} ({origin})",
    "outcome.revise": "changed the outcome {name} ({fields})",
    "outcome.drop": "dropped the outcome {name}",
    "outcome.move": "moved the outcome {name} {direction}",
    "framework.lock": "locked the outcome framework ({outcomes} outcomes)",
    "wave.create": "created wave {name}",
    "wave.update": "changed wave {name}",
    "wave.open": "opened wave {name}",
    "wave.close": "closed wave {name}",
    "wave.consent_change": "changed the consent text of wave {name} (now version {version})",
    "wave.erase": "erased all {responses} responses of wave {name} ({answers} answers, "
    "{stories} stories)",
    "response.erase": "erased response {response_id} ({answers} answers, {stories} stories)",
    "response.erase_own": "deleted their own response with their code ({answers} answers, "
    "{stories} stories)",
    "retention.erase": "deleted {responses} responses of wave {name} at the end of the "
    "{retention_days}-day retention period",
    "invitation.tokens": "created {count} single-use links for wave {name}",
    "instrument.create": "created instrument {name}",
    "instrument.from_library": "added instrument {name} from the library",
    "instrument.draft": "started a new draft of {name}",
    "instrument.publish": "published {name}",
    "invitation.regenerate": "replaced an open link of a wave",
    "invitation.revoke": "revoked an open link of a wave",
    "invitation.tokens_revoke": "revoked unused single-use links",
    "participation.space_create": "opened the participation space",
    "participation.space_update": "changed the participation space",
    "proposal.create": "made a proposal",
    "proposal.accept": "accepted a proposal",
    "proposal.decline": "declined a proposal",
    "proposal.merge": "merged two proposals",
    "vote.dots": "placed dots on proposals",
    "vote.ranking": "ranked proposals",
    "story.create": "shared a story",
    "story.withdraw": "withdrew a story",
    "story.code": "coded a story",
    "story_tag.create": "added a story tag",
    "msc.create": "started a Most Significant Change round",
    "msc.vote": "chose a story in a Most Significant Change round",
    "msc.close": "closed a Most Significant Change round",
    "negotiation.create": "started an outcome negotiation",
    "negotiation.react": "reacted in an outcome negotiation",
    "negotiation.merge": "merged outcomes in a negotiation",
    "negotiation.close": "closed an outcome negotiation",
    "sense_making.create": "opened a sense-making round",
    "sense_making.finding": "shared a finding for sense-making",
    "sense_making.respond": "responded to a finding in sense-making",
    "report.request": "asked for a report",
    "report.generate": "generated a report edition",
    "report.send": "sent a report edition",
    "report.download": "downloaded a report",
    "response.api_submit": "submitted a response through the API",
    "api_token.create": "created an API token",
    "api_token.revoke": "revoked an API token",
    # Account events: no evaluation of their own, shown to owners for their members.
    "user.login": "signed in",
    "user.logout": "signed out",
    "user.login_failed": "refused a sign-in to the account of {name} ({reason})",
    "user.locked": "paused sign-ins to the account of {name} for {minutes} minutes after "
    "repeated failures",
    "responses.exported": "exported the responses as {format} ({rows} rows{names_text})",
    "responses.imported": "imported {created} responses into wave {name} from a file of "
    "{rows} rows",
    "responses.read_api": "read {count} responses through the API",
}

#: Sign-ins, lockouts and API tokens belong to no evaluation; an owner sees those of the
#: evaluation's members since they joined, so a takeover of a member's account shows up here.
ACCOUNT_ACTIONS = ("user.", "api_token.")

#: object_type (lower-cased model name) -> (model, how to name one)
NAMERS = {
    "wave": (Wave, lambda w: f"“{w.name}”"),
    "outcome": (Outcome, lambda o: f"“{o.title}”"),
    "instrument": (Instrument, lambda i: f"“{i.title}”"),
    "instrumentversion": (
        InstrumentVersion,
        lambda v: f"“{v.instrument.title}” version {v.number}",
    ),
    "membership": (Membership, lambda m: m.user.name),
    "user": (User, lambda u: u.name),
    "evaluation": (Evaluation, lambda e: f"“{e.title}”"),
    "colleagueinvitation": (ColleagueInvitation, lambda i: "an invitation"),
}


def _in_log(evaluation: Evaluation):
    """The condition for events on this evaluation's log: its own, and its members' account
    events from the moment each joined."""
    who = sa.case(
        (AuditEvent.object_type == "user", AuditEvent.object_id), else_=AuditEvent.actor_id
    )
    member = (
        sa.select(Membership.id)
        .where(
            Membership.evaluation_id == evaluation.id,
            Membership.user_id == who,
            Membership.created_at <= AuditEvent.created_at,
        )
        .exists()
    )
    account = sa.and_(
        AuditEvent.evaluation_id.is_(None),
        sa.or_(*(AuditEvent.action.startswith(p, autoescape=True) for p in ACCOUNT_ACTIONS)),
        member,
    )
    return sa.or_(AuditEvent.evaluation_id == evaluation.id, account)


def action_prefixes(evaluation: Evaluation) -> list[str]:
    """The nouns (text before the dot) of the actions recorded, for the filter's choices."""
    actions = db.session.scalars(
        db.select(AuditEvent.action).where(_in_log(evaluation)).distinct()
    )
    return sorted({a.split(".")[0] for a in actions})


def audit_page(
    evaluation: Evaluation, *, page: int = 1, prefix: str = "", per_page: int = PER_PAGE
) -> dict[str, Any]:
    """One page of the evaluation's events, newest first, optionally only ``prefix.*`` ones."""
    query = db.select(AuditEvent).where(_in_log(evaluation))
    if prefix:
        query = query.where(AuditEvent.action.startswith(prefix.rstrip(".") + ".", autoescape=True))
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    events = list(
        db.session.scalars(
            query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    names = _names(events)
    return {
        "events": [
            {"when": e.created_at, "action": e.action, "text": describe(e, names)} for e in events
        ],
        "page": page,
        "pages": pages,
        "total": total,
        "prefix": prefix,
    }


def _names(events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for e in events:
        if e.actor_id:
            wanted["user"].add(e.actor_id)
        if e.object_type in NAMERS and e.object_id is not None:
            wanted[e.object_type].add(e.object_id)
    names: dict[tuple[str, int], str] = {}
    for object_type, ids in wanted.items():
        model, namer = NAMERS[object_type]
        for obj in db.session.scalars(db.select(model).where(model.id.in_(ids))):
            names[object_type, obj.id] = namer(obj)
    return names


def describe(event: AuditEvent, names: dict[tuple[str, int], str]) -> str:
    """The event as a sentence: who, did what, to what."""
    if event.actor_id:
        who = names.get(("user", event.actor_id), "A former member")
    else:
        who = {
            "system": "The system",
            "respondent": "A respondent",
            "participant": "A participant",
            "api": "An API client",
        }.get(event.actor_label, event.actor_label.capitalize())
    name = names.get((event.object_type or "", event.object_id or 0))
    detail = {
        k: (", ".join(map(str, v)) if isinstance(v, list) else v)
        for k, v in (event.detail or {}).items()
    }
    detail.setdefault("names_text", ", with names" if detail.get("names") else "")
    template = VERBS.get(event.action)
    if template:
        try:
            return f"{who} {template.format(name=name or 'something since deleted', **detail)}"
        except (KeyError, IndexError, ValueError):
            pass
    noun, _, verb = event.action.partition(".")
    what = f" ({name})" if name else ""
    return f"{who}: {verb.replace('_', ' ')} {noun.replace('_', ' ')}{what}"

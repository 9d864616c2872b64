"""Who belongs to an evaluation: members, roles, and emailed invitations for colleagues.

An evaluation always keeps at least one owner, so someone can always manage it. Invitation
tokens are sent once by email and stored only as keyed hashes.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, url_for

from revaluation.extensions import db
from revaluation.models import ColleagueInvitation, Evaluation, Membership, Role, User
from revaluation.models.base import utcnow
from revaluation.services import audit
from revaluation.services.evaluations import add_member
from revaluation.services.framework import MAX_ID
from revaluation.services.mail import send_mail
from revaluation.services.secrets import keyed_hash
from revaluation.services.users import normalise_email

logger = logging.getLogger(__name__)

INVITATION_DAYS = 14
TOKEN_PURPOSE = "colleague-invitation"  # noqa: S105 - a hash purpose label, not a secret
ROLE_TEXT = {
    Role.OWNER: "owner (manages members and settings, designs and analyses)",
    Role.EVALUATOR: "evaluator (designs instruments, runs fieldwork, analyses)",
    Role.COMMISSIONER: "commissioner (reads results and reports)",
}


class MemberError(ValueError):
    """A membership change was refused; the message says why and what to do instead."""


class InvitationError(ValueError):
    """An invitation link cannot be used; the message says why."""


@dataclass(frozen=True)
class InviteResult:
    """What inviting an address did: added an existing account, or emailed an invitation."""

    email: str
    added: bool


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def members_of(evaluation: Evaluation) -> list[dict]:
    """The members with their roles, owners first, as plain values for the page."""
    order = {Role.OWNER: 0, Role.EVALUATOR: 1, Role.COMMISSIONER: 2}
    rows = db.session.execute(
        db.select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.evaluation_id == evaluation.id)
    ).all()
    rows.sort(key=lambda r: (order[r[0].role], r[1].name.lower()))
    return [
        {"id": m.id, "user_id": u.id, "name": u.name, "email": u.email, "role": str(m.role)}
        for m, u in rows
    ]


def pending_invitations(evaluation: Evaluation) -> list[dict]:
    """Invitations not yet accepted nor expired, newest first."""
    now = datetime.now(UTC)
    rows = db.session.execute(
        db.select(ColleagueInvitation)
        .filter_by(evaluation_id=evaluation.id, accepted_at=None)
        .order_by(ColleagueInvitation.created_at.desc())
    ).scalars()
    return [
        {"id": i.id, "email": i.email, "role": str(i.role), "expires_at": i.expires_at}
        for i in rows
        if _aware(i.expires_at) > now
    ]


def invite(evaluation: Evaluation, email: str, role: Role, *, inviter: User) -> InviteResult:
    """Give an existing account the role at once, or email an invitation to join.

    The email carries a one-time link valid for 14 days; only its keyed hash is stored.
    """
    email = normalise_email(email)
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    if user is not None:
        existing = _membership_of(evaluation, user)
        if existing is not None:
            raise MemberError(
                f"{email} is already a member ({existing.role}). Change their role in the list "
                "of members instead."
            )
        add_member(evaluation, user, role)  # audited there as membership.role
        return InviteResult(email, added=True)
    token = secrets.token_urlsafe(24)
    invitation = ColleagueInvitation(
        evaluation_id=evaluation.id,
        email=email,
        role=role,
        token_hash=keyed_hash(token, purpose=TOKEN_PURPOSE),
        invited_by_id=inviter.id,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    link = base + url_for("design.invitation", token=token)
    send_mail(
        email,
        f"Invitation to join “{evaluation.title}” on Revaluation",
        f"{inviter.name} has invited you to join the evaluation “{evaluation.title}” "
        f"({evaluation.movement}) as {ROLE_TEXT[role]}.\n\n"
        f"To accept, open this link within {INVITATION_DAYS} days:\n{link}\n\n"
        "If you do not have an account yet, you can create one there.\n"
        "If you were not expecting this email, you can ignore it.\n",
    )
    audit.record("invitation.send", evaluation_id=evaluation.id, obj=invitation, role=str(role))
    logger.info("invited a colleague to evaluation %s", evaluation.id)
    return InviteResult(email, added=False)


def invitation_for_token(token: str) -> ColleagueInvitation:
    """The invitation a link's token opens; InvitationError if unknown, used or expired."""
    invitation = db.session.execute(
        db.select(ColleagueInvitation).filter_by(
            token_hash=keyed_hash(token[:200], purpose=TOKEN_PURPOSE)
        )
    ).scalar_one_or_none()
    if invitation is None:
        raise InvitationError(
            "This invitation link is not valid. Check that you copied the whole address from "
            "the email, or ask the evaluation's owner to invite you again."
        )
    if invitation.accepted_at is not None:
        raise InvitationError(
            "This invitation has already been used. Sign in to open the evaluation."
        )
    if _aware(invitation.expires_at) <= datetime.now(UTC):
        raise InvitationError(
            f"This invitation expired on {invitation.expires_at:%-d %B %Y}. Ask the "
            "evaluation's owner to invite you again."
        )
    return invitation


def accept_invitation(invitation: ColleagueInvitation, user: User) -> Membership:
    """Join the evaluation with the invited role (an existing member keeps a higher role)."""
    evaluation = invitation.evaluation
    membership = _membership_of(evaluation, user)
    if membership is None:
        membership = add_member(evaluation, user, invitation.role)
    invitation.accepted_at = utcnow()
    db.session.flush()
    audit.record(
        "invitation.accept",
        evaluation_id=evaluation.id,
        obj=invitation,
        actor_id=user.id,
        role=str(membership.role),
    )
    return membership


def cancel_invitation(evaluation: Evaluation, invitation_id: int) -> None:
    """Withdraw a pending invitation so its link stops working."""
    if not 0 < invitation_id <= MAX_ID:
        raise MemberError("That invitation was already accepted or withdrawn.")
    invitation = db.session.execute(
        db.select(ColleagueInvitation).filter_by(
            id=invitation_id, evaluation_id=evaluation.id, accepted_at=None
        )
    ).scalar_one_or_none()
    if invitation is None:
        raise MemberError("That invitation was already accepted or withdrawn.")
    db.session.delete(invitation)
    db.session.flush()
    audit.record("invitation.cancel", evaluation_id=evaluation.id, obj=invitation)


def membership_in(evaluation: Evaluation, membership_id: int) -> Membership | None:
    """The evaluation's membership with this id; None for another evaluation's (no IDOR)."""
    if not 0 < membership_id <= MAX_ID:
        return None
    return db.session.execute(
        db.select(Membership).filter_by(id=membership_id, evaluation_id=evaluation.id)
    ).scalar_one_or_none()


def change_role(membership: Membership, role: Role) -> None:
    """Give a member another role; the last owner cannot be demoted."""
    if membership.role is role:
        return
    if membership.role is Role.OWNER:
        _refuse_last_owner(membership, "change the role of")
    add_member(membership.evaluation, membership.user, role)


def remove_member(membership: Membership) -> None:
    """Take a member out of the evaluation; the last owner cannot be removed."""
    if membership.role is Role.OWNER:
        _refuse_last_owner(membership, "remove")
    evaluation_id, user = membership.evaluation_id, membership.user
    db.session.delete(membership)
    db.session.flush()
    audit.record("member.remove", evaluation_id=evaluation_id, obj=user, role=str(membership.role))


def _refuse_last_owner(membership: Membership, verb: str) -> None:
    owners = db.session.scalar(
        db.select(db.func.count(Membership.id)).filter_by(
            evaluation_id=membership.evaluation_id, role=Role.OWNER
        )
    )
    if owners <= 1:
        raise MemberError(
            f"You cannot {verb} the only owner: an evaluation needs at least one owner. "
            "Make another member an owner first."
        )


def _membership_of(evaluation: Evaluation, user: User) -> Membership | None:
    return db.session.execute(
        db.select(Membership).filter_by(evaluation_id=evaluation.id, user_id=user.id)
    ).scalar_one_or_none()

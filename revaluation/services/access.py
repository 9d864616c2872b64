"""Who may see and do what in an evaluation. Every evaluation page goes through here."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from revaluation.extensions import db, login_manager
from revaluation.models import Evaluation, Membership, Role


def role_in(evaluation: Evaluation, user) -> Role | None:
    """The user's role in the evaluation, or None."""
    if user is None or not user.is_authenticated:
        return None
    membership = db.session.execute(
        db.select(Membership).filter_by(evaluation_id=evaluation.id, user_id=user.id)
    ).scalar_one_or_none()
    return membership.role if membership else None


def evaluation_for(
    slug: str, *, edit: bool = False, owner: bool = False
) -> tuple[Evaluation, Role]:
    """Load an evaluation the current user belongs to, or 404.

    A signed-out visitor is sent to sign in. A user without a role gets 404 (not 403), so the
    existence of other movements' evaluations does not leak. A commissioner asking to edit
    gets 403: they know it exists.
    """
    if not current_user.is_authenticated:
        # Signed-out visitors are asked to sign in (and come back), whether or not the
        # evaluation exists, so the answer reveals nothing.
        abort(login_manager.unauthorized())
    evaluation = db.session.execute(db.select(Evaluation).filter_by(slug=slug)).scalar_one_or_none()
    if evaluation is None:
        abort(404)
    role = role_in(evaluation, current_user)
    if role is None:
        abort(404)
    if owner and role is not Role.OWNER:
        abort(403)
    if edit and not role.can_edit:
        abort(403)
    return evaluation, role


def evaluations_of(user) -> list[tuple[Evaluation, Role]]:
    """Every evaluation the user has a role in, newest first."""
    rows = db.session.execute(
        db.select(Evaluation, Membership.role)
        .join(Membership, Membership.evaluation_id == Evaluation.id)
        .where(Membership.user_id == user.id)
        .order_by(Evaluation.created_at.desc())
    ).all()
    return [(e, r) for e, r in rows]

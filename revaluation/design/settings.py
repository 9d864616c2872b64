"""Evaluators' workspace: creating an evaluation, its settings, members, invitations, audit log.

Routes are thin: load the evaluation for the role the page needs (non-members 404,
too-low roles 403) -> validate the form -> call a service -> commit once -> redirect.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from revaluation.design.forms_settings import (
    ActionForm,
    InviteForm,
    JoinForm,
    NewEvaluationForm,
    RoleForm,
    SettingsForm,
)
from revaluation.design.routes import bp
from revaluation.extensions import db
from revaluation.models import Evaluation, Role
from revaluation.security import mark_signed_in
from revaluation.services import access, audit_log, members
from revaluation.services.evaluations import (
    EvaluationError,
    create_evaluation,
    free_slug,
    update_settings,
)
from revaluation.services.users import AccountError, create_user


def _page(template: str, evaluation: Evaluation, role: Role, status: int = 200, **values):
    return render_template(
        template, slug=evaluation.slug, role=str(role), title=evaluation.title, **values
    ), status


@bp.route("/evaluations/new", methods=["GET", "POST"], endpoint="new_evaluation")
@login_required
def new_evaluation():
    form = NewEvaluationForm()
    if request.method == "GET":
        form.brand_colour.data, form.default_language.data = "#1d5c63", "en"
        form.small_cell_threshold.data = "5"
    if form.validate_on_submit():
        values = form.values()
        try:
            evaluation = create_evaluation(
                slug=(form.slug.data or "").strip() or free_slug(values["title"]),
                owner=current_user._get_current_object(),
                **values,
            )
        except EvaluationError as exc:
            form.slug.errors = [str(exc)]
        else:
            db.session.commit()
            flash(f"Created “{evaluation.title}”. You are its owner.", "success")
            return redirect(url_for("design.evaluation", slug=evaluation.slug))
    status = 400 if form.errors else 200
    return render_template("design/new_evaluation.html", form=form, errors=[]), status


@bp.route("/e/<slug>/settings", methods=["GET", "POST"], endpoint="settings")
@login_required
def settings_page(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    form = SettingsForm(obj=None if request.method == "POST" else evaluation)
    if request.method == "GET":
        form.small_cell_threshold.data = str(evaluation.small_cell_threshold)
        form.retention_days.data = str(evaluation.retention_days or "")
    errors = []
    if form.validate_on_submit():
        try:
            changed = update_settings(evaluation, **form.values())
        except EvaluationError as exc:
            errors.append((None, str(exc)))
        else:
            db.session.commit()
            flash("Settings saved." if changed else "Nothing had changed.", "success")
            return redirect(url_for("design.settings", slug=slug))
    return _page(
        "design/settings.html",
        evaluation,
        role,
        400 if form.errors or errors else 200,
        form=form,
        errors=errors,
    )


def _members_page(
    evaluation: Evaluation,
    role: Role,
    invite_form: InviteForm | None = None,
    errors: list | None = None,
    status: int = 200,
):
    return _page(
        "design/settings_members.html",
        evaluation,
        role,
        status,
        members=members.members_of(evaluation),
        invitations=members.pending_invitations(evaluation),
        is_owner=role is Role.OWNER,
        invite_form=invite_form or InviteForm(formdata=None),
        role_form=RoleForm(formdata=None),
        errors=errors or [],
        me=current_user.id,
    )


@bp.route("/e/<slug>/members", endpoint="members")
@login_required
def members_page(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    return _members_page(evaluation, role)


@bp.route("/e/<slug>/members/invite", methods=["POST"], endpoint="member_invite")
@login_required
def member_invite(slug: str):
    evaluation, role = access.evaluation_for(slug, owner=True)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            result = members.invite(
                evaluation,
                form.email.data,
                Role(form.role.data),
                inviter=current_user._get_current_object(),
            )
        except (members.MemberError, AccountError) as exc:
            form.email.errors = [str(exc)]
            return _members_page(evaluation, role, form, status=400)
        db.session.commit()
        flash(
            f"{result.email} is now a member with the role {form.role.data}."
            if result.added
            else f"Invitation emailed to {result.email}; the link works for "
            f"{members.INVITATION_DAYS} days.",
            "success",
        )
        return redirect(url_for("design.members", slug=slug))
    return _members_page(evaluation, role, form, status=400)


def _membership(slug: str, membership_id: int):
    evaluation, role = access.evaluation_for(slug, owner=True)
    membership = members.membership_in(evaluation, membership_id)
    if membership is None:
        abort(404)
    return evaluation, role, membership


@bp.route("/e/<slug>/members/<int:membership_id>/role", methods=["POST"], endpoint="member_role")
@login_required
def member_role(slug: str, membership_id: int):
    evaluation, role, membership = _membership(slug, membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _members_page(
            evaluation, role, errors=[(None, e) for e in form.role.errors], status=400
        )
    name = membership.user.name
    try:
        members.change_role(membership, Role(form.role.data))
    except members.MemberError as exc:
        return _members_page(evaluation, role, errors=[(None, str(exc))], status=400)
    db.session.commit()
    flash(f"{name} is now {form.role.data}.", "success")
    return redirect(url_for("design.members", slug=slug))


@bp.route(
    "/e/<slug>/members/<int:membership_id>/remove", methods=["POST"], endpoint="member_remove"
)
@login_required
def member_remove(slug: str, membership_id: int):
    evaluation, role, membership = _membership(slug, membership_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = membership.user.name
    try:
        members.remove_member(membership)
    except members.MemberError as exc:
        return _members_page(evaluation, role, errors=[(None, str(exc))], status=400)
    db.session.commit()
    flash(f"{name} no longer has access to this evaluation.", "success")
    return redirect(url_for("design.members", slug=slug))


@bp.route(
    "/e/<slug>/members/invitations/<int:invitation_id>/cancel",
    methods=["POST"],
    endpoint="invitation_cancel",
)
@login_required
def invitation_cancel(slug: str, invitation_id: int):
    evaluation, role = access.evaluation_for(slug, owner=True)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        members.cancel_invitation(evaluation, invitation_id)
    except members.MemberError as exc:
        return _members_page(evaluation, role, errors=[(None, str(exc))], status=400)
    db.session.commit()
    flash("Invitation withdrawn; its link no longer works.", "success")
    return redirect(url_for("design.members", slug=slug))


@bp.route("/invitations/<token>", methods=["GET", "POST"], endpoint="invitation")
def invitation(token: str):
    try:
        invite = members.invitation_for_token(token)
    except members.InvitationError as exc:
        return render_template("design/settings_invitation.html", problem=str(exc)), 410
    view = {
        "title": invite.evaluation.title,
        "movement": invite.evaluation.movement,
        "role": str(invite.role),
        "email": invite.email,
        "role_text": members.ROLE_TEXT[invite.role],
    }
    signed_in = current_user.is_authenticated
    form = ActionForm() if signed_in else JoinForm()
    errors = []
    if form.validate_on_submit():
        try:
            user = (
                current_user._get_current_object()
                if signed_in
                else create_user(invite.email, form.name.data, form.password.data)
            )
        except AccountError as exc:
            errors.append((None, f"{exc} Sign in first, then open this link again."))
        else:
            slug = invite.evaluation.slug
            members.accept_invitation(invite, user)
            db.session.commit()
            if not signed_in:
                mark_signed_in()
                login_user(user)
            flash(f"Welcome to “{view['title']}”.", "success")
            return redirect(url_for("design.evaluation", slug=slug))
    status = 400 if form.errors or errors else 200
    return render_template(
        "design/settings_invitation.html",
        problem=None,
        invite=view,
        form=form,
        signed_in=signed_in,
        errors=errors,
        login_url=url_for("auth.login", next=request.path),
    ), status


@bp.route("/e/<slug>/audit", endpoint="audit")
@login_required
def audit_page(slug: str):
    evaluation, role = access.evaluation_for(slug, owner=True)
    page = request.args.get("page", "1")
    prefix = request.args.get("action", "")[:40]
    choices = audit_log.action_prefixes(evaluation)
    if prefix not in choices:
        prefix = ""
    log = audit_log.audit_page(evaluation, page=int(page) if page.isdigit() else 1, prefix=prefix)
    return _page("design/audit.html", evaluation, role, log=log, choices=choices)

"""Personal API tokens: create (shown once), list, revoke."""

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required

from revaluation.account.forms import TokenForm
from revaluation.extensions import db
from revaluation.services import api_tokens

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(form: TokenForm, *, new_token: str | None = None, status: int = 200):
    response = make_response(
        render_template(
            "account/tokens.html",
            form=form,
            tokens=api_tokens.tokens_of(current_user),
            scopes=api_tokens.SCOPES,
            new_token=new_token,
        ),
        status,
    )
    # A freshly created token must not linger in any cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/tokens")
@login_required
def tokens():
    return _page(TokenForm())


@bp.post("/tokens")
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        _token, plain = api_tokens.create_token(current_user, form.name.data, form.scopes.data)
    except api_tokens.TokenError as error:
        form.name.errors = [str(error)]
        return _page(form, status=400)
    db.session.commit()
    return _page(TokenForm(formdata=None), new_token=plain)


@bp.post("/tokens/<int(max=2147483647):token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    try:
        token = api_tokens.revoke_token(current_user, token_id)
    except LookupError:
        flash("That token is not one of yours, or no longer exists.", "error")
        return redirect(url_for("account.tokens"))
    db.session.commit()
    flash(f"Token “{token.name}” is revoked: requests using it are now refused.", "success")
    return redirect(url_for("account.tokens"))

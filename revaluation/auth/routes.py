"""Evaluator and commissioner sign-in; refusals are generic so they reveal nothing."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from revaluation.auth.forms import LoginForm
from revaluation.extensions import db, limiter
from revaluation.security import mark_signed_in
from revaluation.services.users import authenticate, sign_out

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow same-site relative redirects after login."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("design.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("design.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        outcome = authenticate(form.email.data, form.password.data)
        if outcome.user is not None:
            db.session.commit()
            mark_signed_in()  # a fresh session: nothing from before sign-in carries over
            login_user(outcome.user)
            current_app.logger.info("user %s signed in", outcome.user.id)
            return redirect(_safe_next(request.args.get("next")))
        db.session.commit()  # keep the failure count
        error = outcome.message
    return render_template("auth/login.html", form=form, error=error), (400 if error else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    sign_out(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))

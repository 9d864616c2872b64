"""App-wide web behaviour: error pages, template helpers, session lifecycle (security headers
are in :mod:`revaluation.security`)."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, abort, current_app, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from revaluation.extensions import db

logger = logging.getLogger(__name__)

#: app.extensions key: {path prefix: function(HTTPException) -> Response} for JSON error bodies.
JSON_ERROR_BODIES = "revaluation.json_error_bodies"

ERROR_TEXT = {
    400: (
        "Something in that request was not right",
        "Go back, check what you entered and try again.",
    ),
    403: (
        "You cannot do that here",
        "Your role in this evaluation does not allow it. Ask an owner if you need it.",
    ),
    404: ("Page not found", "The address may be mistyped, or the page may have been removed."),
    405: ("That action is not available here", "Go back and use the buttons on the page."),
    413: ("That file or form is too large", "Try a smaller file, or split the upload into parts."),
    415: ("That was not sent from the form", "Go back and use the form on the page."),
    429: ("Too many requests", "Please wait a minute, then try again."),
    503: (
        "We could not save just now",
        "Our database is briefly unavailable. What you sent before is safe. Go back (your "
        "browser keeps what you typed on this page) and send it again in a minute.",
    ),
}

#: Seconds a client is asked to wait before retrying when the database is unavailable.
RETRY_AFTER_SECONDS = 5

#: Errors meaning the database cannot be reached or written just now (a restart, a full or
#: read-only disk, an exhausted pool), not that the request was wrong: they get a calm 503.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


def route_for_log() -> str:
    """The matched route's pattern (/t/<token>), never the path itself: paths can carry
    single-use tokens and resume codes, which must not reach the logs."""
    rule = request.url_rule
    return rule.rule if rule is not None else "(no matching route)"


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def refuse_unreadable_input() -> None:
    """Refuse, before anything is stored, input the pages cannot have sent.

    Text holding a NUL character: no browser sends one from a form; PostgreSQL cannot store it
    and SQLite cuts text at it, so such a request could only fail half-way or store something
    other than was sent (400). The JSON API checks its own bodies and names the field at fault
    (422 invalid_text). A JSON body outside the JSON API: the pages' forms read form
    fields, and Flask-WTF would take a JSON array or number for its fields and fail (415).
    """
    json_api = any(request.path.startswith(prefix)
                   for prefix in current_app.extensions.get(JSON_ERROR_BODIES, {}))
    if request.is_json and not json_api and request.method in ("POST", "PUT", "PATCH"):
        abort(415)
    texts = [request.path, *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [v for values in request.form.listvalues() for v in values]
        texts += list(request.form) + [f.filename or "" for f in request.files.values()]
    # A JSON API body is checked by the API itself, which names the field at fault (422).
    if any(_holds_nul(text) for text in texts):
        abort(400)


def init_app(app: Flask) -> None:
    app.before_request(refuse_unreadable_input)

    @app.teardown_request
    def rollback_on_error(exc):
        if exc is not None:
            with contextlib.suppress(sa_exc.DBAPIError):  # a lost connection has nothing to undo
                db.session.rollback()

    @app.teardown_appcontext
    def end_session(_exc):
        """End the request's database session. A connection lost after the page was built (a
        database restart) is discarded, not allowed to turn a finished page into a 500.
        Registered after Flask-SQLAlchemy's own teardown, so it runs first."""
        try:
            db.session.remove()
        except sa_exc.DBAPIError as error:
            db.session.registry.clear()
            logger.warning("database connection lost while ending a request: %s",
                           type(getattr(error, "orig", None) or error).__name__)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template(
            "errors/error.html",
            code=400,
            title="This form has expired",
            text="For your security, forms expire. Go back, reload the page and send it again; "
            "what you typed is kept by your browser's back button.",
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        title, text = ERROR_TEXT.get(code, (error.name, error.description or ""))
        for prefix, json_body in current_app.extensions.get(JSON_ERROR_BODIES, {}).items():
            if request.path.startswith(prefix):
                return json_body(error)
        return render_template("errors/error.html", code=code, title=title, text=text), code

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.TimeoutError)
    def database_unavailable(error: Exception):
        """A database outage gets the 503 page of whichever part of the site was asked,
        never a stack trace; other database errors are unexpected (500)."""
        if isinstance(error, sa_exc.DBAPIError) and not (
            isinstance(error, DATABASE_UNAVAILABLE) or error.connection_invalidated
        ):
            return unexpected_error(error)
        try:
            db.session.rollback()
        except sa_exc.SQLAlchemyError:  # the connection is gone: nothing left to undo
            db.session.close()
        cause = getattr(error, "orig", None) or error
        # The driver's message names the failure (no statement parameters, so no answers).
        logger.warning(
            "database unavailable on %s %s: %s: %s", request.method, route_for_log(),
            type(cause).__name__, str(cause).splitlines()[0][:200] if str(cause) else "",
        )
        unavailable = ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS)
        response = make_response(current_app.handle_http_exception(unavailable))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        logger.exception("unhandled error on %s %s", request.method, route_for_log())
        if request.path.startswith("/api/"):
            return {
                "error": {
                    "code": "server_error",
                    "message": "Something went wrong on our side.",
                    "details": {},
                }
            }, 500
        return render_template(
            "errors/error.html",
            code=500,
            title="Sorry, something went wrong on our side",
            text="Nothing you entered has been lost. Please try again in a moment.",
        ), 500

    @app.context_processor
    def template_globals():
        return {"site_name": "Revaluation", "evaluation_nav": evaluation_nav}


#: The evaluation sub-navigation: (label, endpoint, who sees it). Items whose endpoint is not
#: registered are left out, so the navigation never links to a page that does not exist.
EVALUATION_NAV = [
    ("Overview", "design.evaluation", "all"),
    ("Outcomes", "design.framework", "edit"),
    ("Instruments", "design.instruments", "edit"),
    ("Fieldwork", "design.fieldwork", "edit"),
    ("Participation", "participate.manage", "edit"),
    ("Results", "results.index", "all"),
    ("Reports", "results.reports", "all"),
    ("Settings", "design.settings", "edit"),
    ("Audit log", "design.audit", "owner"),
]


def evaluation_nav(slug: str, role: str, current: str) -> list[dict]:
    """Links for the evaluation's sub-navigation, filtered by the viewer's role."""
    from flask import current_app, url_for

    allowed = {"all"}
    if role in ("owner", "evaluator"):
        allowed.add("edit")
    if role == "owner":
        allowed.add("owner")
    return [
        {"label": label, "url": url_for(endpoint, slug=slug), "current": endpoint == current}
        for label, endpoint, who in EVALUATION_NAV
        if who in allowed and endpoint in current_app.view_functions
    ]

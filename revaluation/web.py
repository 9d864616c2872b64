"""App-wide web behaviour: security headers, error pages, template helpers, session lifecycle."""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from revaluation.extensions import db

logger = logging.getLogger(__name__)

#: app.extensions key: {path prefix: function(HTTPException) -> Response} for JSON error bodies.
JSON_ERROR_BODIES = "revaluation.json_error_bodies"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

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
    429: ("Too many requests", "Please wait a minute, then try again."),
}


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.teardown_request
    def rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

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

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        logger.exception("unhandled error on %s %s", request.method, request.path)
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

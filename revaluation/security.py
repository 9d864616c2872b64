"""App-wide protections: response headers and Content-Security-Policy, caching rules for
private pages, URL ids bounded to what the database holds, proxies, and session lifetime.

The policy allows no inline script or style at all: every page's CSS and JavaScript comes from
the app's own static files (a test walks every template to keep it that way).
"""

from __future__ import annotations

import time

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from revaluation.services.markup import light_markdown

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

#: Largest id a URL may carry: the database's integer columns hold no more.
MAX_DATABASE_ID = 2**31 - 1

#: Session key holding when the user signed in (seconds since the epoch).
SIGNED_IN_AT = "signed_in_at"


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` that matches only numbers a database id can be, so a 30-digit number in
    a URL is a plain 404 rather than an overflow deep in the database driver."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_DATABASE_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install_converters(app: Flask) -> None:
    """Call before any blueprint registers a route: rules pick their converters when added."""
    app.url_map.converters["int"] = DatabaseIdConverter


def init_app(app: Flask) -> None:
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        # Behind a load balancer the client's address and scheme arrive in X-Forwarded-*
        # headers; trust exactly as many hops as the operator configured, never more, so rate
        # limits count real clients and cannot be dodged with a forged header.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)

    # Evaluators' help text may use light Markdown; nh3 cleans what it becomes.
    app.add_template_filter(light_markdown, "light_markdown")
    app.before_request(_forget_cached_user)
    app.before_request(end_expired_session)
    app.after_request(security_headers)


def _forget_cached_user() -> None:
    """Each request finds its user and CSRF token afresh. Flask-Login and Flask-WTF cache them
    on ``g``, and ``g`` outlives a request when an app context was already pushed (tests, CLI,
    workers): without this, one request's user or token could answer for the next."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


def security_headers(response):
    """Headers every answer carries; private pages are never stored by shared caches."""
    from flask import current_app

    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static" and "Cache-Control" not in headers:
        # Signed-in pages hold evaluation data: never stored. Respondents' and participants'
        # pages may stay in their own browser (the back button keeps what they typed) but
        # never in a shared cache.
        headers["Cache-Control"] = "no-store" if _signed_in() else "private, no-cache"
    return response


def _signed_in() -> bool:
    """Whether the request came from a signed-in person (session or API token), decided
    without a database query so public pages stay cheap."""
    user = g.get("_login_user")
    if user is not None:
        return bool(user.is_authenticated)
    return "_user_id" in session


def mark_signed_in() -> None:
    """Start a fresh session for a user who just proved who they are.

    Everything the browser held before (a planted session, an old CSRF token) is dropped, so a
    session fixed before sign-in is worthless after it.
    """
    session.clear()
    session[SIGNED_IN_AT] = int(time.time())


def end_expired_session():
    """Sign out a session older than SESSION_MAX_HOURS, however active: a stolen cookie
    stops working, and people on shared computers are not left signed in for days."""
    if request.blueprint == "api" or request.endpoint in (None, "static"):
        return None
    if SIGNED_IN_AT not in session and "_user_id" not in session:
        return None
    from flask import current_app

    limit = current_app.config.get("SESSION_MAX_HOURS", 12) * 3600
    started = session.get(SIGNED_IN_AT)
    if isinstance(started, int) and time.time() - started <= limit:
        return None
    if not current_user.is_authenticated:
        session.pop(SIGNED_IN_AT, None)
        return None
    logout_user()
    session.clear()
    flash("For your security you have been signed out after "
          f"{current_app.config.get('SESSION_MAX_HOURS', 12)} hours. Sign in again to carry on.",
          "info")
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=back))

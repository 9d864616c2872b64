"""Who the respondent is across requests: a signed cookie, nothing on the server.

The cookie maps response ids to their resume codes. It is signed (so it cannot be forged)
and long-lived (so a partial response survives closing the browser); the code in it is
checked against the keyed hash stored on the response, so a rotated code locks out an old
cookie. Only the last few responses are kept, for shared devices.
"""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "reval_respondent"
MAX_AGE = 120 * 24 * 3600
MAX_ENTRIES = 5
#: Per-request storage (request.environ, not flask.g: g outlives a request when an app
#: context is already pushed, as in tests and CLI code).
ENTRIES = "revaluation.respondent_entries"
CHANGED = "revaluation.respondent_cookie_changed"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="respondent-cookie")


def entries() -> dict[str, str]:
    """Response id (as text) -> resume code, from this request's cookie (or what we set)."""
    if ENTRIES in request.environ:
        return request.environ[ENTRIES]
    raw = request.cookies.get(COOKIE)
    found: dict[str, str] = {}
    if raw:
        try:
            data = _serializer().loads(raw)
        except BadSignature:
            data = {}
        if isinstance(data, dict):
            found = {str(k): str(v) for k, v in data.items() if str(k).isdigit()}
    request.environ[ENTRIES] = found
    return found


def code_for(response_id: int) -> str | None:
    """The resume code this browser holds for the response, if any."""
    return entries().get(str(response_id))


def remember(response_id: int, code: str) -> None:
    """Hold this response in the cookie (written by :func:`write`)."""
    current = {k: v for k, v in entries().items() if k != str(response_id)}
    current[str(response_id)] = code
    request.environ[ENTRIES] = dict(list(current.items())[-MAX_ENTRIES:])
    request.environ[CHANGED] = True


def forget(response_id: int) -> None:
    current = {k: v for k, v in entries().items() if k != str(response_id)}
    request.environ[ENTRIES] = current
    request.environ[CHANGED] = True


def write(response: FlaskResponse) -> FlaskResponse:
    """after_request: set the cookie if this request changed it."""
    if not request.environ.get(CHANGED):
        return response
    response.set_cookie(
        COOKIE,
        _serializer().dumps(request.environ[ENTRIES]),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response

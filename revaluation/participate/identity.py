"""Who the participant (or MSC panellist) is across requests: a signed cookie, no account.

The participant cookie maps space ids to resume codes; the code is checked against the keyed
hash stored on the participant, so a forged or stale cookie finds nobody. Panellists get a
random token per panel, stored on the server only as a keyed hash.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Response as FlaskResponse
from flask import current_app, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer

from revaluation.models import Participant, ParticipationSpace
from revaluation.services import participation

COOKIE = "reval_participant"
PANEL_COOKIE = "reval_panel"
MAX_AGE = 365 * 24 * 3600
STORE = "revaluation.participate_cookies"


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _read(name: str) -> dict[str, str]:
    store = request.environ.setdefault(STORE, {})
    if name not in store:
        found: dict[str, str] = {}
        raw = request.cookies.get(name)
        if raw:
            try:
                data = _serializer(name).loads(raw)
            except BadSignature:
                data = {}
            if isinstance(data, dict):
                found = {str(k): str(v) for k, v in data.items() if str(k).isdigit()}
        store[name] = {"entries": found, "changed": False}
    return store[name]["entries"]


def _change(name: str, entries: dict[str, str]) -> None:
    request.environ[STORE][name] = {"entries": dict(list(entries.items())[-10:]), "changed": True}


def current(space: ParticipationSpace) -> tuple[Participant | None, str | None]:
    """The participant this browser holds for the space, and their resume code."""
    code = _read(COOKIE).get(str(space.id))
    if not code:
        return None, None
    found = participation.participant_by_code(space, code)
    return (found, code) if found else (None, None)


def remember(space: ParticipationSpace, code: str) -> None:
    entries = dict(_read(COOKIE))
    entries[str(space.id)] = code
    _change(COOKIE, entries)


def forget(space: ParticipationSpace) -> None:
    entries = {k: v for k, v in _read(COOKIE).items() if k != str(space.id)}
    _change(COOKIE, entries)


def panel_token(round_id: int, *, create: bool) -> str | None:
    """This browser's token for an MSC panel (made on first use when ``create``)."""
    entries = _read(PANEL_COOKIE)
    token = entries.get(str(round_id))
    if token is None and create:
        token = secrets.token_urlsafe(24)
        _change(PANEL_COOKIE, {**entries, str(round_id): token})
    return token


def rate_key() -> str:
    """Rate limits count per address and participant together, so people in one workshop
    (one Wi-Fi address) each get their own allowance. Only a cookie this app signed counts:
    a made-up or absent cookie falls into the address's shared bucket, so sending a new
    random cookie with every request does not escape the limit."""
    entries = _read(COOKIE)
    who = hashlib.sha256(repr(sorted(entries.items())).encode()).hexdigest()[:24] \
        if entries else ""
    return f"{get_remote_address()}|{who}"


def write(response: FlaskResponse) -> FlaskResponse:
    """after_request: write any cookie this request changed."""
    for name, state in request.environ.get(STORE, {}).items():
        if state["changed"]:
            response.set_cookie(
                name, _serializer(name).dumps(state["entries"]), max_age=MAX_AGE, httponly=True,
                samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            )
    return response

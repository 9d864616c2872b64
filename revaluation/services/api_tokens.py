"""Personal API tokens: created with scopes, shown once, stored as a keyed hash, revocable.

A token reads ``rvl_<id>_<secret>``. The id finds the row without scanning; the secret is
compared by its keyed hash (purpose ``api-token``), so a database dump cannot replay tokens.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from revaluation.extensions import db
from revaluation.models import ApiToken, User
from revaluation.models.base import utcnow
from revaluation.services import audit
from revaluation.services.secrets import keyed_hash

logger = logging.getLogger(__name__)

#: Every scope a token can carry, with the words the token page shows for it.
SCOPES: dict[str, str] = {
    "evaluations:read": "See your evaluations and their waves",
    "instruments:read": "Read instrument definitions",
    "instruments:write": "Create instrument drafts and publish them",
    "waves:write": "Create, open and close waves",
    "responses:read": "Read individual responses (never panel codes)",
    "responses:write": "Submit responses from another system",
    "results:read": "Read results (the same figures as the results page)",
    "reports:read": "See report jobs and download report PDFs",
    "reports:write": "Start report jobs",
}

PREFIX = "rvl_"
MAX_TOKENS_PER_USER = 50
_TOKEN_RE = re.compile(r"^rvl_(\d{1,12})_([A-Za-z0-9_-]{20,100})$")
#: last_used_at is refreshed at most this often, so reads do not all become writes.
_USE_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token request cannot be honoured; the message says what to change."""


@dataclass(frozen=True)
class TokenView:
    """What the token list shows: never the secret or its hash."""

    id: int
    name: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash(secret: str) -> str:
    return keyed_hash(secret, purpose="api-token")


def create_token(user: User, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """Store a new token for ``user`` and return it with its plain text (shown exactly once)."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise TokenError("Give the token a name of 1 to 80 characters, e.g. “Results dashboard”.")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise TokenError(f"Unknown scope(s): {', '.join(unknown)}.")
    if not scopes:
        raise TokenError("Choose at least one thing the token may do.")
    active = db.session.execute(
        db.select(db.func.count(ApiToken.id)).filter_by(user_id=user.id, revoked_at=None)
    ).scalar_one()
    if active >= MAX_TOKENS_PER_USER:
        raise TokenError(
            f"You already have {MAX_TOKENS_PER_USER} active tokens; revoke one you no longer use."
        )
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=_hash(secret),
        scopes=" ".join(s for s in SCOPES if s in set(scopes)),
    )
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.create", obj=token, actor_id=user.id, scopes=token.scopes)
    logger.info("created api token %s for user %s", token.id, user.id)
    return token, f"{PREFIX}{token.id}_{secret}"


def authenticate(presented: str) -> ApiToken | None:
    """The live token matching ``presented`` (whose user is active), or None."""
    match = _TOKEN_RE.match(presented.strip())
    if match is None:
        return None
    token = db.session.get(ApiToken, int(match.group(1)))
    if token is None or token.revoked_at is not None:
        return None
    if not hmac.compare_digest(token.token_hash, _hash(match.group(2))):
        return None
    if token.user is None or not token.user.active:
        return None
    now = utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last >= _USE_RESOLUTION:
        token.last_used_at = now
    return token


def tokens_of(user: User) -> list[TokenView]:
    """The user's tokens, newest first, revoked ones included (marked)."""
    rows = db.session.execute(
        db.select(ApiToken).filter_by(user_id=user.id).order_by(ApiToken.id.desc())
    ).scalars()
    return [
        TokenView(
            id=t.id,
            name=t.name,
            scopes=sorted(t.scope_set),
            created_at=t.created_at,
            last_used_at=t.last_used_at,
            revoked_at=t.revoked_at,
        )
        for t in rows
    ]


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; revoking twice keeps the first date."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise LookupError("No such token among yours.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        audit.record("api_token.revoke", obj=token, actor_id=user.id)
        logger.info("revoked api token %s", token.id)
    return token

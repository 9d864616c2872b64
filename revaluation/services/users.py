"""Accounts: creation, authentication with throttling, session rotation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from revaluation.extensions import db
from revaluation.models import User
from revaluation.services import audit

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """Input for an account was not acceptable; the message says what to change."""


def normalise_email(email: str) -> str:
    try:
        return validate_email(
            email.strip(), check_deliverability=False, globally_deliverable=False
        ).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(f"Enter a valid email address ({exc}).") from None


def create_user(email: str, name: str, password: str) -> User:
    """Create an account; refuses duplicates and short passwords."""
    email = normalise_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none():
        raise AccountError(f"An account for {email} already exists.")
    user = User(email=email, name=name.strip() or email, session_nonce=secrets.token_hex(8))
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", obj=user, actor_label="system")
    return user


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    #: Plain message for the login form when refused; deliberately generic.
    message: str | None


GENERIC_FAILURE = "The email address or password is not right. Check both and try again."


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def authenticate(email: str, password: str, *, now: datetime | None = None) -> LoginOutcome:
    """Check credentials, counting failures and locking the account after too many."""
    now = now or datetime.now(UTC)
    try:
        email = normalise_email(email)
    except AccountError:
        return LoginOutcome(None, GENERIC_FAILURE)
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    if user is None:
        # Spend the same time as a real check so timing does not reveal accounts.
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return LoginOutcome(None, GENERIC_FAILURE)
    if user.locked_until and _aware(user.locked_until) > now:
        minutes = max(1, int((_aware(user.locked_until) - now).total_seconds() // 60) + 1)
        return LoginOutcome(
            None,
            "Too many failed attempts. For your security this account is locked for "
            f"{minutes} more minute{'s' if minutes != 1 else ''}; try again later.",
        )
    if not user.check_password(password) or not user.active:
        user.failed_logins += 1
        limit = current_app.config["LOGIN_MAX_FAILURES"]
        if user.failed_logins >= limit:
            user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
            user.failed_logins = 0
            audit.record("user.locked", obj=user, actor_label="system")
        audit.record("user.login_failed", obj=user, actor_label="system")
        return LoginOutcome(None, GENERIC_FAILURE)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    user.session_nonce = secrets.token_hex(8)  # rotate: old cookies stop working
    audit.record("user.login", obj=user, actor_id=user.id)
    return LoginOutcome(user, None)


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A throwaway hash in the configured method, checked against for unknown emails."""
    return generate_password_hash(secrets.token_hex(8), method=method)

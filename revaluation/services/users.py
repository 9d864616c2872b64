"""Accounts: creation, authentication with throttling, session rotation."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from revaluation.extensions import db
from revaluation.models import LoginThrottle, User
from revaluation.services import audit
from revaluation.services.secrets import keyed_hash

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
#: Rows of LoginThrottle older than this are forgotten.
THROTTLE_MEMORY = timedelta(days=1)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def lockout_message(locked_until: datetime, now: datetime) -> str:
    """What a locked-out person reads: why, and for how long."""
    minutes = max(1, math.ceil((_aware(locked_until) - now).total_seconds() / 60))
    return (
        "Too many failed attempts: for your security, signing in with this email address is "
        f"locked for {minutes} more minute{'s' if minutes != 1 else ''}. Try again then."
    )


def authenticate(email: str, password: str, *, now: datetime | None = None) -> LoginOutcome:
    """Check credentials, counting failures and locking the address after too many.

    An address with no account is counted and locked in exactly the same way (in
    ``LoginThrottle``), so neither the message nor the lockout tells which addresses exist.
    Every attempt is audited; a failure for an unknown address records no address at all.
    """
    now = now or datetime.now(UTC)
    try:
        email = normalise_email(email)
    except AccountError:
        audit.record("user.login_failed", actor_label="system", reason="not an email address")
        return LoginOutcome(None, GENERIC_FAILURE)
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    counter = user if user is not None else _throttle_row(email, now)
    if counter.locked_until and _aware(counter.locked_until) > now:
        # The same work whether or not the account exists, so timing tells nothing either.
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        audit.record("user.login_failed", obj=user, actor_label="system", reason="sign-ins paused")
        return LoginOutcome(None, lockout_message(counter.locked_until, now))
    if user is None:
        # Spend the same time as a real check so timing does not reveal accounts.
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        audit.record("user.login_failed", actor_label="system", reason="no such account")
        return _count_failure(counter, None, now)
    if not user.check_password(password) or not user.active:
        audit.record("user.login_failed", obj=user, actor_label="system",
                     reason="wrong password" if user.active else "account disabled")
        return _count_failure(user, user, now)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    user.session_nonce = secrets.token_hex(8)  # rotate: old cookies stop working
    audit.record("user.login", obj=user, actor_id=user.id)
    return LoginOutcome(user, None)


def _count_failure(counter: User | LoginThrottle, user: User | None, now: datetime
                   ) -> LoginOutcome:
    counter.failed_logins = (counter.failed_logins or 0) + 1
    if counter.failed_logins < current_app.config["LOGIN_MAX_FAILURES"]:
        return LoginOutcome(None, GENERIC_FAILURE)
    counter.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
    counter.failed_logins = 0
    audit.record("user.locked", obj=user, actor_label="system",
                 minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
    return LoginOutcome(None, lockout_message(counter.locked_until, now))


def _throttle_row(email: str, now: datetime) -> LoginThrottle:
    """The failure counter of an address without an account (made on first use)."""
    key = keyed_hash(email, purpose="login-throttle")
    row = db.session.get(LoginThrottle, key)
    if row is None:
        db.session.execute(
            db.delete(LoginThrottle).where(LoginThrottle.updated_at < now - THROTTLE_MEMORY)
        )
        try:
            with db.session.begin_nested():
                row = LoginThrottle(key_hash=key, failed_logins=0, updated_at=now)
                db.session.add(row)
        except IntegrityError:  # a parallel attempt made it first: count on that one
            row = db.session.get(LoginThrottle, key)
    row.updated_at = now
    return row


def sign_out(user: User) -> None:
    """End every session of the user: cookies copied before sign-out stop working too."""
    user.session_nonce = secrets.token_hex(8)
    audit.record("user.logout", obj=user, actor_id=user.id)


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A throwaway hash in the configured method, checked against for unknown emails."""
    return generate_password_hash(secrets.token_hex(8), method=method)

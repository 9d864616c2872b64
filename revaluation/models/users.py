"""People who sign in (evaluators, commissioners) and their API tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from revaluation.models.base import Base, utcnow


class User(UserMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; the login identity.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: werkzeug scrypt hash; never the password.
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: Consecutive failed logins since the last success, for throttling.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    #: Bumped on password change and at login so old session cookies stop working.
    session_nonce: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")

    memberships = relationship("Membership", back_populates="user", cascade="all, delete-orphan")

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    def set_password(self, password: str) -> None:
        # scrypt unless configured otherwise (the test suite uses a cheap method for speed).
        method = (
            current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if current_app else "scrypt"
        )
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class ApiToken(Base):
    """A per-user bearer token with scopes, for the JSON API; only its hash is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    #: Keyed hash of the secret part of the token.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Space-separated scopes, e.g. "results:read responses:write".
    scopes: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user = relationship("User")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class LoginThrottle(Base):
    """Failed sign-ins for an address that has no account, throttled exactly like an account's
    (``User.failed_logins``/``locked_until``), so a lockout reveals nothing about which
    addresses exist. Keyed by a keyed hash of the address: the address itself is never stored.
    """

    __tablename__ = "login_throttle"

    #: keyed_hash(normalised email, purpose="login-throttle")
    key_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    #: Last failure; rows untouched for a day are deleted.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

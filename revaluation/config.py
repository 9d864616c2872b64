"""Configuration read from the environment over safe development defaults.

Nothing here runs at import time: :func:`load_config` is called by the app factory.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(RuntimeError):
    """A configuration value is missing or malformed; the message names the variable."""


def _int(env: dict[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    if raw.lower() in TRUE_WORDS:
        return True
    if raw.lower() in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _limit(env: dict[str, str], name: str, default: str) -> str:
    """A rate limit such as "600 per minute", checked now rather than at the first request."""
    from limits import parse_many

    raw = env.get(name) or default
    try:
        parse_many(raw)
    except ValueError:
        raise ConfigError(
            f"{name} must be a rate limit such as '600 per minute', got {raw!r}"
        ) from None
    return raw


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3, whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith(("postgresql+psycopg://", "sqlite://")):
        return url
    raise ConfigError(
        f"DATABASE_URL must start with postgresql:// or sqlite:///, got {url.split(':', 1)[0]!r}"
    )


def _development_secret(instance_path: Path) -> str:
    """Generate a secret key once into the instance folder so sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(instance_path: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the app's configuration mapping from environment variables."""
    env = dict(os.environ if env is None else env)
    environment = env.get("REVALUATION_ENV", "development")
    if environment not in {"development", "production", "testing"}:
        raise ConfigError(
            f"REVALUATION_ENV must be development, production or testing, got {environment!r}"
        )
    production = environment == "production"

    secret = env.get("SECRET_KEY")
    panel_key = env.get("PANEL_CODE_KEY")
    if production:
        missing = [n for n, v in (("SECRET_KEY", secret), ("PANEL_CODE_KEY", panel_key)) if not v]
        if missing:
            raise ConfigError(
                "Refusing to start in production without "
                + " and ".join(missing)
                + ": set "
                + (" and ".join(missing))
                + " to long random values (e.g. `python -c 'import secrets; "
                "print(secrets.token_hex(32))'`)."
            )
        if len(secret) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production")
    secret = secret or _development_secret(instance_path)

    db_url = env.get("DATABASE_URL")
    if db_url:
        db_url = normalise_database_url(db_url)
    else:
        db_url = f"sqlite:///{instance_path / 'revaluation.sqlite3'}"

    redis_url = env.get("REDIS_URL") or None
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"REDIS_URL must start with redis:// or rediss://, got {redis_url!r}")

    return {
        "ENV_NAME": environment,
        "SECRET_KEY": secret,
        "PANEL_CODE_KEY": panel_key or secret,
        "SQLALCHEMY_DATABASE_URI": db_url,
        # hide_parameters: SQL errors and echo never carry answers or codes into logs.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        #: RQ queue name; only deployments sharing one Redis need to change it.
        "JOB_QUEUE": env.get("JOB_QUEUE") or "revaluation",
        #: Seconds a dead worker's job stays "running" before workers queue it again.
        "JOB_LEASE_SECONDS": _int(env, "JOB_LEASE_SECONDS", 60, minimum=10),
        #: With REDIS_URL, exports and imports of more rows than this run on a worker.
        "BACKGROUND_ROWS": _int(env, "BACKGROUND_ROWS", 2000, minimum=0),
        "RATELIMIT_ENABLED": _bool(env, "RATELIMIT_ENABLED", True),
        #: Per client address (Flask-Limiter syntax): all respondent POSTs, and new responses.
        "RESPONDENT_RATE_LIMIT": _limit(env, "RESPONDENT_RATE_LIMIT", "600 per minute"),
        "RESPONDENT_START_LIMIT": _limit(env, "RESPONDENT_START_LIMIT", "60 per minute"),
        "SMALL_CELL_THRESHOLD": _int(env, "SMALL_CELL_THRESHOLD", 5, minimum=2),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_UPLOAD_BYTES", 5 * 1024 * 1024, minimum=1024),
        "SESSION_COOKIE_SECURE": _bool(env, "SESSION_COOKIE_SECURE", production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _bool(env, "SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        #: A sign-in lasts at most this long, however active the session (ASVS 3.3.2).
        "SESSION_MAX_HOURS": _int(env, "SESSION_MAX_HOURS", 12, minimum=1),
        #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted.
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        "WTF_CSRF_TIME_LIMIT": None,
        "PASSWORD_HASH_METHOD": "scrypt",
        "LOGIN_MAX_FAILURES": _int(env, "LOGIN_MAX_FAILURES", 5, minimum=1),
        "LOGIN_LOCKOUT_MINUTES": _int(env, "LOGIN_LOCKOUT_MINUTES", 15, minimum=1),
        "MAIL_SERVER": env.get("SMTP_HOST") or None,
        "MAIL_PORT": _int(env, "SMTP_PORT", 587, minimum=1),
        "MAIL_USERNAME": env.get("SMTP_USER") or None,
        "MAIL_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "MAIL_FROM": env.get("MAIL_FROM", "revaluation@localhost"),
        "OUTBOX_DIR": str(instance_path / "outbox"),
        "BABEL_DEFAULT_LOCALE": "en",
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
    }

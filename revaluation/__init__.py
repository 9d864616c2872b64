"""Revaluation: participatory and adaptive evaluation of health social movements."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: configuration -> extensions -> blueprints -> CLI.

    ``config`` (for tests) is applied over the environment-derived configuration.
    """
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    _configure(app, config)
    from revaluation import cli, security, web

    security.install_converters(app)
    _init_extensions(app)
    _register_blueprints(app)
    security.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app


def _configure(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    from revaluation.config import load_config

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    env: dict[str, str] | None = None
    if overrides and "ENVIRON" in overrides:
        env = dict(overrides["ENVIRON"])
    app.config.update(load_config(instance, env))
    if overrides:
        app.config.update({k: v for k, v in overrides.items() if k != "ENVIRON"})
    logging.basicConfig(
        level=app.config.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Libraries' step-by-step progress (WeasyPrint's CSS parsing, Alembic's plugin set-up) is
    # not news to an operator; their warnings and errors still show.
    for chatty in ("weasyprint.progress", "alembic.runtime.plugins"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def _init_extensions(app: Flask) -> None:
    from revaluation import models  # noqa: F401  (registers every model with the metadata)
    from revaluation.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    app.before_request(_fresh_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        from revaluation.models import User

        ident, _, nonce = user_id.partition(":")
        if not ident.isdigit():
            return None
        user = db.session.get(User, int(ident))
        if user is None or user.session_nonce != nonce:
            return None
        return user

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            _tune_sqlite(db.engine)


def _tune_sqlite(engine) -> None:
    """WAL for concurrent readers, foreign keys on, and a patient busy timeout."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _select_locale() -> str | None:
    """A respondent's chosen language on their pages, else ?lang=, cookie, browser."""
    from revaluation.services.languages import select_locale

    return select_locale()


def _fresh_locale() -> None:
    """Forget the locale Flask-Babel cached on ``g``: ``g`` outlives a request whenever an
    app context was already pushed (tests, CLI), and each request must choose afresh."""
    from flask_babel import refresh

    refresh()


def _register_blueprints(app: Flask) -> None:
    from revaluation.account.routes import bp as account_bp
    from revaluation.api.routes import bp as api_bp
    from revaluation.auth.routes import bp as auth_bp
    from revaluation.design.routes import bp as design_bp
    from revaluation.participate.routes import bp as participate_bp
    from revaluation.respond.routes import bp as respond_bp
    from revaluation.results.routes import bp as results_bp

    blueprints = (auth_bp, design_bp, respond_bp, participate_bp, results_bp, api_bp, account_bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)

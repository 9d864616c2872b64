"""Shared fixtures: the flaskr trio (app, client, runner), action helpers and factories.

Every test runs against a real database: a SQLite file by default, or PostgreSQL when
TEST_DATABASE_URL is set (each xdist worker gets its own database). Tables are created once
per session and emptied after each test, so each test starts from a clean state.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from revaluation import create_app
from revaluation.extensions import db

IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_PASSWORD = "correct horse battery"


def need(condition: bool, reason: str) -> None:
    """Skip when a dependency is missing on a laptop; fail in CI, where nothing may skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and a required dependency is missing: {reason}")
    pytest.skip(reason)


def _postgres_url(base: str, worker: str) -> str:
    """One database per xdist worker, created fresh on the server TEST_DATABASE_URL names."""
    url = sa.engine.make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database}_{worker}" if worker != "master" else url.database
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        return _postgres_url(base, worker_id)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "master")


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def _schema(database_url, instance_path):
    app = _make_app(database_url, instance_path)
    with app.app_context():
        db.drop_all()
        db.create_all()
    return True


def _make_app(database_url: str, instance_path: Path, **extra):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "PANEL_CODE_KEY": "test-panel-key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Cheap hashing keeps the suite fast; production uses scrypt (test_config checks).
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "OUTBOX_DIR": str(instance_path / "outbox"),
        "ENVIRON": {"REVALUATION_ENV": "testing"},
    }
    config.update(extra)
    app = create_app(config)
    app.instance_path = str(instance_path)
    return app


@pytest.fixture
def app_config() -> dict:
    """Override in a module to change configuration for its tests."""
    return {}


@pytest.fixture
def app(_schema, database_url, instance_path, app_config):
    app = _make_app(database_url, instance_path, **app_config)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()


def _empty_tables() -> None:
    """Empty every table after a test, ids starting again at 1 (as SQLite does after a delete).

    On PostgreSQL, TRUNCATE of every table costs about 150 ms a test (new files for each table);
    a test touches a few tables, so only those holding rows are emptied, with DELETE, and their
    id sequences restarted: one probe query, then a short transaction.
    """
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        if conn.dialect.name != "postgresql":
            for table in reversed(tables):
                conn.execute(table.delete())
            return
        probe = sa.union_all(*(
            sa.select(sa.literal(i)).where(sa.exists(sa.select(sa.literal(1)).select_from(t)))
            for i, t in enumerate(tables)))
        holding = {row[0] for row in conn.execute(probe)}
        for index in sorted(holding, reverse=True):
            table = tables[index]
            conn.execute(table.delete())
            if "id" in table.c and table.c.id.autoincrement is not False:
                conn.execute(sa.text(
                    "SELECT setval(pg_get_serial_sequence(:name, 'id'), 1, false) "
                    "WHERE pg_get_serial_sequence(:name, 'id') IS NOT NULL"),
                    {"name": f'"{table.name}"'})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = TEST_PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def make_user(app):
    from revaluation.services.users import create_user

    counter = iter(range(1, 10_000))

    def make(email: str | None = None, name: str = "Test Person", password: str = TEST_PASSWORD):
        user = create_user(email or f"person{next(counter)}@example.org", name, password)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_evaluation(app, make_user):
    from revaluation.models import Role
    from revaluation.services.evaluations import add_member, create_evaluation

    counter = iter(range(1, 10_000))

    def make(owner=None, *, slug: str | None = None, members: dict | None = None, **fields):
        owner = owner or make_user()
        evaluation = create_evaluation(
            slug=slug or f"eval-{next(counter)}",
            title=fields.pop("title", "Test evaluation"),
            movement=fields.pop("movement", "Test movement"),
            owner=owner,
            **fields,
        )
        for user, role in (members or {}).items():
            add_member(evaluation, user, Role(role))
        db.session.commit()
        return evaluation

    return make


@pytest.fixture
def demo(app):
    """A small seeded demo evaluation (same shape as `flask demo`, fewer respondents)."""
    from revaluation.services.demo import seed_demo

    info = seed_demo(members=40, staff=12)
    db.session.commit()
    return info

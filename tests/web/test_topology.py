"""The production topology of docs/deploy.md passes its smoke test on loopback: two gunicorn
instances sharing PostgreSQL and Redis, a `flask worker` and nginx in front
(scripts/topology_smoke.py: sessions, CSRF, resume codes and rate limits across instances, a
report job run by the worker, API tokens made and revoked in the UI)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"


def _server() -> str:
    """The PostgreSQL server the suite uses (TEST_DATABASE_URL's), else the local default."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return DEFAULT_SERVER
    parsed = sa.engine.make_url(url).set(database=None)
    return parsed.render_as_string(hide_password=False)


def _reachable(server: str) -> bool:
    url = sa.engine.make_url(server.replace("postgresql://", "postgresql+psycopg://", 1))
    engine = sa.create_engine(url.set(database="postgres"))
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


@pytest.mark.slow
def test_two_instances_a_worker_and_nginx_pass_the_smoke_test():
    for program in ("redis-server", "nginx"):
        found = shutil.which(program) or shutil.which(program, path="/usr/sbin:/sbin")
        need(found is not None, f"{program} is not installed (scripts/system-deps.sh)")
    server = _server()
    need(_reachable(server), f"no PostgreSQL server at {server}")
    # The real thing is `flask db upgrade`; TOPOLOGY_SCHEMA=create-all builds the schema from
    # the models instead, for a working tree whose migration has not been regenerated yet.
    schema = os.environ.get("TOPOLOGY_SCHEMA", "upgrade")
    run = subprocess.run(
        [sys.executable, "scripts/topology_smoke.py", "--postgres", server, "--schema", schema],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    assert "[FAIL]" not in report
    passed = re.search(r"^(\d+)/(\d+) checks passed", run.stdout, re.MULTILINE)
    assert passed is not None and passed.group(1) == passed.group(2) == "5", report[-3000:]

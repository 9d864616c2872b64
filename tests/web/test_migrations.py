"""The migrations build the schema from empty, match the models, and go back down."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _flask(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLASK_APP": "wsgi.py", "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "flask", "db", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_upgrade_check_downgrade_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    for step in (("upgrade",), ("check",), ("downgrade", "base"), ("upgrade",)):
        result = _flask(*step, database_url=url)
        assert result.returncode == 0, result.stderr[-2000:]

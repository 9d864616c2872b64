"""Start (and stop) the production topology on loopback: PostgreSQL database, Redis, N gunicorn
instances with REVALUATION_ENV=production, one RQ worker and nginx round-robin in front.

Used by ``scripts/topology_smoke.py`` and ``benchmarks/scale.py``. Everything started here is
stopped by :meth:`Topology.stop` (by process id) and the database it created is dropped.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NGINX_CONF = """
worker_processes 2;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    client_max_body_size 6m;
    upstream revaluation {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://revaluation;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream off;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, *, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:  # still booting
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


@dataclass
class Topology:
    """What runs where; fill with :meth:`start`, always end with :meth:`stop`."""

    admin_url: str
    instances: int = 2
    workers_per_instance: int = 2
    rate_limits: bool = True
    #: "upgrade" (the real thing: `flask db upgrade`) or "create-all" (build the schema from
    #: the models and stamp it, for a tree whose migration has not been regenerated yet).
    schema: str = "upgrade"
    #: Extra options for `flask demo` (e.g. a smaller panel for a quick smoke test).
    demo_args: tuple[str, ...] = ()
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="reval-topology-")))
    processes: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    database: str = field(default_factory=lambda: f"reval_topology_{os.getpid()}")
    ports: list[int] = field(default_factory=list)
    proxy_port: int = 0
    redis_port: int = 0
    env: dict[str, str] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        url = sa.engine.make_url(self.admin_url).set(database=self.database)
        return url.render_as_string(hide_password=False)

    @property
    def bases(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def _admin(self) -> sa.Engine:
        url = sa.engine.make_url(self.admin_url.replace("postgresql://", "postgresql+psycopg://"))
        return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.database_url.replace("postgresql://", "postgresql+psycopg://"))

    def _spawn(self, name: str, args: list[str], **kw) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603  (our own fixed command lines)
            args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kw,
        )
        self.processes.append((name, process))
        return process

    def flask(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603  (our own fixed command line)
            [str(BIN / "flask"), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def _create_all(self) -> None:
        code = (
            "from flask_migrate import stamp\n"
            "from revaluation import create_app\n"
            "from revaluation.extensions import db\n"
            "with create_app().app_context():\n"
            "    db.create_all()\n"
            "    stamp()\n"
        )
        done = subprocess.run(  # noqa: S603  (a fixed command line)
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=self.env,
            check=False,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"creating the schema failed:\n{done.stderr[-3000:]}")

    def start(self, log=print) -> None:
        missing = [name for name in ("redis-server", "nginx") if _program(name) is None]
        if missing:
            raise RuntimeError(
                f"{' and '.join(missing)} not found: install them (scripts/system-deps.sh "
                "installs both on Debian and Ubuntu)"
            )
        engine = self._admin()
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{self.database}"'))
        engine.dispose()
        log(f"PostgreSQL: fresh database {self.database}")
        self.redis_port = free_port()
        self._spawn(
            "redis",
            [
                _program("redis-server"),
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        )
        self.env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")},
            "FLASK_APP": "wsgi.py",
            "REVALUATION_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "PANEL_CODE_KEY": secrets.token_hex(32),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            # Loopback has no TLS; behind a real proxy these cookies stay Secure.
            "SESSION_COOKIE_SECURE": "false",
            # nginx in front: the client's address comes from its X-Forwarded-For.
            "TRUSTED_PROXIES": "1",
            "RATELIMIT_ENABLED": "true" if self.rate_limits else "false",
            "LOG_LEVEL": "WARNING",
        }
        time.sleep(0.3)
        if self.schema == "create-all":
            self._create_all()
            log("schema: created from the models and stamped (--schema create-all)")
        else:
            self.flask("db", "upgrade")
            log("flask db upgrade: done")
        self.ports = [free_port() for _ in range(self.instances)]
        for n, port in enumerate(self.ports):
            self._spawn(
                f"gunicorn-{n}",
                [
                    str(BIN / "gunicorn"),
                    "--workers",
                    str(self.workers_per_instance),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--timeout",
                    "120",
                    "--forwarded-allow-ips",
                    "127.0.0.1",
                    "wsgi:app",
                ],
            )
        self._spawn("rq-worker", [str(BIN / "flask"), "worker"])
        # Seeded while the instances and the worker boot (they need the schema, not the data).
        self.flask("demo", *self.demo_args)
        log("flask demo: seeded" + (f" ({' '.join(self.demo_args)})" if self.demo_args else ""))
        for base in self.bases:
            wait_for(base + "/login")
        log("gunicorn: " + ", ".join(self.bases) + f" ({self.workers_per_instance} workers each)")
        self.proxy_port = free_port()
        servers = "\n".join(f"        server 127.0.0.1:{p};" for p in self.ports)
        conf = self.tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=self.tmp, servers=servers, port=self.proxy_port))
        nginx = _program("nginx")
        self._spawn("nginx", [nginx, "-c", str(conf), "-p", str(self.tmp), "-g", "daemon off;"])
        wait_for(self.proxy + "/login")
        log(f"nginx round-robin: {self.proxy} -> {len(self.ports)} instances")

    def stop(self, log=print) -> None:
        running = [(n, p) for n, p in reversed(self.processes) if p.poll() is None]
        for _name, process in running:  # all at once: each takes a few seconds to finish
            os.killpg(process.pid, signal.SIGTERM)
        for name, process in running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log(f"stopped {name}")
        self.processes.clear()
        # Keep trying for a while: the server may be full of other clients for a moment.
        for attempt in range(10):
            engine = self._admin()
            try:
                with engine.connect() as conn:
                    conn.execute(
                        sa.text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
                    )
                log(f"dropped database {self.database}")
                break
            except sa.exc.OperationalError as error:
                if attempt == 9:
                    log(f"could not drop database {self.database}: {error.orig}")
                time.sleep(1)
            finally:
                engine.dispose()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _program(name: str) -> str | None:
    """A system program's path (daemons often live in /usr/sbin, outside a user's PATH)."""
    return shutil.which(name) or shutil.which(name, path="/usr/local/sbin:/usr/sbin:/sbin")

"""Reliability under load: concurrent simulated respondents against gunicorn, on SQLite and on
PostgreSQL, then a database check that every acknowledged submission is stored exactly once.

Each simulated respondent is a thread walking the demo survey like a phone browser without
JavaScript (``respondents.walk``): open link ``/r/walkmembers``, consent, panel code, every
page, "Check your answers", submit; then it starts again as a new respondent until the time
is up. A submission counts as *acknowledged* when the submit POST answers with the redirect
to the "sent" page. Afterwards the database must hold every acknowledged response complete,
with its answers, and nothing twice.

Rate limits are switched off (``RATELIMIT_ENABLED=false``): every simulated phone comes from
127.0.0.1, so per-address limits would measure the limiter, not the app. Loopback only.

    .venv/bin/python benchmarks/load.py [--db sqlite|postgres|both] [--users 200]
        [--duration 60] [--workers 2] [--postgres postgresql://postgres@127.0.0.1:5432]

``benchmarks/faults.py`` and ``benchmarks/scale.py`` drive the same respondents.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa
from _respond_common import ROOT, database_url, environment, seed
from itsdangerous import URLSafeSerializer
from respond_load import serve, stop
from respondents import walk

START_PATH = "/r/walkmembers"
RESPONDENT_COOKIE = "reval_respondent"
RID = re.compile(r"/s/(\d+)/")
#: The title of the app's page for a database it cannot reach or write just now (a 503).
CALM_503 = "We could not save just now"
#: A journey still running this long after the end of the run is abandoned.
GRACE_SECONDS = 90


class Stopped(Exception):
    """The run is over: a simulated respondent puts the phone away."""


@dataclass
class Tally:
    """What one simulated respondent saw; merged across threads after the run."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    connection_errors: int = 0
    retries: int = 0
    #: Server errors (5xx) that were not the calm 503 page, or that showed a stack trace.
    rough_errors: int = 0
    #: The first few server error pages, to show what went wrong.
    error_pages: list[tuple[int, str]] = field(default_factory=list)
    acknowledged: set[int] = field(default_factory=set)

    def merge(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.statuses.update(other.statuses)
        self.connection_errors += other.connection_errors
        self.retries += other.retries
        self.rough_errors += other.rough_errors
        self.error_pages += other.error_pages[: max(0, 5 - len(self.error_pages))]
        self.acknowledged |= other.acknowledged


@dataclass
class Journey:
    """One simulated respondent's way through the survey."""

    rid: int | None
    resume_code: str | None
    acknowledged: bool
    pages_saved: int
    error: str | None


class TimedSession(requests.Session):
    """A browser session that times every request, notes which response it is answering,
    and, like a person pressing reload, retries a request that met a 502/503/504 or a refused
    connection up to ``retries`` times, ``retry_wait`` seconds apart."""

    def __init__(self, tally: Tally, *, retries: int = 0, retry_wait: float = 1.0,
                 hard_stop: float | None = None) -> None:
        super().__init__()
        self.tally, self.retries, self.retry_wait = tally, retries, retry_wait
        self.hard_stop = hard_stop
        self.rid: int | None = None
        self.acknowledged = False
        self.pages_saved = 0

    def request(self, method, url, *args, **kwargs):
        for attempt in range(self.retries + 1):
            if self.hard_stop is not None and time.monotonic() > self.hard_stop:
                raise Stopped()
            started = time.perf_counter()
            try:
                reply = super().request(method, url, *args, **kwargs)
            except (requests.ConnectionError, requests.Timeout):
                self.tally.connection_errors += 1
                if attempt < self.retries:
                    self.tally.retries += 1
                    time.sleep(self.retry_wait)
                    continue
                raise
            self.tally.latencies.append(time.perf_counter() - started)
            self.tally.statuses[reply.status_code] += 1
            if reply.status_code >= 500:
                calm = reply.status_code == 503 and CALM_503 in reply.text
                if not calm or "Traceback" in reply.text:
                    self.tally.rough_errors += 1
                if len(self.tally.error_pages) < 5:
                    self.tally.error_pages.append((reply.status_code, reply.text[:4000]))
                if reply.status_code in (502, 503, 504) and attempt < self.retries:
                    self.tally.retries += 1
                    time.sleep(self.retry_wait)
                    continue
            break
        self._note(method, url, reply)
        return reply

    def _note(self, method: str, url: str, reply: requests.Response) -> None:
        location = reply.headers.get("Location", "")
        found = RID.search(url + "/") or RID.search(location + "/")
        if found:
            self.rid = int(found.group(1))
        if method.upper() != "POST" or reply.status_code != 302:
            return
        if url.endswith("/submit") and location.endswith("/done"):
            self.acknowledged = True
            self.tally.acknowledged.add(self.rid)
        elif "/p/" in url:
            self.pages_saved += 1

    def resume_code(self) -> str | None:
        """The resume code this browser holds for its response (the cookie is signed, not
        secret: its payload is readable without the key, as in any browser)."""
        raw = self.cookies.get(RESPONDENT_COOKIE)
        if not raw or self.rid is None:
            return None
        _valid, payload = URLSafeSerializer("").loads_unsafe(raw)
        return payload.get(str(self.rid)) if isinstance(payload, dict) else None


@dataclass
class LoadRun:
    users: int
    seconds: float
    tally: Tally
    journeys: list[Journey]

    @property
    def requests(self) -> int:
        return len(self.tally.latencies)

    @property
    def server_errors(self) -> int:
        return sum(n for code, n in self.tally.statuses.items() if code >= 500)

    def percentile(self, q: float) -> float:
        times = sorted(self.tally.latencies)
        return times[min(len(times) - 1, int(len(times) * q))] if times else float("nan")


def run_load(bases: list[str], users: int, seconds: float, *, retries: int = 0,
             retry_wait: float = 1.0, start_path: str = START_PATH,
             timeout: float = 60.0) -> LoadRun:
    """``users`` threads each answer the survey again and again for ``seconds``; request i
    of a journey goes to ``bases[(user + i) % len(bases)]`` (one base: all to it)."""
    deadline = time.monotonic() + seconds
    hard_stop = deadline + GRACE_SECONDS
    tallies = [Tally() for _ in range(users)]
    journeys: list[list[Journey]] = [[] for _ in range(users)]

    def respondent(user: int) -> None:
        while time.monotonic() < deadline:
            session = TimedSession(tallies[user], retries=retries, retry_wait=retry_wait,
                                   hard_stop=hard_stop)
            error = None
            try:
                result = walk(session, bases, start_path, offset=user, timeout=timeout)
                error = result.error
            except Stopped:
                error = "stopped at the end of the run"
            except requests.RequestException as failure:
                error = f"{type(failure).__name__} after {session.rid or 'no'} response"
            journeys[user].append(Journey(session.rid, session.resume_code(),
                                          session.acknowledged, session.pages_saved, error))
            session.close()
            if error:
                time.sleep(0.5)  # a person waits a moment before trying again

    threads = [threading.Thread(target=respondent, args=(n,), daemon=True)
               for n in range(users)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + GRACE_SECONDS + 30)
    elapsed = time.monotonic() - started
    tally = Tally()
    for part in tallies:
        tally.merge(part)
    return LoadRun(users, elapsed, tally, [j for mine in journeys for j in mine])


# -- the database check ----------------------------------------------------------------------


def engine_for(url: str) -> sa.Engine:
    from revaluation.config import normalise_database_url

    return sa.create_engine(normalise_database_url(url))


def high_water(url: str) -> int:
    """The largest response id before a run: later ids were started by the run."""
    engine = engine_for(url)
    with engine.connect() as conn:
        value = conn.execute(sa.text("SELECT max(id) FROM response")).scalar() or 0
    engine.dispose()
    return value


@dataclass
class StoredCheck:
    acknowledged: int
    lost: int
    duplicated: int
    unacknowledged_complete: int
    unexpected: int
    #: SQLite only: the result of PRAGMA integrity_check ("ok" when nothing is corrupt).
    integrity: str = "ok"

    @property
    def clean(self) -> bool:
        return self.lost == self.duplicated == self.unexpected == 0 and self.integrity == "ok"

    def line(self) -> str:
        return (f"acknowledged {self.acknowledged}: lost {self.lost}, duplicated "
                f"{self.duplicated}; stored without acknowledgement {self.unacknowledged_complete}"
                f", unexpected {self.unexpected}"
                + ("" if self.integrity == "ok" else f"; integrity: {self.integrity}"))


def check_stored(url: str, acknowledged: set[int], started: set[int], before: int) -> StoredCheck:
    """Every acknowledged response complete with a submission id and answers (else lost);
    no submission id or answer stored twice and no complete response the run did not start
    (else duplicated / unexpected)."""
    engine = engine_for(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT r.id, r.status, r.submission_id, count(a.id) FROM response r "
            "LEFT JOIN answer a ON a.response_id = r.id WHERE r.id > :before "
            "GROUP BY r.id, r.status, r.submission_id"), {"before": before}).all()
        twice = conn.execute(sa.text(
            "SELECT count(*) FROM (SELECT submission_id FROM response WHERE submission_id IS "
            "NOT NULL GROUP BY submission_id HAVING count(*) > 1) AS d")).scalar()
        twice += conn.execute(sa.text(
            "SELECT count(*) FROM (SELECT response_id, question_key FROM answer "
            "GROUP BY response_id, question_key HAVING count(*) > 1) AS d")).scalar()
        integrity = "ok"
        if conn.dialect.name == "sqlite":
            integrity = conn.execute(sa.text("PRAGMA integrity_check")).scalar()
    engine.dispose()
    complete = {rid for rid, status, submission, answers in rows
                if status == "complete" and submission and answers > 0}
    return StoredCheck(
        acknowledged=len(acknowledged),
        lost=len(acknowledged - complete),
        duplicated=twice,
        unacknowledged_complete=len((complete & started) - acknowledged),
        unexpected=len(complete - started),
        integrity=integrity,
    )


# -- databases and servers -------------------------------------------------------------------


def postgres_database(admin_url: str, name: str, *, drop: bool = False) -> str:
    """Create (or with ``drop`` remove) a database on the server ``admin_url`` names."""
    url = sa.engine.make_url(admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def prepare(kind: str, admin_url: str, folder: Path) -> str:
    """A fresh database of this kind with the schema and the demo: its URL."""
    if kind == "sqlite":
        target = database_url(folder / "load.sqlite3")
    else:
        target = postgres_database(admin_url, f"reval_load_{os.getpid()}")
    seed(target)
    return target


def wait_ready(base: str, process=None, seconds: float = 180) -> None:
    """Until a worker answers (gunicorn binds before its workers have imported the app)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {process.returncode}")
        try:
            if requests.get(base + START_PATH, timeout=30).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{base} did not answer within {seconds:.0f} s")


def start_server(url: str, workers: int, *, port: int | None = None, log=None):
    """gunicorn on this database, warmed up: (process, base URL)."""
    process, base = serve("wsgi:app", environment(url), workers, ROOT, port=port, log=log)
    try:
        wait_ready(base, process)
    except RuntimeError:
        stop(process)
        raise
    walk(requests.Session(), [base], START_PATH)  # every worker imports lazily: warm one
    return process, base


# -- the benchmark ---------------------------------------------------------------------------


def report(label: str, run: LoadRun, stored: StoredCheck) -> None:
    ack = len(run.tally.acknowledged)
    five = run.server_errors
    other = sorted((c, n) for c, n in run.tally.statuses.items() if c >= 400 and c < 500)
    print(f"  {label}")
    print(f"    requests            : {run.requests} in {run.seconds:.1f} s"
          f" ({run.requests / run.seconds:.1f}/s)")
    print(f"    5xx responses       : {five}; 4xx: {sum(n for _, n in other)}"
          f"{' ' + str(dict(other)) if other else ''}; connection errors:"
          f" {run.tally.connection_errors}")
    print(f"    latency p50 / p95   : {run.percentile(0.50) * 1000:.0f} ms /"
          f" {run.percentile(0.95) * 1000:.0f} ms (max {run.percentile(1.0) * 1000:.0f} ms)")
    print(f"    acknowledged        : {ack} submissions ({ack / run.seconds:.2f}/s) from"
          f" {len(run.journeys)} journeys")
    print(f"    database check      : {stored.line()}")
    failed = [j.error for j in run.journeys if j.error]
    if failed:
        print(f"    unfinished journeys : {len(failed)} (first: {failed[0]})")


def run_one(kind: str, args, folder: Path) -> tuple[LoadRun, StoredCheck]:
    url = prepare(kind, args.postgres, folder)
    process = None
    try:
        with (folder / "gunicorn.log").open("ab") as log:
            process, base = start_server(url, args.workers, log=log)
        before = high_water(url)
        run = run_load([base], args.users, args.duration)
        started = {j.rid for j in run.journeys if j.rid is not None}
        stored = check_stored(url, run.tally.acknowledged, started, before)
    finally:
        if process is not None:
            stop(process)
        if kind == "postgres":
            postgres_database(args.postgres, sa.engine.make_url(url).database, drop=True)
    return run, stored


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--users", type=int, default=200, help="simultaneous respondents")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server for --db postgres (a fresh database is made)")
    args = parser.parse_args()
    # A terminated run still stops its servers and drops its database (finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print(f"Load: {args.users} simulated respondents for {args.duration:.0f} s each, gunicorn "
          f"{args.workers} workers x 4 threads (gthread), rate limits off, loopback, "
          f"{os.cpu_count()} CPU cores shared by client and server")
    clean = True
    for kind in kinds:
        folder = Path(tempfile.mkdtemp(prefix=f"reval-load-{kind}-"))
        run, stored = run_one(kind, args, folder)
        report("SQLite (WAL)" if kind == "sqlite" else "PostgreSQL", run, stored)
        clean = clean and stored.clean and run.server_errors == 0
    print("Zero 5xx, nothing lost or duplicated." if clean else "FAILED: see above.")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())

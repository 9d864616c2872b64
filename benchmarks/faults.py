"""Faults under load: what a respondent sees, and what the database keeps, when things break.

Each scenario runs the respondent load of ``benchmarks/load.py`` against gunicorn, breaks
something in the middle, repairs it, and checks the outcome:

kill      ``kill -9`` of the gunicorn master and its workers, then a restart (SQLite and
          PostgreSQL): every acknowledged response is stored; respondents cut off half-way
          continue on another device with their resume code, their saved pages kept.
postgres  a PostgreSQL restart (``pg_ctl restart -m fast``): requests in the gap get a calm 503
          page (no stack trace, no 500), the same request succeeds when sent again, and nothing
          acknowledged is lost. It restarts a private cluster made for the run (initdb on a free
          port), never the machine's shared server.
diskfull  the SQLite database on a small tmpfs that is filled to the last byte during the load,
          then freed: a calm 503 page while full, no corrupt rows, retries succeed.
readonly  the same tmpfs remounted read-only (the app restarted on it, as after the kernel
          remounts a failing disk), then read-write again: a calm 503 page, no corrupt rows.

The tmpfs scenarios need root (to mount); without it they are reported as skipped. Rate
limits are off, as in load.py. Loopback only. It prints a table of checks, PASS or FAIL.

    .venv/bin/python benchmarks/faults.py [--only kill,postgres,diskfull,readonly]
        [--users 40] [--duration 40] [--postgres postgresql://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import glob
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa
from load import (
    LoadRun,
    StoredCheck,
    Tally,
    TimedSession,
    check_stored,
    high_water,
    postgres_database,
    prepare,
    run_load,
    start_server,
)
from respond_load import free_port, stop
from respondents import walk

SCENARIOS = ("kill", "postgres", "diskfull", "readonly")


@dataclass
class Outcome:
    scenario: str
    checks: list[tuple[str, bool | None, str]] = field(default_factory=list)

    def check(self, label: str, ok: bool | None, detail: str = "") -> None:
        """``ok`` None: skipped (the machine cannot stage this fault)."""
        self.checks.append((label, ok, detail))


# -- helpers ----------------------------------------------------------------------------------


def during_load(bases: list[str], users: int, seconds: float, fault: Callable[[], None], *,
                at: float = 0.35, retries: int = 0) -> LoadRun:
    """Run the load; ``at`` of the way through, stage the fault (which also repairs it)."""
    done: list[LoadRun] = []
    worker = threading.Thread(
        target=lambda: done.append(run_load(bases, users, seconds, retries=retries)))
    worker.start()
    time.sleep(seconds * at)
    fault()
    worker.join()
    return done[0]


def wait_answering(base: str, process, seconds: float = 180) -> None:
    """Until gunicorn answers any HTTP request (a read-only database may answer 503)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {process.returncode}")
        try:
            requests.get(base + "/respondent-privacy", timeout=30)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise RuntimeError(f"{base} did not answer within {seconds:.0f} s")


def error_pages_calm(run: LoadRun) -> tuple[bool, str]:
    """Every 5xx was a 503 with the calm page and no stack trace."""
    codes = {c: n for c, n in run.tally.statuses.items() if c >= 500}
    rough = run.tally.rough_errors
    return rough == 0, f"5xx by status: {codes or 'none'}" + (
        f"; {rough} not the calm 503 page" if rough else "")


def stored_line(stored: StoredCheck) -> tuple[bool, str]:
    return stored.clean, stored.line()


def finished(run: LoadRun) -> tuple[bool, str]:
    """Every journey ended at the "sent" page (journeys cut by the end of the run aside)."""
    failed = [j.error for j in run.journeys if j.error and not j.error.startswith("stopped")]
    return not failed, (f"{len(run.journeys)} journeys, {run.tally.retries} retried requests"
                        + (f"; {len(failed)} failed (first: {failed[0]})" if failed else ""))


def hollow_responses(url: str, before: int) -> int:
    """Complete responses of the run without answers or submission id: half-written rows."""
    from load import engine_for

    engine = engine_for(url)
    with engine.connect() as conn:
        count = conn.execute(sa.text(
            "SELECT count(*) FROM response r WHERE r.id > :before AND r.status = 'complete' "
            "AND (r.submission_id IS NULL OR NOT EXISTS (SELECT 1 FROM answer a "
            "WHERE a.response_id = r.id))"), {"before": before}).scalar()
    engine.dispose()
    return count


def stored_after(url: str, run: LoadRun, before: int, extra: set[int] = frozenset()):
    started = {j.rid for j in run.journeys if j.rid is not None}
    return check_stored(url, run.tally.acknowledged | set(extra), started, before)


class Server:
    """gunicorn on a fixed port, restartable."""

    def __init__(self, url: str, workers: int, log: Path) -> None:
        self.url, self.workers, self.log = url, workers, log
        self.port = free_port()
        self.process = None
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self, *, warm: bool = True) -> None:
        with self.log.open("ab") as log:
            if warm:
                self.process, _ = start_server(self.url, self.workers, port=self.port, log=log)
            else:
                from load import ROOT, environment, serve

                self.process, _ = serve("wsgi:app", environment(self.url), self.workers, ROOT,
                                        port=self.port, log=log)
                wait_answering(self.base, self.process)

    def kill9(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop(self.process)
            with contextlib.suppress(ProcessLookupError):  # workers left by their master
                os.killpg(self.process.pid, signal.SIGKILL)


def _as_postgres(args: list[str]) -> list[str]:
    return (["runuser", "-u", "postgres", "--", *args]) if os.geteuid() == 0 else args


class PrivateCluster:
    """A throwaway PostgreSQL cluster on a free port, so restarting it disturbs nobody."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise RuntimeError("PostgreSQL server binaries not found in /usr/lib/postgresql")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="reval-pg-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-w",
                                     "-l", str(self.dir / "server.log"), *args]),
                       check=True, capture_output=True)

    def start(self) -> None:
        subprocess.run(_as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-A",
                                     "trust", "-U", "postgres", "--no-sync"]),
                       check=True, capture_output=True)
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.dir}'\nfsync = on\n")
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("-m", "fast", "restart")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class SmallDisk:
    """A tmpfs of ``megabytes`` mounted on a new folder (root only)."""

    def __init__(self, megabytes: int) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="reval-disk-"))
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs",
                        str(self.path)], check=True, capture_output=True)

    def fill(self) -> Path:
        """Write a file until the disk is full, to the last block; returns it."""
        filler = self.path / "filler"
        descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        size = 1 << 20
        try:
            while size >= 512:
                try:
                    os.write(descriptor, b"\0" * size)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    size //= 2
        finally:
            os.close(descriptor)
        return filler

    def remount(self, mode: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{mode}", str(self.path)], check=True,
                       capture_output=True)

    def remove(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], check=False, capture_output=True)
        shutil.rmtree(self.path, ignore_errors=True)


def can_mount() -> bool:
    if os.geteuid() != 0:
        return False
    try:
        SmallDisk(1).remove()
        return True
    except (subprocess.CalledProcessError, OSError):
        return False


# -- scenarios ---------------------------------------------------------------------------------


def resume_interrupted(base: str, url: str, run: LoadRun, out: Outcome) -> set[int]:
    """Respondents cut off half-way continue on a fresh device with their resume code."""
    from load import engine_for

    cut = [j for j in run.journeys if j.error and j.rid and j.resume_code and not j.acknowledged]
    engine = engine_for(url)
    with engine.connect() as conn:
        rows = {rid: (status, answers) for rid, status, answers in conn.execute(sa.text(
            "SELECT r.id, r.status, count(a.id) FROM response r LEFT JOIN answer a "
            "ON a.response_id = r.id GROUP BY r.id, r.status"))}
    engine.dispose()
    partial = [j for j in cut if rows.get(j.rid, ("missing", 0))[0] == "partial"]
    kept = [j for j in partial if rows[j.rid][1] >= j.pages_saved]
    out.check("interrupted respondents' saved pages kept", len(kept) == len(partial),
              f"{len(partial)} partial responses cut off, {len(kept)} with every saved page "
              f"({sum(j.pages_saved for j in partial)} pages saved before the kill)")
    resumed: set[int] = set()
    failures: list[str] = []
    for journey in partial:
        session = TimedSession(Tally(), retries=3)
        result = walk(session, [base], f"/resume/{journey.resume_code}")
        if result.completed and session.acknowledged:
            resumed.add(journey.rid)
        else:
            failures.append(result.error or "not acknowledged")
    out.check("interrupted respondents resume with their code and submit",
              bool(partial) and not failures,
              f"{len(resumed)}/{len(partial)} resumed on a fresh session"
              + (f"; first failure: {failures[0]}" if failures else "")
              + ("" if partial else "; nobody was cut off half-way (fault came too early?)"))
    return resumed


def scenario_kill(kind: str, args, folder: Path) -> Outcome:
    out = Outcome(f"kill -9 ({'SQLite' if kind == 'sqlite' else 'PostgreSQL'})")
    url = prepare(kind, args.postgres, folder)
    server = Server(url, args.workers, folder / "gunicorn.log")
    try:
        server.start()
        before = high_water(url)
        downtime: list[float] = []

        def fault() -> None:
            server.kill9()
            started = time.monotonic()
            time.sleep(2)
            server.start(warm=False)
            downtime.append(time.monotonic() - started)

        run = during_load([server.base], args.users, args.duration, fault)
        out.check("load ran through a kill -9 and restart", True,
                  f"{run.requests} requests, {run.tally.connection_errors} connection errors, "
                  f"down {downtime[0]:.1f} s")
        out.check("no 500 pages", run.tally.statuses.get(500, 0) == 0,
                  f"5xx by status: {({c: n for c, n in run.tally.statuses.items() if c >= 500})}")
        out.check("every acknowledged response stored once", *stored_line(
            stored_after(url, run, before)))
        resumed = resume_interrupted(server.base, url, run, out)
        stored = stored_after(url, run, before, resumed)
        out.check("after resuming: nothing lost, duplicated or half-written",
                  stored.clean and hollow_responses(url, before) == 0, stored.line())
    finally:
        server.stop()
        if kind == "postgres":
            postgres_database(args.postgres, sa.engine.make_url(url).database, drop=True)
    return out


def scenario_postgres(args, folder: Path) -> Outcome:
    out = Outcome("PostgreSQL restart")
    cluster = PrivateCluster()
    server = None
    try:
        cluster.start()
        url = prepare("postgres", cluster.admin_url, folder)
        server = Server(url, args.workers, folder / "gunicorn.log")
        server.start()
        before = high_water(url)
        took: list[float] = []

        def fault() -> None:
            started = time.monotonic()
            cluster.restart()
            took.append(time.monotonic() - started)

        run = during_load([server.base], args.users, args.duration, fault, retries=20)
        out.check("PostgreSQL restarted during the load", bool(took),
                  f"pg_ctl restart -m fast took {took[0]:.1f} s" if took else "")
        calm, detail = error_pages_calm(run)
        out.check("failed requests got the calm 503 page, no 500, no stack trace", calm, detail)
        out.check("the restart was felt (some requests got 503)",
                  run.tally.statuses.get(503, 0) > 0, f"{run.tally.statuses.get(503, 0)} x 503")
        out.check("requests succeeded when sent again", *finished(run))
        stored = stored_after(url, run, before)
        out.check("nothing acknowledged lost or duplicated",
                  stored.clean and hollow_responses(url, before) == 0, stored.line())
    finally:
        if server is not None:
            server.stop()
        cluster.stop()
    return out


def scenario_disk(mode: str, args, folder: Path) -> Outcome:
    label = "disk full (SQLite on tmpfs)" if mode == "diskfull" else "read-only disk (SQLite)"
    out = Outcome(label)
    if not can_mount():
        out.check("stage the fault", None, "needs root to mount a tmpfs; skipped")
        return out
    disk = SmallDisk(48)
    server = None
    try:
        url = prepare("sqlite", args.postgres, disk.path)
        server = Server(url, args.workers, folder / "gunicorn.log")
        server.start()
        before = high_water(url)
        held: list[str] = []

        def full() -> None:
            # Empty the write-ahead log first, so the next write must grow a file: otherwise
            # SQLite keeps writing into the log's old space and never meets the full disk.
            with contextlib.closing(sqlite3.connect(disk.path / "load.sqlite3")) as conn:
                conn.execute("PRAGMA busy_timeout = 10000")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            filler = disk.fill()
            held.append(f"{filler.stat().st_size // 1024} KB filler, disk full for 8 s")
            time.sleep(8)
            filler.unlink()

        def read_only() -> None:
            server.stop()
            disk.remount("ro")
            server.start(warm=False)
            time.sleep(8)
            server.stop()
            disk.remount("rw")
            server.start(warm=False)
            held.append("read-only for 8 s plus restarts")

        run = during_load([server.base], args.users, args.duration,
                          full if mode == "diskfull" else read_only, retries=150)
        out.check("fault staged during the load", bool(held), held[0] if held else "")
        calm, detail = error_pages_calm(run)
        out.check("failed requests got the calm 503 page, no 500, no stack trace", calm, detail)
        out.check("the fault was felt (some requests got 503)",
                  run.tally.statuses.get(503, 0) > 0, f"{run.tally.statuses.get(503, 0)} x 503")
        out.check("requests succeeded when sent again", *finished(run))
        stored = stored_after(url, run, before)
        out.check("integrity_check ok; nothing lost, duplicated or half-written",
                  stored.clean and hollow_responses(url, before) == 0, stored.line()
                  + f"; integrity_check: {stored.integrity}")
    finally:
        if server is not None:
            server.stop()
        disk.remove()
    return out


def print_table(outcomes: list[Outcome]) -> bool:
    width = max(len(label) for o in outcomes for label, _ok, _d in o.checks)
    clean = True
    for outcome in outcomes:
        print(f"\n{outcome.scenario}")
        for label, ok, detail in outcome.checks:
            word = "SKIP" if ok is None else ("PASS" if ok else "FAIL")
            clean = clean and ok is not False
            print(f"  {word}  {label.ljust(width)}  {detail}")
    print("\nAll checks passed." if clean else "\nSOME CHECKS FAILED.")
    return clean


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(SCENARIOS),
                        help="comma-separated: " + ", ".join(SCENARIOS))
    parser.add_argument("--kill-db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--users", type=int, default=40, help="simultaneous respondents")
    parser.add_argument("--duration", type=float, default=40, help="seconds of load each")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server for the kill scenario (a fresh database)")
    args = parser.parse_args()
    # A terminated run still stops its servers and drops its database (finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    print(f"Faults: {args.users} simulated respondents, {args.duration:.0f} s of load per "
          f"scenario, gunicorn {args.workers} workers; {os.cpu_count()} CPU cores shared")
    outcomes = []
    for name in chosen:
        folder = Path(tempfile.mkdtemp(prefix=f"reval-fault-{name}-"))
        if name == "kill":
            kinds = ["sqlite", "postgres"] if args.kill_db == "both" else [args.kill_db]
            for kind in kinds:
                outcomes.append(scenario_kill(kind, args, Path(tempfile.mkdtemp(
                    prefix=f"reval-fault-kill-{kind}-"))))
                if kind != kinds[-1]:
                    print(f"  {outcomes[-1].scenario}: done", flush=True)
        elif name == "postgres":
            outcomes.append(scenario_postgres(args, folder))
        else:
            outcomes.append(scenario_disk(name, args, folder))
        print(f"  {outcomes[-1].scenario}: done", flush=True)
    return 0 if print_table(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())

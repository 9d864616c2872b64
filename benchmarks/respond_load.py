"""Load on the respondent pages: 100 simulated respondents answer the demo survey at once.

Run as ``python benchmarks/respond_load.py [--respondents 100] [--workers 4] [--think 2 6]``.
It seeds the demo into a temporary SQLite database, serves it with gunicorn on loopback (rate
limit off: every simulated phone shares one IP), and lets N threads answer the whole survey
with real CSRF tokens, all at the same time. Like a person, each respondent spends a few seconds
on a page (reading, choosing, typing: ``--think``, 2-6 s by default) before sending it back;
``--think 0 0`` sends every page the moment the last one arrives, which measures saturation,
not respondents. Then, all at once, every respondent submits; a tenth of them submit twice.
It prints the median and 95th percentile page response time, the errors, whether every submitted
response is stored exactly once, and the submit throughput beside that of a bare Flask
endpoint inserting one row into the same database, served the same way.

Each gunicorn worker imports the app when it starts (several seconds of CPU each), and the
port accepts connections before they are ready, so both servers are warmed up first (rounds of
concurrent requests until a whole round answers within a second); the warm-up is printed and
not counted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from _respond_common import ROOT, answer_demo, environment, seed, send

BARE_APP = '''
import sqlite3, os
from flask import Flask
app = Flask(__name__)
DB = os.environ["BARE_DB"]

@app.post("/insert")
def insert():
    con = sqlite3.connect(DB, timeout=10)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("INSERT INTO bench_row (payload) VALUES (?)", ("x" * 200,))
    con.commit()
    con.close()
    return "ok"
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app_path: str, env: dict[str, str], workers: int, cwd: Path, *,
          port: int | None = None, log=None) -> tuple:
    """gunicorn (gthread, 4 threads per worker) on loopback, in its own process group so the
    master and its workers can be signalled together; ``port`` reuses an address."""
    port = port or free_port()
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-k", "gthread", "--threads", "4",
         "--timeout", "120", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app_path],
        cwd=cwd, env={**os.environ, **env}, start_new_session=True, stdout=log, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def warm_up(base: str, path: str, workers: int, limit: float = 120.0) -> tuple[int, float]:
    """Concurrent GETs of ``path`` until every worker has started: a whole round of
    ``workers`` x 8 requests answers within a second. Returns (requests, seconds)."""
    import requests

    def one(spent: list[float], lock: threading.Lock) -> None:
        began = time.perf_counter()
        with contextlib.suppress(requests.RequestException):
            requests.get(base + path, timeout=60)
        with lock:
            spent.append(time.perf_counter() - began)

    started = time.perf_counter()
    sent = 0
    while time.perf_counter() - started < limit:
        spent: list[float] = []
        lock = threading.Lock()
        threads = [threading.Thread(target=one, args=(spent, lock)) for _ in range(workers * 8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sent += len(threads)
        if max(spent) < 1.0:
            break
    return sent, time.perf_counter() - started


def server_cpu(process) -> float | None:
    """CPU seconds used so far by a gunicorn master and its workers (Linux /proc; else None)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry.name) == process.pid or int(fields[1]) == process.pid:
                total += (int(fields[11]) + int(fields[12])) / ticks
    except OSError:
        return None
    return total


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def run_respondents(base: str, count: int, think: tuple[float, float] = (0.0, 0.0)) -> dict:
    """N threads answer the survey, each pausing a random ``think`` (low, high) seconds before
    sending a page back; then, released together, all submit at once (a tenth twice)."""
    import random

    import requests

    timings: list[float] = []
    errors: list[str] = []
    sent: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(count + 1, timeout=600)

    def respondent(index: int) -> None:
        session = requests.Session()
        mine: list[float] = []
        prepared = None
        pause = random.Random(index)
        reading = (lambda: time.sleep(pause.uniform(*think))) if think[1] > 0 else None
        try:
            prepared = answer_demo(session, base, mine, submit=False, think=reading)
        except Exception as error:
            with lock:
                errors.append(str(error)[:120])
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return
        try:
            if prepared is not None:
                prefix, submission, token = prepared
                for _ in range(2 if index % 10 == 0 else 1):
                    send(session, prefix, submission, token, mine)
                with lock:
                    sent.append(submission)
        except Exception as error:
            with lock:
                errors.append(str(error)[:120])
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=respondent, args=(i,)) for i in range(count)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    barrier.wait()
    answered = time.perf_counter() - started
    released = time.perf_counter()
    for t in threads:
        t.join(timeout=600)
    submitting = time.perf_counter() - released
    return {"timings": timings, "errors": errors, "sent": sent, "answer_seconds": answered,
            "submit_seconds": submitting}


def bare_throughput(database: Path, workers: int, clients: int, per_client: int) -> float:
    """Inserts per second of a bare Flask endpoint on the same SQLite file, same gunicorn."""
    import requests

    with sqlite3.connect(database) as con:
        con.execute("CREATE TABLE IF NOT EXISTS bench_row (id INTEGER PRIMARY KEY, "
                    "payload TEXT, created_at TEXT DEFAULT CURRENT_TIMESTAMP)")
    folder = Path(tempfile.mkdtemp(prefix="bare-"))
    (folder / "bare_app.py").write_text(BARE_APP)
    process, base = serve("bare_app:app", {"BARE_DB": str(database)}, workers, folder)
    warm_up(base, "/insert-warm-up", workers)
    done = []
    lock = threading.Lock()

    def client() -> None:
        session = requests.Session()
        for _ in range(per_client):
            if session.post(base + "/insert", timeout=60).status_code == 200:
                with lock:
                    done.append(1)

    try:
        threads = [threading.Thread(target=client) for _ in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        elapsed = time.perf_counter() - started
    finally:
        stop(process)
    return len(done) / elapsed


def stored_once(database: Path, submissions: list[str]) -> tuple[int, int]:
    """(complete responses carrying these submission ids, distinct ids among them)."""
    with sqlite3.connect(database) as con:
        rows = con.execute("SELECT submission_id FROM response WHERE status = 'complete' "
                           "AND submission_id IS NOT NULL").fetchall()
    found = [r[0] for r in rows if r[0] in set(submissions)]
    return len(found), len(set(found))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--respondents", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 6.0),
                        metavar=("LOW", "HIGH"),
                        help="seconds each respondent spends reading and answering a page "
                             "before sending it (uniform between LOW and HIGH; 0 0: none, "
                             "every respondent sends as fast as the server answers)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="respond-load-"))
    database = folder / "load.sqlite3"
    seed(database)
    process, base = serve("wsgi:app", environment(database), args.workers, ROOT)
    try:
        warmed, warming = warm_up(base, "/r/walkmembers", args.workers)
        server_before, client_before = server_cpu(process), time.process_time()
        result = run_respondents(base, args.respondents, tuple(args.think))
        server_after, client_cpu = server_cpu(process), time.process_time() - client_before
    finally:
        stop(process)
    times = sorted(result["timings"])
    submit_rate = len(result["sent"]) / result["submit_seconds"]
    found, distinct = stored_once(database, result["sent"])
    bare_rate = bare_throughput(database, args.workers, args.respondents, 10)
    print(f"respondents: {args.respondents} concurrent, gunicorn {args.workers} workers x 4 "
          f"threads, SQLite (WAL), loopback; each spends {args.think[0]:g}-{args.think[1]:g} s "
          f"reading and answering a page before sending it, then all submit at once")
    print(f"warm-up (not counted): {warmed} landing-page requests in {warming:.1f} s")
    print(f"requests: {len(times)}; median {statistics.median(times) * 1000:.1f} ms, "
          f"p95 {times[int(len(times) * 0.95)] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms")
    if server_before is not None and server_after is not None:
        print(f"cpu per request: {(server_after - server_before) / len(times) * 1000:.1f} ms in "
              f"gunicorn, {client_cpu / len(times) * 1000:.1f} ms in the simulated respondents "
              f"({os.cpu_count()} cores for both)")
    print(f"errors: {len(result['errors'])}" + (f" (first: {result['errors'][0]})"
                                                 if result["errors"] else ""))
    print(f"answering phase: {result['answer_seconds']:.1f} s; "
          f"{len(times) / (result['answer_seconds'] + result['submit_seconds']):.0f} requests/s")
    print(f"submitted: {len(result['sent'])} (a tenth sent twice); stored complete: {found}, "
          f"distinct: {distinct}; exactly once: {found == distinct == len(result['sent'])}")
    print(f"submit throughput: {submit_rate:.0f}/s; bare Flask one-row insert: "
          f"{bare_rate:.0f}/s; ratio {submit_rate / bare_rate:.2f}")


if __name__ == "__main__":
    main()

"""Scale-out benchmark: the respondent load of ``benchmarks/load.py`` through one app instance,
then through two, side by side.

Starts the production topology on loopback (scripts/topology.py: a fresh PostgreSQL
database, Redis, two gunicorn instances with REVALUATION_ENV=production on different ports,
an RQ worker, nginx), then runs the same timed load twice: simulated respondents answering
the demo survey from first page to "sent", again and again; first with every request sent to
instance A, then with each respondent's requests alternating between A and B (a round-robin in
the client, so consecutive pages of one respondent are served by different instances: the
session, CSRF and resume cookies must work wherever a page lands). It prints throughput for
each and the ratio, and checks in the database that every acknowledged response is stored
exactly once, complete, and nothing else appeared.

Rate limits are switched off for the run: every simulated respondent comes from 127.0.0.1,
so the per-address limits would measure the limiter, not the app. Loopback only.

    .venv/bin/python benchmarks/scale.py [--users 200] [--duration 60] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "scripts"))

from load import LoadRun, StoredCheck, check_stored, high_water, run_load  # noqa: E402
from respondents import walk  # noqa: E402
from topology import Topology  # noqa: E402


def phase(top: Topology, bases: list[str], args) -> tuple[LoadRun, StoredCheck]:
    before = high_water(top.database_url)
    run = run_load(bases, args.users, args.duration)
    started = {j.rid for j in run.journeys if j.rid is not None}
    return run, check_stored(top.database_url, run.tally.acknowledged, started, before)


def table(results: list[tuple[str, LoadRun, StoredCheck]]) -> None:
    rows = [
        ("requests", lambda r, s: f"{r.requests}"),
        ("seconds", lambda r, s: f"{r.seconds:.1f}"),
        ("requests/s", lambda r, s: f"{r.requests / r.seconds:.1f}"),
        ("acknowledged submissions", lambda r, s: f"{len(r.tally.acknowledged)}"),
        ("submissions/s", lambda r, s: f"{len(r.tally.acknowledged) / r.seconds:.2f}"),
        ("5xx responses", lambda r, s: f"{r.server_errors}"),
        ("connection errors", lambda r, s: f"{r.tally.connection_errors}"),
        ("latency p50 (ms)", lambda r, s: f"{r.percentile(0.5) * 1000:.0f}"),
        ("latency p95 (ms)", lambda r, s: f"{r.percentile(0.95) * 1000:.0f}"),
        ("lost", lambda r, s: f"{s.lost}"),
        ("duplicated", lambda r, s: f"{s.duplicated}"),
        ("unexpected", lambda r, s: f"{s.unexpected}"),
        ("stored, not acknowledged", lambda r, s: f"{s.unacknowledged_complete}"),
    ]
    labels = [label for label, _run, _stored in results]
    print(f"  {'':26}" + "".join(f"{label:>22}" for label in labels))
    for name, value in rows:
        print(f"  {name:26}" + "".join(f"{value(r, s):>22}" for _l, r, s in results))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="simultaneous respondents")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load per phase")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--schema",
        choices=["upgrade", "create-all"],
        default="upgrade",
        help="how to build the schema (create-all only while a migration lags behind the models)",
    )
    args = parser.parse_args()
    # A terminated run still stops its servers and drops its database (finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    top = Topology(
        admin_url=args.postgres,
        instances=2,
        workers_per_instance=args.workers,
        rate_limits=False,
        schema=args.schema,
    )
    results: list[tuple[str, LoadRun, StoredCheck]] = []
    try:
        print(f"Starting the topology ({os.cpu_count()} CPU cores on this machine, shared by "
              "the load client, both instances, PostgreSQL and Redis):", flush=True)
        top.start(log=lambda m: print("  " + m, flush=True))
        for base in top.bases:  # warm every worker of both instances up
            for _ in range(args.workers * 2):
                walk(requests.Session(), [base], "/r/walkmembers")
        print(f"Load: {args.users} simulated respondents for {args.duration:.0f} s per phase, "
              "each answering every page of the demo survey, again and again.", flush=True)
        results.append(("one instance (A)", *phase(top, top.bases[:1], args)))
        results.append(("two instances (A+B)", *phase(top, top.bases, args)))
    finally:
        print("Stopping:")
        top.stop(log=lambda m: print("  " + m))
    if len(results) < 2:
        return 1
    table(results)
    (_, one, _), (_, two, _) = results
    rate_one = len(one.tally.acknowledged) / one.seconds
    rate_two = len(two.tally.acknowledged) / two.seconds
    print(f"Ratio two/one: {rate_two / rate_one:.2f}x submissions/s "
          f"({rate_two:.2f} vs {rate_one:.2f}); "
          f"{(two.requests / two.seconds) / (one.requests / one.seconds):.2f}x requests/s")
    clean = all(s.clean for _l, _r, s in results) and all(r.server_errors == 0
                                                          for _l, r, _s in results)
    print("Zero 5xx, nothing lost or duplicated." if clean else "FAILED: see above.")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())

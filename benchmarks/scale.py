"""Scale-out benchmark: the respondent load through one app instance, then through two.

Starts the production topology on loopback (scripts/topology.py: a fresh PostgreSQL
database, Redis, two gunicorn instances with REVALUATION_ENV=production, an RQ worker, nginx),
then runs the same bounded load twice: simulated respondents answering the demo survey from
first page to "sent", with every request sent to instance A; then with requests alternating
between A and B. It prints throughput for each and the ratio, and checks in the database that
every acknowledged response is stored exactly once, complete, and nothing else appeared.

Rate limits are switched off for the run: every simulated respondent comes from 127.0.0.1,
so the per-address limits would measure the limiter, not the app. Loopback only.

    .venv/bin/python benchmarks/scale.py [--respondents 150] [--concurrency 16] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "scripts"))

from respondents import WalkResult, walk  # noqa: E402
from topology import Topology  # noqa: E402

#: Hard cap on each phase, whatever the machine: the loop is bounded in count and time.
PHASE_SECONDS_MAX = 300


@dataclass
class Phase:
    label: str
    seconds: float
    results: list[WalkResult]
    latencies: list[float]
    stored: int
    lost: int
    duplicated: int
    unexpected: int

    @property
    def completed(self) -> int:
        return sum(r.completed for r in self.results)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.results)


def _complete_ids(top: Topology) -> set[int]:
    with top.engine().connect() as conn:
        rows = conn.execute(sa.text("SELECT id FROM response WHERE status = 'complete'"))
        return {row[0] for row in rows}


def run_phase(
    top: Topology, label: str, bases: list[str], respondents: int, concurrency: int
) -> Phase:
    before = _complete_ids(top)
    latencies: list[float] = []
    deadline = time.monotonic() + PHASE_SECONDS_MAX

    def one(n: int) -> WalkResult:
        if time.monotonic() > deadline:
            return WalkResult(False, None, 0, "phase time cap reached")
        started = time.monotonic()
        with requests.Session() as session:
            result = walk(session, bases, "/r/walkmembers", offset=n)
        latencies.append(time.monotonic() - started)
        return result

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, range(respondents)))
    seconds = time.monotonic() - started
    new = _complete_ids(top) - before
    acknowledged = [r.response_id for r in results if r.completed]
    return Phase(
        label=label,
        seconds=seconds,
        results=results,
        latencies=latencies,
        stored=len(new),
        lost=len(set(acknowledged) - new),
        duplicated=len(acknowledged) - len(set(acknowledged)),
        unexpected=len(new - set(acknowledged)),
    )


def report(phase: Phase) -> None:
    errors = [r.error for r in phase.results if r.error]
    p95 = statistics.quantiles(phase.latencies, n=20)[-1] if len(phase.latencies) > 1 else 0
    print(f"  {phase.label}")
    print(
        f"    respondents completed : {phase.completed}/{len(phase.results)}"
        f" in {phase.seconds:.1f} s"
    )
    print(
        f"    throughput            : {phase.completed / phase.seconds:.2f} responses/s,"
        f" {phase.requests / phase.seconds:.1f} requests/s"
    )
    print(f"    survey time p50 / p95 : {statistics.median(phase.latencies):.2f} s / {p95:.2f} s")
    print(
        f"    database check        : {phase.stored} new complete responses; lost"
        f" {phase.lost}, duplicated {phase.duplicated}, unexpected {phase.unexpected}"
    )
    if errors:
        print(f"    errors                : {len(errors)} (first: {errors[0]})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=150, help="per phase")
    parser.add_argument("--concurrency", type=int, default=16, help="simultaneous respondents")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--schema",
        choices=["upgrade", "create-all"],
        default="upgrade",
        help="how to build the schema (create-all only while a migration lags behind the models)",
    )
    args = parser.parse_args()
    top = Topology(
        admin_url=args.postgres,
        instances=2,
        workers_per_instance=args.workers,
        rate_limits=False,
        schema=args.schema,
    )
    phases: list[Phase] = []
    try:
        print(f"Starting the topology ({os.cpu_count()} CPU cores on this machine):")
        top.start(log=lambda m: print("  " + m))
        walk(requests.Session(), top.bases, "/r/walkmembers")  # warm both instances up
        print(
            f"Load: {args.respondents} respondents per phase, {args.concurrency} at a time,"
            " each answering every page of the demo survey."
        )
        phases.append(
            run_phase(top, "one instance (A)", top.bases[:1], args.respondents, args.concurrency)
        )
        report(phases[-1])
        phases.append(
            run_phase(
                top,
                "two instances (A and B, alternating)",
                top.bases,
                args.respondents,
                args.concurrency,
            )
        )
        report(phases[-1])
    finally:
        print("Stopping:")
        top.stop(log=lambda m: print("  " + m))
    if len(phases) < 2:
        return 1
    one, two = (p.completed / p.seconds for p in phases)
    print(f"Ratio two/one: {two / one:.2f}x ({two:.2f} vs {one:.2f} responses/s)")
    clean = all(p.lost == p.duplicated == p.unexpected == 0 for p in phases)
    print("Nothing lost or duplicated." if clean else "RESPONSES LOST OR DUPLICATED.")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())

"""Smoke test of the production topology on loopback (what docs/deploy.md describes).

Starts a fresh PostgreSQL database, Redis, two gunicorn instances (REVALUATION_ENV=production,
explicit secrets), one RQ worker and nginx round-robin in front; runs `flask db upgrade` and
`flask demo`; then checks that:

1. a sign-in on instance A is honoured by instance B (sessions are not tied to a process);
2. a respondent whose requests alternate between A and B finishes, CSRF and resume cookies
   working wherever a page is served, and exactly one complete response is stored;
3. a rate limit counts requests across both instances (Redis-backed, not per process);
4. a report job started through the API is executed by the RQ worker, and its PDF downloads.

Everything it started is stopped, and its database dropped, even when a check fails.

    .venv/bin/python scripts/topology_smoke.py [--postgres postgresql://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from respondents import walk
from topology import ROOT, Topology

EVALUATOR = ("evaluator@walkandtalk.example", "walk-and-talk-demo")


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if match is None:
        raise AssertionError("no CSRF token on the page")
    return match.group(1)


def check(label: str, ok: bool, detail: str = "") -> bool:
    print(f"  [{'PASS' if ok else 'FAIL'}] {label}" + (f": {detail}" if detail else ""))
    return ok


def sessions_are_shared(top: Topology) -> bool:
    a, b = top.bases
    browser = requests.Session()
    page = browser.get(a + "/login", timeout=10)
    browser.post(
        a + "/login",
        data={"email": EVALUATOR[0], "password": EVALUATOR[1], "csrf_token": csrf_from(page.text)},
        timeout=10,
    )
    on_b = browser.get(b + "/", timeout=10, allow_redirects=False)
    ok = on_b.status_code == 200 and "Walk &amp; Talk" in on_b.text
    return check(
        "signed in on A, B shows the evaluator's evaluations", ok, f"B answered {on_b.status_code}"
    )


def respondent_across_instances(top: Topology) -> bool:
    with top.engine().connect() as conn:
        before = conn.execute(sa.text("SELECT count(*) FROM response WHERE status='complete'"))
        before = before.scalar_one()
    result = walk(requests.Session(), top.bases, "/r/walkmembers")
    with top.engine().connect() as conn:
        after = conn.execute(sa.text("SELECT count(*) FROM response WHERE status='complete'"))
        after = after.scalar_one()
    return check(
        "respondent alternating A/B finished; one complete response stored",
        result.completed and after - before == 1,
        f"{result.requests} requests, completed={result.completed}, "
        f"stored {after - before}{', ' + result.error if result.error else ''}",
    )


def rate_limit_is_shared(top: Topology) -> bool:
    """Sign-in POSTs are limited to 20 a minute per address (the sign-in check above made one).
    Shared counters refuse by the 21st attempt, whichever instance gets it; per-process
    counters (2 instances x 2 workers) would allow up to 80."""
    statuses = []
    for n in range(24):
        base = top.bases[n % 2]
        browser = requests.Session()
        token = csrf_from(browser.get(base + "/login", timeout=10).text)
        response = browser.post(
            base + "/login",
            timeout=10,
            data={
                "email": f"nobody{n}@example.org",
                "password": "wrong password",
                "csrf_token": token,
            },
        )
        statuses.append(response.status_code)
    first = statuses.index(429) + 1 if 429 in statuses else None
    refused = statuses.count(429)
    return check(
        "rate limit counted across both instances",
        first is not None and first <= 21 and refused == len(statuses) - first + 1,
        f"first 429 at attempt {first} of {len(statuses)} (alternating A/B), "
        f"all {refused} after it refused",
    )


def api_token(top: Topology) -> str:
    """A token for the demo evaluator, made in the topology's own environment."""
    code = (
        "from revaluation import create_app\n"
        "from revaluation.extensions import db\n"
        "from revaluation.models import User\n"
        "from revaluation.services import api_tokens\n"
        "with create_app().app_context():\n"
        f"    u = db.session.execute(db.select(User).filter_by(email={EVALUATOR[0]!r}))"
        ".scalar_one()\n"
        "    _t, plain = api_tokens.create_token(u, 'smoke', list(api_tokens.SCOPES))\n"
        "    db.session.commit()\n"
        "    print(plain)\n"
    )
    done = subprocess.run(  # noqa: S603  (a fixed command line)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=top.env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def report_job_runs_on_the_worker(top: Topology) -> bool:
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {api_token(top)}"
    started = api.post(top.proxy + "/api/v1/evaluations/demo/reports", json={}, timeout=60)
    queued = started.status_code == 202 and started.json()["status"] == "queued"
    if not check("report job queued through the API", queued, f"HTTP {started.status_code}"):
        return False
    job_url = top.proxy + started.headers["Location"]
    deadline = time.monotonic() + 180
    job = started.json()
    while time.monotonic() < deadline and job["status"] in ("queued", "running"):
        time.sleep(1)
        job = api.get(job_url, timeout=10).json()
    done = job["status"] == "done"
    if not check(
        "the RQ worker finished the job",
        done,
        f"status {job['status']}, attempts {job.get('attempts')}",
    ):
        return False
    pdf = api.get(top.proxy + job["download_url"], timeout=30)
    return check(
        "edition PDF downloads through the proxy",
        pdf.status_code == 200 and pdf.content.startswith(b"%PDF"),
        f"{len(pdf.content)} bytes",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432",
        help="PostgreSQL server to create the fresh database on",
    )
    parser.add_argument(
        "--schema",
        choices=["upgrade", "create-all"],
        default="upgrade",
        help="how to build the schema (create-all only while a migration lags behind the models)",
    )
    args = parser.parse_args()
    top = Topology(admin_url=args.postgres, schema=args.schema)
    results = []
    started = time.monotonic()
    try:
        print("Starting the topology:")
        top.start(log=lambda m: print("  " + m))
        print("Checks:")
        for run in (
            sessions_are_shared,
            respondent_across_instances,
            rate_limit_is_shared,
            report_job_runs_on_the_worker,
        ):
            try:
                results.append(run(top))
            except Exception as error:  # a failed check must not skip the others
                results.append(check(run.__name__, False, repr(error)))
    finally:
        print("Stopping:")
        top.stop(log=lambda m: print("  " + m))
    passed = sum(results)
    print(f"{passed}/{len(results)} checks passed in {time.monotonic() - started:.0f} s")
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Smoke test of the production topology on loopback (what docs/deploy.md describes).

Starts a fresh PostgreSQL database, Redis, two gunicorn instances (REVALUATION_ENV=production,
explicit secrets), one RQ worker and nginx round-robin in front; runs `flask db upgrade` and
`flask demo`; then checks that:

1. a sign-in form served by instance A is accepted by instance B (CSRF tokens are not tied
   to a process), and the session it starts is honoured by A;
2. a respondent whose requests alternate between A and B finishes, CSRF and resume cookies
   working wherever a page is served, and exactly one complete response is stored;
3. a respondent who saves on A and continues on another device through B with the resume
   code finishes the same response (no second one is stored);
4. an API token made on the account page (form from A, posted to B) starts a report job
   through nginx; the RQ worker runs it, its status reads the same on A and B, its PDF
   downloads, and once the token is revoked on A both instances refuse it;
5. a rate limit counts requests across both instances (Redis-backed, not per process).

Everything it started is stopped, and its database dropped, even when a check fails.

    .venv/bin/python scripts/topology_smoke.py [--postgres postgresql://postgres@127.0.0.1:5432]

The demo is seeded with a small panel (--members/--staff) so the run takes about a minute.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from respondents import walk
from topology import Topology

EVALUATOR = ("evaluator@walkandtalk.example", "walk-and-talk-demo")


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if match is None:
        raise AssertionError("no CSRF token on the page")
    return match.group(1)


STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"  {time.monotonic() - STARTED:5.0f}s  {message}", flush=True)


def check(label: str, ok: bool, detail: str = "") -> bool:
    say(f"[{'PASS' if ok else 'FAIL'}] {label}" + (f": {detail}" if detail else ""))
    return ok


def sessions_are_shared(top: Topology) -> bool:
    a, b = top.bases
    browser = requests.Session()
    page = browser.get(a + "/login", timeout=10)
    signed_in = browser.post(
        b + "/login",
        data={"email": EVALUATOR[0], "password": EVALUATOR[1], "csrf_token": csrf_from(page.text)},
        timeout=10,
        allow_redirects=False,
    )
    on_a = browser.get(a + "/", timeout=10, allow_redirects=False)
    ok = signed_in.status_code == 302 and on_a.status_code == 200 and "Walk &amp; Talk" in on_a.text
    return check(
        "sign-in form from A accepted by B; A then shows the evaluator's evaluations",
        ok,
        f"B answered {signed_in.status_code}, A answered {on_a.status_code}",
    )


def complete_responses(top: Topology) -> int:
    with top.engine().connect() as conn:
        query = sa.text("SELECT count(*) FROM response WHERE status='complete'")
        return conn.execute(query).scalar_one()


def resume_code_across_instances(top: Topology) -> bool:
    """Start on A, save for later, then finish on "another phone" through B with the code."""
    a, b = top.bases
    phone = requests.Session()
    landing = phone.get(a + "/r/walkmembers", timeout=10)
    start = re.search(r'<form[^>]+method="post"[^>]+action="([^"]*start)"', landing.text)
    if start is None:
        start = re.search(r'action="([^"]*/start)"', landing.text)
    if start is None:
        return check("resume code works across instances", False, "no start form on A")
    started = phone.post(
        a + start.group(1), data={"csrf_token": csrf_from(landing.text)}, timeout=10,
        allow_redirects=False,
    )
    rid = re.search(r"/s/(\d+)/", started.headers.get("Location", "") + "/")
    if started.status_code != 302 or rid is None:
        return check("resume code works across instances", False, f"start: {started.status_code}")
    saved = phone.get(f"{a}/s/{rid.group(1)}/save", timeout=10)
    code = re.search(r'<strong class="code">([^<]+)</strong>', saved.text)
    if code is None:
        return check("resume code works across instances", False, "no resume code on A")
    before = complete_responses(top)
    other_phone = requests.Session()
    result = walk(other_phone, [b, a], f"/resume/{code.group(1).strip()}")
    after = complete_responses(top)
    same = result.response_id == int(rid.group(1))
    return check(
        "resume code from A continues the same response on another device via B",
        result.completed and same and after - before == 1,
        f"response {rid.group(1)} -> finished {result.response_id}, completed={result.completed}"
        f", stored {after - before}{', ' + result.error if result.error else ''}",
    )


def respondent_across_instances(top: Topology) -> bool:
    before = complete_responses(top)
    result = walk(requests.Session(), top.bases, "/r/walkmembers")
    after = complete_responses(top)
    return check(
        "respondent alternating A/B finished; one complete response stored",
        result.completed and after - before == 1,
        f"{result.requests} requests, completed={result.completed}, "
        f"stored {after - before}{', ' + result.error if result.error else ''}",
    )


def rate_limit_is_shared(top: Topology) -> bool:
    """Sign-in POSTs are limited to 20 a minute per address (the checks above signed in too).
    Shared counters refuse by the 21st attempt, whichever instance gets it; per-process
    counters would allow 20 for each gunicorn worker of each instance."""
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


def signed_in(base: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(base + "/login", timeout=10)
    browser.post(
        base + "/login",
        data={"email": EVALUATOR[0], "password": EVALUATOR[1], "csrf_token": csrf_from(page.text)},
        timeout=10,
    )
    return browser


def token_from_the_ui(browser: requests.Session, top: Topology) -> str:
    """Create an API token on the account page: the form from A, posted to B."""
    a, b = top.bases
    page = browser.get(a + "/account/tokens", timeout=10)
    created = browser.post(
        b + "/account/tokens",
        data={
            "name": "topology smoke",
            "scopes": ["evaluations:read", "reports:read", "reports:write"],
            "csrf_token": csrf_from(page.text),
        },
        timeout=10,
    )
    match = re.search(r'id="new-token"[^>]*value="(rvl_[^"]+)"', created.text)
    if match is None:
        raise AssertionError(f"no token shown after creating one (HTTP {created.status_code})")
    return match.group(1)


def report_job_runs_on_the_worker(top: Topology) -> bool:
    browser = signed_in(top.bases[0])
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token_from_the_ui(browser, top)}"
    started = api.post(top.proxy + "/api/v1/evaluations/demo/reports", json={}, timeout=60)
    queued = started.status_code == 202 and started.json()["status"] == "queued"
    if not check("report job queued through the API", queued, f"HTTP {started.status_code}"):
        return False
    location = started.headers["Location"]
    deadline = time.monotonic() + 180
    job = started.json()
    polls = 0
    while time.monotonic() < deadline and job["status"] in ("queued", "running"):
        time.sleep(1)
        job = api.get(top.bases[polls % 2] + location, timeout=10).json()  # A, B, A...
        polls += 1
    done = job["status"] == "done"
    if not check(
        "the RQ worker finished the job (polled on A and B in turn)",
        done,
        f"status {job['status']}, attempts {job.get('attempts')}, {polls} polls",
    ):
        return False
    views = [api.get(base + location, timeout=10).json() for base in top.bases]
    if not check("A and B report the same finished job", views[0] == views[1] == job):
        return False
    pdf = api.get(top.proxy + job["download_url"], timeout=30)
    if not check(
        "edition PDF downloads through the proxy",
        pdf.status_code == 200 and pdf.content.startswith(b"%PDF"),
        f"{len(pdf.content)} bytes",
    ):
        return False
    # Revoked on A (the token made on B's page): refused by both at once.
    tokens = browser.get(top.bases[0] + "/account/tokens", timeout=10)
    revoke = re.search(r'action="(/account/tokens/\d+/revoke)"', tokens.text)
    if revoke is None:
        return check("token revoked on A is refused on A and B", False, "no revoke button")
    browser.post(top.bases[0] + revoke.group(1), data={"csrf_token": csrf_from(tokens.text)},
                 timeout=10)
    after = [api.get(base + location, timeout=10).status_code for base in top.bases]
    return check("token revoked on A is refused on A and B", after == [401, 401], f"{after}")


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
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per instance")
    parser.add_argument("--members", type=int, default=40, help="demo baseline members")
    parser.add_argument("--staff", type=int, default=12, help="demo baseline staff")
    args = parser.parse_args()
    top = Topology(
        admin_url=args.postgres,
        schema=args.schema,
        demo_args=("--members", str(args.members), "--staff", str(args.staff), "--no-report"),
        workers_per_instance=args.workers,
    )
    results = []
    started = time.monotonic()
    try:
        print("Starting the topology:")
        top.start(log=say)
        print("Checks:")
        for run in (
            sessions_are_shared,
            respondent_across_instances,
            resume_code_across_instances,
            report_job_runs_on_the_worker,
            rate_limit_is_shared,  # last: it uses up this address's sign-in allowance
        ):
            try:
                results.append(run(top))
            except Exception as error:  # a failed check must not skip the others
                results.append(check(run.__name__, False, repr(error)))
    finally:
        print("Stopping:")
        top.stop(log=say)
    passed = sum(results)
    print(f"{passed}/{len(results)} checks passed in {time.monotonic() - started:.0f} s")
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())

"""What the report says: the demo's numbers match `flask results`, pages are stable and
rasterise, and the hard cases render with an explanation in words."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from revaluation.extensions import db
from revaluation.models import Evaluation
from revaluation.models.base import utcnow
from revaluation.reports.formatting import format_ci, format_value
from revaluation.reports.render import html_to_pdf, render_html
from revaluation.reports.sources import ReportOptions, build_report
from revaluation.services.report_jobs import generate_pdf
from revaluation.services.results import REPORT, compute_results
from tests.conftest import need
from tests.web.reports_fixtures import small_evaluation


def words(pdf: bytes) -> str:
    """The PDF's text in reading order, whitespace collapsed (lines re-joined)."""
    need(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    out = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(out.split())


def render(evaluation, **options) -> bytes:
    return generate_pdf(
        evaluation, ReportOptions.parse(evaluation, **options), edition_label="Test"
    ).rendered.pdf


def test_demo_report_matches_flask_results_is_stable_and_rasterises(runner, demo, tmp_path):
    """One seeded demo, checked three ways (seeding and rendering are the slow parts)."""
    printed = runner.invoke(args=["results", "demo", "--format", "json"])
    assert printed.exit_code == 0, printed.output
    results = json.loads(printed.output)
    evaluation = db.session.execute(db.select(Evaluation).filter_by(slug="demo")).scalar_one()
    pdf = render(evaluation)
    text = words(pdf)
    active = [o for o in results["outcomes"] if o.get("active", True)]
    assert active, "the demo has outcomes"
    for outcome in active:
        actual, statistic = outcome["result"]["actual"], outcome["statistic"]
        if actual.get("value") is None:
            assert f"{outcome['title']}: not measurable yet" in text
            continue
        expected = (
            f"{outcome['title']}: {format_value(actual['value'], statistic)} (95% confidence "
            f"interval {format_ci(actual['ci_low'], actual['ci_high'], statistic)})"
        )
        assert expected in text

    # Rendering the same results again (here: the JSON `flask results` printed) gives the
    # same number of pages.
    when = utcnow()
    again = build_report(
        evaluation, ReportOptions(), edition_label="Test", generated_at=when, results=results
    )
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    html = render_html(again)
    assert html_to_pdf(html).page_count == pages
    # A report computes only the results it shows when no full results are kept: the same
    # document as from the full results.
    own = compute_results(evaluation, scope=REPORT)
    assert own["scope"] == "report" and results["scope"] == "full"
    assert render_html(build_report(evaluation, ReportOptions(), edition_label="Test",
                                    generated_at=when, results=own)) == html

    need(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    path = tmp_path / "demo.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftoppm", "-r", "20", "-png", str(path), str(tmp_path / "page")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    assert len(list(tmp_path.glob("page-*.png"))) == pages


@pytest.mark.parametrize(
    ("waves", "responses", "expected"),
    [
        (0, {"member": 0}, ["No survey responses have been received yet", "not measurable yet"]),
        (
            1,
            {"member": 12},
            [
                "Only one survey wave is included",
                "An outcome nobody was asked about: not measurable yet",
            ],
        ),
        (2, {"member": 3, "staff": 2}, ["withheld", "not measurable yet"]),
    ],
    ids=["no-responses", "one-wave", "every-group-small"],
)
def test_hard_cases_render_and_say_so(make_user, waves, responses, expected):
    evaluation = small_evaluation(make_user(), waves=waves, responses=responses)
    text = words(render(evaluation, sections=["summary", "framework", "participation", "methods"]))
    for phrase in expected:
        assert phrase in text
    assert "Summary in plain English" in text and "Methods and caveats" in text

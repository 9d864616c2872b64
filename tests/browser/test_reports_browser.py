"""Reports in a real browser: a commissioner downloads the demo report as a PDF."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from revaluation.extensions import db
from revaluation.models import Evaluation, User
from revaluation.reports.sources import ReportOptions
from revaluation.services import report_jobs
from tests.browser.conftest import axe_violations, login

pytestmark = pytest.mark.browser


def violations_in_main(page) -> list[dict]:
    """axe violations inside this page's own content (the shared header is checked elsewhere)."""
    inside = []
    for violation in axe_violations(page):
        selectors = [t[0] if isinstance(t, list) else t for t in violation["targets"]]
        if any(
            page.evaluate("s => !!document.querySelector(s)?.closest('#main')", sel)
            for sel in selectors
        ):
            inside.append(violation)
    return inside


def test_commissioner_downloads_the_demo_report(live_server, new_context, demo, tmp_path):
    evaluation = db.session.execute(db.select(Evaluation).filter_by(slug="demo")).scalar_one()
    evaluator = db.session.execute(
        db.select(User).filter_by(email=demo.evaluator_email)
    ).scalar_one()
    # Generated as the page's button does (inline, without Redis), before the browser looks.
    report_jobs.start_report(evaluation, ReportOptions(), user_id=evaluator.id)
    db.session.commit()

    page = new_context().new_page()
    login(page, live_server, demo.commissioner_email, demo.password)
    page.goto(live_server + "/e/demo/reports")
    assert page.locator("h1").inner_text() == "Reports"
    assert page.locator("text=Generate report").count() == 0, "commissioners do not generate"
    assert violations_in_main(page) == []
    with page.expect_download() as event:
        page.click("a:has-text('Download PDF')")
    download = event.value
    assert download.suggested_filename == "demo-report-edition-1.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    catalog = PdfReader(io.BytesIO(data)).trailer["/Root"]
    assert "/StructTreeRoot" in catalog, "the downloaded PDF is the tagged report"


def test_reports_page_for_evaluators_is_accessible(live_server, new_context, demo):
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, live_server, demo.evaluator_email, demo.password)
    page.goto(live_server + "/e/demo/reports")
    assert page.locator("button:has-text('Generate report')").is_visible()
    assert violations_in_main(page) == []

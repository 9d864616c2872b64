"""The calibration pages in a real browser, at phone width and on a desktop: no accessibility
violations (axe, WCAG 2.2 AA), no sideways scrolling of the page on a phone, charts with a
title and a description, and accepting works without JavaScript."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.services import calibration_jobs
from tests.browser.conftest import axe_violations, login, submit
from tests.conftest import TEST_PASSWORD
from tests.web.calibration_fixtures import seed

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def calibrated(make_user, make_evaluation):
    seeded = seed(make_user, make_evaluation, n=300)
    job = calibration_jobs.start_calibration(
        seeded.instrument, seeded.version, bank_key="agency", wave_id=seeded.wave.id,
        user_id=seeded.evaluator.id)
    db.session.commit()
    return seeded.base, job.id


@pytest.mark.parametrize("viewport", [None, DESKTOP], ids=["phone", "desktop"])
def test_calibration_pages_pass_axe_and_fit_the_screen(
        live_server, new_context, calibrated, viewport, tmp_path):
    base, job_id = calibrated
    page = new_context(viewport=viewport).new_page()
    login(page, live_server, "eva@example.org", TEST_PASSWORD)
    for path in (f"{base}/v/1/calibrate", f"{base}/calibrations/{job_id}"):
        page.goto(live_server + path)
        assert page.locator("h1").count() == 1
        assert axe_violations(page) == [], path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], path
        page.screenshot(path=str(tmp_path / f"{path.rsplit('/', 1)[-1]}.png"), full_page=True)
    charts = page.locator("svg[role=img]")
    assert charts.count() == 2
    for index in range(2):
        chart = charts.nth(index)
        assert chart.locator("title").text_content().startswith(("Item information", "Test"))
        assert "highest" in chart.locator("desc").text_content()
    assert page.locator("table.info-table caption").inner_text().startswith("Information at")


def test_accepting_without_javascript_shows_the_differences(live_server, new_context, calibrated):
    base, job_id = calibrated
    page = new_context(javascript=False).new_page()
    login(page, live_server, "eva@example.org", TEST_PASSWORD)
    page.goto(f"{live_server}{base}/calibrations/{job_id}")
    page.uncheck("#include-ag6")
    page.fill("#max_items", "5")
    page.fill("#max_se", "2")
    submit(page.locator("text=Accept into a draft version"))
    assert "between 0.1 and 0.9" in page.locator(".error-summary").inner_text()
    page.fill("#max_se", "0.35")
    submit(page.locator("text=Accept into a draft version"))
    assert page.locator("h1").inner_text() == "Changes from version 1 to version 2"
    assert "Version 2 is a draft" in page.content()
    assert "stop at SE 0.35" in page.content()

"""Welsh and Urdu respondent (and participant) pages in a phone-sized Chromium: axe at WCAG
2.2 AA, the layout mirrored for right to left, and the page script speaking the respondent's
language."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations
from tests.web.participate_fixtures import participation_setup  # noqa: F401
from tests.web.respond_fixtures import TRILINGUAL_YAML, make_survey

pytestmark = pytest.mark.browser


@pytest.fixture
def trilingual(app, make_evaluation):
    return make_survey(make_evaluation, consent="We keep your answers safe.", panel=True,
                       yaml_text=TRILINGUAL_YAML)


def start_in(page, base: str, code: str, language: str) -> None:
    """From the open link to the first question page, choosing `language` on the way."""
    page.goto(f"{base}/r/{code}")
    page.locator(f"#lang-{language}").check()
    page.locator("button.start").click()
    page.locator("#agree").check()
    page.locator("form button.button").click()
    page.locator("button[value=skip]").click()
    page.locator("#age").wait_for()


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_welsh_pages_pass_axe(live_server, page, trilingual):
    start_in(page, live_server, trilingual.code, "cy")
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator("h1").inner_text() == "Amdanoch chi"
    assert axe_violations(page) == []
    page.fill("#age", "7")
    page.get_by_role("button", name="Parhau").click()
    page.get_by_role("heading", name="Mae problem wedi codi").wait_for()
    assert page.locator("#age-error").inner_text().endswith("Rhowch rif cyfan rhwng 16 a 120")
    assert axe_violations(page) == []


def test_urdu_pages_mirror_and_pass_axe(live_server, page, trilingual):
    start_in(page, live_server, trilingual.code, "ur")
    html = page.locator("html")
    assert html.get_attribute("lang") == "ur" and html.get_attribute("dir") == "rtl"
    assert axe_violations(page) == []
    width = page.viewport_size["width"]
    # Right to left: radio buttons sit right of their labels, the back link and the page
    # title start at the right edge.
    radio, label = box(page, "#local"), box(page, "label[for=local]")
    assert radio["x"] > label["x"] + label["width"] - 1
    back = box(page, "a.back")
    assert back["x"] + back["width"] > width - 40
    title = box(page, "h1")
    assert title["x"] + title["width"] > width - 40

    page.fill("#age", "7")
    page.get_by_role("button", name="جاری رکھیں").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "16 اور 120 کے درمیان ایک پورا عدد درج کریں" in summary.inner_text()
    # The error bar of a field is on its right (its start), not its left.
    field = page.locator("#q-age")
    assert field.evaluate("e => getComputedStyle(e).borderRightWidth") == "5px"
    assert field.evaluate("e => getComputedStyle(e).borderLeftWidth") == "0px"
    assert axe_violations(page) == []

    page.fill("#age", "30")
    page.locator("#local").check()
    page.get_by_role("button", name="جاری رکھیں").click()
    page.locator("#spend").wait_for()
    # The page script speaks Urdu too: the dots counter, and the triad total.
    page.fill("#spend", "9")
    assert page.locator("[data-dots-left]").inner_text() == "آپ کے پاس 1 نقطہ باقی ہے"
    page.fill("#spend", "4")
    assert page.locator("[data-dots-left]").inner_text() == "آپ کے پاس 6 نقطے باقی ہیں"
    page.fill("#kind", "30")
    assert page.locator("[data-triad-total]").inner_text() == "کل: 30% (یہ 100% ہونا چاہیے)"
    assert axe_violations(page) == []


def test_participant_pages_in_urdu_and_welsh_pass_axe(live_server, page, ps):
    page.goto(f"{live_server}{ps.url}/story?lang=ur")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.get_by_role("button", name="میری کہانی بھیجیں").click()
    page.locator(".error-summary").wait_for()
    assert "اپنی کہانی سنائیں" in page.locator(".error-summary").inner_text()
    assert page.locator(".field-error").first.evaluate(
        "e => getComputedStyle(e).borderRightWidth") == "5px"
    assert axe_violations(page) == []
    page.goto(f"{live_server}{ps.url}/proposals?lang=cy")
    assert page.locator("h1").inner_text() == "Cynigion a phleidleisio"
    assert axe_violations(page) == []

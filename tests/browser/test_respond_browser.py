"""Respondent pages in a real phone-sized Chromium: the demo survey with JavaScript on and
off, resuming on a second device, double submission, keyboard only, and axe on every page."""

from __future__ import annotations

import re

import pytest

from revaluation.extensions import db
from revaluation.models import Response
from revaluation.models.responses import ResponseStatus
from tests.browser.conftest import axe_violations, submit
from tests.web.respond_fixtures import make_survey

pytestmark = pytest.mark.browser


def completed() -> int:
    """Responses sent through the pages (the seeded demo ones have no submission id)."""
    db.session.expire_all()
    return len(db.session.execute(
        db.select(Response).filter_by(status=ResponseStatus.COMPLETE)
        .where(Response.submission_id.is_not(None))).scalars().all())


def answer_demo(page, base: str) -> None:
    """Answer the demo check-in from its open link to the confirmation page."""
    page.goto(base + "/r/walkmembers")
    submit(page.get_by_role("button", name="Start now"))
    page.get_by_label("Yes, I agree to take part").check()
    submit(page.get_by_role("button", name="Continue"))
    page.get_by_label("Your panel code").fill("jo12le")
    submit(page.get_by_role("button", name="Continue"))
    page.get_by_label("Every week").check()
    submit(page.get_by_role("button", name="Continue"))
    if "opened more questions" in page.content():  # without JavaScript: revealed on reload
        submit(page.get_by_role("button", name="Continue"))
    page.locator("label[for=life_satisfaction-8]").click()
    submit(page.get_by_role("button", name="Continue"))
    page.locator("#conn_talk-4").check()
    submit(page.get_by_role("button", name="Continue"))
    page.get_by_label("How many times have you seen a GP").fill("2")
    submit(page.get_by_role("button", name="Continue"))
    page.get_by_label("Tell us about a change").fill("I walk every week now.")
    submit(page.get_by_role("button", name="Continue"))
    if "opened more questions" in page.content():
        submit(page.get_by_role("button", name="Continue"))
    page.wait_for_url(re.compile(r"/check$"))
    submit(page.get_by_role("button", name="Send my answers"))
    page.get_by_role("heading", name="Your answers have been sent").wait_for()


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_demo_survey_start_to_finish(live_server, new_context, demo, javascript):
    before = completed()
    page = new_context(javascript=javascript).new_page()
    answer_demo(page, live_server)
    assert completed() == before + 1


def test_resume_on_a_second_device_and_double_submit(live_server, new_context, demo):
    phone = new_context().new_page()
    phone.goto(live_server + "/r/walkmembers")
    submit(phone.get_by_role("button", name="Start now"))
    phone.get_by_label("Yes, I agree to take part").check()
    submit(phone.get_by_role("button", name="Continue"))
    submit(phone.get_by_role("button", name="Skip: I do not want a panel code"))
    phone.get_by_label("About once a month").check()
    submit(phone.get_by_role("button", name="Save and come back later"))
    code = phone.locator("strong.code").inner_text()
    laptop = new_context(javascript=False).new_page()
    laptop.goto(live_server + "/resume")
    laptop.get_by_label("Resume code").fill(code)
    submit(laptop.get_by_role("button", name="Continue"))
    assert laptop.get_by_label("About once a month").is_checked()
    before = completed()
    for _ in range(10):
        if laptop.url.endswith("/check"):
            break
        if laptop.locator(".error-summary").count():  # the one required rating
            laptop.locator("label[for=life_satisfaction-5]").click()
        submit(laptop.get_by_role("button", name="Continue"))
    # A double tap with JavaScript off sends the form twice; one response is recorded.
    laptop.get_by_role("button", name="Send my answers").dblclick()
    laptop.get_by_role("heading", name="Your answers have been sent").wait_for()
    laptop.go_back()
    assert completed() == before + 1


def test_keyboard_only_completion(live_server, new_context, demo):
    page = new_context().new_page()
    before = completed()
    page.goto(live_server + "/r/walkmembers")
    focused = []
    for _ in range(3):  # the skip link, the language choice (English, Welsh), the start button
        page.keyboard.press("Tab")
        focused.append(page.evaluate(
            "document.activeElement.id || document.activeElement.textContent.trim()"))
    assert focused == ["Skip to main content", "lang-en", "Start now"]
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/consent$"))
    page.focus("#agree")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/panel$"))
    page.focus("#panel_code")
    page.keyboard.type("ke05yo")
    page.keyboard.press("Enter")
    for _ in range(12):
        if page.url.endswith("/check"):
            break
        first_radio = page.locator(".q:not([hidden]) input[type=radio]").first
        if first_radio.count():
            first_radio.focus()
            page.keyboard.press("Space")
        page.locator("button[value=continue]").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
    page.locator("button", has_text="Send my answers").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Your answers have been sent").wait_for()
    assert completed() == before + 1


def test_axe_finds_nothing_on_any_respondent_page(live_server, new_context, make_evaluation):
    survey = make_survey(make_evaluation)
    page = new_context().new_page()
    checked = {}

    def audit(name: str) -> None:
        checked[name] = axe_violations(page)

    page.goto(live_server + f"/r/{survey.code}")
    audit("landing")
    submit(page.get_by_role("button", name="Start now"))
    audit("consent")
    submit(page.get_by_role("button", name="Continue"))
    audit("consent error")
    page.get_by_label("Yes, I agree to take part").check()
    submit(page.get_by_role("button", name="Continue"))
    audit("panel code")
    submit(page.get_by_role("button", name="Skip: I do not want a panel code"))
    audit("basics: choices, rating, number, text, date")
    submit(page.get_by_role("button", name="Continue"))
    audit("basics with errors")
    base = page.url.rsplit("/p/", 1)[0]
    for section in ("words", "shapes", "cat"):
        page.goto(f"{base}/p/{section}")
        audit(section)
    page.goto(f"{base}/check")
    audit("check answers")
    page.goto(f"{base}/save")
    audit("saved")
    for path in ("/resume", "/respondent-privacy", "/r/nosuchlink"):
        page.goto(live_server + path)
        audit(path)
    assert {name: found for name, found in checked.items() if found} == {}

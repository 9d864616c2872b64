"""The designer in a real browser, on a phone and on a desktop: from an empty evaluation,
build a two-page instrument with a relevance condition, publish it, change it (which starts
version 2) and read the difference; axe checks each designer page on the way."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, login, submit

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


def _no_violations(page, *, always: bool = False) -> None:
    """axe on phone-sized pages; on the desktop run only where asked, to keep the suite fast."""
    if page.viewport_size["width"] > 400 and not always:
        return
    violations = axe_violations(page)
    assert violations == [], violations


@pytest.mark.parametrize("viewport", [None, DESKTOP], ids=["phone", "desktop"])
def test_build_publish_change_and_diff(live_server, new_context, make_user, make_evaluation,
                                       viewport):
    owner = make_user("owner@example.org", password="correct horse battery")
    make_evaluation(owner, slug="walks", title="Walk together")
    page = new_context(viewport=viewport).new_page()
    login(page, live_server, "owner@example.org", "correct horse battery")

    page.goto(live_server + "/e/walks/instruments")
    _no_violations(page)
    page.get_by_role("link", name="Start from scratch").click()
    page.fill("#key", "check-in")
    page.fill("#title", "Check-in")
    page.get_by_role("button", name="Create instrument").click()
    page.get_by_text("Instrument created").wait_for()

    page.get_by_role("link", name="Add a question to page page_1").click()
    page.check("#type-single_choice")
    page.get_by_role("button", name="Continue").click()
    page.fill("#key", "walks")
    page.fill("#label_en", "Do you walk with the group?")
    page.fill("#choices-0-value", "yes")
    page.fill("#choices-0-label_en", "Yes")
    page.fill("#choices-1-value", "no")
    page.fill("#choices-1-label_en", "No")
    _no_violations(page)
    page.get_by_role("button", name="Save question").click()
    page.get_by_text("Question “walks” saved").wait_for()

    page.get_by_role("link", name="Add a page").click()
    page.fill("#key", "walking")
    page.fill("#title_en", "Walking")
    page.fill("#relevant", "${walks} = 'yes")  # a typo first: the engine points at it
    submit(page.get_by_role("button", name="Save page"))
    assert page.locator("#relevant-error").is_visible()
    assert "column" in page.locator("#relevant-error").inner_text()
    page.fill("#relevant", "${walks} = 'yes'")
    page.get_by_role("button", name="Save page").click()

    page.get_by_role("link", name="Add a question to page walking").click()
    page.check("#type-rating")
    page.get_by_role("button", name="Continue").click()
    page.fill("#key", "often")
    page.fill("#label_en", "How often do you walk?")
    submit(page.get_by_role("button", name="Save question"))
    assert page.get_by_text("Shown only when ${walks} = 'yes'").is_visible()
    _no_violations(page)

    page.get_by_role("button", name="Publish version 1").click()
    page.get_by_text("Version 1 is published and can no longer change").wait_for()

    page.get_by_role("link", name="Edit question often").click()
    page.fill("#label_en", "How many times a week do you walk?")
    page.get_by_role("button", name="Save question").click()
    page.get_by_role("button", name="Publish version 2").wait_for()

    page.get_by_role("button", name="Show the differences").click()
    page.get_by_role("heading", name="Changes from version 1 to version 2").wait_for()
    assert page.get_by_text("How many times a week do you walk?").is_visible()
    assert page.get_by_text("How often do you walk?").is_visible()
    _no_violations(page, always=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1

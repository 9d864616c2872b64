"""The sign-in page in a real browser: works at phone width and passes axe."""

import pytest

from tests.browser.conftest import axe_violations, login, submit

pytestmark = pytest.mark.browser


def test_sign_in_on_a_phone(live_server, page, demo):
    login(page, live_server, demo.evaluator_email, demo.password)
    page.click("text=Walk & Talk: does peer support change lives?")
    assert page.locator("h1").inner_text().startswith("Walk & Talk")
    assert page.locator("text=Six-month follow-up").count() >= 1


def test_login_page_is_accessible(live_server, page):
    page.goto(live_server + "/login")
    assert axe_violations(page) == []
    submit(page.locator("button[type=submit]"))
    assert page.locator(".error-summary").is_visible()
    assert axe_violations(page) == []

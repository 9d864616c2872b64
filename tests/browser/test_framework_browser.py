"""The outcome framework in a phone-sized browser: create an evaluation, add two outcomes, edit
one, and check the framework page with axe."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import Evaluation
from revaluation.services import instruments
from surveys.formats import load_instrument
from tests.browser.conftest import axe_violations, login
from tests.conftest import TEST_PASSWORD
from tests.web.framework_fixtures import CHECK_IN

pytestmark = pytest.mark.browser


def no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def add_outcome(page, title: str, indicator: str, target: str) -> None:
    page.click("text=Add an outcome")
    page.fill("#title", title)
    page.select_option("#indicator", indicator)
    page.check("#statistic-0")
    page.fill("#target", target)
    page.check("#direction-0")
    page.click("main button[type=submit]")
    page.wait_for_url("**/outcomes")


def test_create_an_evaluation_and_plan_its_outcomes_on_a_phone(live_server, page, make_user):
    make_user("lee@example.org", name="Lee")
    login(page, live_server, "lee@example.org", TEST_PASSWORD)
    page.click("text=Create an evaluation")
    no_axe_violations(page)
    page.fill("#title", "Cycle together")
    page.fill("#movement", "Cyclists for health")
    page.fill("#brand_colour", "#ffdd00")
    page.click("main button[type=submit]")
    assert "Try a darker shade such as #877500" in page.locator(".error-summary").inner_text()
    no_axe_violations(page)
    page.fill("#brand_colour", "#877500")
    page.click("main button[type=submit]")
    page.wait_for_url("**/e/cycle-together/")

    evaluation = db.session.scalars(db.select(Evaluation).filter_by(slug="cycle-together")).one()
    instruments.create_instrument(evaluation, load_instrument(CHECK_IN))
    db.session.commit()

    page.goto(f"{live_server}/e/cycle-together/outcomes")
    add_outcome(page, "Members feel connected", "scale:connection", "3.5")
    add_outcome(page, "More confidence", "question:confidence", "7")
    page.click("text=Edit “More confidence”")
    page.fill("#target", "8")
    page.click("main button[type=submit]")
    page.wait_for_url("**/outcomes")
    facts = page.locator(".outcome").nth(1).inner_text()
    assert "More confidence" in facts and "increase to 8" in facts
    page.click("text=Move up “More confidence”")
    assert page.locator(".outcome-title").first.inner_text() == "More confidence"
    no_axe_violations(page)

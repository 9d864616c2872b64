"""The "your answers" pages in a phone-sized Chromium, with JavaScript on and off: enter the
reference code, read the answers, download them, delete them; axe finds nothing at WCAG 2.2
AA on any of the pages and nothing is wider than the 360-pixel screen. Owners' erasure pages
pass axe too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from revaluation.extensions import db
from revaluation.models import Response, Role
from revaluation.services.evaluations import add_member
from tests.browser.conftest import axe_violations, login, submit
from tests.conftest import TEST_PASSWORD
from tests.web.privacy_fixtures import send_response
from tests.web.respond_fixtures import make_survey

pytestmark = pytest.mark.browser


def fits(page) -> bool:
    """Nothing on the page is wider than the phone's screen."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def checked(page, javascript: bool = True) -> None:
    """axe and the width check run scripts in the page, so only with JavaScript on (the
    markup they check is the same either way: the pages have no script of their own)."""
    if javascript:
        assert axe_violations(page) == [], page.url
        assert fits(page), page.url


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_see_download_and_delete_with_the_code(live_server, new_context, client,
                                               make_evaluation, javascript):
    survey = make_survey(make_evaluation, consent="We keep your answers safe.")
    rid, reference = send_response(client, survey.code,
                                   words={"tale": "A long story " * 40})
    page = new_context(javascript=javascript).new_page()
    page.goto(live_server + "/r/my-answers")
    checked(page, javascript)
    page.get_by_label("Reference code").fill("not-a-code")
    submit(page.get_by_role("button", name="Show my answers"))
    assert page.get_by_role("alert").is_visible()
    checked(page, javascript)
    page.get_by_label("Reference code").fill(reference)
    page.get_by_role("button", name="Show my answers").click()
    page.get_by_role("heading", name="Your answers", exact=True).wait_for()
    assert page.get_by_text("Apples").first.is_visible()
    checked(page, javascript)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as JSON").click()
    body = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert body["about"]["response_id"] == rid
    page.get_by_role("link", name="Delete my answers").click()
    page.get_by_role("heading", name="Delete your answers?").wait_for()
    checked(page, javascript)
    page.get_by_role("button", name="Yes, delete my answers").click()
    page.get_by_role("heading", name="Your answers have been deleted").wait_for()
    checked(page, javascript)
    db.session.expire_all()
    assert db.session.get(Response, rid) is None


def test_the_page_reads_well_on_a_phone(live_server, new_context, client, make_evaluation,
                                        tmp_path):
    survey = make_survey(make_evaluation)
    _rid, reference = send_response(client, survey.code, panel="ab12cd")
    page = new_context().new_page()
    page.goto(live_server + "/r/my-answers")
    page.get_by_label("Reference code").fill(reference)
    page.get_by_role("button", name="Show my answers").click()
    page.get_by_role("heading", name="Your answers", exact=True).wait_for()
    # Measured once the page's style sheet has arrived (on a busy machine the heading can be
    # in the document before it).
    page.wait_for_load_state("load")
    # Every interactive element is at least 24 px tall (WCAG 2.2 target size, minimum).
    small = page.evaluate("""() => [...document.querySelectorAll(
        'main a, main button, main summary')].filter(e => e.getBoundingClientRect().height < 24)
        .map(e => e.textContent.trim())""")
    assert small == []
    page.screenshot(path=str(tmp_path / "my-answers-360.png"), full_page=True)
    assert fits(page)


def test_owner_erasure_pages_pass_axe(live_server, new_context, client, make_evaluation,
                                      make_user):
    owner = make_user("owner@example.org")
    survey = make_survey(make_evaluation)
    add_member(survey.evaluation, owner, Role.OWNER)
    db.session.commit()
    rid, _reference = send_response(client, survey.code)
    page = new_context(viewport={"width": 1024, "height": 800}).new_page()
    login(page, live_server, "owner@example.org", TEST_PASSWORD)
    slug = survey.evaluation.slug
    for path in (f"/e/{slug}/results/erase", f"/e/{slug}/results/responses/{rid}/erase",
                 f"/e/{slug}/results/waves/{survey.wave.id}/erase",
                 f"/e/{slug}/fieldwork/{survey.wave.id}/consent"):
        page.goto(live_server + path)
        assert axe_violations(page) == [], path
    page.goto(live_server + f"/e/{slug}/results/responses/{rid}/erase")
    submit(page.get_by_role("button", name="Erase for good"))
    assert page.get_by_role("alert").is_visible()  # nothing typed: the error summary
    assert axe_violations(page) == []
    page.get_by_label("Confirmation").fill(str(rid))
    page.get_by_role("button", name="Erase for good").click()
    page.get_by_text(f"Response {rid} is erased").wait_for()

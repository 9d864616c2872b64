"""Fieldwork in a browser: create and open a wave, print its poster, watch a response arrive."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from revaluation.extensions import db
from revaluation.models import Response, ResponseStatus, Wave
from revaluation.models.base import utcnow
from tests.browser.conftest import axe_violations, login, submit
from tests.conftest import TEST_PASSWORD
from tests.web.fieldwork_fixtures import fw_fixture  # noqa: F401

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


def sign_in(page, base: str) -> None:
    login(page, base, "evaluator@example.org", TEST_PASSWORD)
    page.wait_for_url(lambda url: "/login" not in url)


def no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def test_open_a_wave_print_its_poster_and_watch_a_response_arrive(live_server, new_context, fw):
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/e/walks/fieldwork")
    no_axe_violations(page)
    page.click("text=Create a wave")
    page.fill("#name", "Spring baseline")
    page.fill("#groups", "member, Staff")
    submit(page.locator("main button[type=submit]"))
    # The mistake is explained, the input kept, and the summary links to the field.
    assert page.locator(".error-summary a[href='#groups']").is_visible()
    assert page.input_value("#name") == "Spring baseline"
    no_axe_violations(page)
    page.fill("#groups", "member, staff")
    submit(page.locator("main button[type=submit]"))
    assert "created as a draft" in page.inner_text(".notice")
    no_axe_violations(page)

    submit(page.locator("text=Open now"))
    assert "Opening locks your outcome framework" in page.inner_text("main")
    no_axe_violations(page)
    submit(page.locator("text=Open the wave now"))
    assert "is now open" in page.inner_text(".notice")
    assert page.locator("h1 .state-open").is_visible()

    with page.expect_download() as download:
        page.fill("#count", "3")
        page.click("text=Create and download tokens")
    with open(download.value.path(), encoding="utf-8") as exported:
        lines = exported.read().splitlines()
    assert lines[0] == "group,token,url" and len(lines) == 4

    poster_url = page.locator("a", has_text="Printable poster").first.get_attribute("href")
    page.goto(live_server + poster_url)
    no_axe_violations(page)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".poster-tools").is_visible()
    assert page.locator(".poster-qr svg").bounding_box()["width"] > 300
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # the poster fits one A4 page
    page.emulate_media(media="screen")

    wave = db.session.scalars(db.select(Wave).filter_by(name="Spring baseline")).one()
    page.goto(f"{live_server}/e/walks/fieldwork/{wave.id}/live")
    assert page.inner_text("#fig-started") == "0"
    no_axe_violations(page)
    started = utcnow() - timedelta(minutes=5)
    db.session.add(
        Response(
            wave_id=wave.id,
            group="member",
            status=ResponseStatus.COMPLETE,
            started_at=started,
            completed_at=started + timedelta(minutes=4),
        )
    )
    db.session.commit()
    page.click("text=Refresh")
    assert page.inner_text("#fig-started") == "1"
    assert page.inner_text("#fig-completed") == "1"
    assert page.inner_text("#fig-rate") == "100%"
    assert page.inner_text("#fig-median") == "4 min 0 s"


def test_fieldwork_pages_work_on_a_phone(live_server, page, fw):
    from revaluation.services import fieldwork

    wave = fieldwork.create_wave(fw.evaluation, fw.version, name="Phone wave", groups=["member"])
    fieldwork.open_wave(wave)
    db.session.commit()
    link = wave.invitations[0]
    sign_in(page, live_server)
    for path in (
        f"/e/walks/fieldwork/{wave.id}",
        f"/e/walks/fieldwork/{wave.id}/live",
        f"/e/walks/fieldwork/{wave.id}/close",
        f"/e/walks/fieldwork/{wave.id}/links/{link.id}/poster",
    ):
        page.goto(live_server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} scrolls sideways ({width}px)"
        no_axe_violations(page)

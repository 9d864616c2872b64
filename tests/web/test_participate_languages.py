"""Participant pages in Welsh and Urdu: the language picked with ?lang= is kept in a cookie,
the services' messages are translated, Urdu pages run right to left, and the evaluators'
pages stay in English."""

from __future__ import annotations

import re

from revaluation.extensions import db
from revaluation.models import Proposal
from tests.web.participate_fixtures import participation_setup, propose  # noqa: F401


def html_of(reply) -> str:
    return reply.get_data(as_text=True)


def root_attrs(html: str) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', html)
    assert found, html[:300]
    return found.group(1), found.group(2)


def test_a_language_picked_once_is_kept(client, ps):
    english = html_of(client.get(ps.url))
    assert root_attrs(english) == ("en", "ltr") and "Help shape this evaluation" in english
    assert 'hreflang="cy">Cymraeg</a>' in english and 'hreflang="ur">اردو</a>' in english
    reply = client.get(f"{ps.url}?lang=cy")
    assert "lang=cy" in reply.headers["Set-Cookie"]
    welsh = html_of(reply)
    assert root_attrs(welsh) == ("cy", "ltr")
    assert "Helpwch i siapio’r gwerthusiad hwn" in welsh and "Neidio i’r prif gynnwys" in welsh
    # The next page, with no ?lang=, is still Welsh.
    assert "Cynigion a phleidleisio" in html_of(client.get(f"{ps.url}/proposals"))
    urdu = html_of(client.get(f"{ps.url}/story?lang=ur"))
    assert root_attrs(urdu) == ("ur", "rtl") and "تبدیلی کی کہانی سنائیں" in urdu
    assert 'hreflang="en">English</a>' in urdu


def test_service_messages_and_notices_are_translated(client, ps):
    client.get(f"{ps.url}?lang=cy")
    refused = client.post(f"{ps.url}/propose", data={"kind": "outcome", "text": "",
                                                     "detail": ""})
    assert refused.status_code == 400
    html = html_of(refused)
    assert "Mae problem wedi codi" in html and "Rhowch sut olwg fyddai ar lwyddiant" in html
    propose(client, ps, "People feel heard")
    proposal = db.session.execute(db.select(Proposal)).scalar_one()
    client.get(f"{ps.url}?lang=ur")
    added = html_of(client.post(f"{ps.url}/proposals/{proposal.id}/dots",
                                data={"change": "add"}, follow_redirects=True))
    assert "نقطہ شامل کر دیا گیا۔ آپ کے پاس 4 نقطے باقی ہیں۔" in added  # the notice
    assert "5 میں سے: <strong>آپ کے پاس 4 نقطے باقی ہیں</strong>" in added  # the budget


def test_story_form_problems_are_translated(client, ps):
    html = html_of(client.post(f"{ps.url}/story?lang=cy", data={
        "text": "", "kind__1": "50", "kind__2": "20", "v1_note": "Hyder"}))
    assert "Adroddwch eich stori: mae ychydig o frawddegau yn ddigon" in html
    assert "Rhannwch 100% rhwng y tri: maen nhw’n adio i 70%" in html
    assert "Dewiswch cyfrifo, graddnodi neu alluogi ar gyfer gwerth 1" in html


def test_evaluators_pages_stay_in_english(client, auth, ps):
    auth.login(ps.owner.email)
    html = html_of(client.get(f"{ps.manage}", headers={"Accept-Language": "cy"}))
    assert root_attrs(html) == ("en", "ltr") and "Skip to main content" in html

"""Multilingual respondent pages: the language choice, the chosen language kept across pages,
devices and resume, interface and engine messages translated, right-to-left pages."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from revaluation import ROOT
from revaluation.extensions import db
from revaluation.models import Response
from revaluation.services.languages import text_direction
from tests.web.respond_fixtures import (
    ALL_TYPES_YAML,
    BILINGUAL_YAML,
    TRILINGUAL_YAML,
    make_survey,
    rid_of,
    start,
)


@pytest.fixture
def trilingual(app, make_evaluation):
    return make_survey(make_evaluation, consent="We keep your answers safe.", panel=False,
                       yaml_text=TRILINGUAL_YAML)


def html_of(reply) -> str:
    return reply.get_data(as_text=True)


def root_attrs(html: str) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', html)
    assert found, html[:300]
    return found.group(1), found.group(2)


def test_language_choice_appears_only_with_several_languages(client, make_evaluation,
                                                             trilingual):
    single = make_survey(make_evaluation, consent="", panel=False, yaml_text=ALL_TYPES_YAML)
    landing = html_of(client.get(f"/r/{single.code}"))
    assert 'name="lang"' not in landing and "Which language" not in landing
    first = start(client, single.code)
    rid = rid_of(first)
    # Nothing to choose: the language page sends the respondent on, and no footer link.
    assert client.get(f"/s/{rid}/language").status_code == 302
    assert f"/s/{rid}/language" not in html_of(client.get(first))

    landing = html_of(client.get(f"/r/{trilingual.code}"))
    for code, name in (("en", "English"), ("cy", "Cymraeg"), ("ur", "اردو")):
        assert f'value="{code}"' in landing and f'lang="{code}">{name}</label>' in landing


def test_landing_follows_the_link_then_the_browser(client, trilingual):
    welsh = html_of(client.get(f"/r/{trilingual.code}?lang=cy"))
    assert root_attrs(welsh) == ("cy", "ltr")
    assert "Eich ardal" in welsh and "Dechrau nawr" in welsh
    assert 'value="cy" checked' in welsh
    browser = html_of(client.get(f"/r/{trilingual.code}",
                                 headers={"Accept-Language": "ur-PK,ur;q=0.9,en;q=0.5"}))
    assert root_attrs(browser) == ("ur", "rtl") and "ابھی شروع کریں" in browser
    # A language the instrument does not have falls back to its default.
    other = html_of(client.get(f"/r/{trilingual.code}?lang=pl",
                               headers={"Accept-Language": "pl"}))
    assert root_attrs(other) == ("en", "ltr") and "Start now" in other


def test_chosen_language_is_used_on_every_page(client, trilingual):
    reply = client.post(f"/r/{trilingual.code}/start", data={"lang": "cy"})
    rid = int(reply.location.rsplit("/", 1)[1])
    assert db.session.get(Response, rid).language == "cy"
    consent_url = client.get(reply.location).location
    # The browser asks for English; the respondent chose Welsh, and Welsh wins.
    consent = html_of(client.get(consent_url, headers={"Accept-Language": "en"}))
    assert root_attrs(consent) == ("cy", "ltr")
    assert "<title>Cymryd rhan" in consent and "Ydych chi’n cytuno i gymryd rhan?" in consent
    refused = html_of(client.post(consent_url, data={}))
    assert "Dewiswch ydw os ydych yn cytuno i gymryd rhan" in refused
    first = client.post(consent_url, data={"agree": "yes"}).location
    page = html_of(client.get(first))
    assert "Tudalen 1 o 2" in page and "Eich oed" in page and "(dewisol)" in page
    assert ">Parhau</button>" in page and "Cadw a dod yn ôl yn nes ymlaen" in page
    assert "Neidio i’r prif gynnwys" in page and "Sut rydym yn defnyddio eich atebion" in page
    # The footer offers the other languages, each named in itself.
    assert '<span lang="en" dir="ltr">English</span>' in page
    assert '<span lang="ur" dir="rtl">اردو</span>' in page


def test_validation_messages_from_the_engine_are_translated(client, trilingual):
    first = start(client, trilingual.code, lang="cy")
    reply = client.post(first, data={"age": "7", "picks": ["park", "library"],
                                     "action": "continue"})
    html = html_of(reply)
    assert reply.status_code == 200
    assert "Mae problem wedi codi" in html
    assert "Rhowch rif cyfan rhwng 16 a 120" in html  # engine: number range
    assert "Dewiswch ddim mwy na 1 opsiwn" in html  # engine: plural message
    assert "Dewiswch ateb" in html  # web layer: required single choice
    assert 'value="7"' in html  # what was typed is kept
    assert "Enter a whole number" not in html and "Choose" not in html

    rid = rid_of(first)
    client.post(f"/s/{rid}/language", data={"lang": "ur"})
    reply = client.post(first, data={"age": "abc", "action": "continue"})
    html = html_of(reply)
    assert root_attrs(html) == ("ur", "rtl")
    assert "16 اور 120 کے درمیان ایک پورا عدد درج کریں" in html
    assert "ایک جواب منتخب کریں" in html and "خرابی" in html


def test_autosave_answers_in_the_chosen_language(client, trilingual):
    first = start(client, trilingual.code, lang="ur")
    reply = client.post(first + "/autosave", data={"age": "200"})
    assert reply.status_code == 200
    assert reply.get_json()["errors"]["age"] == "16 اور 120 کے درمیان ایک پورا عدد درج کریں"


def test_chosen_language_persists_across_pages_and_resume(client, app, trilingual):
    first = start(client, trilingual.code, lang="cy")
    rid = rid_of(first)
    second = client.post(first, data={"local": "yes", "action": "continue"}).location
    assert second.endswith("/p/two")
    assert "Tudalen 2 o 2" in html_of(client.get(second))
    saved = client.post(second, data={"town": "", "action": "save"}).location
    saved_page = html_of(client.get(saved))
    assert "Mae eich atebion wedi’u cadw" in saved_page
    code = re.search(r'<strong class="code">([^<]+)</strong>', saved_page).group(1)

    other_device = app.test_client()
    resumed = other_device.post("/resume", data={"code": code},
                                headers={"Accept-Language": "en-GB"})
    page = other_device.get(other_device.get(resumed.location).location,
                            headers={"Accept-Language": "en-GB"})
    html = html_of(page)
    assert root_attrs(html) == ("cy", "ltr") and "Eich tref" in html and "Yn ôl" in html
    check = html_of(other_device.post(second, data={"town": "Aber", "action": "continue"},
                                      follow_redirects=True))
    assert "Gwirio eich atebion" in check and "Anfon fy atebion" in check
    assert db.session.get(Response, rid).language == "cy"


def test_switching_language_returns_to_the_same_page(client, trilingual):
    first = start(client, trilingual.code, lang="en")
    rid = rid_of(first)
    chooser = html_of(client.get(f"/s/{rid}/language?next={first}"))
    assert "Which language would you like to use?" in chooser
    assert 'value="en" checked' in chooser
    back = client.post(f"/s/{rid}/language", data={"lang": "ur", "return_to_url": first})
    assert back.location == first
    assert root_attrs(html_of(client.get(first)))[1] == "rtl"
    # An unknown language, or a return address elsewhere, changes nothing.
    client.post(f"/s/{rid}/language", data={"lang": "xx"})
    assert db.session.get(Response, rid).language == "ur"
    away = client.post(f"/s/{rid}/language", data={"lang": "cy",
                                                    "return_to_url": "https://evil.example/"})
    assert not away.location.startswith("https://evil")


@pytest.mark.parametrize(("language", "direction"), [("ur", "rtl"), ("ar", "rtl"),
                                                     ("cy", "ltr"), ("en", "ltr")])
def test_right_to_left_languages_set_dir(language, direction):
    assert text_direction(language) == direction
    assert text_direction(language.upper() + "-GB") == direction


def test_arabic_instrument_renders_right_to_left(client, make_evaluation):
    """Arabic has instrument texts but no interface catalogue: the page is still rtl."""
    survey = make_survey(make_evaluation, consent="", panel=False, yaml_text=BILINGUAL_YAML)
    first = start(client, survey.code, lang="ar")
    html = html_of(client.get(first))
    assert root_attrs(html) == ("ar", "rtl") and "مدينتك" in html


def test_pages_without_a_response_follow_the_browser(client):
    html = html_of(client.get("/r/no-such-link", headers={"Accept-Language": "cy"}))
    assert root_attrs(html) == ("cy", "ltr")
    assert "Ni allwn ddod o hyd i’r arolwg hwnnw" in html
    html = html_of(client.get("/resume", headers={"Accept-Language": "ur"}))
    assert root_attrs(html) == ("ur", "rtl") and "اپنے جوابات جاری رکھیں" in html
    html = html_of(client.get("/respondent-privacy?lang=cy"))
    assert "Beth rydym yn ei gadw" in html


@pytest.mark.parametrize("value", ["xx", "../../etc", "zz_GB@x;q=abc", "", "ur" * 40])
def test_odd_language_requests_fall_back_without_error(client, value):
    reply = client.get(f"/resume?lang={value}", headers={"Accept-Language": value or "*"})
    assert reply.status_code == 200
    assert root_attrs(html_of(reply)) == ("en", "ltr")


def test_demo_survey_offers_welsh(client, demo):
    landing = html_of(client.get(demo.respondent_path))
    assert 'lang="cy">Cymraeg</label>' in landing
    code = demo.respondent_path.rsplit("/", 1)[1]
    first = start(client, code, lang="cy", panel="skip")
    page = html_of(client.get(first))
    assert root_attrs(page) == ("cy", "ltr")
    assert "Pa mor aml ydych chi’n cymryd rhan yn Cerdded a Siarad?" in page
    assert "Tua unwaith y mis" in page and "Gwell gennyf beidio â dweud" in page


def test_demo_instrument_translates_every_text():
    from revaluation.services.demo import INSTRUMENT_PATH
    from surveys.errors import DefinitionError
    from surveys.formats import load_instrument

    text = INSTRUMENT_PATH.read_text()
    assert load_instrument(text).languages == ("en", "cy")
    # The engine refuses an instrument with a missing translation, naming the field.
    with pytest.raises(DefinitionError) as caught:
        load_instrument(text.replace('cy: "Iechyd"', 'cy: ""'))
    assert "'story_kind', field 'corners': corners has no 'cy' translation" in str(caught.value)


def test_a_members_question_joins_a_bilingual_instrument_in_both_languages(client, auth, demo):
    from revaluation.models import Instrument, Proposal
    from revaluation.services.instruments import definition_of

    auth.login(demo.evaluator_email, demo.password)
    proposal = db.session.execute(db.select(Proposal).filter_by(
        text="How far do you travel to get to a group?")).scalar_one()
    instrument = db.session.execute(db.select(Instrument)).scalars().first()
    url = f"/e/demo/participation/proposals/{proposal.id}/accept"
    form = html_of(client.get(url))
    assert 'name="label_cy"' in form and '<span lang="cy">Cymraeg</span>' in form
    data = {"label": proposal.text, "qtype": "text", "section": f"{instrument.id}:story"}
    refused = client.post(url, data=data)
    assert refused.status_code == 400
    assert "wording in Cymraeg too: the instrument is in that language" in html_of(refused)
    accepted = client.post(url, data={**data, "label_cy": "Pa mor bell ydych chi’n teithio?"})
    assert accepted.status_code == 302
    db.session.expire_all()
    draft = definition_of(db.session.get(Instrument, instrument.id).latest)
    added = draft.section("story").questions[-1]
    assert added.label.get("cy") == "Pa mor bell ydych chi’n teithio?"
    assert added.label.get("en") == proposal.text


# -- the catalogues ---------------------------------------------------------------------

TRANSLATIONS = ROOT / "revaluation" / "translations"
CATALOGUES = sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def test_welsh_and_urdu_catalogues_exist():
    assert {"cy", "ur"} <= set(CATALOGUES)
#: The keywords `make translations` passes to pybabel besides gettext's own.
KEYWORDS = {**DEFAULT_KEYWORDS, "answer_message": None, "answer_plural": (1, 2)}


def read_catalogue(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.fixture(scope="module")
def extracted() -> set:
    """Every msgid babel.cfg's extraction finds in the public pages' code and templates."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return {message[2] for message in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS)}


@pytest.mark.parametrize("language", CATALOGUES)
def test_every_public_string_is_translated(extracted, language):
    catalogue = read_catalogue(language)
    assert "native speaker" in catalogue.header_comment  # drafts, marked for review
    translated = {m.id: m for m in catalogue if m.id}
    keys = {m if isinstance(m, str) else tuple(m) for m in extracted}
    missing = [k for k in keys if k not in translated]
    assert not missing, f"run `make translations` and translate: {sorted(map(str, missing))}"
    for key in keys:
        message = translated[key]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and not message.fuzzy, f"{language}: untranslated {key!r}"
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalogue.check()]
    assert not problems  # placeholders and plural forms agree with the English


@pytest.mark.parametrize("language", CATALOGUES)
def test_compiled_catalogues_are_up_to_date(language):
    compiled = io.BytesIO()
    write_mo(compiled, read_catalogue(language))
    committed = Path(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert compiled.getvalue() == committed, "run `make translations` to recompile"


def test_engine_messages_keep_their_template(app):
    from flask_babel import force_locale

    from revaluation.services.languages import translate
    from surveys.errors import answer_message, answer_plural
    from surveys.model import Question
    from surveys.types import AnswerError, get_type

    plural = answer_plural("You have %(num)s dot left", "You have %(num)s dots left", 1)
    assert plural == "You have 1 dot left"
    nested = answer_message("Shorten %(what)s to %(limit)s characters or fewer (it has "
                            "%(length)s)", what=answer_message("your story"), limit="5",
                            length="6")
    question = Question(key="n", type="number",
                        settings={"min": 1, "max": 3, "integer": True})
    with pytest.raises(AnswerError) as caught:
        get_type("number").normalise(question, "9")
    with app.test_request_context(), force_locale("ur"):
        assert translate(plural) == "آپ کے پاس 1 نقطہ باقی ہے"
        assert translate(answer_plural("You have %(num)s dot left",
                                       "You have %(num)s dots left", 4)) == \
            "آپ کے پاس 4 نقطے باقی ہیں"
        assert translate(caught.value.message) == "1 اور 3 کے درمیان ایک پورا عدد درج کریں"
    with app.test_request_context(), force_locale("cy"):
        assert translate(nested) == "Byrhewch eich stori i 5 nod neu lai (mae ganddo 6)"
        assert translate("An author's own message") == "An author's own message"

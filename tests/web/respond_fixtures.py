"""Fixtures for the respondent-page tests: an instrument using every question type, an open
wave on it, and small helpers to walk a client through the pages."""

from __future__ import annotations

import re
from dataclasses import dataclass

from revaluation.extensions import db

ALL_TYPES_YAML = """
key: all-types
title: {en: "Every question type"}
languages: [en]
choice_lists:
  opts:
    - {value: a, label: {en: "Apples"}}
    - {value: b, label: {en: "Bread"}}
    - {value: c, label: {en: "Cheese"}}
  agree5:
    - {value: "1", label: {en: "Strongly disagree"}}
    - {value: "2", label: {en: "Disagree"}}
    - {value: "3", label: {en: "Neither"}}
    - {value: "4", label: {en: "Agree"}}
    - {value: "5", label: {en: "Strongly agree"}}
sections:
  - key: basics
    title: {en: "Basics"}
    questions:
      - {key: colour, type: single_choice, label: {en: "Favourite food?"},
         choices: opts, other: true, required: true, nonsubstantive: [prefer_not_to_say]}
      - {key: extras, type: multiple_choice, label: {en: "What else?"}, choices: opts,
         relevant: "${colour} != 'c'", max_selected: 2}
      - {key: mood, type: likert, label: {en: "I feel fine."}, choices: agree5}
      - {key: score, type: rating, label: {en: "Rate your day"}, min: 0, max: 10}
      - {key: age, type: number, label: {en: "Your age"}, min: 16, max: 120, integer: true,
         unit: {en: "years"}, nonsubstantive: [prefer_not_to_say]}
      - {key: town, type: text, label: {en: "Your town"}}
      - {key: born, type: date, label: {en: "A date"}}
      - {key: doubled, type: calculated, label: {en: "Double"}, calculation: "${score} * 2"}
  - key: words
    title: {en: "Words"}
    questions:
      - {key: hello, type: note, label: {en: "Hello from ${town}!"}}
      - {key: thoughts, type: long_text, label: {en: "Any thoughts?"}}
      - {key: tale, type: story, label: {en: "Tell a story"}, outcome_harvest: true}
      - {key: photo_ok, type: consent, label: {en: "May we quote you?"}}
  - key: shapes
    title: {en: "Shapes"}
    questions:
      - {key: who, type: dyad, label: {en: "Me or us?"}, left: {en: "Me"}, right: {en: "Us"}}
      - {key: kind, type: triad, label: {en: "What was it about?"},
         corners: [{en: "Health"}, {en: "Friends"}, {en: "Voice"}]}
      - {key: spend, type: dot_allocation, label: {en: "Spend your dots"}, choices: opts,
         budget: 10}
      - {key: order, type: ranking, label: {en: "Put in order"}, choices: opts}
      - {key: grid, type: matrix, label: {en: "How much do you agree?"}, choices: agree5,
         rows: [{key: r1, label: {en: "Row one"}}, {key: r2, label: {en: "Row two"}}]}
      - {key: worth, type: value_grid, label: {en: "What is it worth?"}, max_items: 3}
  - key: cat
    title: {en: "About agency"}
    adaptive: agency
    questions: []
item_banks:
  - key: agency
    title: {en: "Agency"}
    categories: agree5
    rule: {min_items: 2, max_items: 3, max_se: 0.2}
    items:
      - {key: ag1, label: {en: "I can speak up."}, slope: 2.0, thresholds: [-2, -1, 0, 1]}
      - {key: ag2, label: {en: "I am listened to."}, slope: 1.5, thresholds: [-1.5, -0.5, 0.5, 1.5]}
      - {key: ag3, label: {en: "I can organise."}, slope: 1.8, thresholds: [-1, 0, 1, 2]}
      - {key: ag4, label: {en: "I can challenge."}, slope: 2.2, thresholds: [-0.5, 0.3, 1.1, 2]}
"""

BILINGUAL_YAML = """
key: bilingual
title: {en: "Two languages", cy: "Dwy iaith", ar: "لغتان"}
languages: [en, cy, ar]
sections:
  - key: one
    title: {en: "About you", cy: "Amdanoch chi", ar: "عنك"}
    questions:
      - {key: name_of_town, type: text, label: {en: "Your town", cy: "Eich tref", ar: "مدينتك"},
         required: true}
"""

#: English, Welsh and Urdu (right to left), with question types whose layout must mirror
#: and rules whose messages come from the survey engine.
TRILINGUAL_YAML = """
key: three-languages
title: {en: "Your area", cy: "Eich ardal", ur: "آپ کا علاقہ"}
languages: [en, cy, ur]
choice_lists:
  yesno:
    - {value: "yes", label: {en: "Yes", cy: "Ydw", ur: "ہاں"}}
    - {value: "no", label: {en: "No", cy: "Nac ydw", ur: "نہیں"}}
  places:
    - {value: park, label: {en: "The park", cy: "Y parc", ur: "پارک"}}
    - {value: library, label: {en: "The library", cy: "Y llyfrgell", ur: "لائبریری"}}
    - {value: centre, label: {en: "The community centre", cy: "Y ganolfan gymunedol",
                              ur: "کمیونٹی سینٹر"}}
sections:
  - key: one
    title: {en: "About you", cy: "Amdanoch chi", ur: "آپ کے بارے میں"}
    questions:
      - {key: age, type: number, integer: true, min: 16, max: 120,
         unit: {en: "years", cy: "oed", ur: "سال"},
         label: {en: "Your age", cy: "Eich oed", ur: "آپ کی عمر"}}
      - {key: local, type: single_choice, choices: yesno, required: true,
         nonsubstantive: [prefer_not_to_say],
         label: {en: "Do you live here?", cy: "Ydych chi’n byw yma?",
                 ur: "کیا آپ یہاں رہتے ہیں؟"}}
      - {key: picks, type: multiple_choice, choices: places, max_selected: 1, other: true,
         label: {en: "Where do you meet people?", cy: "Ble rydych chi’n cwrdd â phobl?",
                 ur: "آپ لوگوں سے کہاں ملتے ہیں؟"}}
      - {key: score, type: rating, min: 0, max: 10,
         left: {en: "Not at all", cy: "Ddim o gwbl", ur: "بالکل نہیں"},
         right: {en: "Completely", cy: "Yn llwyr", ur: "مکمل طور پر"},
         label: {en: "How safe do you feel here?", cy: "Pa mor ddiogel ydych chi’n teimlo yma?",
                 ur: "آپ یہاں کتنا محفوظ محسوس کرتے ہیں؟"}}
  - key: two
    title: {en: "Your town", cy: "Eich tref", ur: "آپ کا شہر"}
    questions:
      - {key: town, type: text, required: true,
         label: {en: "Your town", cy: "Eich tref", ur: "آپ کا شہر"}}
      - {key: who, type: dyad, left: {en: "Me", cy: "Fi", ur: "میں"},
         right: {en: "Us", cy: "Ni", ur: "ہم"},
         label: {en: "Is this about you or about us?", cy: "Ydy hyn amdanoch chi neu amdanom ni?",
                 ur: "کیا یہ آپ کے بارے میں ہے یا ہمارے بارے میں؟"}}
      - {key: kind, type: triad,
         corners: [{en: "Health", cy: "Iechyd", ur: "صحت"},
                   {en: "Friends", cy: "Ffrindiau", ur: "دوست"},
                   {en: "Voice", cy: "Llais", ur: "آواز"}],
         label: {en: "What is it about?", cy: "Am beth mae e?", ur: "یہ کس بارے میں ہے؟"}}
      - {key: spend, type: dot_allocation, choices: places, budget: 10,
         label: {en: "Spend your dots", cy: "Rhowch eich dotiau", ur: "اپنے نقطے تقسیم کریں"}}
"""

#: A complete, valid answer set for the all-types instrument, page by page (form fields).
VALID_PAGES = {
    "basics": {"colour": "a", "extras": ["b"], "mood": "4", "score": "7", "age": "34",
               "town": "Leeds", "born": "2020-02-29"},
    "words": {"thoughts": "Good.", "tale": "We walked.", "tale__what_changed": "Fitter",
              "tale__intended": "yes", "photo_ok": "yes"},
    "shapes": {"who": "0.3", "kind__1": "50", "kind__2": "30", "kind__3": "20",
               "spend__a": "6", "spend__c": "4", "order__1": "c", "order__2": "a",
               "order__3": "b", "grid__r1": "4", "grid__r2": "2",
               "worth__1__box": "calibrate", "worth__1__visibility": "invisible",
               "worth__1__note": "Trust"},
}


@dataclass
class Survey:
    evaluation: object
    version: object
    wave: object
    code: str


def make_survey(make_evaluation, *, consent: str = "We keep your answers safe.",
                panel: bool = True, yaml_text: str = ALL_TYPES_YAML) -> Survey:
    from revaluation.services import fieldwork, instruments
    from surveys.formats import load_instrument

    evaluation = make_evaluation(brand_colour="#ffdd00")
    version = instruments.create_instrument(evaluation, load_instrument(yaml_text))
    instruments.publish_version(version, None)
    wave = fieldwork.create_wave(evaluation, version, name="Spring", groups=["member"],
                                 ask_panel_code=panel, consent_text=consent)
    fieldwork.open_wave(wave)
    db.session.commit()
    return Survey(evaluation, version, wave, wave.invitations[0].code)


def start(client, code: str, *, lang: str = "en", consent: bool = True,
          panel: str | None = "skip") -> str:
    """Start a response through the landing page; return the first question page's path."""
    location = client.post(f"/r/{code}/start", data={"lang": lang}).location
    location = client.get(location).location
    if consent and location.endswith("/consent"):
        location = client.post(location, data={"agree": "yes"}).location
    if panel is not None and location.endswith("/panel"):
        data = {"action": "skip"} if panel == "skip" else {"panel_code": panel, "action": "save"}
        location = client.post(location, data=data).location
    return location


def rid_of(path: str) -> int:
    return int(re.search(r"/s/(\d+)", path).group(1))


def answer_all(client, first_page: str, *, cat_choice: str = "4") -> str:
    """Answer every page with VALID_PAGES and the adaptive block; return the check URL."""
    base = first_page.rsplit("/p/", 1)[0]
    for section, fields in VALID_PAGES.items():
        reply = client.post(f"{base}/p/{section}", data={**fields, "action": "continue"})
        assert reply.status_code == 302, reply.get_data(as_text=True)[:2000]
    for _ in range(6):
        page = client.get(f"{base}/p/cat").get_data(as_text=True)
        found = re.search(r'name="item" value="([^"]+)"', page)
        if not found:
            break
        client.post(f"{base}/p/cat", data={"item": found.group(1), "answer": cat_choice,
                                           "action": "answer"})
    return f"{base}/check"


def submission_id(html: str) -> str:
    return re.search(r'name="submission_id" value="([0-9a-f]+)"', html).group(1)

"""The native YAML/JSON format: every problem reported at once with its place, and
lossless round trips."""

import json
from pathlib import Path

import pytest

from surveys.formats import DefinitionError, dump_instrument, load_instrument
from surveys.model import Instrument, Text

LIBRARY = sorted((Path(__file__).parents[2] / "surveys" / "library").glob("*.yaml"))

BAD = """\
key: bad-one
title: {en: Bad, cy: Drwg}
languages: [en, cy]
choice_lists:
  yn:
    - {value: "yes", label: {en: Yes, cy: Ie}}
    - {value: "yes", label: {en: No}}
sections:
  - key: intro
    questions:
      - key: age
        type: number
        label: {en: Age, cy: Oed}
        min: 10
        max: 1
      - key: age
        type: slider
        label: {en: Again, cy: Eto}
      - key: pick
        type: single_choice
        label: {en: Pick, cy: Dewis}
        choices: nowhere
        relevant: "${later} = 1"
      - key: calc_a
        type: calculated
        calculation: "${calc_b} + 1"
      - key: calc_b
        type: calculated
        calculation: "${calc_a} + ("
      - key: calc_c
        type: calculated
        calculation: "${calc_d} * 2"
      - key: calc_d
        type: calculated
        calculation: "${calc_c} * 2"
      - key: later
        type: text
        label: {en: Later, cy: Wedyn}
        constraint: "${ghost} > 1"
        relevant: "'a' + 1 = 2"
scales:
  - key: sc
    items: [age, nothing]
    reverse: [age]
item_banks:
  - key: bank
    categories: yn
    items:
      - {key: b1, slope: -1, thresholds: [1.0, 0.5]}
      - {key: b2, slope: 1, thresholds: [0.1]}
    bogus: 1
"""


def problems_of(source) -> list:
    with pytest.raises(DefinitionError) as caught:
        load_instrument(source)
    return caught.value.problems


def test_a_malformed_document_reports_every_problem_with_key_field_and_line():
    found = {(p.key, p.field, p.line) for p in problems_of(BAD)}
    assert found == {
        ("bank", "bogus", 51),
        ("yn", "value", 7),
        ("yn", "label", 7),
        ("b1", "slope", 49),
        ("b1", "thresholds", 49),
        ("age", "key", 16),
        ("age", "min", 14),
        ("age", "type", 17),
        ("pick", "choices", 22),
        ("pick", "relevant", 23),
        ("calc_b", "calculation", 29),
        ("later", "relevant", 40),
        ("later", "constraint", 39),
        ("calc_c", "calculation", 32),
        ("sc", "items", 43),
        ("sc", "reverse", 44),
    }


def test_messages_name_what_is_wrong():
    messages = [p.message for p in problems_of(BAD)]
    assert "calculations form a cycle: calc_c → calc_d → calc_c" in messages
    assert any(m.startswith("unknown question type 'slider'; known types: calculated,")
               for m in messages)
    assert "calculation has a syntax error at column 14: unexpected end of expression" in messages
    assert "item 'b1' has 2 thresholds; its 2 categories need 1" in messages
    assert "label has no 'cy' translation" in messages


MINIMAL = {"key": "mini", "title": "Mini",
           "sections": [{"key": "p", "questions": [{"key": "q", "type": "text", "label": "Q"}]}]}


def test_schema_problems_are_located():
    doc = json.loads(json.dumps(MINIMAL))
    del doc["sections"][0]["questions"][0]["type"]
    doc["sections"][0]["questions"][0]["key"] = "Bad Key"
    found = {(p.key, p.field) for p in problems_of(doc)}
    assert ("Bad Key", "type") in found and ("Bad Key", "key") in found


def test_invalid_yaml_gives_the_line():
    [problem] = problems_of("key: x\ntitle: [unclosed\nsections: []\n")
    assert problem.line == 3 and "not valid YAML" in problem.message


def test_duplicate_yaml_keys_are_reported():
    text = "key: dup\ntitle: A\ntitle: B\nsections:\n  - key: p\n    questions: []\n"
    assert [(p.field, p.line) for p in problems_of(text)] == [("title", 3)]


def test_size_limits():
    [problem] = problems_of(b"#" * (2 * 1024 * 1024 + 1))
    assert "limit is 2 MB" in problem.message
    doc = json.loads(json.dumps(MINIMAL))
    doc["sections"][0]["questions"] = [{"key": f"q{i}", "type": "text", "label": "Q"}
                                       for i in range(2001)]
    assert [p.message for p in problems_of(doc)] == [
        "the instrument has 2001 questions; the limit is 2000"]


def test_yes_and_no_stay_words():
    inst = load_instrument("key: yn\ntitle: T\nchoice_lists:\n  yn:\n"
                           "    - {value: yes, label: Yes}\n    - {value: no, label: No}\n"
                           "sections:\n  - key: p\n    questions:\n"
                           "      - {key: q, type: single_choice, label: Q, choices: yn}\n")
    assert [(c.value, c.label.get("en")) for c in inst.choice_list("yn").choices] == [
        ("yes", "Yes"), ("no", "No")]


ALL_TYPES = """\
key: everything
title: {en: Everything, cy: Popeth}
languages: [en, cy]
choice_lists:
  agree:
    - {value: "1", label: {en: No, cy: Na}, score: 0}
    - {value: "2", label: {en: Yes, cy: Ie}, score: 1.5, region: north}
sections:
  - key: one
    title: {en: One, cy: Un}
    questions:
      - {key: c, type: consent, label: {en: "OK?", cy: "Iawn?"}, required: true}
      - {key: s, type: single_choice, label: {en: S, cy: S}, choices: agree, other: true,
         choice_filter: "region = 'north' or name = '1'"}
      - {key: m, type: multiple_choice, label: {en: M, cy: M}, choices: agree, min_selected: 1}
      - {key: l, type: likert, label: {en: L, cy: L}, choices: agree,
         nonsubstantive: [dont_know]}
      - {key: r, type: rating, label: {en: R, cy: R}, relevant: "${c} = 'yes'"}
      - {key: n, type: number, label: {en: "N ${r}", cy: N}, min: 0, max: 9.5,
         unit: {en: kg, cy: kg}, constraint: ". != 3", constraint_message: {en: No, cy: Na}}
      - {key: t, type: text, label: {en: T, cy: T}, max_length: 80}
      - {key: lt, type: long_text, label: {en: LT, cy: LT}}
      - {key: st, type: story, label: {en: St, cy: St}, outcome_harvest: true}
      - {key: d, type: date, label: {en: D, cy: D}, min: 2020-01-01}
      - {key: rk, type: ranking, label: {en: Rk, cy: Rk}, choices: agree, top: 1}
      - {key: mx, type: matrix, label: {en: Mx, cy: Mx}, choices: agree,
         rows: [{key: r1, label: {en: R1, cy: R1}}]}
      - {key: nt, type: note, label: {en: Nt, cy: Nt}}
      - {key: ca, type: calculated, calculation: "${n} * 2"}
      - {key: dy, type: dyad, label: {en: Dy, cy: Dy}, left: {en: a, cy: a},
         right: {en: b, cy: b}}
      - {key: tr, type: triad, label: {en: Tr, cy: Tr},
         corners: [{en: a, cy: a}, {en: b, cy: b}, {en: c, cy: c}]}
      - {key: da, type: dot_allocation, label: {en: Da, cy: Da}, choices: agree, budget: 5}
      - {key: vg, type: value_grid, label: {en: Vg, cy: Vg}, max_items: 10}
  - key: cat
    adaptive: bank
scales:
  - {key: sc, items: [l, r], method: mean, reverse: [l], item_min: 0, item_max: 10,
     min_answered: 1, missing: prorate, lookup: {0: 1.0, 2.5: 3.0}}
item_banks:
  - key: bank
    categories: agree
    rule: {min_items: 1, max_items: 2, max_se: 0.4}
    items:
      - {key: b1, label: {en: B1, cy: B1}, slope: 1.7, thresholds: [0.25]}
"""


@pytest.mark.parametrize("source", [ALL_TYPES, *LIBRARY], ids=lambda s: getattr(s, "name", "all"))
def test_load_of_dump_gives_back_the_same_instrument(source):
    inst = load_instrument(source)
    text = dump_instrument(inst)
    assert load_instrument(text) == inst
    assert dump_instrument(load_instrument(text)) == text
    assert Instrument.from_dict(json.loads(json.dumps(inst.to_dict()))) == inst


def test_json_text_and_plain_strings_load():
    inst = load_instrument(json.dumps(MINIMAL))
    assert inst.title == Text(en="Mini")
    assert inst.question("q").label.get("en") == "Q"


def test_dates_in_yaml_become_iso_text():
    inst = load_instrument(ALL_TYPES)
    assert inst.question("d").settings["min"] == "2020-01-01"
    assert inst.item_bank("bank").item("b1").thresholds == (0.25,)
    assert inst.scale("sc").lookup == {0.0: 1.0, 2.5: 3.0}

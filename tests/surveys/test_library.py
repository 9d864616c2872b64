"""The instrument library: every instrument loads, round-trips, scores as its authors
describe, and survives a trip through XLSForm."""

from __future__ import annotations

import pytest
from pyxform.xls2xform import convert

from surveys.formats import dump_instrument, load_instrument
from surveys.formats.xlsform import export_xlsform, import_xlsform
from surveys.library import list_library, load_library_instrument
from surveys.scoring import score_scale

KEYS = ["ons-loneliness", "ons4", "participation-agency", "staff-change", "story-and-value"]


def test_library_lists_every_instrument_with_licence_and_credit():
    entries = {e.key: e for e in list_library()}
    assert sorted(entries) == KEYS
    assert entries["ons4"].licence == "Open Government Licence v3.0"
    assert "Office for National Statistics" in entries["ons-loneliness"].credit
    assert all(entries[k].licence == "CC BY 4.0"
               for k in ("participation-agency", "staff-change", "story-and-value"))
    assert all(e.path.exists() and e.title for e in entries.values())


def test_unknown_library_key_is_a_key_error():
    with pytest.raises(KeyError):
        load_library_instrument("wemwbs")


@pytest.mark.parametrize("key", KEYS)
def test_library_instrument_loads_and_round_trips(key):
    instrument = load_library_instrument(key)
    assert instrument.key == key
    assert instrument.licence and instrument.source
    assert load_instrument(dump_instrument(instrument)) == instrument


@pytest.mark.parametrize("key", KEYS)
def test_library_instrument_exports_to_valid_xlsform_and_back(key):
    instrument = load_library_instrument(key)
    data = export_xlsform(instrument)
    result = convert(data, file_type=".xlsx")  # raises PyXFormError if invalid
    assert "<h:title>" in result.xform
    assert import_xlsform(data, filename=f"{key}.xlsx") == instrument


def test_ons4_keeps_the_four_measures_separate_and_documents_the_thresholds():
    ons4 = load_library_instrument("ons4")
    ratings = [q for q in ons4.questions() if q.type == "rating"]
    assert [q.key for q in ratings] == ["life_satisfaction", "worthwhile", "happiness",
                                        "anxiety"]
    assert all((q.settings["min"], q.settings["max"]) == (0, 10) for q in ratings)
    assert ons4.scales == ()
    description = ons4.text(ons4.description)
    assert "low 0-4, medium 5-6" in description and "high 6-10" in description


def test_ons_loneliness_score_is_the_3_to_9_sum_and_needs_all_three_items():
    inst = load_library_instrument("ons-loneliness")
    scale = inst.scale("loneliness_ucla3")
    answers = {"lack_companionship": "2", "left_out": "3", "isolated": "1"}
    assert score_scale(scale, answers, instrument=inst).value == 6
    assert score_scale(scale, dict.fromkeys(answers, "3"), instrument=inst).value == 9
    assert score_scale(scale, dict.fromkeys(answers, "1"), instrument=inst).value == 3
    assert score_scale(scale, {"lack_companionship": "2", "left_out": "3"},
                       instrument=inst).value is None


def test_participation_score_is_a_mean_with_one_reversed_item_and_seven_needed():
    inst = load_library_instrument("participation-agency")
    scale = inst.scale("participation")
    answers = {"pa_involved": "4", "pa_welcome": "5", "pa_heard": "3", "pa_speak_up": "4",
               "pa_decisions": "2", "pa_left_out": "4", "pa_can_act": "3", "pa_change": "5",
               "pa_belong": "4", "pa_support": "3"}
    # pa_left_out 4 reverses to 2: (4+5+3+4+2+2+3+5+4+3) / 10
    assert score_scale(scale, answers, instrument=inst).value == pytest.approx(3.5)
    seven = {k: answers[k] for k in list(answers)[:7]}
    assert score_scale(scale, seven, instrument=inst).value == pytest.approx(23 / 7)
    six = {k: answers[k] for k in list(answers)[:6]}
    assert score_scale(scale, six, instrument=inst).value is None


def test_agency_bank_has_28_items_with_plausible_ordered_grm_parameters():
    inst = load_library_instrument("participation-agency")
    bank = inst.item_bank("agency")
    assert len(bank.items) == 28
    assert len(inst.choice_list(bank.categories).choices) == 5
    for item in bank.items:
        assert 1.0 <= item.slope <= 2.8
        assert len(item.thresholds) == 4
        assert list(item.thresholds) == sorted(item.thresholds)
        assert item.thresholds[0] >= -2.5 and item.thresholds[-1] <= 2.5
    assert "PROVISIONAL" in inst.text(inst.description)
    assert inst.section("agency_adaptive").adaptive == "agency"


def test_staff_voice_score_is_a_prorated_sum_with_the_worry_item_reversed():
    inst = load_library_instrument("staff-change")
    scale = inst.scale("voice_ownership")
    answers = {"sc_safe_speak": "4", "sc_listened": "3", "sc_worry": "2", "sc_own": "5",
               "sc_shaped": "4", "sc_proud": "5"}
    # sc_worry 2 reverses to 4: 4+3+4+5+4+5
    assert score_scale(scale, answers, instrument=inst).value == 25
    four = {k: answers[k] for k in ("sc_safe_speak", "sc_listened", "sc_worry", "sc_own")}
    assert score_scale(scale, four, instrument=inst).value == pytest.approx(16 / 4 * 6)
    three = {k: answers[k] for k in ("sc_safe_speak", "sc_listened", "sc_worry")}
    assert score_scale(scale, three, instrument=inst).value is None
    roles = inst.question("sc_roles")
    assert roles.type == "multiple_choice" and roles.other


def test_story_and_value_has_the_participatory_question_types():
    inst = load_library_instrument("story-and-value")
    types = {q.key: q.type for q in inst.questions()}
    assert types["story"] == "story" and inst.question("story").settings["outcome_harvest"]
    assert types["about_me_us"] == "dyad" and types["change_triad"] == "triad"
    assert types["value_grid"] == "value_grid" and types["intended"] == "single_choice"
    corners = [c["en"] for c in inst.question("change_triad").settings["corners"]]
    assert corners == ["health", "connection", "power"]

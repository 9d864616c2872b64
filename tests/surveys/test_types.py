"""Every question type: what a respondent's input becomes, the exact message when it is
refused, how it is stored and read back, and the numbers analysis gets."""

import pytest

from surveys.model import Choice, ChoiceList, Instrument, Question, Section, Text
from surveys.types import (
    QUESTION_TYPES,
    AnswerError,
    StoredValue,
    dots_status,
    get_type,
    is_nonsubstantive,
)


def opts(*values: str) -> tuple[Choice, ...]:
    return tuple(Choice(v, Text(en=v.title())) for v in values)


AGREE = ChoiceList("agree", tuple(Choice(str(i), Text(en=f"point {i}")) for i in range(1, 6)))


def q(qtype: str, **kw) -> Question:
    settings = kw.pop("settings", {})
    return Question(key="q", type=qtype, label=Text(en="Q"), settings=settings, **kw)


INST = Instrument(key="t", title=Text(en="T"), choice_lists=(AGREE,),
                  sections=(Section("s", questions=(q("likert", choices="agree"),)),))

COLOURS = q("single_choice", choices=opts("red", "blue"))
COLOURS_OTHER = q("single_choice", choices=opts("red", "blue"), other=True)
MULTI = q("multiple_choice", choices=opts("a", "b", "c", "d"),
          settings={"min_selected": 1, "max_selected": 3})
AGE = q("number", settings={"min": 0, "max": 120, "integer": True})
HOURS = q("number", settings={"min": 0, "max": 24})
RANK_ALL = q("ranking", choices=opts("x", "y", "z"))
RANK_TOP = q("ranking", choices=opts("x", "y", "z"), settings={"top": 2})
GRID = q("matrix", choices="agree", settings={"rows": [{"key": "r1", "label": {"en": "One"}},
                                                       {"key": "r2", "label": {"en": "Two"}}]})
DOTS = q("dot_allocation", choices=opts("parks", "clinics", "schools"), settings={"budget": 10})
STORY = q("story", settings={"outcome_harvest": True})
WHEN = q("date", settings={"min": "2020-01-01", "max": "2030-12-31"})

VALID = [
    (COLOURS, "red", "red"),
    (COLOURS, " blue ", "blue"),
    (COLOURS_OTHER, {"value": "other", "other_text": " a bike "},
     {"value": "other", "other_text": "a bike"}),
    (MULTI, ["c", "a"], ["a", "c"]),
    (MULTI, "a b", ["a", "b"]),
    (q("likert", choices="agree"), 4, "4"),
    (q("rating"), "7", 7),
    (q("rating"), 0, 0),
    (AGE, "42", 42),
    (AGE, 42.0, 42),
    (HOURS, "7.5", 7.5),
    (q("text"), "  hello  ", "hello"),
    (q("long_text"), "para\n\npara", "para\n\npara"),
    (STORY, {"text": "We opened a clinic", "intended": "partly"},
     {"text": "We opened a clinic", "intended": "partly"}),
    (q("story"), "Just a story", {"text": "Just a story"}),
    (WHEN, "2024-02-29", "2024-02-29"),
    (RANK_ALL, ["z", "x", "y"], ["z", "x", "y"]),
    (RANK_TOP, ["y"], ["y"]),
    (GRID, {"r1": "5", "r2": 1}, {"r1": "5", "r2": "1"}),
    (q("consent"), "yes", True),
    (q("consent"), True, True),
    (q("dyad"), "0.25", 0.25),
    (q("triad"), [0.2, 0.3, 0.5], [0.2, 0.3, 0.5]),
    (DOTS, {"parks": "4", "clinics": 6}, {"parks": 4, "clinics": 6}),
    (DOTS, {"parks": 3, "schools": 0}, {"parks": 3}),
    (q("value_grid"), [{"box": "calibrate", "visibility": "invisible", "note": "trust"}],
     [{"box": "calibrate", "visibility": "invisible", "note": "trust"}]),
    (q("calculated"), 3.5, 3.5),
]


@pytest.mark.parametrize(("question", "raw", "expected"), VALID)
def test_valid_answers_are_normalised(question, raw, expected):
    assert get_type(question.type).normalise(question, raw, instrument=INST) == expected


INVALID = [
    (COLOURS, "green", "Choose one of the options shown"),
    (COLOURS, ["red"], "Choose one of the options shown"),
    (COLOURS, "other", "Choose one of the options shown"),
    (COLOURS_OTHER, {"value": "other", "other_text": "  "}, "Say what your other answer is in "
                                                          "the box"),
    (MULTI, ["a", "b", "c", "d"], "Choose no more than 3 options"),
    (MULTI, ["a", "zzz"], "Choose only from the options shown"),
    (MULTI, {"value": 7}, "Choose only from the options shown"),
    (q("multiple_choice", choices=opts("a", "b", "c"), settings={"min_selected": 2}), ["a"],
     "Choose at least 2 options"),
    (q("likert", choices="agree"), "6", "Choose one of the options shown"),
    (q("rating"), "11", "Choose a number from 0 to 10"),
    (q("rating"), "7.5", "Choose a number from 0 to 10"),
    (AGE, "130", "Enter a whole number between 0 and 120"),
    (AGE, "4.5", "Enter a whole number between 0 and 120"),
    (AGE, "forty", "Enter a whole number between 0 and 120"),
    (AGE, True, "Enter a whole number between 0 and 120"),
    (AGE, "nan", "Enter a whole number between 0 and 120"),
    (HOURS, "-1", "Enter a number between 0 and 24"),
    (q("number", settings={"min": 1}), "0", "Enter a number of at least 1"),
    (q("text"), "x" * 20_001, "Shorten your answer to 20,000 characters or fewer "
                              "(it has 20,001)"),
    (q("text"), {"a": 1}, "Enter text in this box"),
    (q("text", settings={"max_length": 5}), "toolong", "Shorten your answer to 5 characters "
                                                       "or fewer (it has 7)"),
    (STORY, {"text": "x", "intended": "maybe"}, "Choose yes, no or partly"),
    (q("story"), {"text": "x", "what_changed": "y"}, "This answer could not be read; please "
                                                     "answer again"),
    (WHEN, "2019-12-31", "Enter a date between 2020-01-01 and 2030-12-31"),
    (WHEN, "31/12/2024", "Enter a date as YYYY-MM-DD, for example 2024-03-31"),
    (WHEN, "2024-02-30", "Enter a date as YYYY-MM-DD, for example 2024-03-31"),
    (q("date", settings={"min": "2020-01-01"}), "2019-01-01",
     "Enter a date on or after 2020-01-01"),
    (RANK_ALL, ["x", "y"], "Put all 3 options in order"),
    (RANK_ALL, ["x", "x", "y"], "Each option can only be ranked once"),
    (RANK_TOP, ["x", "y", "z"], "Rank no more than 2 options"),
    (RANK_ALL, ["x", "y", "w"], "Put the options shown in order"),
    (GRID, {"r1": "9"}, "Choose one of the options shown in each row"),
    (GRID, {"r3": "1"}, "Choose one of the options shown in each row"),
    (q("matrix", choices="agree", required=True, settings=GRID.settings), {"r1": "1"},
     "Answer every row"),
    (q("consent"), "no", "Tick the box to agree before you continue"),
    (q("dyad"), "1.5", "Choose a point on the line"),
    (q("dyad"), "left", "Choose a point on the line"),
    (q("triad"), [0.5, 0.5, 0.5], "Place the dot inside the triangle"),
    (q("triad"), [1.2, -0.1, -0.1], "Place the dot inside the triangle"),
    (q("triad"), [0.5, 0.5], "Place the dot inside the triangle"),
    (DOTS, {"parks": 8, "clinics": 4}, "You have used 12 dots but only have 10 (2 too many)"),
    (DOTS, {"parks": -1}, "Dots cannot be negative"),
    (DOTS, {"parks": 1.5}, "Give each option a whole number of dots"),
    (DOTS, {"casino": 1}, "Choose one of the options shown"),
    (q("value_grid"), [{"box": "x", "visibility": "visible"}],
     "Choose calculate, calibrate or capacitate for item 1"),
    (q("value_grid"), [{"box": "calculate", "visibility": "hidden"}],
     "Say whether the value of item 1 is visible or invisible"),
    (q("value_grid"), [{"box": "calculate", "visibility": "visible", "note": "n" * 501}],
     "Shorten the note of item 1 to 500 characters or fewer (it has 501)"),
    (q("value_grid"), [{"box": "calculate", "visibility": "visible"}] * 21,
     "Add no more than 20 value items"),
    (q("value_grid"), "garbage", "Choose a box and whether the value is visible for each item"),
]


@pytest.mark.parametrize(("question", "raw", "message"), INVALID)
def test_invalid_answers_give_a_plain_message(question, raw, message):
    with pytest.raises(AnswerError) as caught:
        get_type(question.type).normalise(question, raw, instrument=INST)
    assert caught.value.message == message


def test_triad_sums_close_to_one_are_rescaled_exactly():
    value = get_type("triad").normalise(q("triad"), ["0.3334", "0.3334", "0.3334"])
    assert abs(sum(value) - 1.0) < 1e-6
    assert value[0] == pytest.approx(1 / 3)


@pytest.mark.parametrize("qtype", sorted(QUESTION_TYPES))
@pytest.mark.parametrize("raw", [None, "", "   ", [], {}])
def test_blank_input_means_no_answer(qtype, raw):
    question = q(qtype, choices=opts("a") if QUESTION_TYPES[qtype].uses_choices else None,
                 settings={"budget": 5} if qtype == "dot_allocation" else {})
    assert get_type(qtype).normalise(question, raw) is None


@pytest.mark.parametrize("qtype", sorted(QUESTION_TYPES))
@pytest.mark.parametrize("raw", [object(), 10**400, ["a"] * 50, {"x": {"y": []}}, "\x00" * 30,
                                 float("inf"), -5, "x" * 30_000])
def test_tampered_input_raises_only_answer_error(qtype, raw):
    question = q(qtype, choices=opts("a", "b") if QUESTION_TYPES[qtype].uses_choices else None,
                 settings={"budget": 5} if qtype == "dot_allocation" else {})
    try:
        get_type(qtype).normalise(question, raw)
    except AnswerError as error:
        assert error.message


def test_note_never_stores_and_is_not_answerable():
    note = get_type("note")
    assert note.normalise(q("note"), "anything") is None
    assert not note.answerable and not get_type("calculated").answerable
    assert get_type("text").answerable


def test_nonsubstantive_answers_are_valid_but_give_no_numbers():
    question = q("rating", nonsubstantive=("prefer_not_to_say", "dont_know"))
    rating = get_type("rating")
    assert rating.normalise(question, "dont_know") == "dont_know"
    assert rating.numbers(question, "dont_know") == {}
    stored = rating.storage(question, "dont_know")
    assert stored.number is None
    assert rating.load(question, stored) == "dont_know"
    assert is_nonsubstantive("prefer_not_to_say") and not is_nonsubstantive("7")
    with pytest.raises(AnswerError):
        rating.normalise(q("rating"), "dont_know")  # not offered by this question


ROUND_TRIP = [(question, expected) for question, _, expected in VALID
              if question.type != "calculated"] + [
    (q("calculated"), "label text"), (q("calculated"), True), (q("calculated"), 2.0),
    (MULTI, {"value": ["a", "other"], "other_text": "x"}),
]


@pytest.mark.parametrize(("question", "value"), ROUND_TRIP)
def test_storage_round_trip(question, value):
    qtype = get_type(question.type)
    stored = qtype.storage(question, value, instrument=INST)
    assert isinstance(stored, StoredValue)
    assert qtype.load(question, stored) == value


NUMBERS = [
    (q("likert", choices="agree"), "4", {"q": 4.0}),
    (q("likert", choices=(Choice("sa", Text(en="SA"), score=2.0),
                          Choice("a", Text(en="A")))), "a", {"q": 2.0}),
    (MULTI, ["a", "c"], {"q__a": 1.0, "q__b": 0.0, "q__c": 1.0, "q__d": 0.0}),
    (AGE, 42, {"q": 42.0}),
    (COLOURS, "red", {}),
    (COLOURS_OTHER, {"value": "other", "other_text": "x"}, {}),
    (RANK_ALL, ["z", "x", "y"], {"q__z": 1.0, "q__x": 2.0, "q__y": 3.0}),
    (GRID, {"r1": "5", "r2": "1"}, {"q__r1": 5.0, "q__r2": 1.0}),
    (q("triad"), [0.2, 0.3, 0.5], {"q__1": 0.2, "q__2": 0.3, "q__3": 0.5}),
    (DOTS, {"parks": 4}, {"q__parks": 4.0, "q__clinics": 0.0, "q__schools": 0.0}),
    (STORY, {"text": "t", "intended": "partly"}, {"q__intended": 0.5}),
    (q("consent"), True, {"q": 1.0}),
    (q("text"), "words", {}),
]


@pytest.mark.parametrize(("question", "value", "expected"), NUMBERS)
def test_numbers_for_analysis(question, value, expected):
    assert get_type(question.type).numbers(question, value, instrument=INST) == expected


def test_value_grid_numbers_count_each_cell():
    items = [{"box": "calculate", "visibility": "visible", "note": ""},
             {"box": "calculate", "visibility": "visible", "note": ""},
             {"box": "capacitate", "visibility": "invisible", "note": ""}]
    numbers = get_type("value_grid").numbers(q("value_grid"), items)
    assert numbers["q__calculate_visible"] == 2.0
    assert numbers["q__capacitate_invisible"] == 1.0
    assert sum(numbers.values()) == 3.0 and len(numbers) == 6


def form(data: dict[str, list[str]]):
    return lambda name: data.get(name, [])


FORMS = [
    (COLOURS_OTHER, {"q": ["other"], "q__other": ["scooter"]},
     {"value": "other", "other_text": "scooter"}),
    (MULTI, {"q": ["a", "d"]}, ["a", "d"]),
    (AGE, {"q": ["42"]}, 42),
    (RANK_ALL, {"q__1": ["y"], "q__2": ["z"], "q__3": ["x"]}, ["y", "z", "x"]),
    (GRID, {"q__r1": ["2"], "q__r2": ["3"]}, {"r1": "2", "r2": "3"}),
    (q("triad"), {"q__1": ["0.5"], "q__2": ["0.25"], "q__3": ["0.25"]}, [0.5, 0.25, 0.25]),
    (DOTS, {"q__parks": ["2"], "q__schools": ["3"]}, {"parks": 2, "schools": 3}),
    (STORY, {"q": ["It changed"], "q__for_whom": ["carers"]},
     {"text": "It changed", "for_whom": "carers"}),
    (q("value_grid"), {"q__1__box": ["calculate"], "q__1__visibility": ["visible"],
                       "q__2__box": ["calibrate"], "q__2__visibility": ["invisible"],
                       "q__2__note": ["respect"]},
     [{"box": "calculate", "visibility": "visible", "note": ""},
      {"box": "calibrate", "visibility": "invisible", "note": "respect"}]),
    (q("consent"), {"q": ["yes"]}, True),
    (q("rating", nonsubstantive=("dont_know",)), {"q": ["3"], "q__ns": ["dont_know"]},
     "dont_know"),
]


@pytest.mark.parametrize(("question", "fields", "expected"), FORMS)
def test_form_fields_are_parsed_and_normalised(question, fields, expected):
    qtype = get_type(question.type)
    raw = qtype.from_form(question, form(fields), instrument=INST)
    assert qtype.normalise(question, raw, instrument=INST) == expected


def test_dot_status_says_how_many_are_left():
    assert dots_status(DOTS, {"parks": 7}) == "You have 3 dots left"
    assert dots_status(DOTS, {"parks": 9}) == "You have 1 dot left"


SETTINGS = [
    (q("number", settings={"min": 10, "max": 1}), [("min", "min (10) is greater than max (1)")]),
    (q("dot_allocation", choices=opts("a"), settings={"budget": 0}),
     [("budget", "a dot allocation needs a budget of at least 1 dot")]),
    (q("dot_allocation", choices=opts("a")),
     [("budget", "a dot allocation needs a budget of at least 1 dot")]),
    (q("multiple_choice", choices=opts("a", "b"), settings={"min_selected": 3}),
     [("min_selected", "min_selected (3) is more than the 2 options")]),
    (q("text", settings={"budget": 3}),
     [("budget", "'budget' is not a setting of text questions (allowed: max_length)")]),
    (q("rating", settings={"min": "low"}), [("min", "must be a whole number")]),
    (q("triad", settings={"corners": [{"en": "a"}]}),
     [("corners", "a triad needs exactly three corners")]),
    (q("date", settings={"min": "2024-13-01"}), [("min", "min must be a date written "
                                                         "YYYY-MM-DD")]),
    (q("number", settings={"min": 0, "max": 5, "unit": {"en": "km"}}), []),
]


@pytest.mark.parametrize(("question", "problems"), SETTINGS)
def test_settings_are_checked(question, problems):
    assert get_type(question.type).check_settings(question) == problems


def test_unknown_type_lists_the_known_ones():
    with pytest.raises(KeyError, match="single_choice"):
        get_type("slider")

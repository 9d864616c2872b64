"""A respondent's path: relevance, pruning, piping, calculations, choice filters,
constraints and completeness."""

from datetime import date

from surveys.flow import Flow
from surveys.formats import load_instrument

DOC = """\
key: flow-demo
title: Flow demo
choice_lists:
  places:
    - {value: cardiff, label: Cardiff, country: wales}
    - {value: swansea, label: Swansea, country: wales}
    - {value: leeds, label: Leeds, country: england}
  countries:
    - {value: wales, label: Wales}
    - {value: england, label: England}
sections:
  - key: start
    questions:
      - {key: consent, type: consent, label: "Do you agree?", required: true}
      - {key: country, type: single_choice, label: Country, choices: countries}
      - key: town
        type: single_choice
        label: "Which town in ${country}?"
        choices: places
        choice_filter: "country = ${country}"
  - key: health
    relevant: "${consent} = 'yes'"
    questions:
      - {key: smoker, type: single_choice, label: "Smoke?", choices: countries, required: true}
      - key: cigs
        type: number
        label: "How many a day, ${name_hint}?"
        relevant: "${smoker} = 'wales'"
        required: true
        constraint: ". < 100"
        constraint_message: That seems too many
      - {key: doubled, type: calculated, calculation: "${half} * 4"}
      - {key: half, type: calculated, calculation: "${cigs} div 2"}
      - {key: name_hint, type: calculated, calculation: "'friend'"}
  - key: cat
    adaptive: bank
item_banks:
  - key: bank
    categories: countries
    items:
      - {key: b1, label: B1, slope: 1.0, thresholds: [0.0]}
"""

INST = load_instrument(DOC)


def flow(**answers) -> Flow:
    return Flow(INST, answers, today=date(2024, 1, 1))


def keys(f: Flow) -> list[tuple[str, list[str]]]:
    return [(p.key, [q.key for q in p.questions]) for p in f.pages()]


def test_hidden_section_hides_its_questions_but_adaptive_page_stays():
    f = flow()
    assert keys(f) == [("start", ["consent", "country", "town"]), ("cat", [])]
    assert f.pages()[-1].adaptive == "bank"
    assert f.next_page("start") == "cat"
    assert f.previous_page("cat") == "start"
    assert f.next_page(None) == "start"


def test_relevance_follows_answers():
    f = flow(consent=True, smoker="wales")
    assert keys(f)[1] == ("health", ["smoker", "cigs", "doubled", "half", "name_hint"])
    assert not flow(consent=True, smoker="england").is_visible("cigs")


def test_calculations_run_in_dependency_order():
    f = flow(consent=True, smoker="wales", cigs=10)
    assert f.calculate() == {"doubled": 20, "half": 5, "name_hint": "friend"}


def test_pruning_drops_answers_to_hidden_questions():
    f = flow(consent=True, smoker="england", cigs=10, b1="wales", stray=1)
    assert f.pruned_answers() == {"consent": True, "smoker": "england", "b1": "wales"}


def test_piping_shows_choice_labels_and_calculations():
    f = flow(consent=True, country="wales", smoker="wales")
    assert f.label(INST.question("town")) == "Which town in Wales?"
    assert f.label(INST.question("cigs")) == "How many a day, friend?"
    assert flow().label(INST.question("town")) == "Which town in ?"


def test_choice_filter_shows_matching_choices_only():
    f = flow(country="wales")
    assert [c.value for c in f.choices(INST.question("town"))] == ["cardiff", "swansea"]
    assert f.validate(INST.question("town"), "leeds") == "Choose one of the options shown"
    assert f.validate(INST.question("town"), "cardiff") is None


def test_constraint_message_and_completeness():
    f = flow(consent=True, smoker="wales", cigs=150)
    assert f.validate(INST.question("cigs"), 150) == "That seems too many"
    assert f.errors() == {"cigs": "That seems too many"}
    assert not f.is_complete()
    assert flow(consent=True, smoker="wales", cigs=15).is_complete()


def test_missing_required_lists_visible_questions_only():
    assert flow().missing_required() == ["consent"]
    assert flow(consent=True).missing_required() == ["smoker"]
    assert flow(consent=True, smoker="wales").missing_required() == ["cigs"]

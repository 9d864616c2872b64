"""The instrument model: multilingual text, look-ups and a lossless dict form."""

import json

import pytest

from surveys.model import (
    BankItem,
    Choice,
    ChoiceList,
    Instrument,
    ItemBank,
    Question,
    Scale,
    Section,
    Text,
)


def sample() -> Instrument:
    agree = ChoiceList("agree", (Choice("1", Text(en="No", cy="Na")),
                                 Choice("2", Text(en="Yes", cy="Ie"), score=5.0,
                                        extra={"region": "north"})))
    questions = (
        Question("mood", "likert", Text(en="Mood?", cy="Hwyl?"), choices="agree", required=True,
                 nonsubstantive=("dont_know",)),
        Question("pets", "single_choice", Text(en="Pets?", cy="Anifeiliaid?"),
                 choices=(Choice("cat", Text(en="Cat", cy="Cath")),), other=True,
                 relevant="${mood} = '2'"),
        Question("hours", "number", Text(en="Hours", cy="Oriau"), constraint=". < 20",
                 constraint_message=Text(en="Too many", cy="Gormod"),
                 settings={"min": 0, "max": 24.5, "unit": {"en": "h", "cy": "awr"}}),
        Question("total", "calculated", calculation="${hours} * 2", default=0),
    )
    return Instrument(
        key="demo", title=Text(en="Demo", cy="Demo"), languages=("en", "cy"),
        default_language="en", description=Text(en="D", cy="D"), licence="CC BY 4.0",
        choice_lists=(agree,),
        sections=(Section("one", Text(en="One", cy="Un"), questions=questions),
                  Section("cat", adaptive="bank")),
        scales=(Scale("s", ("mood",), method="mean", reverse=("mood",), item_min=1,
                      item_max=2, lookup={1.0: 0.0, 2.5: 9.0}, lookup_requires_all=False),),
        item_banks=(ItemBank("bank", "agree", (BankItem("b1", Text(en="B1", cy="B1"), 1.2,
                                                        (0.5,)),), rule={"max_items": 5}),),
    )


def test_to_dict_and_back_through_json_is_lossless():
    inst = sample()
    assert Instrument.from_dict(json.loads(json.dumps(inst.to_dict()))) == inst


def test_questions_are_found_by_key_in_page_order():
    inst = sample()
    assert [q.key for q in inst.questions()] == ["mood", "pets", "hours", "total"]
    assert inst.question("hours").settings["max"] == 24.5
    with pytest.raises(KeyError):
        inst.question("nope")


def test_choices_for_named_and_inline_lists():
    inst = sample()
    assert [c.value for c in inst.choices_for(inst.question("mood"))] == ["1", "2"]
    assert [c.value for c in inst.choices_for(inst.question("pets"))] == ["cat"]
    assert inst.choices_for(inst.question("hours")) == ()


def test_text_falls_back_to_another_language():
    text = Text(en="Hello", cy="Helo")
    assert text.get("cy", "en") == "Helo"
    assert text.get("fr", "en") == "Hello"
    assert Text(cy="Helo").get("fr", "en") == "Helo"
    assert Text().get("en") == ""
    assert Text.of("Plain", "cy") == Text(cy="Plain")
    assert hash(Text(en="a", cy="b")) == hash(Text(cy="b", en="a"))


def test_choice_numbers_use_score_then_value_then_position():
    assert Choice("x", Text(en="X"), score=2.0).number(7) == 2.0
    assert Choice("4", Text(en="4")).number(7) == 4.0
    assert Choice("often", Text(en="Often")).number(3) == 3.0


def test_bank_items_are_found_by_key():
    bank = sample().item_bank("bank")
    assert bank.item("b1").thresholds == (0.5,)
    with pytest.raises(KeyError):
        bank.item("b9")

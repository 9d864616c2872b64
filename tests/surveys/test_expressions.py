"""The survey expression language: what form designers write and what respondents see."""

from datetime import date

import pytest

from surveys.expressions import ExpressionError, check, interpolate, parse

TODAY = date(2024, 6, 1)
ANSWERS = {
    "age": "18",  # XLSForm stores numbers as text
    "years": 18,
    "zero": 0,
    "name": "Ada",
    "blank": "",
    "missing": None,
    "topics": ["housing", "food"],
    "topics_text": "housing food",
    "nothing": [],
    "born": "2000-06-02",
    "consent": True,
    "score": 2.5,
}


def value(text, *, this=None, answers=ANSWERS):
    return parse(text).evaluate(answers, this=this, today=TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # arithmetic and precedence
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("7 div 2", 3.5),
        ("6 div 2 * 3", 9),
        ("7 mod 3", 1),
        ("-7 mod 3", -1),
        ("-(2 + 3)", -5),
        ("- -4", 4),
        (".5 + 1", 1.5),
        ("1 div 0", None),
        ("5 mod 0", None),
        ("999999999999999 * 999999999999999", None),
        # comparisons
        ("2 < 3", True),
        ("3 <= 3", True),
        ("3 > 3", False),
        ("3 >= 4", False),
        ("1 = 1.0", True),
        ("1 != 2", True),
        ("'a' = 'a'", True),
        ("'a' != 'b'", True),
        ("'b' > 'a'", False),  # text is only compared for (in)equality, as in XPath
        # logic
        ("1 < 2 and 2 < 3", True),
        ("1 > 2 or 2 > 3", False),
        ("1 > 2 or 2 < 3 and 3 < 4", True),
        ("not(1 > 2)", True),
        ("true() and not(false())", True),
        # strings, both quote styles, no escapes
        ("\"say 'hi'\"", "say 'hi'"),
        ("concat('a', \"b\")", "ab"),
        # keywords inside names and function names with hyphens
        ("count-selected(${topics})-1", 1),
        ("${years}-1", 17),
        ("(((((((((((1)))))))))))", 1),
        ("1 or(0)", True),
    ],
)
def test_grammar_cases_evaluate(text, expected):
    assert value(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("1 +", "unexpected end of expression", 4),
        ("(1))", "unexpected ')'", 4),
        ("${age} > ", "unexpected end of expression", 9),
        ("${ age} > 17", "unexpected '$' (a question reference looks like ${key})", 1),
        ("${age} = 'yes", 'unexpected "\'" (a text value needs a closing quote)', 10),
        ("1 2", "unexpected '2'", 3),
        ("selected(${q}, )", "unexpected ')'", 16),
        ("${a} == 1", "unexpected '='", 7),
        ("1 # 2", "unexpected '#'", 3),
        ("'it''s'", "unexpected \"'s'\"", 5),  # XPath has no quote escapes
    ],
)
def test_syntax_errors_give_message_and_column(text, message, column):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.message == message
    assert caught.value.column == column
    assert caught.value.text == text
    assert str(caught.value) == f"syntax error at column {column}: {message}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expression is empty"),
        ("foo(1)", "unknown function 'foo' (known: abs, boolean, boolean-from-string, "),
        ("selected(${q})", "selected() takes 2 arguments, got 1"),
        ("not()", "not() takes 1 argument, got 0"),
        ("today(1)", "today() takes no arguments, got 1"),
        ("round(1, 2, 3)", "round() takes 1 or 2 arguments, got 3"),
        ("concat()", "concat() takes at least 1 argument, got 0"),
        ("if(1, 2)", "if() takes 3 arguments, got 2"),
        ("1" * 2001, "expression is too long (2,001 characters; the limit is 2,000)"),
        ("-" * 60 + "1", "expression is nested too deeply (the limit is 50 levels)"),
        ("99999999999999999", "the number 99999999999999999 is too large"),
    ],
)
def test_structural_errors_are_reported_at_parse_time(text, message):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert str(caught.value).startswith(message)
    assert caught.value.column is None


def test_long_chains_and_many_parentheses_are_not_depth():
    assert value(" + ".join(["1"] * 300)) == 300
    assert value("(" * 900 + "1" + ")" * 900) == 1


@pytest.mark.parametrize(
    ("text", "answers", "expected"),
    [
        ("${x} = ''", {"x": None}, True),
        ("${x} = ''", {}, True),
        ("${x} = ''", {"x": ""}, True),
        ("${x} = ''", {"x": []}, True),
        ("${x} = ''", {"x": "yes"}, False),
        ("${x} != ''", {"x": None}, False),
        ("${x} != ''", {"x": ""}, False),
        ("${x} != ''", {"x": "yes"}, True),
        ("${x} != ''", {"x": 0}, True),
        ("'' = ${x}", {"x": None}, True),
    ],
)
def test_xlsform_empty_string_idiom(text, answers, expected):
    assert value(text, answers=answers) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${age} > 17", True),
        ("${years} > 17", True),
        ("${age} = 18", True),
        ("${age} = ${years}", True),
        ("${age} + 1", 19),
        ("${age} * ${score}", 45.0),
        ("'10' > '9'", True),  # both look numeric: compared as numbers, not text
        ("${name} > 3", False),
        ("${name} + 1", None),
        ("${consent} = true()", True),
        ("${consent} + 1", 2),
        ("${born} < today()", True),
        ("today() - ${born}", 8765),
        ("int((today() - ${born}) div 365.25)", 23),
    ],
)
def test_numeric_text_and_dates_behave_as_numbers(text, expected):
    assert value(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "${missing} + 1",
        "-${missing}",
        "${missing} * 0",
        "${unknown} div 2",
        "${nothing} + 1",
        "sum(${missing}, 1)",
        "min(${missing}, 1)",
        "int(${missing})",
        "round(${missing})",
        "number(${missing})",
        "abs(${missing})",
    ],
)
def test_missing_answers_propagate_as_none(text):
    assert value(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "${missing} > 1",
        "${missing} < 1",
        "${missing} = 0",
        "${missing} != 0",
        "${missing} = 'yes'",
        "${missing} != 'yes'",
        "${missing} >= ${missing}",
    ],
)
def test_comparisons_with_missing_answers_are_false(text):
    assert value(text) is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("selected(${topics}, 'food')", True),
        ("selected(${topics}, 'fo')", False),
        ("selected(${topics_text}, 'housing')", True),
        ("selected(${missing}, 'food')", False),
        ("count-selected(${topics})", 2),
        ("count-selected(${topics_text})", 2),
        ("count-selected(${missing})", 0),
        ("selected-at(${topics}, 0)", "housing"),
        ("selected-at(${topics}, 5)", ""),
        ("if(${years} >= 18, 'adult', 'child')", "adult"),
        ("if(${missing}, 'yes', 'no')", "no"),
        ("coalesce(${missing}, ${blank}, 'fallback')", "fallback"),
        ("coalesce(${name}, 'fallback')", "Ada"),
        ("coalesce(${missing}, ${blank})", None),
        ("string-length(${name})", 3),
        ("string-length(${missing})", 0),
        ("regex(${name}, '^[A-Z][a-z]+$')", True),
        ("regex('07123 456789', '^0\\d{4} ?\\d{6}$')", True),
        ("regex('abc', '^\\d+$')", False),
        ("today()", TODAY),
        ("int(3.9)", 3),
        ("int(-3.9)", -3),
        ("int('7')", 7),
        ("round(2.5)", 3),
        ("round(-2.5)", -3),
        ("round(3.14159, 2)", 3.14),
        ("round(1234, -2)", 1200),
        ("number('3.5')", 3.5),
        ("number('three')", None),
        ("string(3.0)", "3"),
        ("string(${topics})", "housing food"),
        ("string(${consent})", "true"),
        ("concat(${name}, ' is ', ${years})", "Ada is 18"),
        ("min(3, 1, 2)", 1),
        ("max(${age}, 3, 20.5)", 20.5),
        ("sum(1, 2, 3.5)", 6.5),
        ("sum(${age}, ${years})", 36),
        ("abs(-3)", 3),
        ("boolean(${zero})", False),
        ("boolean(${name})", True),
        ("boolean-from-string('true')", True),
        ("boolean-from-string('yes')", False),
        ("contains(${name}, 'd')", True),
        ("starts-with(${name}, 'A')", True),
        ("ends-with(${name}, 'x')", False),
        ("substr('hello', 1, 3)", "el"),
        ("substr('hello', 2)", "llo"),
        ("not(${consent})", False),
        ("true()", True),
        ("false()", False),
    ],
)
def test_every_function(text, expected):
    result = value(text)
    assert result == expected
    assert type(result) is type(expected)


def test_current_value_and_choice_fields():
    assert parse(". >= 0 and . <= 10").evaluate({}, this=7) is True
    assert parse(". >= 0").evaluate({}, this=None) is False
    choice = {"name": "cardiff", "region": "wales"}
    row_filter = parse("region = ${region} and name != ${home}")
    assert row_filter.evaluate({"region": "wales", "home": "swansea"}, this=choice) is True
    assert row_filter.evaluate({"region": "england", "home": "x"}, this=choice) is False


def test_text_results_are_capped():
    huge = {"x": "y" * 9000}
    assert len(value("concat(${x}, ${x}, ${x})", answers=huge)) == 10_000


def test_references_lists_the_question_keys():
    expression = parse("${a} > 1 and selected(${b}, 'x') or ${a} = . or region = 'w'")
    assert expression.references == frozenset({"a", "b"})
    assert expression.text.startswith("${a}")


def test_parse_is_cached():
    assert parse("${a} + 1") is parse("${a} + 1")


@pytest.mark.parametrize(
    ("text", "allow_this", "message"),
    [
        ("${agee} > 17", False, "refers to unknown question ${agee} (did you mean ${age}?)"),
        ("${zzz} > 17", False, "refers to unknown question ${zzz}"),
        (
            ". > 1",
            False,
            "'.' (the current answer) can only be used in a constraint or choice filter",
        ),
        ("age > 17", True, "unknown name 'age': a question is referred to as ${age}"),
        ("'a' + 1", False, "type error: cannot add text and a number"),
        ("${age} - 'a'", False, "type error: cannot subtract an answer and text"),
        ("concat('a', 'b') * 2", False, "type error: cannot multiply text and a number"),
        ("-'a'", False, "type error: cannot negate text"),
        ("'abc' < 3", False, "type error: cannot compare text and a number"),
        ("round('x')", False, "type error: round() needs numbers, not text"),
        ("not()", False, "not() takes 1 argument, got 0"),
    ],
)
def test_check_reports_design_mistakes(text, allow_this, message):
    with pytest.raises(ExpressionError) as caught:
        check(text, known_keys={"age", "name"}, allow_this=allow_this)
    assert str(caught.value) == message
    assert caught.value.text == text


@pytest.mark.parametrize(
    "text",
    [
        ". >= 0 and . <= ${age}",
        "'3' + 1",
        "if(${age} > 1, 'a', 'b') = 'a'",
        "today() - '2020-01-01'",
        "regex(., '^[0-9]{10}$')",
    ],
)
def test_check_accepts_sound_expressions(text):
    expression = check(text, known_keys={"age"}, allow_this=True)
    assert expression.text == text


def test_check_allows_declared_choice_fields():
    expression = check(
        "filter = ${region}", known_keys={"region"}, allow_this=True, choice_fields={"filter"}
    )
    assert expression.references == frozenset({"region"})


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Hello ${name}!", "Hello Ada!"),
        ("You chose ${topics}.", "You chose housing, food."),
        ("[${missing}] [${unknown}]", "[] []"),
        ("Age ${years}, score ${score}", "Age 18, score 2.5"),
        ("Consent: ${consent}", "Consent: true"),
        ("Costs $5 {each} ${ name}", "Costs $5 {each} ${ name}"),
        ("No ${name} and ${name} (${age} + 1)", "No Ada and Ada (18 + 1)"),
    ],
)
def test_interpolate_pipes_answers_into_labels(label, expected):
    assert interpolate(label, ANSWERS) == expected


def test_interpolate_output_is_capped():
    assert len(interpolate("${x} " * 100, {"x": "y" * 1000})) == 10_000

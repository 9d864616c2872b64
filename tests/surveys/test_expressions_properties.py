"""Property tests: whatever a designer types and whatever a respondent answers, the
expression language either gives a value or an ExpressionError, and finishes quickly."""

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys._expr_functions import FUNCTIONS
from surveys.expressions import ExpressionError, check, interpolate, parse

KEYS = ["a", "b", "c", "long_key"]
OPERATORS = ["+", "-", "*", "div", "mod", "=", "!=", "<", "<=", ">", ">=", "and", "or"]

answers = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
    st.sampled_from(["18", " 3.5 ", "-0", "2024-02-30", "2020-01-01", "1e999", "nan", "9" * 5000]),
    st.lists(st.sampled_from(["x", "y", "z", "3"]), max_size=4),
    st.dates(),
)
answer_dicts = st.dictionaries(st.sampled_from(KEYS), answers)

atoms = st.one_of(
    st.integers(min_value=0, max_value=10**18).map(str),
    st.floats(min_value=0, allow_nan=False, allow_infinity=False).map(lambda x: f"{x:f}"),
    st.text(alphabet="abc 12.-", max_size=8).map(lambda s: f"'{s}'"),
    st.sampled_from(KEYS).map(lambda key: "${" + key + "}"),
    st.just("."),
    st.sampled_from(["x", "region", "and", "div"]),
)


def calls(children):
    def call(pair):
        name, arguments = pair
        return f"{name}({', '.join(arguments)})"

    return st.tuples(st.sampled_from(sorted(FUNCTIONS)), st.lists(children, max_size=4)).map(call)


expressions = st.recursive(
    atoms,
    lambda children: st.one_of(
        st.tuples(children, st.sampled_from(OPERATORS), children).map(" ".join),
        children.map(lambda e: f"({e})"),
        children.map(lambda e: f"-{e}"),
        calls(children),
    ),
    max_leaves=25,
)
texts = st.one_of(
    expressions, st.text(max_size=80), st.text(alphabet="()${}.'\"-+*=<>!, ab1", max_size=80)
)


def run_everything(text, values, this):
    """parse, check and evaluate; only ExpressionError may escape."""
    try:
        expression = parse(text)
    except ExpressionError as error:
        assert error.message
        assert error.column is None or 1 <= error.column <= len(text) + 1
        return
    try:
        check(text, known_keys=KEYS, allow_this=True, choice_fields=["region"])
    except ExpressionError as error:
        assert error.message
    assert expression.references <= set(KEYS)
    try:
        result = expression.evaluate(values, this=this, today=date(2024, 1, 1))
    except ExpressionError:
        return
    if isinstance(result, int | float) and not isinstance(result, bool):
        assert abs(result) <= 1e15
    if isinstance(result, str):
        assert len(result) <= 10_000


@settings(max_examples=200, deadline=None)
@given(texts, answer_dicts, answers)
def test_only_expression_errors_escape(text, values, this):
    run_everything(text, values, this)


@settings(max_examples=200, deadline=None)
@given(expressions, answer_dicts, answers)
def test_grammar_aware_expressions_only_raise_expression_errors(text, values, this):
    run_everything(text, values, this)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200), answer_dicts)
def test_interpolate_never_fails_and_keeps_plain_text(label, values):
    result = interpolate(label, values)
    if "${" not in label:
        assert result == label[:10_000]


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=10_000), st.sampled_from(["(", "-", "not(", "if(0,2,"]))
def test_deep_nesting_gives_an_error_or_a_value(depth, opener):
    closer = ")" if opener != "-" else ""
    text = opener * depth + "1" + closer * depth
    try:
        result = parse(text).evaluate({})
    except ExpressionError as error:
        assert "too long" in error.message or "nested too deeply" in error.message
    else:
        assert result in (1, -1, True, False)


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from(["(a+)+$", "(a|aa)*$", "(a*)*b", "a*a*a*a*a*$", "(.*a){20}", "(\\w+\\s?)+$"]),
    st.integers(min_value=0, max_value=3000),
)
def test_evil_regexes_finish(pattern, length):
    expression = parse(f"regex(., '{pattern}')")
    result = expression.evaluate({}, this="a" * length + "!")
    assert result in (True, False, None)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.integers(), st.floats(), st.text(alphabet="0123456789.e-", max_size=400)))
def test_huge_numbers_never_overflow(number):
    for text in ["${a} * ${a} * ${a}", "round(${a}, 15)", "int(${a}) + 1", "sum(${a}, ${a})"]:
        result = parse(text).evaluate({"a": number})
        assert result is None or abs(result) <= 1e15


SAFE_PATTERNS = [
    "^[0-9]{3}$",
    "^a?b+c*$",
    "(ab|ba)+",
    "^[^ab]*$",
    "a{2,3}",
    "a{0,2}b",
    "^(x|y|)z$",
    "[a-c]+-[0-9]",
    "\\d\\s?\\w",
    "^.$",
    "(?:ab)*c",
    "colou?r",
    "[]a]",
    "a\\.b",
    "^$",
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SAFE_PATTERNS), st.text(alphabet="abcxyz0129 -.]\n", max_size=12))
def test_regex_agrees_with_python_re_on_short_texts(pattern, text):
    # RE2's ``$`` is the end of the text, Python's also matches before a final newline:
    # an answer "123\n" must not pass ``^[0-9]{3}$``, so compare with Python's ``\Z``.
    reference = re.search(pattern.replace("$", r"\Z"), text)
    assert parse(f"regex(., '{pattern}')").evaluate({}, this=text) == bool(reference)


def test_regex_dollar_does_not_accept_a_trailing_newline():
    assert parse("regex(., '^[0-9]{3}$')").evaluate({}, this="123\n") is False


def test_regex_cannot_be_made_to_backtrack():
    evil = parse("regex(., '(a+)+$')")
    assert evil.evaluate({}, this="a" * 5000 + "b") is False
    assert parse("regex(., 'a*a*a*a*c')").evaluate({}, this="a" * 3000) is False


def test_regex_refuses_unsupported_syntax_with_a_reason():
    with pytest.raises(ExpressionError, match="backreferences"):
        check("regex(${name}, '(a)\\1')", known_keys={"name"}, allow_this=False)
    with pytest.raises(ExpressionError, match="lookaround"):
        check("regex(${name}, '(?=a)')", known_keys={"name"}, allow_this=False)
    with pytest.raises(ExpressionError, match="too long"):
        check("regex(${name}, '" + "a" * 400 + "')", known_keys={"name"}, allow_this=False)

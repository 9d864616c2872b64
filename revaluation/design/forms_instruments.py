"""Forms of the instrument designer.

Pages and questions carry one text input per instrument language and, for questions, the
settings of their type, so those form classes are built per request from the engine's own
description of each type (`QuestionType.settings_fields`): adding a type to the engine adds
its settings here without another `if`. Converting between a form and the engine's dict
form lives in `instrument_fields`.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from revaluation.forms import Form as SiteForm
from surveys.types import NONSUBSTANTIVE, QUESTION_TYPES

KEY_MESSAGE = (
    "Use lower-case letters, digits and underscores, starting with a letter "
    "(for example: age or q1_health)."
)
KEY_PATTERN = r"^[a-z_][a-z0-9_]*$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
#: Blank rows offered below a choice list or matrix rows, so more can be added without JS.
SPARE_ROWS = 3

#: What each question type is, in the designer's words (label, hint). Types the engine
#: adds later still appear, under their registry name.
TYPE_TEXT = {
    "single_choice": ("Single choice", "Pick one option from a list."),
    "multiple_choice": ("Multiple choice", "Tick any number of options."),
    "likert": ("Likert item", "One point on an ordered agreement or frequency scale."),
    "rating": ("Rating", "A whole number on a scale, 0 to 10 by default."),
    "number": ("Number", "A number, with optional limits and a unit."),
    "text": ("Short text", "A line of text."),
    "long_text": ("Long text", "Several paragraphs."),
    "story": ("Story", "A story of change, optionally with outcome-harvesting questions."),
    "date": ("Date", "A calendar date."),
    "ranking": ("Ranking", "Put options in order of preference."),
    "matrix": ("Matrix", "Several rows answered on the same columns."),
    "consent": ("Consent", "Agreement to take part; the only valid answer is yes."),
    "note": ("Note", "Text shown to the respondent; nothing is answered."),
    "calculated": ("Calculated value", "Worked out from earlier answers; not shown."),
    "dyad": ("Dyad (slider between two poles)", "A point between two opposite statements."),
    "triad": ("Triad (triangle)", "A point in a triangle with three corners."),
    "dot_allocation": ("Dot allocation", "Spread a budget of dots over the options."),
    "value_grid": ("Value grid", "Kinds of value (calculate / calibrate / capacitate)."),
}

SETTING_TEXT = {
    "min": ("Lowest allowed value", "Leave empty for no limit."),
    "max": ("Highest allowed value", "Leave empty for no limit."),
    "integer": ("Whole numbers only", None),
    "unit": ("Unit", "Shown after the box, for example hours or £."),
    "min_selected": ("Fewest options to tick", None),
    "max_selected": ("Most options to tick", None),
    "left": ("Left or low end", "For example: Not at all."),
    "right": ("Right or high end", "For example: Completely."),
    "corners": ("Corner", None),
    "budget": ("Dots to spend", "How many dots each respondent spreads over the options."),
    "rows": ("Rows", None),
    "top": ("How many to rank", "Leave empty to rank every option."),
    "max_length": ("Longest answer, in characters", "Leave empty for 20,000."),
    "outcome_harvest": (
        "Ask the outcome-harvesting questions",
        "What changed, for whom, why it matters, contribution, substantiation.",
    ),
    "max_items": ("Most value items", "Leave empty for 20."),
}
DATE_TEXT = {
    "min": ("Earliest date", "YYYY-MM-DD, or empty."),
    "max": ("Latest date", "YYYY-MM-DD, or empty."),
}
NONSUBSTANTIVE_TEXT = {"prefer_not_to_say": "Prefer not to say", "dont_know": "Don't know"}
EXPRESSION_HINT = "Written like XLSForm, for example: ${age} >= 18 and selected(${help}, 'yes')"


def language_name(code: str) -> str:
    """`cy` -> Welsh; unknown codes stay as they are."""
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name("en") or code
    except (ValueError, UnknownLocaleError):
        return code


def type_names() -> list[str]:
    """Every registered question type, the designer's usual order first."""
    return [n for n in TYPE_TEXT if n in QUESTION_TYPES] + sorted(
        n for n in QUESTION_TYPES if n not in TYPE_TEXT
    )


def type_label(name: str) -> str:
    return TYPE_TEXT.get(name, (name.replace("_", " ").capitalize(), ""))[0]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmForm(SiteForm):
    """A button-only form: the CSRF token is its whole content."""


class NewInstrumentForm(SiteForm):
    key = StringField(
        "Short name (key)",
        validators=[
            DataRequired("Enter a short name, for example: wellbeing-check."),
            Length(max=64, message="Use at most 64 characters for the short name."),
            Regexp(
                SLUG_PATTERN,
                message="Use lower-case letters, digits, - and _ in the short name, "
                "starting with a letter or digit.",
            ),
        ],
    )
    title = StringField(
        "Title",
        validators=[
            DataRequired("Enter a title, for example: Community wellbeing check-in."),
            Length(max=200, message="Use at most 200 characters for the title."),
        ],
    )
    language = StringField(
        "Language code",
        default="en",
        validators=[
            DataRequired("Enter a language code such as en or cy."),
            Regexp(LANGUAGE_PATTERN, message="Enter a language code such as en, cy or pt-BR."),
        ],
    )


class LibraryForm(SiteForm):
    library_key = RadioField(
        "Library instrument", validators=[DataRequired("Choose an instrument from the library.")]
    )


class UploadForm(SiteForm):
    file = FileField(
        "Definition file",
        validators=[
            FileRequired("Choose a YAML file (.yaml, .yml, .json) or an XLSForm (.xlsx, .xls).")
        ],
    )


def _text_fields(
    attrs: dict, name: str, label: str, languages: list[str], *, area: bool = False
) -> None:
    field_class = TextAreaField if area else StringField
    for language in languages:
        suffix = f" ({language_name(language)})" if len(languages) > 1 else ""
        attrs[f"{name}_{language}"] = field_class(label + suffix, validators=[Optional()])


def _expression(label: str) -> StringField:
    return StringField(
        label,
        validators=[
            Optional(),
            Length(max=2000, message=("Shorten the expression to 2,000 characters.")),
        ],
    )


def _key_field(label: str) -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired("Enter a key, for example: q1."),
            Length(max=64, message="Use at most 64 characters for the key."),
            Regexp(KEY_PATTERN, message=KEY_MESSAGE),
        ],
    )


def details_form(languages: list[str]) -> type[FlaskForm]:
    """The instrument's title, description and languages."""
    attrs: dict = {
        "languages": StringField(
            "Languages",
            validators=[DataRequired("Enter at least one language code, for example: en.")],
        ),
    }
    _text_fields(attrs, "title", "Title", languages)
    _text_fields(attrs, "description", "Description", languages, area=True)
    return type("DetailsForm", (SiteForm,), attrs)


def section_form(languages: list[str]) -> type[FlaskForm]:
    """A page: key, title and description per language, relevance."""
    attrs: dict = {"key": _key_field("Page key")}
    _text_fields(attrs, "title", "Page title", languages)
    _text_fields(attrs, "description", "Introduction", languages, area=True)
    attrs["relevant"] = _expression("Show this page only when")
    return type("SectionForm", (SiteForm,), attrs)


def _row_form(key_name: str, languages: list[str], *, score: bool) -> type[Form]:
    attrs: dict = {
        key_name: StringField(
            "Value" if key_name == "value" else "Row key", validators=[Optional()]
        )
    }
    if score:
        attrs["score"] = StringField("Score", validators=[Optional()])
    _text_fields(attrs, "label", "Label", languages)
    return type("RowForm", (Form,), attrs)


def choice_list_form(languages: list[str]) -> type[FlaskForm]:
    """A named choice list: its name and rows of value, score and label per language."""
    return type(
        "ChoiceListForm",
        (SiteForm,),
        {
            "name": StringField(
                "List name",
                validators=[
                    DataRequired("Enter a name for the list, for example: agree5."),
                    Regexp(
                        r"^[A-Za-z_][A-Za-z0-9_]*$",
                        message=(
                            "Use letters, digits and underscores in the list name, starting with a "
                            "letter."
                        ),
                    ),
                ],
            ),
            "rows": FieldList(FormField(_row_form("value", languages, score=True))),
        },
    )


def question_form(
    qtype: str, languages: list[str], sections: list[str], choice_lists: list[str]
) -> type[FlaskForm]:
    """Everything a question of `qtype` can have: common fields, then its type's settings."""
    kind = QUESTION_TYPES[qtype]
    attrs: dict = {
        "key": _key_field("Question key"),
        "section": SelectField("Page", choices=[(s, s) for s in sections], validate_choice=False),
    }
    _text_fields(attrs, "label", "Question text", languages, area=qtype == "note")
    _text_fields(attrs, "hint", "Hint", languages)
    if kind.answerable:
        attrs["required"] = BooleanField("An answer is required")
    attrs["relevant"] = _expression("Show this question only when")
    if qtype == "calculated":
        attrs["calculation"] = _expression("Calculation")
    elif kind.answerable:
        attrs["constraint"] = _expression("Accept the answer only when")
        _text_fields(attrs, "constraint_message", "Message when not accepted", languages)
    if kind.answerable and qtype not in ("consent",):
        attrs["nonsubstantive"] = MultiCheckboxField(
            "Also offer", choices=[(v, NONSUBSTANTIVE_TEXT[v]) for v in NONSUBSTANTIVE]
        )
    if kind.uses_choices:
        attrs["choices_list"] = SelectField(
            "Options",
            validate_choice=False,
            choices=[
                ("", "Options written below"),
                *[(n, f"The shared list “{n}”") for n in choice_lists],
            ],
        )
        attrs["choices"] = FieldList(FormField(_row_form("value", languages, score=True)))
        attrs["choice_filter"] = _expression("Choice filter")
        if qtype in ("single_choice", "multiple_choice"):
            attrs["other"] = BooleanField("Add “Other, please specify”")
    for name, setting in kind.settings_fields.items():
        if setting in ("int", "number", "date"):
            attrs[f"s_{name}"] = StringField(name, validators=[Optional()])
        elif setting == "bool":
            attrs[f"s_{name}"] = BooleanField(setting_text(qtype, name)[0])
        elif setting == "text":
            _text_fields(attrs, f"s_{name}", setting_text(qtype, name)[0], languages)
        elif setting == "texts":
            for i in (1, 2, 3):
                _text_fields(
                    attrs, f"s_{name}_{i}", f"{setting_text(qtype, name)[0]} {i}", languages
                )
        elif setting == "rows":
            attrs[f"s_{name}"] = FieldList(FormField(_row_form("key", languages, score=False)))
    return type("QuestionForm", (SiteForm,), attrs)


def setting_text(qtype: str, name: str) -> tuple[str, str | None]:
    """Label and hint of a type setting."""
    if qtype == "date" and name in DATE_TEXT:
        return DATE_TEXT[name]
    return SETTING_TEXT.get(name, (name.replace("_", " ").capitalize(), None))

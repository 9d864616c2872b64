"""Forms for waves and invitations. Messages say what is wrong and how to put it right."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from revaluation.forms import Form
from revaluation.models import Anonymity
from revaluation.services.fieldwork import FieldworkError, parse_groups

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
ANONYMITY_CHOICES = [
    SelectChoice(Anonymity.ANONYMOUS.value, "Anonymous: answers cannot be linked to anyone"),
    SelectChoice(
        Anonymity.PSEUDONYMOUS.value,
        "Pseudonymous: a self-made panel code links a person's answers across waves",
    ),
    SelectChoice(Anonymity.NAMED.value, "Named: respondents may give their name"),
]


def _reword(field, message: str) -> None:
    """Swap WTForms' generic parse/choice errors ("Not a valid ...") for one helpful message.

    A value that cannot be read makes later validators fail too; the user needs one message.
    """
    typed = bool(field.raw_data and str(field.raw_data[0]).strip())
    if typed and (field.process_errors or any(e.startswith("Not a valid") for e in field.errors)):
        field.errors = [message]


class WaveForm(Form):
    name = StringField(
        "Wave name",
        validators=[
            DataRequired("Enter a name for the wave, e.g. Baseline."),
            Length(max=120, message="Wave name: use at most 120 characters."),
        ],
    )
    version = SelectField(
        "Instrument version",
        coerce=int,
        validate_choice=True,
        validators=[InputRequired("Choose the published instrument version to field.")],
    )
    groups = StringField(
        "Audience groups",
        validators=[DataRequired("Enter at least one audience group, e.g. member.")],
    )
    opens_at = DateTimeLocalField(
        "Opens (optional)",
        format=DATETIME_FORMAT,
        validators=[Optional()],
    )
    closes_at = DateTimeLocalField(
        "Closes (optional)",
        format=DATETIME_FORMAT,
        validators=[Optional()],
    )
    ask_panel_code = BooleanField("Ask respondents for a panel code")
    anonymity = RadioField(
        "Anonymity",
        choices=ANONYMITY_CHOICES,
        default=Anonymity.ANONYMOUS.value,
        validators=[InputRequired("Choose how anonymous the answers are.")],
    )
    consent_text = TextAreaField(
        "Consent text",
        validators=[Length(max=5000, message="Consent text: use at most 5,000 characters.")],
    )

    def __init__(self, *args, versions: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.version.choices = [SelectChoice(value, label) for value, label in versions]

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        _reword(self.version, "Choose one of the published versions listed.")
        _reword(self.anonymity, "Choose one of the anonymity options listed.")
        _reword(self.opens_at, "Opens: enter a date and time, e.g. 2026-05-01 09:00.")
        _reword(self.closes_at, "Closes: enter a date and time, e.g. 2026-05-01 17:00.")
        return not any(f.errors for f in self)

    def validate_groups(self, field: StringField) -> None:
        try:
            field.cleaned = parse_groups(field.data or "")
        except FieldworkError as error:
            raise ValidationError(str(error)) from None

    def validate_closes_at(self, field: DateTimeLocalField) -> None:
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError("The closing time must be after the opening time.")


class TokenForm(Form):
    group = SelectField("Group", validators=[InputRequired("Choose a group.")])
    count = IntegerField(
        "How many tokens",
        validators=[
            InputRequired("Enter how many tokens to create, e.g. 50."),
            NumberRange(1, 10_000, message="Create between 1 and 10,000 tokens at a time."),
        ],
    )

    def __init__(self, *args, groups: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.group.choices = [SelectChoice(g, g) for g in groups]

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        _reword(self.group, "Choose one of this wave's groups.")
        _reword(self.count, "Enter a whole number of tokens, e.g. 50.")
        return not any(f.errors for f in self)


class RevokeTokensForm(Form):
    #: An empty value means every group.
    group = SelectField("Group")

    def __init__(self, *args, groups: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.group.choices = [SelectChoice("", "All groups")] + [SelectChoice(g, g) for g in groups]


class ConfirmForm(Form):
    """An empty form: the CSRF token is the point, for buttons that change state."""

"""Forms for an evaluation's settings, its members and colleague invitations.

Numbers are typed into text inputs and read here, so every bad value gets one message that
says what to type instead (WTForms' own "Not a valid integer value" does not).
"""

from __future__ import annotations

import re

from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from revaluation.forms import Form
from revaluation.models import Role
from revaluation.services.evaluations import SLUG_RE, colour_problem
from revaluation.services.users import MIN_PASSWORD_LENGTH

LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
ROLE_CHOICES = [
    SelectChoice(
        Role.EVALUATOR.value, "Evaluator: designs instruments, runs fieldwork and analyses"
    ),
    SelectChoice(Role.COMMISSIONER.value, "Commissioner: reads results and reports"),
    SelectChoice(Role.OWNER.value, "Owner: also manages members and settings"),
]


def whole_number(label: str, *, minimum: int, maximum: int):
    """A validator for a text field holding a whole number in [minimum, maximum]."""

    def check(form, field) -> None:
        text = (field.data or "").strip()
        if not text:
            return
        if not re.fullmatch(r"\d{1,9}", text):
            raise ValidationError(f"{label}: enter a whole number, like {max(minimum, 5)}.")
        if not minimum <= int(text) <= maximum:
            raise ValidationError(f"{label}: enter a number from {minimum} to {maximum:,}.")

    return check


def brand_colour(form, field) -> None:
    problem = colour_problem((field.data or "").strip())
    if problem:
        raise ValidationError(problem)


def language_code(form, field) -> None:
    if not LANGUAGE_RE.match((field.data or "").strip()):
        raise ValidationError("Default language: use a language code like en, cy or pt-BR.")


def short_name(form, field) -> None:
    text = (field.data or "").strip()
    if text and not SLUG_RE.match(text):
        raise ValidationError(
            "Short name: use 2 to 63 lower-case letters, digits and dashes, starting with a "
            "letter or digit, e.g. walk-and-talk."
        )


class SettingsForm(Form):
    """The evaluation's editable settings (the short name is fixed once links exist)."""

    title = StringField(
        "Title",
        validators=[
            DataRequired("Title: enter the evaluation's title."),
            Length(max=200, message="Title: use at most 200 characters."),
        ],
    )
    movement = StringField(
        "Movement",
        validators=[
            DataRequired("Movement: enter the name of the movement being evaluated."),
            Length(max=200, message="Movement: use at most 200 characters."),
        ],
    )
    description = TextAreaField(
        "Description (optional)",
        validators=[
            Length(max=5000, message="Description: use at most 5,000 characters."),
        ],
    )
    brand_colour = StringField(
        "Brand colour",
        validators=[
            DataRequired("Brand colour: enter a hex colour like #1d5c63."),
            brand_colour,
        ],
    )
    default_language = StringField(
        "Default language",
        validators=[
            DataRequired("Default language: enter a language code like en."),
            language_code,
        ],
    )
    small_cell_threshold = StringField(
        "Small-cell threshold",
        validators=[
            DataRequired("Small-cell threshold: enter a whole number of 2 or more, like 5."),
            whole_number("Small-cell threshold", minimum=2, maximum=1000),
        ],
    )
    retention_days = StringField(
        "Retention period in days (optional)",
        validators=[
            whole_number("Retention period", minimum=1, maximum=36500),
        ],
    )

    def values(self) -> dict:
        """The cleaned settings, ready for the service."""
        retention = (self.retention_days.data or "").strip()
        return {
            "title": self.title.data.strip(),
            "movement": self.movement.data.strip(),
            "description": (self.description.data or "").strip(),
            "brand_colour": self.brand_colour.data.strip().lower(),
            "default_language": self.default_language.data.strip(),
            "small_cell_threshold": int(self.small_cell_threshold.data.strip()),
            "retention_days": int(retention) if retention else None,
        }


class NewEvaluationForm(SettingsForm):
    slug = StringField(
        "Short name for web addresses (optional)",
        validators=[
            Optional(),
            short_name,
        ],
    )


class InviteForm(Form):
    email = StringField(
        "Email address",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired("Email address: enter your colleague's email address."),
            Length(max=254, message="Email address: use at most 254 characters."),
            Email(
                "Email address: enter a full address like name@example.org.",
                check_deliverability=False,
            ),
        ],
    )
    role = SelectField(
        "Role",
        choices=ROLE_CHOICES,
        validate_choice=False,
        validators=[
            DataRequired("Role: choose the colleague's role."),
        ],
    )

    def validate_role(self, field) -> None:
        if field.data not in {r.value for r in Role}:
            raise ValidationError("Role: choose owner, evaluator or commissioner.")


class RoleForm(Form):
    role = SelectField("Role", choices=ROLE_CHOICES, validate_choice=False)

    def validate_role(self, field) -> None:
        if field.data not in {r.value for r in Role}:
            raise ValidationError("Role: choose owner, evaluator or commissioner.")


class ActionForm(Form):
    """An empty form: a button that POSTs with the CSRF token."""


class JoinForm(Form):
    """Create an account while accepting an invitation (the email address is the invited one)."""

    name = StringField(
        "Your name",
        validators=[
            DataRequired("Your name: enter the name your colleagues know you by."),
            Length(max=120, message="Your name: use at most 120 characters."),
        ],
    )
    password = PasswordField(
        "Choose a password",
        validators=[
            DataRequired(
                f"Password: choose a password of at least {MIN_PASSWORD_LENGTH} characters."
            ),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=f"Password: use {MIN_PASSWORD_LENGTH} to 200 characters.",
            ),
        ],
    )
    confirm = PasswordField(
        "Type the password again",
        validators=[
            DataRequired("Type the password again to check it."),
            EqualTo("password", "The two passwords are different: type the same password twice."),
        ],
    )

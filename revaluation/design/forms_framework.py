"""Forms for the outcome framework. The service checks indicators, numbers and waves (one way
in, shared with accepted proposals); the form only reads the page's own choices."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from revaluation.forms import Form
from revaluation.models import Direction, Statistic

STATISTIC_CHOICES = [
    SelectChoice(Statistic.MEAN.value, "Mean (average)"),
    SelectChoice(Statistic.MEDIAN.value, "Median (middle value)"),
    SelectChoice(Statistic.PROPORTION.value, "Proportion of answers at or above a threshold"),
]
DIRECTION_CHOICES = [
    SelectChoice(Direction.INCREASE.value, "Increase"),
    SelectChoice(Direction.DECREASE.value, "Decrease"),
    SelectChoice(Direction.MAINTAIN.value, "Stay about the same (maintain)"),
]
BASELINE_CHOICES = [
    SelectChoice("none", "No baseline yet"),
    SelectChoice("value", "A value I know (type it in)"),
    SelectChoice("wave", "Measured at a wave"),
]


def _pick(message: str, allowed: list[SelectChoice]):
    def check(form, field) -> None:
        if field.data not in {choice.value for choice in allowed}:
            raise ValidationError(message)

    return check


class OutcomeForm(Form):
    """Add or edit an outcome. ``reason`` is required by the service once the framework is
    locked; choices for indicator and waves are set by the route."""

    title = StringField(
        "Outcome",
        validators=[
            DataRequired("Enter a title for the outcome, e.g. “Members feel listened to”."),
            Length(max=200, message="Shorten the title to 200 characters or fewer."),
        ],
    )
    description = TextAreaField(
        "Description (optional)",
        validators=[
            Length(max=5000, message="Shorten the description to 5,000 characters or fewer."),
        ],
    )
    indicator = SelectField(
        "Indicator",
        validate_choice=False,
        validators=[
            DataRequired("Choose the question or scale that measures this outcome."),
        ],
    )
    statistic = RadioField(
        "Statistic",
        choices=STATISTIC_CHOICES,
        validate_choice=False,
        validators=[
            _pick(
                "Choose the statistic: mean, median, or proportion at or above a threshold.",
                STATISTIC_CHOICES,
            )
        ],
    )
    threshold = StringField("Threshold (for a proportion)")
    baseline_kind = RadioField(
        "Baseline",
        choices=BASELINE_CHOICES,
        default="none",
        validate_choice=False,
        validators=[_pick("Choose how the baseline is known.", BASELINE_CHOICES)],
    )
    baseline_value = StringField("Baseline value")
    baseline_wave = SelectField("Baseline wave", validate_choice=False)
    target = StringField(
        "Target",
        validators=[
            DataRequired("Enter the target as a number, e.g. 3.5."),
        ],
    )
    direction = RadioField(
        "Direction",
        choices=DIRECTION_CHOICES,
        validate_choice=False,
        validators=[
            _pick(
                "Choose whether the indicator should increase, decrease or stay about the same.",
                DIRECTION_CHOICES,
            )
        ],
    )
    due_wave = SelectField("Due by wave (optional)", validate_choice=False)
    reason = TextAreaField(
        "Reason for the change",
        validators=[
            Length(max=2000, message="Shorten the reason to 2,000 characters or fewer."),
        ],
    )

    def validate_baseline_value(self, field) -> None:
        if self.baseline_kind.data == "value" and not (field.data or "").strip():
            raise ValidationError("Enter the baseline value, or choose “No baseline yet”.")

    def validate_baseline_wave(self, field) -> None:
        if self.baseline_kind.data == "wave" and not field.data:
            raise ValidationError("Choose the wave at which the baseline is measured.")

    def values(self) -> dict:
        """The outcome fields for the service, from the submitted (validated) form."""
        kind, _, key = (self.indicator.data or "").partition(":")
        return {
            "title": self.title.data,
            "description": self.description.data or "",
            "indicator_kind": kind,
            "indicator_key": key,
            "statistic": self.statistic.data,
            "threshold": (self.threshold.data or "").strip() or None,
            "baseline_value": (
                (self.baseline_value.data or "").strip() or None
                if self.baseline_kind.data == "value"
                else None
            ),
            "baseline_wave_id": (
                self.baseline_wave.data or None if self.baseline_kind.data == "wave" else None
            ),
            "target": (self.target.data or "").strip(),
            "direction": self.direction.data,
            "due_wave_id": self.due_wave.data or None,
        }

    def fill(self, outcome) -> None:
        """Show an existing outcome's values."""
        self.title.data, self.description.data = outcome.title, outcome.description
        self.indicator.data = f"{outcome.indicator_kind}:{outcome.indicator_key}"
        self.statistic.data, self.direction.data = str(outcome.statistic), str(outcome.direction)
        self.threshold.data = "" if outcome.threshold is None else f"{outcome.threshold:g}"
        self.target.data = f"{outcome.target:g}"
        if outcome.baseline_wave_id:
            self.baseline_kind.data, self.baseline_wave.data = "wave", str(outcome.baseline_wave_id)
        elif outcome.baseline_value is not None:
            self.baseline_kind.data = "value"
            self.baseline_value.data = f"{outcome.baseline_value:g}"
        self.due_wave.data = str(outcome.due_wave_id or "")


class DropForm(Form):
    reason = TextAreaField(
        "Why is this outcome being dropped?",
        validators=[
            DataRequired("Give the reason for dropping this outcome; reports show it."),
            Length(max=2000, message="Shorten the reason to 2,000 characters or fewer."),
        ],
    )


class MoveForm(Form):
    direction = HiddenField(
        validators=[_pick("Move up or down.", [SelectChoice("up"), SelectChoice("down")])]
    )

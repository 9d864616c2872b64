"""Forms for the account pages."""

from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from revaluation.forms import Form
from revaluation.services.api_tokens import SCOPES


class TokenForm(Form):
    name = StringField(
        "Token name",
        validators=[
            DataRequired("Give the token a name, so you can tell it apart later."),
            Length(max=80, message="Keep the name to 80 characters or fewer."),
        ],
    )
    scopes = SelectMultipleField(
        "What may this token do?",
        choices=list(SCOPES.items()),
        validators=[DataRequired("Choose at least one thing the token may do.")],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )

"""The base class of the site's forms."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict
from wtforms.fields import FileField


class Form(FlaskForm):
    """A FlaskForm whose fields receive uploaded files only where they are file fields.

    Flask-WTF merges uploads into the form data, so a file sent under a text field's name (no
    browser does; a forged request can) would reach that field's validators as a file and
    fail with a server error. Such a file is left out: the field is simply missing.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            data = super().wrap_formdata(form, formdata)
            if not isinstance(data, CombinedMultiDict) or not request.files:
                return data
            wanted = {field.name for field in form if isinstance(field, FileField)}
            files = ImmutableMultiDict(
                [(name, f) for name, f in request.files.items(multi=True) if name in wanted]
            )
            return CombinedMultiDict((files, request.form))

"""The consent text of a wave: its versions, and changing it while the wave is open.

A draft's consent text is edited with the rest of its settings. Once a wave is open, this page
is the only way to change the words: it adds a version, people who already agreed keep the
version they agreed to, and the page lists every version with how many responses agreed to it.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms import TextAreaField
from wtforms.validators import Length

from revaluation.design.routes import bp
from revaluation.extensions import db
from revaluation.forms import Form
from revaluation.models import StateError
from revaluation.services import access, fieldwork
from revaluation.services.consent import (
    MAX_CONSENT_LENGTH,
    ConsentError,
    change_consent_text,
    translation_languages,
)
from revaluation.services.consent import versions_of as consent_versions
from revaluation.services.instruments import definition_of
from revaluation.services.languages import language_name

TOO_LONG = f"Consent text: use at most {MAX_CONSENT_LENGTH:,} characters."


class ConsentForm(Form):
    consent_text = TextAreaField(
        "New consent text",
        validators=[Length(max=MAX_CONSENT_LENGTH, message=TOO_LONG)],
        render_kw={"rows": 8},
    )


def _translation_name(code: str) -> str:
    return "translation_" + "".join(c if c.isalnum() else "_" for c in code.lower())


def _form_for(languages: list[str]) -> ConsentForm:
    """The consent form with one box per other language of the wave's instrument."""

    class WaveConsentForm(ConsentForm):
        pass

    for code in languages:
        setattr(WaveConsentForm, _translation_name(code), TextAreaField(
            f"In {language_name(code)} ({code})",
            validators=[Length(max=MAX_CONSENT_LENGTH, message=f"{TOO_LONG[:-1]} ({code}).")],
            render_kw={"rows": 8, "lang": code},
        ))
    return WaveConsentForm()


@bp.route("/e/<slug>/fieldwork/<int:wave_id>/consent", methods=["GET", "POST"],
          endpoint="wave_consent")
@login_required
def wave_consent(slug: str, wave_id: int):
    evaluation, role = access.evaluation_for(slug, edit=True)
    wave = fieldwork.wave_in(evaluation, wave_id)
    if wave is None:
        abort(404)
    definition = definition_of(wave.instrument_version)
    main_language = definition.default_language
    others = translation_languages(wave.instrument_version)
    form = _form_for(others)
    boxes = [(code, getattr(form, _translation_name(code))) for code in others]
    editable = str(wave.state) != "closed"
    if form.validate_on_submit():
        if not editable:
            abort(409)
        kept = {code: words for code, words in (wave.consent_translations or {}).items()
                if code not in others}  # a language the instrument no longer has stays put
        try:
            version = change_consent_text(
                wave, form.consent_text.data or "",
                translations={**kept, **{code: box.data or "" for code, box in boxes}},
                author_id=current_user.id)
        except (StateError, ConsentError) as error:
            db.session.rollback()
            form.consent_text.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"Consent text is now version {version}. People who already agreed keep "
                  "the version they agreed to." if version else "The consent text was the "
                  "same, so nothing changed.", "success")
            return redirect(url_for("design.wave_consent", slug=slug, wave_id=wave_id), 303)
    elif not form.is_submitted():
        form.consent_text.data = wave.consent_text
        for code, box in boxes:
            box.data = (wave.consent_translations or {}).get(code, "")
    versions = consent_versions(wave)
    db.session.commit()  # the first look records version 1 of an older wave's text
    return render_template(
        "design/wave_consent.html", slug=slug, role=str(role), title=evaluation.title,
        w={"id": wave.id, "name": wave.name, "state": str(wave.state),
           "version": wave.consent_version},
        versions=versions, form=form, editable=editable, boxes=boxes,
        main_language=f"{language_name(main_language)} ({main_language})",
        names={code: f"{language_name(code)} ({code})" for code in definition.languages},
    ), (400 if form.errors else 200)

"""Evaluators' workspace: editing an instrument's pages, questions, choice lists and details.

Every change goes through `services.instrument_editing` (the engine validates the whole
definition) and `services.instruments.edit_draft`, which writes into the draft, creating the
next draft when the latest version is published. A refused change re-displays the form with
the engine's messages beside the fields at fault; nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from revaluation.design import instrument_fields as fields
from revaluation.design.forms_instruments import (
    EXPRESSION_HINT,
    TYPE_TEXT,
    ConfirmForm,
    choice_list_form,
    details_form,
    language_name,
    question_form,
    section_form,
    setting_text,
    type_label,
    type_names,
)
from revaluation.design.instruments import load, page_context
from revaluation.design.routes import bp
from revaluation.extensions import db
from revaluation.models import Instrument
from revaluation.services import instrument_editing as editing
from revaluation.services import instruments
from surveys.formats import DefinitionError, Problem
from surveys.types import QUESTION_TYPES

BASE = "/e/<slug>/instruments/<int:instrument_id>"


def _apply(
    instrument: Instrument, operation: Callable[[dict], dict], action: str, **detail
) -> list[Problem]:
    """Run an edit and commit it; on refusal roll back and return the problems."""
    try:
        instruments.edit_draft(instrument, operation, action=action, **detail)
    except DefinitionError as error:
        db.session.rollback()
        return error.problems
    except editing.EditError as error:
        db.session.rollback()
        return [Problem(error.message)]
    db.session.commit()
    return []


def _back(slug: str, instrument_id: int, anchor: str = ""):
    return redirect(
        url_for("design.instrument", slug=slug, instrument_id=instrument_id)
        + (f"#{anchor}" if anchor else "")
    )


def _context(evaluation, role, instrument: Instrument, **extra):
    latest = instrument.latest
    definition = latest.definition
    return page_context(
        evaluation,
        role,
        instrument={"id": instrument.id, "title": instrument.title},
        next_draft=None if latest.status == "draft" else latest.number + 1,
        languages=[(x, language_name(x)) for x in definition["languages"]],
        expression_hint=EXPRESSION_HINT,
        **extra,
    )


def _languages(instrument: Instrument) -> list[str]:
    return list(instrument.latest.definition["languages"])


# -- pages ------------------------------------------------------------------------------


@bp.route(BASE + "/pages/new", methods=["GET", "POST"], defaults={"key": None})
@bp.route(BASE + "/pages/<key>/edit", methods=["GET", "POST"])
@login_required
def section_edit(slug: str, instrument_id: int, key: str | None):
    evaluation, role, instrument = load(slug, instrument_id)
    languages = _languages(instrument)
    definition = instrument.latest.definition
    if key is not None and key not in {s["key"] for s in definition["sections"]}:
        abort(404)
    form = section_form(languages)()
    summary: list = []
    if request.method == "GET" and key is not None:
        fields.fill_section(
            form, definition["sections"][editing.section_index(definition, key)], languages
        )
    elif form.validate_on_submit():
        section = fields.section_dict(form, languages)
        operation = (
            partial(editing.add_section, section=section)
            if key is None
            else partial(editing.update_section, key=key, fields=section)
        )
        problems = _apply(instrument, lambda d: operation(d), "page_saved", page=section["key"])
        if not problems:
            flash(f"Page “{section['key']}” saved.", "success")
            return _back(slug, instrument_id, f"page-{section['key']}")
        summary = fields.attach_problems(form, problems, section["key"], languages)
    status = 400 if form.errors or summary else 200
    return render_template(
        "design/instrument_section.html",
        **_context(evaluation, role, instrument, form=form, key=key, summary=summary),
    ), status


@bp.route(BASE + "/pages/<key>/<any(up, down, duplicate):action>", methods=["POST"])
@login_required
def section_action(slug: str, instrument_id: int, key: str, action: str):
    _evaluation, _role, instrument = load(slug, instrument_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    anchor = key
    if action == "duplicate":
        made: list[str] = []

        def operation(d: dict) -> dict:
            new, new_key = editing.duplicate_section(d, key)
            made.append(new_key)
            return new

        problems = _apply(instrument, operation, "page_duplicated", page=key)
        anchor = made[0] if made else key
    else:
        problems = _apply(
            instrument,
            partial(editing.move_section, key=key, step=-1 if action == "up" else 1),
            "page_moved",
            page=key,
        )
    for problem in problems:
        flash(str(problem), "error")
    return _back(slug, instrument_id, f"page-{anchor}")


@bp.route(BASE + "/pages/<key>/delete", methods=["GET", "POST"])
@login_required
def section_delete(slug: str, instrument_id: int, key: str):
    evaluation, role, instrument = load(slug, instrument_id)
    definition = instrument.latest.definition
    try:
        section = definition["sections"][editing.section_index(definition, key)]
    except editing.EditError:
        abort(404)
    keys = {q["key"] for q in section.get("questions", [])}
    blockers = instruments.deletion_blockers(instrument, keys) if keys else []
    if request.method == "POST" and not blockers and ConfirmForm().validate_on_submit():
        problems = _apply(
            instrument, partial(editing.delete_section, key=key), "page_deleted", page=key
        )
        if not problems:
            flash(f"Page “{key}” deleted.", "success")
            return _back(slug, instrument_id)
        blockers = [str(p) for p in problems]
    return render_template(
        "design/instrument_delete.html",
        **_context(
            evaluation,
            role,
            instrument,
            what=f"the page “{key}”",
            contents=sorted(keys),
            blockers=blockers,
            form=ConfirmForm(),
        ),
    ), (409 if blockers and request.method == "POST" else 200)


# -- questions --------------------------------------------------------------------------


def _question_page(evaluation, role, instrument, form, qtype, key, summary, status=200):
    kind = QUESTION_TYPES[qtype]
    settings = [
        (name, setting, *setting_text(qtype, name))
        for name, setting in kind.settings_fields.items()
    ]
    return render_template(
        "design/instrument_question.html",
        **_context(
            evaluation,
            role,
            instrument,
            form=form,
            qtype=qtype,
            type_label=type_label(qtype),
            key=key,
            summary=summary,
            settings=settings,
            uses_choices=kind.uses_choices,
            types=[(name, *TYPE_TEXT.get(name, (name, ""))) for name in type_names()],
        ),
    ), status


@bp.route(BASE + "/questions/new", methods=["GET", "POST"], defaults={"key": None})
@bp.route(BASE + "/questions/<key>/edit", methods=["GET", "POST"])
@login_required
def question_edit(slug: str, instrument_id: int, key: str | None):
    evaluation, role, instrument = load(slug, instrument_id)
    definition = instrument.latest.definition
    languages = _languages(instrument)
    sections = [s["key"] for s in definition["sections"]]
    original, current_section = None, request.args.get("section") or sections[-1]
    if key is not None:
        try:
            i, j = editing.locate(definition, key)
        except editing.EditError:
            abort(404)
        original, current_section = definition["sections"][i]["questions"][j], sections[i]
    qtype = request.values.get("type") or (original or {}).get("type")
    if qtype is None:
        return render_template(
            "design/instrument_question_type.html",
            **_context(
                evaluation,
                role,
                instrument,
                section=current_section,
                sections=sections,
                types=[(name, *TYPE_TEXT.get(name, (name, ""))) for name in type_names()],
            ),
        )
    if qtype not in QUESTION_TYPES or current_section not in sections:
        abort(404)
    form = question_form(qtype, languages, sections, list(definition.get("choice_lists") or {}))()
    if request.method == "GET":
        fields.fill_question(form, original or {"key": _fresh_key(definition)}, qtype, languages)
        form.section.data = current_section
        return _question_page(evaluation, role, instrument, form, qtype, key, [])
    summary: list = []
    if form.validate_on_submit():
        question, summary = fields.question_dict(form, qtype, languages, original)
        if not summary:
            target = form.section.data
            operation = (
                partial(editing.add_question, section_key=target, question=question)
                if key is None
                else partial(
                    editing.update_question, key=key, question=question, section_key=target
                )
            )
            summary = _question_blockers(instrument, key, question["key"])
            if not summary:
                problems = _apply(
                    instrument, lambda d: operation(d), "question_saved", question=question["key"]
                )
                if not problems:
                    flash(f"Question “{question['key']}” saved.", "success")
                    return _back(slug, instrument_id, f"q-{question['key']}")
                summary = fields.attach_problems(form, problems, question["key"], languages)
    return _question_page(evaluation, role, instrument, form, qtype, key, summary, 400)


def _question_blockers(instrument: Instrument, old_key: str | None, new_key: str) -> list:
    """A renamed key loses the old key's data and links: refused on the same grounds as
    deleting the question."""
    if old_key is None or old_key == new_key:
        return []
    return [
        (None, f"The key cannot change from “{old_key}” because {reason}.")
        for reason in instruments.deletion_blockers(instrument, {old_key})
    ]


def _fresh_key(definition: dict) -> str:
    taken = set(editing.question_keys(definition))
    n = len(taken) + 1
    while f"q{n}" in taken:
        n += 1
    return f"q{n}"


@bp.route(BASE + "/questions/<key>/<any(up, down, duplicate):action>", methods=["POST"])
@login_required
def question_action(slug: str, instrument_id: int, key: str, action: str):
    _evaluation, _role, instrument = load(slug, instrument_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    anchor = key
    if action == "duplicate":
        made: list[str] = []

        def operation(d: dict) -> dict:
            new, new_key = editing.duplicate_question(d, key)
            made.append(new_key)
            return new

        problems = _apply(instrument, operation, "question_duplicated", question=key)
        anchor = made[0] if made else key
    else:
        problems = _apply(
            instrument,
            partial(editing.move_question, key=key, step=-1 if action == "up" else 1),
            "question_moved",
            question=key,
        )
    for problem in problems:
        flash(str(problem), "error")
    return _back(slug, instrument_id, f"q-{anchor}")


@bp.route(BASE + "/questions/<key>/delete", methods=["GET", "POST"])
@login_required
def question_delete(slug: str, instrument_id: int, key: str):
    evaluation, role, instrument = load(slug, instrument_id)
    try:
        editing.locate(instrument.latest.definition, key)
    except editing.EditError:
        abort(404)
    blockers = instruments.deletion_blockers(instrument, {key})
    if request.method == "POST" and not blockers and ConfirmForm().validate_on_submit():
        problems = _apply(
            instrument, partial(editing.delete_question, key=key), "question_deleted", question=key
        )
        if not problems:
            flash(f"Question “{key}” deleted.", "success")
            return _back(slug, instrument_id)
        blockers = [str(p) for p in problems]
    return render_template(
        "design/instrument_delete.html",
        **_context(
            evaluation,
            role,
            instrument,
            what=f"the question “{key}”",
            contents=[],
            blockers=blockers,
            form=ConfirmForm(),
        ),
    ), (409 if blockers and request.method == "POST" else 200)


# -- choice lists and details -----------------------------------------------------------


@bp.route(BASE + "/choices/new", methods=["GET", "POST"], defaults={"name": None})
@bp.route(BASE + "/choices/<name>/edit", methods=["GET", "POST"])
@login_required
def choice_list_edit(slug: str, instrument_id: int, name: str | None):
    evaluation, role, instrument = load(slug, instrument_id)
    languages = _languages(instrument)
    lists = instrument.latest.definition.get("choice_lists") or {}
    if name is not None and name not in lists:
        abort(404)
    form = choice_list_form(languages)()
    summary: list = []
    if request.method == "GET":
        form.name.data = name or ""
        fields.fill_rows(form.rows, lists.get(name, []), "value", languages)
    elif form.validate_on_submit():
        rows, summary = fields.rows_from(form.rows, "value", languages, "option")
        if not rows and not summary:
            summary = [
                (
                    form.rows.entries[0].form.value.id if form.rows.entries else None,
                    "Add at least one option with a value and a label.",
                )
            ]
        if not summary:
            new_name = form.name.data.strip()
            problems = _apply(
                instrument,
                partial(editing.set_choice_list, name=new_name, choices=rows, old_name=name),
                "choices_saved",
                choice_list=new_name,
            )
            if not problems:
                flash(f"Choice list “{new_name}” saved.", "success")
                return _back(slug, instrument_id, "choice-lists")
            summary = [(None, str(p)) for p in problems]
    return render_template(
        "design/instrument_choices.html",
        **_context(
            evaluation,
            role,
            instrument,
            form=form,
            name=name,
            summary=summary,
            users=editing.choice_list_users(instrument.latest.definition, name) if name else [],
            delete_form=ConfirmForm(),
        ),
    ), (400 if form.errors or summary else 200)


@bp.route(BASE + "/choices/<name>/delete", methods=["POST"])
@login_required
def choice_list_delete(slug: str, instrument_id: int, name: str):
    _evaluation, _role, instrument = load(slug, instrument_id)
    if ConfirmForm().validate_on_submit():
        problems = _apply(
            instrument,
            partial(editing.delete_choice_list, name=name),
            "choices_deleted",
            choice_list=name,
        )
        for problem in problems:
            flash(str(problem), "error")
        if not problems:
            flash(f"Choice list “{name}” deleted.", "success")
    return _back(slug, instrument_id, "choice-lists")


@bp.route(BASE + "/details", methods=["GET", "POST"])
@login_required
def instrument_details(slug: str, instrument_id: int):
    evaluation, role, instrument = load(slug, instrument_id)
    definition = instrument.latest.definition
    languages = _languages(instrument)
    form = details_form(languages)()
    summary: list = []
    if request.method == "GET":
        form.languages.data = ", ".join(languages)
        fields.fill_texts(form, "title", definition.get("title"), languages)
        fields.fill_texts(form, "description", definition.get("description"), languages)
    elif form.validate_on_submit():
        wanted = [x.strip() for x in form.languages.data.replace(";", ",").split(",") if x.strip()]
        title = fields.texts(form, "title", languages)
        if not title:
            summary = [(f"title_{languages[0]}", "Enter a title.")]
        else:
            default = definition["default_language"]
            problems = _apply(
                instrument,
                partial(
                    editing.update_details,
                    title=title,
                    description=fields.texts(form, "description", languages),
                    languages=wanted,
                    default_language=default if default in wanted else wanted[0],
                ),
                "details_saved",
            )
            if not problems:
                flash(
                    "Details saved. New languages start as copies of the default-language "
                    "texts: translate them page by page.",
                    "success",
                )
                return _back(slug, instrument_id)
            summary = [
                (form.languages.id if "language" in p.message else None, str(p)) for p in problems
            ]
    return render_template(
        "design/instrument_details.html",
        **_context(evaluation, role, instrument, form=form, summary=summary),
    ), (400 if form.errors or summary else 200)

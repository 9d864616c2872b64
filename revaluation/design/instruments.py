"""Evaluators' workspace: instruments, their versions, downloads and the difference between
versions. Editing pages and questions lives in `instrument_editor`.

Every route: load the evaluation for an edit role (commissioners 403, non-members 404) ->
load the instrument inside it (404 for another evaluation's ids) -> validate -> call a
service -> commit once -> redirect.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from revaluation.design.forms_instruments import (
    ConfirmForm,
    LibraryForm,
    NewInstrumentForm,
    UploadForm,
    type_label,
)
from revaluation.design.routes import bp
from revaluation.extensions import db
from revaluation.models import Evaluation, Instrument, InstrumentVersion, StateError
from revaluation.services import access, instruments
from revaluation.services.instrument_diff import diff_definitions
from revaluation.services.instrument_editing import choice_list_users
from revaluation.web import ERROR_TEXT
from surveys.formats import DefinitionError, Problem
from surveys.library import list_library

UPLOAD_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx", ".xls")
MAX_PROBLEMS_SHOWN = 200


def load(slug: str, instrument_id: int) -> tuple[Evaluation, str, Instrument]:
    """The evaluation (edit role) and its instrument, or 403/404."""
    evaluation, role = access.evaluation_for(slug, edit=True)
    instrument = instruments.instrument_in(evaluation, instrument_id)
    if instrument is None:
        abort(404)
    return evaluation, str(role), instrument


def page_context(evaluation: Evaluation, role: str, **extra: Any) -> dict[str, Any]:
    return {"slug": evaluation.slug, "role": role, "title": evaluation.title, **extra}


def text(value: Any, language: str) -> str:
    if isinstance(value, dict):
        return value.get(language) or next(iter(value.values()), "")
    return "" if value is None else str(value)


def outline(definition: dict) -> dict[str, Any]:
    """A version's structure as plain values for the templates."""
    language = definition.get("default_language") or definition["languages"][0]
    sections = []
    for section in definition.get("sections", []):
        questions = [
            {
                "key": q["key"],
                "type": q["type"],
                "type_label": type_label(q["type"]),
                "label": text(q.get("label"), language),
                "required": bool(q.get("required")),
                "relevant": q.get("relevant"),
                "calculation": q.get("calculation"),
                "choices": q["choices"]
                if isinstance(q.get("choices"), str)
                else (f"{len(q['choices'])} options" if q.get("choices") else None),
            }
            for q in section.get("questions", [])
        ]
        sections.append(
            {
                "key": section["key"],
                "title": text(section.get("title"), language),
                "relevant": section.get("relevant"),
                "adaptive": section.get("adaptive"),
                "questions": questions,
            }
        )
    lists = [
        {
            "name": name,
            "count": len(choices),
            "labels": [text(c.get("label"), language) for c in choices][:6],
            "users": choice_list_users(definition, name),
        }
        for name, choices in (definition.get("choice_lists") or {}).items()
    ]
    return {
        "title": text(definition.get("title"), language),
        "key": definition["key"],
        "languages": definition.get("languages", [language]),
        "language": language,
        "licence": definition.get("licence"),
        "credit": definition.get("credit"),
        "sections": sections,
        "choice_lists": lists,
        "scales": [s["key"] for s in definition.get("scales", [])],
        "item_banks": [
            {
                "key": b["key"],
                "title": text(b.get("title"), language) or b["key"],
                "items": len(b.get("items", [])),
                "rule": b.get("rule") or {},
            }
            for b in definition.get("item_banks", [])
        ],
        "questions": sum(len(s["questions"]) for s in sections),
    }


def versions_of(instrument: Instrument) -> list[dict[str, Any]]:
    return [
        {
            "number": v.number,
            "status": str(v.status),
            "created_at": v.created_at,
            "published_at": v.published_at,
            "id": v.id,
        }
        for v in reversed(instrument.versions)
    ]


def preview_url(version: InstrumentVersion) -> str | None:
    if "respond.preview" not in current_app.view_functions:
        return None
    return url_for("respond.preview", version_id=version.id)


@bp.route("/e/<slug>/instruments", endpoint="instruments")
@login_required
def instruments_page(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    return render_template(
        "design/instruments.html",
        **page_context(
            evaluation, str(role), instruments=instruments.instrument_summaries(evaluation)
        ),
    )


@bp.route("/e/<slug>/instruments/new", methods=["GET", "POST"])
@login_required
def instrument_new(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    form = NewInstrumentForm(
        data=None if request.method == "POST" else {"language": evaluation.default_language}
    )
    problems: list = []
    if form.validate_on_submit():
        try:
            definition = instruments.blank_definition(
                form.key.data.strip(), form.title.data.strip(), form.language.data.strip()
            )
            version = instruments.create_instrument(evaluation, definition)
        except DefinitionError as error:
            problems = [(None, str(p)) for p in error.problems]
        except StateError as error:
            form.key.errors = [str(error)]
        else:
            db.session.commit()
            flash("Instrument created. Add pages and questions below.", "success")
            return redirect(
                url_for("design.instrument", slug=slug, instrument_id=version.instrument_id)
            )
        db.session.rollback()
    status = 400 if form.errors or problems else 200
    return render_template(
        "design/instrument_new.html",
        **page_context(evaluation, str(role), form=form, problems=problems),
    ), status


@bp.route("/e/<slug>/instruments/library", methods=["GET", "POST"])
@login_required
def instrument_library(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    entries = list_library()
    form = LibraryForm()
    form.library_key.choices = [(e.key, e.title) for e in entries]
    if form.validate_on_submit():
        try:
            version = instruments.create_from_library(evaluation, form.library_key.data)
        except StateError as error:
            db.session.rollback()
            form.library_key.errors = [str(error)]
        else:
            db.session.commit()
            flash("Copied from the library as a draft you can change.", "success")
            return redirect(
                url_for("design.instrument", slug=slug, instrument_id=version.instrument_id)
            )
    return render_template(
        "design/instrument_library.html",
        **page_context(evaluation, str(role), form=form, entries=entries),
    ), (400 if form.errors else 200)


def _limit_mb() -> str:
    return f"{current_app.config['MAX_CONTENT_LENGTH'] / 1024 / 1024:.0f} MB"


@bp.route("/e/<slug>/instruments/upload", methods=["GET", "POST"])
@login_required
def instrument_upload(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    form = UploadForm()
    problems: list[Problem] = []
    if form.validate_on_submit():
        upload = form.file.data
        filename = upload.filename or "upload"
        if not filename.lower().endswith(UPLOAD_SUFFIXES):
            problems = [
                Problem(
                    f"“{filename}” is not a YAML file or an XLSForm: upload a .yaml, "
                    ".yml or .json definition, or an .xlsx or .xls spreadsheet."
                )
            ]
        else:
            try:
                version = instruments.import_definition(
                    evaluation, upload.read(), filename=filename
                )
            except DefinitionError as error:
                db.session.rollback()
                problems = error.problems
            else:
                db.session.commit()
                flash(f"Imported “{filename}” as version {version.number} (a draft).", "success")
                return redirect(
                    url_for("design.instrument", slug=slug, instrument_id=version.instrument_id)
                )
    return _upload_page(evaluation, str(role), form, problems)


def _upload_page(
    evaluation: Evaluation,
    role: str,
    form: UploadForm,
    problems: list[Problem],
    status: int | None = None,
):
    shown = problems[:MAX_PROBLEMS_SHOWN]
    return render_template(
        "design/instrument_upload.html",
        **page_context(
            evaluation,
            role,
            form=form,
            problems=shown,
            hidden=len(problems) - len(shown),
            limit=_limit_mb(),
        ),
    ), status or (400 if problems or form.errors else 200)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """An oversized upload gets the upload page with a clear message; other design pages
    get the usual error page."""
    if request.endpoint == "design.instrument_upload" and request.view_args:
        evaluation, role = access.evaluation_for(request.view_args["slug"], edit=True)
        problem = Problem(
            f"The file is larger than the {_limit_mb()} upload limit. Remove "
            "images or unused sheets, or split the instrument into parts."
        )
        return _upload_page(evaluation, str(role), UploadForm(formdata=None), [problem], 413)
    title, body = ERROR_TEXT[413]
    return render_template("errors/error.html", code=413, title=title, text=body), 413


@bp.route("/e/<slug>/instruments/<int:instrument_id>")
@login_required
def instrument(slug: str, instrument_id: int):
    evaluation, role, instrument = load(slug, instrument_id)
    latest = instrument.latest
    return render_template(
        "design/instrument.html",
        **page_context(
            evaluation,
            role,
            instrument={"id": instrument.id, "title": instrument.title},
            version={"number": latest.number, "status": str(latest.status), "id": latest.id},
            outline=outline(latest.definition),
            versions=versions_of(instrument),
            editable=True,
            preview=preview_url(latest),
            form=ConfirmForm(),
        ),
    )


@bp.route("/e/<slug>/instruments/<int:instrument_id>/v/<int:number>")
@login_required
def instrument_version(slug: str, instrument_id: int, number: int):
    evaluation, role, instrument = load(slug, instrument_id)
    version = instruments.version_numbered(instrument, number)
    if version is None:
        abort(404)
    return render_template(
        "design/instrument.html",
        **page_context(
            evaluation,
            role,
            instrument={"id": instrument.id, "title": instrument.title},
            version={"number": version.number, "status": str(version.status), "id": version.id},
            outline=outline(version.definition),
            versions=versions_of(instrument),
            editable=False,
            preview=preview_url(version),
            form=ConfirmForm(),
        ),
    )


@bp.route("/e/<slug>/instruments/<int:instrument_id>/publish", methods=["POST"])
@login_required
def instrument_publish(slug: str, instrument_id: int):
    _evaluation, _role, instrument = load(slug, instrument_id)
    version = instrument.latest
    if ConfirmForm().validate_on_submit():
        sections = version.definition.get("sections", [])
        if not any(s.get("questions") or s.get("adaptive") for s in sections):
            flash("Add at least one question before publishing.", "error")
            return redirect(url_for("design.instrument", slug=slug, instrument_id=instrument_id))
        try:
            instruments.publish_version(version, current_user.id)
        except StateError as error:
            db.session.rollback()
            flash(str(error), "error")
        except DefinitionError as error:
            db.session.rollback()
            flash("This draft cannot be published: " + "; ".join(map(str, error.problems)), "error")
        else:
            db.session.commit()
            flash(
                f"Version {version.number} is published and can no longer change. "
                "Later edits go into a new draft.",
                "success",
            )
    return redirect(url_for("design.instrument", slug=slug, instrument_id=instrument_id))


@bp.route("/e/<slug>/instruments/<int:instrument_id>/diff")
@login_required
def instrument_diff(slug: str, instrument_id: int):
    evaluation, role, instrument = load(slug, instrument_id)
    numbers = [v.number for v in instrument.versions]
    a = request.args.get("a", type=int) or (numbers[-2] if len(numbers) > 1 else numbers[0])
    b = request.args.get("b", type=int) or numbers[-1]
    old, new = (
        instruments.version_numbered(instrument, a),
        instruments.version_numbered(instrument, b),
    )
    if old is None or new is None:
        abort(404)
    return render_template(
        "design/instrument_diff.html",
        **page_context(
            evaluation,
            role,
            instrument={"id": instrument.id, "title": instrument.title},
            numbers=numbers,
            a=a,
            b=b,
            diff=diff_definitions(old.definition, new.definition),
        ),
    )


@bp.route("/e/<slug>/instruments/<int:instrument_id>/v/<int:number>/<any(yaml, xlsform):fmt>")
@login_required
def instrument_download(slug: str, instrument_id: int, number: int, fmt: str):
    _evaluation, _role, instrument = load(slug, instrument_id)
    version = instruments.version_numbered(instrument, number)
    if version is None:
        abort(404)
    body, mimetype, filename = instruments.export_version(version, fmt)
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


# The editing and calibration pages register on the same blueprint.
from revaluation.design import calibration, instrument_editor  # noqa: E402,F401

"""Row-level data pages on the results blueprint: export responses (CSV, XLSX, SPSS) and import
them from another tool (upload -> map columns -> dry-run report -> confirm).

Evaluators and owners only: commissioners see aggregates, never rows (403). Names are exported
only by owners and only from named waves. Every export and import is audited.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from revaluation.extensions import db
from revaluation.models import Role
from revaluation.results.routes import bp
from revaluation.services import audit
from revaluation.services.access import evaluation_for
from revaluation.services.exports import codebook_csv, export_responses
from revaluation.services.imports import ImportRejected, import_rows, plan_import, read_table
from revaluation.services.instruments import definition_of

UPLOAD_RE = re.compile(r"^[0-9a-f]{64}\.(csv|xlsx)$")


class UploadForm(FlaskForm):
    file = FileField("Response file (CSV or XLSX)")


@bp.route("/e/<slug>/results/data")
def data(slug: str):
    evaluation, role = evaluation_for(slug, edit=True)
    waves = [{"id": w.id, "name": w.name, "state": str(w.state)} for w in evaluation.waves]
    return render_template("results/data.html", slug=slug, title=evaluation.title,
                           role=str(role), waves=waves, owner=role is Role.OWNER,
                           form=UploadForm())


@bp.route("/e/<slug>/results/data/responses.<fmt>")
def export(slug: str, fmt: str):
    evaluation, role = evaluation_for(slug, edit=True)
    if fmt not in ("csv", "xlsx", "sav"):
        abort(404)
    include_names = role is Role.OWNER and request.args.get("names") == "1"
    made = export_responses(evaluation, fmt, include_names=include_names)
    audit.record("responses.exported", evaluation_id=evaluation.id, obj=evaluation,
                 format=fmt, rows=made.rows, names=include_names)
    db.session.commit()
    response = send_file(io.BytesIO(made.content), mimetype=made.mimetype,
                         as_attachment=True, download_name=made.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/e/<slug>/results/data/codebook.csv")
def codebook(slug: str):
    evaluation, _role = evaluation_for(slug, edit=True)
    return send_file(io.BytesIO(codebook_csv(list(evaluation.waves))), mimetype="text/csv",
                     as_attachment=True, download_name=f"{slug}-codebook.csv")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _wave(evaluation, wave_id: int):
    wave = next((w for w in evaluation.waves if w.id == wave_id), None)
    if wave is None:
        abort(404)
    return wave


@bp.route("/e/<slug>/results/import/<int:wave_id>", methods=["POST"])
def import_upload(slug: str, wave_id: int):
    evaluation, role = evaluation_for(slug, edit=True)
    wave = _wave(evaluation, wave_id)
    form = UploadForm()
    upload = request.files.get("file")
    error = None
    if not form.validate_on_submit():
        error = "The form expired; choose the file again."
    elif upload is None or not upload.filename:
        error = "Choose a CSV or XLSX file to import."
    elif not upload.filename.lower().endswith((".csv", ".xlsx")):
        error = "The file must be a .csv or .xlsx file; save it in one of those formats."
    else:
        content = upload.read()
        extension = upload.filename.rsplit(".", 1)[1].lower()
        try:
            read_table(content, upload.filename)
        except ImportRejected as exc:
            error = str(exc)
        else:
            name = f"{hashlib.sha256(content).hexdigest()}.{extension}"
            (_folder() / name).write_bytes(content)
            return redirect(url_for("results.import_review", slug=slug, wave_id=wave.id,
                                    upload=name))
    form.file.errors = [error]
    waves = [{"id": w.id, "name": w.name, "state": str(w.state)} for w in evaluation.waves]
    return render_template("results/data.html", slug=slug, title=evaluation.title,
                           role=str(role), waves=waves, owner=role is Role.OWNER, form=form,
                           upload_wave=wave.id), 400


@bp.route("/e/<slug>/results/import/<int:wave_id>/<upload>", methods=["GET", "POST"])
def import_review(slug: str, wave_id: int, upload: str):
    evaluation, role = evaluation_for(slug, edit=True)
    wave = _wave(evaluation, wave_id)
    path = _folder() / upload
    if not UPLOAD_RE.match(upload) or not path.exists():
        abort(404)
    table = read_table(path.read_bytes(), upload)
    instrument = definition_of(wave.instrument_version)
    keys = [(q.key, q.label.get(instrument.default_language)) for q in instrument.questions()
            if q.type != "note"]
    explicit = None
    form = FlaskForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        known = {k for k, _ in keys}
        explicit = {}
        for index, column in enumerate(table.columns):
            chosen = request.form.get(f"map-{index}", "")
            if chosen and chosen in known:
                explicit[column] = chosen
    try:
        # After the mapping form is posted it is the whole mapping: "not imported" sticks.
        plan = plan_import(wave, table, explicit, suggest=explicit is None)
    except ImportRejected as exc:
        flash(str(exc), "error")
        return redirect(url_for("results.data", slug=slug))
    if request.method == "POST" and request.form.get("action") == "import":
        created = import_rows(wave, plan, source_name=f"file {upload[:12]}")
        audit.record("responses.imported", evaluation_id=evaluation.id, obj=wave,
                     created=created, rows=plan.total_rows, problems=len(plan.problems))
        db.session.commit()
        flash(f"Imported {created} new responses into “{wave.name}” "
              f"({plan.valid_rows - created} were already there).", "success")
        return redirect(url_for("results.data", slug=slug))
    columns = [{"index": i, "name": c, "mapped": plan.mapping.get(c, ""),
                "sample": next((row[i] for row in table.rows if row[i].strip()), "")[:40]}
               for i, c in enumerate(table.columns)]
    return render_template(
        "results/import.html", slug=slug, title=evaluation.title, role=str(role),
        wave={"id": wave.id, "name": wave.name}, upload=upload, columns=columns, keys=keys,
        plan=plan, problems=plan.problems[:500], form=form, checked=request.method == "POST",
    )

"""Row-level data pages on the results blueprint: export responses (CSV, XLSX, SPSS) and import
them from another tool (upload -> map columns -> dry-run report -> confirm).

Evaluators and owners only: commissioners see aggregates, never rows (403). Names are exported
only by owners and only from named waves. Every export and import is audited.

With a job queue (``REDIS_URL``), exports and imports of more than ``BACKGROUND_ROWS`` rows run
on a worker (:mod:`revaluation.services.data_jobs`); this page then lists them with their
progress, the finished export to download, and "try again" for a failed one. Uploads are kept
in the database, so any app instance can show the review and any worker can import.
"""

from __future__ import annotations

import io
import re

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from revaluation.extensions import db
from revaluation.forms import Form
from revaluation.models import JobStatus, Role
from revaluation.results.routes import bp
from revaluation.services import audit, data_jobs, stored_files
from revaluation.services.access import evaluation_for
from revaluation.services.exports import codebook_csv, export_responses
from revaluation.services.imports import ImportRejected, import_rows, plan_import, read_table
from revaluation.services.instruments import definition_of

UPLOAD_RE = re.compile(r"^[0-9a-f]{64}\.(csv|xlsx)$")


class UploadForm(Form):
    file = FileField("Response file (CSV or XLSX)")


def _data_page(evaluation, role, form, *, status: int = 200, upload_wave: int | None = None):
    waves = [{"id": w.id, "name": w.name, "state": str(w.state)} for w in evaluation.waves]
    jobs = data_jobs.recent_jobs(evaluation)
    return render_template("results/data.html", slug=evaluation.slug, title=evaluation.title,
                           role=str(role), waves=waves, owner=role is Role.OWNER, form=form,
                           upload_wave=upload_wave, jobs=jobs,
                           refresh=any(j["status"] in ("queued", "running") for j in jobs)
                           ), status


@bp.route("/e/<slug>/results/data")
def data(slug: str):
    evaluation, role = evaluation_for(slug, edit=True)
    return _data_page(evaluation, role, UploadForm())


@bp.route("/e/<slug>/results/data/responses.<fmt>")
def export(slug: str, fmt: str):
    evaluation, role = evaluation_for(slug, edit=True)
    if fmt not in ("csv", "xlsx", "sav"):
        abort(404)
    include_names = role is Role.OWNER and request.args.get("names") == "1"
    if data_jobs.in_background(data_jobs.count_responses(evaluation)):
        job = data_jobs.start_export(evaluation, fmt, include_names=include_names,
                                     user_id=current_user.id)
        db.session.commit()
        data_jobs.enqueue(job)
        flash("The export is large, so it is being made in the background. This page shows "
              "its progress; download it here when it is ready.", "info")
        return redirect(url_for("results.data", slug=slug))
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


@bp.route("/e/<slug>/results/data/jobs/<int:job_id>/download")
def export_download(slug: str, job_id: int):
    evaluation, role = evaluation_for(slug, edit=True)
    job = data_jobs.data_job(evaluation, job_id)
    if job is None or job.kind != data_jobs.EXPORT_KIND or job.status is not JobStatus.DONE:
        abort(404)
    if job.params.get("include_names") and role is not Role.OWNER:
        abort(403)
    stored = stored_files.export_file(evaluation.id, (job.result or {}).get("file_id", 0))
    if stored is None:
        flash("That export is no longer kept (exports are deleted after seven days); "
              "export again.", "error")
        return redirect(url_for("results.data", slug=slug))
    audit.record("responses.export_downloaded", evaluation_id=evaluation.id, obj=job)
    db.session.commit()
    response = send_file(io.BytesIO(stored.content), mimetype=stored.mimetype,
                         as_attachment=True, download_name=stored.name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/e/<slug>/results/data/jobs/<int:job_id>/retry", methods=["POST"])
def data_job_retry(slug: str, job_id: int):
    evaluation, role = evaluation_for(slug, edit=True)
    if not FlaskForm().validate_on_submit():
        abort(400)
    job = data_jobs.data_job(evaluation, job_id)
    if job is None:
        abort(404)
    if job.params.get("include_names") and role is not Role.OWNER:
        abort(403)
    if job.status is not JobStatus.FAILED:
        flash("That job has not failed, so there is nothing to try again.", "info")
        return redirect(url_for("results.data", slug=slug))
    data_jobs.retry(job)
    db.session.commit()
    data_jobs.enqueue(job)
    if job.status is JobStatus.FAILED:
        flash(job.error or "It failed again.", "error")
    else:
        flash("Trying again. This page shows its progress.", "info")
    return redirect(url_for("results.data", slug=slug))


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
            stored = stored_files.keep_upload(evaluation.id, content, extension,
                                              user_id=current_user.id)
            db.session.commit()
            return redirect(url_for("results.import_review", slug=slug, wave_id=wave.id,
                                    upload=stored.name))
    form.file.errors = [error]
    return _data_page(evaluation, role, form, status=400, upload_wave=wave.id)


@bp.route("/e/<slug>/results/import/<int:wave_id>/<upload>", methods=["GET", "POST"])
def import_review(slug: str, wave_id: int, upload: str):
    evaluation, role = evaluation_for(slug, edit=True)
    wave = _wave(evaluation, wave_id)
    stored = stored_files.find_upload(evaluation.id, upload) if UPLOAD_RE.match(upload) else None
    if stored is None:
        abort(404)
    table = read_table(stored.content, upload)
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
        if data_jobs.in_background(plan.total_rows):
            job = data_jobs.start_import(wave, upload, plan.mapping,
                                         source_name=f"file {upload[:12]}",
                                         user_id=current_user.id)
            db.session.commit()
            data_jobs.enqueue(job)
            flash(f"The file is large, so it is being imported into “{wave.name}” in the "
                  "background. This page shows its progress.", "info")
            return redirect(url_for("results.data", slug=slug))
        created = import_rows(wave, plan, source_name=f"file {upload[:12]}")
        db.session.delete(stored)  # imported: the row-level file is not kept any longer
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

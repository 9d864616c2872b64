"""Report pages on the results blueprint: editions, generating, downloading, sending, the outbox.

Evaluators (and owners) generate editions and send them; commissioners and evaluators download.
Recipients without an account use the one-off link pages under ``/reports/d/<token>``.
"""

from __future__ import annotations

import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from revaluation.extensions import db
from revaluation.forms import Form
from revaluation.models import Evaluation, Job, JobStatus, ReportEdition
from revaluation.reports.data import SECTIONS
from revaluation.reports.sources import ReportOptions, ReportOptionsError, groups_of
from revaluation.results.routes import bp
from revaluation.services import report_delivery, report_jobs
from revaluation.services.access import evaluation_for
from revaluation.services.mail import list_outbox

OUTBOX_LIMIT = 30


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form) -> None:
        """Unknown values are reported by the service in words, not as a bare "invalid choice"."""


class GenerateForm(Form):
    waves = CheckboxesField("Waves", coerce=int)
    groups = CheckboxesField("Groups")
    sections = CheckboxesField(
        "Sections", choices=[SelectChoice(key, label) for key, label in SECTIONS.items()]
    )


class SendForm(Form):
    recipients = CheckboxesField("Commissioners", coerce=int)
    emails = TextAreaField(
        "Other email addresses",
        validators=[Length(max=5000, message="Keep the list of addresses under 5,000 characters.")],
    )
    note = TextAreaField(
        "A note to include (optional)",
        validators=[Length(max=2000, message="Keep the note under 2,000 characters.")],
    )


def _generate_form(evaluation) -> GenerateForm:
    form = GenerateForm()
    form.waves.choices = [SelectChoice(w.id, w.name) for w in evaluation.waves]
    form.groups.choices = [SelectChoice(g, g) for g in groups_of(evaluation)]
    if request.method == "GET":
        form.sections.data = list(SECTIONS)
    return form


def _page(evaluation, role, form: GenerateForm, *, status: int = 200):
    wave_names = {w.id: w.name for w in evaluation.waves}
    editions = [
        {
            "number": e.number,
            "created_at": e.created_at,
            "pages": e.page_count,
            "sha256": e.sha256,
            "options": report_jobs.describe_options(e.options, wave_names),
            "sent_at": e.sent_at,
            "sent_to": len(e.deliveries),
            "downloaded": sum(1 for d in e.deliveries if d.downloaded_at),
        }
        for e in report_jobs.editions_of(evaluation)
    ]
    jobs = [
        {
            "id": j.id,
            "status": str(j.status),
            "progress": j.progress,
            "error": j.error,
            "attempts": j.attempts,
            "created_at": j.created_at,
        }
        for j in report_jobs.pending_jobs(evaluation)
    ]
    return render_template(
        "results/reports.html",
        slug=evaluation.slug,
        title=evaluation.title,
        role=str(role),
        can_edit=role.can_edit,
        editions=editions,
        jobs=jobs,
        refresh=any(j["status"] in ("queued", "running") for j in jobs),
        form=form,
        background=report_jobs.queue_configured(),
        show_outbox=role.can_edit and _outbox_enabled(),
    ), status


@bp.route("/e/<slug>/reports")
def reports(slug: str):
    evaluation, role = evaluation_for(slug)
    return _page(evaluation, role, _generate_form(evaluation))


@bp.route("/e/<slug>/reports/generate", methods=["POST"])
def reports_generate(slug: str):
    evaluation, role = evaluation_for(slug, edit=True)
    form = _generate_form(evaluation)
    if not form.validate_on_submit():
        return _page(evaluation, role, form, status=400)
    try:
        options = ReportOptions.parse(
            evaluation,
            wave_ids=form.waves.data or [],
            groups=form.groups.data or [],
            sections=form.sections.data or [],
        )
    except ReportOptionsError as exc:
        getattr(form, exc.field).errors = [str(exc)]
        return _page(evaluation, role, form, status=400)
    job = report_jobs.start_report(evaluation, options, user_id=current_user.id)
    db.session.commit()
    report_jobs.enqueue(job)
    _flash_job(job)
    return redirect(url_for("results.reports", slug=slug))


@bp.route("/e/<slug>/reports/jobs/<int:job_id>/retry", methods=["POST"])
def reports_retry(slug: str, job_id: int):
    evaluation, _role = evaluation_for(slug, edit=True)
    job = db.session.get(Job, job_id)
    if job is None or job.evaluation_id != evaluation.id or job.kind != report_jobs.JOB_KIND:
        abort(404)
    if job.status is not JobStatus.FAILED:
        flash("That report is not failed, so there is nothing to try again.", "info")
        return redirect(url_for("results.reports", slug=slug))
    report_jobs.retry_job(job)
    db.session.commit()
    report_jobs.enqueue(job)
    _flash_job(job)
    return redirect(url_for("results.reports", slug=slug))


def _flash_job(job: Job) -> None:
    if job.status is JobStatus.DONE:
        flash(f"Edition {job.result['number']} is ready to download.", "success")
    elif job.status is JobStatus.FAILED:
        flash(job.error or report_jobs.FAILURE_TEXT, "error")
    else:
        flash("The report is being generated. This page shows its progress.", "info")


def _edition_or_404(evaluation, number: int) -> ReportEdition:
    edition = report_jobs.edition_of(evaluation, number)
    if edition is None or edition.sha256 is None:
        abort(404)
    return edition


@bp.route("/e/<slug>/reports/<int:number>.pdf")
def reports_download(slug: str, number: int):
    evaluation, _role = evaluation_for(slug)
    edition = _edition_or_404(evaluation, number)
    report_delivery.record_download(edition, user_id=current_user.id)
    db.session.commit()
    return _pdf_response(evaluation.slug, edition)


def _pdf_response(slug: str, edition: ReportEdition):
    response = send_file(
        io.BytesIO(edition.pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{slug}-report-edition-{edition.number}.pdf",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/e/<slug>/reports/<int:number>/send", methods=["GET", "POST"])
def reports_send(slug: str, number: int):
    evaluation, role = evaluation_for(slug, edit=True)
    edition = _edition_or_404(evaluation, number)
    form = SendForm()
    commissioners = report_delivery.commissioners_of(evaluation)
    form.recipients.choices = [SelectChoice(u.id, f"{u.name} ({u.email})") for u in commissioners]
    if form.validate_on_submit():
        try:
            recipients = report_delivery.resolve_recipients(
                evaluation,
                form.recipients.data or [],
                report_delivery.parse_addresses(form.emails.data or ""),
            )
            deliveries = report_delivery.send_edition(
                edition, recipients, sender=current_user, note=form.note.data or ""
            )
        except report_delivery.DeliveryError as exc:
            field = "emails" if "address" in str(exc) else "recipients"
            getattr(form, field).errors = [str(exc)]
        else:
            db.session.commit()
            flash(
                f"Edition {edition.number} was sent to {len(deliveries)} "
                + ("person." if len(deliveries) == 1 else "people.")
                + " It is now kept unchanged; generating again makes a new edition.",
                "success",
            )
            return redirect(url_for("results.reports_send", slug=slug, number=number))
    deliveries = [
        {
            "email": d.recipient_email,
            "kind": "Account" if d.recipient_id else "One-off link",
            "sent_at": d.sent_at,
            "expires_at": d.expires_at,
            "downloaded_at": d.downloaded_at,
        }
        for d in report_delivery.deliveries_of(edition)
    ]
    return render_template(
        "results/reports_send.html",
        slug=slug,
        title=evaluation.title,
        role=str(role),
        edition={
            "number": edition.number,
            "created_at": edition.created_at,
            "pages": edition.page_count,
            "sent_at": edition.sent_at,
        },
        deliveries=deliveries,
        form=form,
        link_days=report_delivery.LINK_DAYS,
        has_commissioners=bool(commissioners),
        show_outbox=_outbox_enabled(),
    ), (400 if form.errors else 200)


def _outbox_enabled() -> bool:
    return current_app.config.get("ENV_NAME") != "production" and not current_app.config.get(
        "MAIL_SERVER"
    )


@bp.route("/e/<slug>/reports/outbox")
def reports_outbox(slug: str):
    evaluation, role = evaluation_for(slug, edit=True)
    if not _outbox_enabled():
        abort(404)
    # By the evaluation's tag, not the subject: another evaluation may share the title.
    messages = list_outbox(limit=OUTBOX_LIMIT, tag=report_delivery.outbox_tag(evaluation))
    return render_template(
        "results/reports_outbox.html",
        slug=slug,
        title=evaluation.title,
        role=str(role),
        messages=messages,
        folder=current_app.config["OUTBOX_DIR"],
    )


@bp.route("/reports/d/<token>", methods=["GET", "POST"])
def reports_link(token: str):
    try:
        delivery = report_delivery.delivery_for_token(token)
    except report_delivery.LinkError as exc:
        return render_template("results/reports_link.html", error=str(exc), edition=None), 410
    edition = delivery.edition
    evaluation = db.session.get(Evaluation, edition.evaluation_id)
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        report_delivery.record_download(edition, user_id=None, delivery=delivery)
        db.session.commit()
        return _pdf_response(evaluation.slug, edition)
    return render_template(
        "results/reports_link.html",
        error=None,
        form=FlaskForm(),
        edition={
            "number": edition.number,
            "created_at": edition.created_at,
            "pages": edition.page_count,
            "title": evaluation.title,
            "movement": evaluation.movement,
            "expires_at": delivery.expires_at,
        },
    )

"""Respondents' own data: see, download and delete a response with its code (no account).

/r/my-answers asks for the reference (resume) code; a correct code puts the response in the
respondent's signed cookie, exactly as resuming does, and every later page checks the code in
the cookie against the keyed hash on the response. Wrong codes are rate limited (only failed
look-ups count), so codes cannot be guessed. Deleting erases the answers and the stories made
from them and leaves an audit event with counts only.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request, url_for
from flask_babel import gettext as _

from revaluation.extensions import db, limiter
from revaluation.models.base import utcnow
from revaluation.models.responses import ResponseStatus
from revaluation.respond import identity, pages
from revaluation.respond.run import Run
from revaluation.respond.views import HARVEST_LABELS, display_answer
from revaluation.services import adaptive_blocks, erasure, respondent_data, responses
from revaluation.services.instruments import definition_of
from revaluation.services.languages import use_language
from revaluation.services.respondent_data import AnswerRow
from revaluation.services.secrets import normalise_code
from surveys.flow import Flow

#: Failed look-ups allowed per address; successful ones do not count.
LOOKUP_LIMIT = "10/minute;50/hour"
DERIVED = {"t": "T-score", "theta": "estimate (theta)", "se": "standard error"}


def _failed_lookup(response) -> bool:
    return response.status_code != 303


def _words(definition, question, value, language: str) -> str:
    """An answer in plain words; a story keeps its outcome-harvest answers too."""
    text = display_answer(definition, question, value, language)
    if question.type == "story" and isinstance(value, dict):
        extra = [f"{_(label)} {value[key]}" for key, label in HARVEST_LABELS.items()
                 if value.get(key)]
        text = "\n".join([text, *extra])
    return text


def answer_rows(run: Run) -> list[AnswerRow]:
    """Every stored answer of the run in plain words, page by page, then anything else held
    (answers on pages that no longer apply, scores worked out from the answers)."""
    definition, language, answers = run.definition, run.language, run.answers
    flow = Flow(definition, answers, language=language)
    rows: list[AnswerRow] = []
    shown: set[str] = set()
    for page in flow.pages():
        title = definition.text(page.section.title, language)
        if page.adaptive:
            found = adaptive_blocks.block(definition, page.adaptive)
            spec = definition.item_bank(page.adaptive)
            labels = [definition.text(c.label, language) for c in found.categories]
            for key, category in adaptive_blocks.asked_pairs(answers, page.adaptive):
                rows.append(AnswerRow(title, key, definition.text(spec.item(key).label, language),
                                      labels[category] if category is not None else _("Skipped"),
                                      answers.get(key)))
                shown.add(key)
            shown.add(f"{page.adaptive}__asked")
        for question in page.questions:
            if question.type == "note" or answers.get(question.key) is None:
                continue
            shown.add(question.key)
            rows.append(AnswerRow(title, question.key, flow.label(question, language),
                                  _words(definition, question, answers[question.key], language),
                                  answers[question.key]))
    other = _("Other answers we hold")
    questions = {q.key: q for q in definition.questions()}
    for key, value in answers.items():
        if key in shown or value is None or key.endswith("__asked"):
            continue
        if key in questions:
            question = questions[key]
            rows.append(AnswerRow(other, key, flow.label(question, language),
                                  _words(definition, question, value, language), value))
            continue
        bank, _sep, suffix = key.rpartition("__")
        label = _("Worked out from your answers: %(what)s (%(bank)s)",
                  what=DERIVED.get(suffix, suffix), bank=bank) if suffix in DERIVED else key
        rows.append(AnswerRow(other, key, label, str(value), value))
    return rows


def _run_for(rid: int) -> tuple[Run | None, object]:
    """The respondent's own response (code in this browser's cookie), or a page saying why not."""
    code = identity.code_for(rid)
    response = responses.response_for(rid, code) if code else None
    if response is None:
        return None, pages.problem(403, _("We cannot show these answers on this device"), _(
            "Enter your reference code to see your answers. It is the code you were shown "
            "when you sent or saved them."), lookup_url=url_for(".my_answers"))
    wave = response.wave
    definition = definition_of(wave.instrument_version)
    use_language(response.language)  # the page speaks the language the respondent chose
    run = Run(definition, responses.load_answers(response, definition), response.language,
              wave.evaluation.title, wave.evaluation.brand_colour, response=response,
              wave=wave, resume_code=code, rid=rid)
    return run, None


def register(bp: Blueprint) -> None:
    """Add the "your answers" pages to the respond blueprint."""

    @bp.route("/r/my-answers", methods=["GET", "POST"])
    @limiter.limit(LOOKUP_LIMIT, methods=["POST"], deduct_when=_failed_lookup)
    def my_answers():
        error, typed = None, ""
        if request.method == "POST":
            typed = request.form.get("code", "")[:64]
            response = responses.resume_by_code(typed)
            if response is not None:
                identity.remember(response.id, normalise_code(typed))
                return redirect(url_for(".my_answers_view", rid=response.id), 303)
            error = (_("Enter your reference code") if not typed.strip() else _(
                "We could not find answers with that code. Check it and try again: it has "
                "10 letters and numbers"))
        return pages.render("respond/my_answers_lookup.html", None,
                            page_title=_("See or delete your answers"), error=error,
                            typed=typed)

    @bp.get("/r/my-answers/<int:rid>")
    def my_answers_view(rid: int):
        run, refusal = _run_for(rid)
        if refusal:
            return refusal
        held = respondent_data.held_about(run.response)
        rows = answer_rows(run)
        sections: list[dict] = []
        for row in rows:
            if not sections or sections[-1]["title"] != row.section:
                sections.append({"title": row.section, "rows": []})
            sections[-1]["rows"].append(row)
        can_continue = (run.response.status is ResponseStatus.PARTIAL
                        and run.wave.accepting_at(utcnow()))
        return pages.render("respond/my_answers.html", run, page_title=_("Your answers"),
                            held=held, sections=sections,
                            continue_url=url_for(".step", rid=rid) if can_continue else None)

    @bp.get("/r/my-answers/<int:rid>/answers.<any(json, csv):fmt>")
    def my_answers_download(rid: int, fmt: str):
        run, refusal = _run_for(rid)
        if refusal:
            return refusal
        held = respondent_data.held_about(run.response)
        rows = answer_rows(run)
        if fmt == "json":
            body, mimetype = respondent_data.as_json(held, rows), "application/json"
        else:
            body, mimetype = respondent_data.as_csv(held, rows), "text/csv; charset=utf-8"
        return Response(body, mimetype=mimetype, headers={
            "Content-Disposition": f'attachment; filename="my-answers-{rid}.{fmt}"',
            "Cache-Control": "private, no-store",
        })

    @bp.route("/r/my-answers/<int:rid>/delete", methods=["GET", "POST"])
    def my_answers_delete(rid: int):
        run, refusal = _run_for(rid)
        if refusal:
            return refusal
        if request.method == "POST" and request.form.get("confirm") == "delete":
            erasure.erase_by_respondent(run.response)
            db.session.commit()
            identity.forget(rid)
            return pages.render("respond/my_answers_deleted.html", None,
                                page_title=_("Your answers have been deleted"))
        counts = erasure.counts_for_response(run.response)
        return pages.render("respond/my_answers_delete.html", run,
                            page_title=_("Delete your answers?"), counts=counts,
                            back_url=url_for(".my_answers_view", rid=rid))

    @bp.post("/r/my-answers/<int:rid>/forget")
    def my_answers_forget(rid: int):
        identity.forget(rid)
        return redirect(url_for(".my_answers"), 303)

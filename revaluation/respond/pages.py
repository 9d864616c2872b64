"""The question pages, "Check your answers" and submission, shared by real runs and previews.

The server is the authority: every POST is read through `surveys.types` and checked by
`surveys.flow.Flow`; the page's script only mirrors the result of the autosave endpoint.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from revaluation.respond import assets
from revaluation.respond.run import Run
from revaluation.respond.views import (
    FormState,
    display_answer,
    language_choices,
    question_view,
    state_from_answers,
    text_direction,
)
from revaluation.services import adaptive_blocks
from revaluation.services.answer_forms import RESERVED, TamperedForm, read_page
from revaluation.services.languages import current_language
from surveys.flow import Flow, Page

SUBMISSION_ID = re.compile(r"^[0-9a-f]{32}$")


def render(template: str, run: Run | None, status: int = 200, **context: Any):
    """Render a respondent page in the run's language (the request's without a run), with
    its branding."""
    language = run.language if run else current_language()
    context.setdefault("page_title", "")
    other_languages = []
    if run is not None and len(run.definition.languages) > 1:
        other_languages = [(code, name, text_direction(code))
                           for code, name in language_choices(run.definition.languages)
                           if code != language]
    with force_locale(language):
        html = render_template(
            template,
            run=run,
            lang=language,
            direction=text_direction(language),
            other_languages=other_languages,
            brand_title=run.title if run else "",
            css_url=url_for("respond.stylesheet", version=assets.version(),
                            colour=assets.brand_hex(run.brand if run else None)),
            js_url=url_for("respond.script", version=assets.version()),
            **context,
        )
    return html, status


def problem(status: int, title: str, text: str, run: Run | None = None, **context: Any):
    """A plain-words page for links that lead nowhere and requests we refuse."""
    return render("respond/problem.html", run, status, page_title=title, title=title, text=text,
                  **context)


def _flow(run: Run) -> Flow:
    return Flow(run.definition, run.answers, language=run.language)


def _section(run: Run, section_key: str):
    try:
        return run.definition.section(section_key)
    except KeyError:
        abort(404)


def show_page(run: Run, section_key: str, *, form: FormState | None = None,
              errors: dict[str, str] | None = None, flow: Flow | None = None,
              status: int = 200, notice: str | None = None):
    """GET a question page (or re-render it with the POSTed fields and their errors)."""
    section = _section(run, section_key)
    flow = flow or _flow(run)
    pages = flow.pages()
    keys = [p.key for p in pages]
    if section_key not in keys:
        following = flow.next_page(section_key)
        return redirect(run.url("page", section=following) if following else run.url("check"))
    page = pages[keys.index(section_key)]
    previous = flow.previous_page(section_key)
    common = {
        "section_title": run.definition.text(section.title, run.language),
        "section_description": run.definition.text(section.description, run.language),
        "number": keys.index(section_key) + 1,
        "total": len(keys),
        "back_url": run.url("page", section=previous) if previous else run.extra.get("start_url"),
        "action_url": run.url("page", section=section_key),
        "return_to": request.values.get("return_to", ""),
    }
    if page.adaptive:
        return _show_adaptive(run, page, common, error=(errors or {}).get("answer"),
                              status=status)
    questions = [q for q in section.questions if q.type != "calculated"]
    state = form or state_from_answers(run.definition, questions, run.answers)
    errors = errors or {}
    views = [question_view(run.definition, flow, q, language=run.language,
                           error=errors.get(q.key), state=state) for q in questions]
    if request.args.get("more") and notice is None:
        notice = _("Your answers opened more questions on this page. Answer them, or press "
                   "Continue if they do not apply.")
    return render("respond/page.html", run, status, page_title=common["section_title"],
                  questions=views, state=state, errors=errors, notice=notice,
                  autosave_url=run.url("autosave", section=section_key), **common)


def _show_adaptive(run: Run, page: Page, common: dict, *, error: str | None, status: int):
    found = adaptive_blocks.block(run.definition, page.adaptive)
    cat = adaptive_blocks.session(found, run.answers)
    item = cat.next_item()
    view = None
    if item is not None:
        spec = run.definition.item_bank(page.adaptive).item(item.key)
        view = {
            "key": item.key,
            "label": run.definition.text(spec.label, run.language),
            "choices": [(c.value, run.definition.text(c.label, run.language))
                        for c in found.categories],
            "asked": len(cat.asked) + 1,
            "most": found.rule.max_items,
        }
    flow = _flow(run)
    following = flow.next_page(page.key)
    return render("respond/adaptive.html", run, status, page_title=common["section_title"],
                  item=view, error=error,
                  next_url=run.url("page", section=following) if following else run.url("check"),
                  **common)


def post_page(run: Run, section_key: str):
    """POST a question page: check it, store it, go on (or show the errors, input kept)."""
    section = _section(run, section_key)
    flow = _flow(run)
    page = flow.page(section_key)
    if page is None:
        return problem(400, _("This page is not part of your survey"),
                       _("Your earlier answers mean this page does not apply. Go back and "
                         "continue from the page you were on."), run)
    if page.adaptive:
        return _post_adaptive(run, page)
    action = request.form.get("action", "continue")
    try:
        result = read_page(run.definition, section, run.answers, list(request.form.keys()),
                           request.form.getlist, language=run.language,
                           strict=action == "continue")
    except TamperedForm:
        return problem(400, _("We could not read that page"),
                       _("Some of what was sent does not match this page, so nothing was "
                         "saved. Go back, reload the page and answer again."), run)
    if result.errors:
        state = FormState({k: request.form.getlist(k) for k in request.form})
        return show_page(run, section_key, form=state, errors=result.errors, flow=result.flow)
    following = result.flow.next_page(section_key)
    here = section_key if action == "save" else following or section_key
    run.save(result.changes, result.removals, current_page=here)
    if action == "save":
        return redirect(run.url("save"))
    if result.revealed:
        return redirect(run.url("page", section=section_key, more=1))
    if request.form.get("return_to") == "check" or following is None:
        return redirect(run.url("check"))
    return redirect(run.url("page", section=following))


def autosave(run: Run, section_key: str):
    """JSON for the page script: store what is valid so far, say what is visible and wrong."""
    section = _section(run, section_key)
    page = _flow(run).page(section_key)
    if page is None or page.adaptive:
        return jsonify({"error": "not a question page"}), 400
    try:
        result = read_page(run.definition, section, run.answers, list(request.form.keys()),
                           request.form.getlist, language=run.language, strict=False)
    except TamperedForm:
        return jsonify({"error": "the form does not match this page"}), 400
    valid = {k: v for k, v in result.changes.items() if k not in result.errors}
    run.save(valid, result.removals - set(result.errors), current_page=section_key)
    visible = [q.key for q in section.questions if result.flow.is_visible(q.key)]
    return jsonify({"saved": len(valid), "visible": visible, "errors": result.errors})


def _post_adaptive(run: Run, page: Page):
    found = adaptive_blocks.block(run.definition, page.adaptive)
    if any(name not in RESERVED | {"answer"} for name in request.form):
        return problem(400, _("We could not read that page"),
                       _("Some of what was sent does not match this page, so nothing was "
                         "saved. Go back, reload the page and answer again."), run)
    item_key = request.form.get("item", "")
    skip = request.form.get("action") == "skip"
    choice = None if skip else request.form.get("answer")
    if not skip and not choice:
        return show_page(run, page.key, errors={"answer": _(
            "Choose an answer, or choose “Skip this question”")})
    asked = {k for k, _c in adaptive_blocks.asked_pairs(run.answers, found.key)}
    try:
        changes = adaptive_blocks.answer_item(found, run.answers, item_key, choice)
    except ValueError:
        if item_key in asked:  # a double tap or the back button: already recorded
            return redirect(run.url("page", section=page.key))
        return problem(400, _("We could not read that page"),
                       _("That answer does not match the question being asked, so nothing "
                         "was saved. Go back, reload the page and answer again."), run)
    run.save(changes, current_page=page.key)
    return redirect(run.url("page", section=page.key))


def check_rows(run: Run, flow: Flow) -> tuple[list[dict], list[tuple[str, str]]]:
    """The "Check your answers" summary per page, and what still needs an answer."""
    groups, problems = [], []
    missing = set(flow.missing_required()) | set(flow.errors())
    for page in flow.pages():
        url = run.url("page", section=page.key, return_to="check")
        rows = []
        if page.adaptive:
            found = adaptive_blocks.block(run.definition, page.adaptive)
            spec = run.definition.item_bank(page.adaptive)
            labels = {c.value: run.definition.text(c.label, run.language)
                      for c in found.categories}
            for key, category in adaptive_blocks.asked_pairs(run.answers, page.adaptive):
                answer = (labels.get(found.categories[category].value, "")
                          if category is not None else _("Skipped"))
                rows.append({"label": run.definition.text(spec.item(key).label, run.language),
                             "answer": answer, "url": None})
            if not adaptive_blocks.session(found, run.answers).finished:
                problems.append((_("Finish the questions on “%(title)s”",
                                   title=run.definition.text(page.section.title,
                                                             run.language)), url))
        for question in page.questions:
            if question.type in ("note", "calculated"):
                continue
            label = flow.label(question)
            if question.key in missing:
                problems.append((_("Answer “%(label)s”", label=label), url))
            rows.append({"label": label, "url": url, "answer": display_answer(
                run.definition, question, run.answers.get(question.key), run.language)})
        groups.append({"title": run.definition.text(page.section.title, run.language),
                       "rows": rows})
    return groups, problems


def show_check(run: Run):
    flow = _flow(run)
    groups, problems = check_rows(run, flow)
    pages = flow.pages()
    last = pages[-1].key if pages else None
    return render("respond/check.html", run, page_title=_("Check your answers"), groups=groups,
                  problems=problems, submission_id=uuid.uuid4().hex,
                  back_url=run.url("page", section=last) if last else None)


def submission_problem(run: Run) -> tuple[int, str, str] | None:
    """Why this POST to submit cannot be accepted, or None."""
    if not SUBMISSION_ID.match(request.form.get("submission_id", "")):
        return 400, _("We could not read that page"), _(
            "The form was missing a part we need. Go back to “Check your answers” and send "
            "your answers from there.")
    return None


def incomplete(run: Run) -> bool:
    """True if a required answer is missing, an answer breaks a rule, or a test is unfinished."""
    flow = _flow(run)
    _groups, problems = check_rows(run, flow)
    return bool(problems)

"""respond blueprint: the pages community members and staff answer on their phones.

Entry by open link (/r/<code>), single-use token (/t/<token>) or resume code (/resume);
then consent, a name (named waves only), an optional panel code, one page per section,
"Check your answers", submit.
Thin routes: load (or explain in plain words why not) -> service -> commit once -> redirect.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from revaluation.extensions import db, limiter
from revaluation.models.base import utcnow
from revaluation.models.fieldwork import Anonymity
from revaluation.models.responses import ResponseStatus
from revaluation.respond import assets, identity, my_answers, pages, preview
from revaluation.respond.run import Run
from revaluation.respond.views import language_choices
from revaluation.services import responses
from revaluation.services.consent import wave_words
from revaluation.services.instruments import definition_of as _definition_of
from revaluation.services.languages import N_, use_language
from revaluation.services.secrets import normalise_code

bp = Blueprint("respond", __name__)


def _posts_per_address() -> str:
    """Every respondent POST from one address (generous: a workshop shares one Wi-Fi)."""
    return current_app.config.get("RESPONDENT_RATE_LIMIT", "600 per minute")


def _starts_per_address() -> str:
    """New responses from one address: each start stores a row, so floods are cut early."""
    return current_app.config.get("RESPONDENT_START_LIMIT", "60 per minute")


limiter.limit(_posts_per_address, methods=["POST"])(bp)

#: Largest respondent POST accepted; a long story is about 20 KB.
MAX_BODY = 256 * 1024

ENTRY_PROBLEMS = {
    "unknown": (404, N_("We cannot find that survey"),
                N_("The link may be mistyped or incomplete. Check it, or ask the person who "
                   "sent it for a new one.")),
    "revoked": (410, N_("This link no longer works"),
                N_("The people running this survey have withdrawn it. Ask them for a new "
                   "link.")),
    "expired": (410, N_("This link has expired"),
                N_("Links to this survey only work for a limited time. Ask the people "
                   "running it for a new link.")),
    "used": (410, N_("This invitation has already been used"),
             N_("Each personal invitation can send one set of answers, and this one has. "
                "Thank you. If you did not send them, tell the people running the survey.")),
    "closed": (410, N_("This survey has closed"),
               N_("It is no longer taking answers. Thank you for your interest.")),
    "not_open": (403, N_("This survey has not opened yet"),
                 N_("Please come back when it opens. The people running it will let you "
                    "know.")),
}


#: Published versions never change, so their parsed definitions are kept per process.
_DEFINITIONS: dict[tuple, object] = {}


def definition_of(version):
    """The engine's instrument for a version, parsed once per process when published."""
    if not version.is_published:
        return _definition_of(version)
    key = (version.id, str(version.published_at))
    found = _DEFINITIONS.get(key)
    if found is None:
        if len(_DEFINITIONS) > 200:
            _DEFINITIONS.clear()
        found = _DEFINITIONS[key] = _definition_of(version)
    return found


@bp.before_request
def limit_body():
    if request.content_length and request.content_length > MAX_BODY:
        abort(413)
    request.max_content_length = MAX_BODY


@bp.after_request
def finish(response):
    return assets.compress(identity.write(response))


@bp.errorhandler(CSRFError)
def expired_form(error):
    return pages.problem(400, _("This page has expired"), _(
        "For your security, pages expire. Nothing from this page was saved. Go back, reload "
        "the page and answer again."))


@bp.errorhandler(HTTPException)
def http_problem(error: HTTPException):
    texts = {
        404: (_("Page not found"), _("The address may be mistyped, or the page may have been "
                                     "removed.")),
        413: (_("That was too much to send"), _("Shorten your answer and try again.")),
        429: (_("Too many tries"), _("Please wait a minute, then try again.")),
        503: (_("We could not save just now"), _(
            "Answers you sent before are safe. Go back (your browser keeps what you typed on "
            "this page) and send it again in a minute.")),
    }
    title, text = texts.get(error.code, (_("Something in that request was not right"),
                                         _("Go back and try again.")))
    return pages.problem(error.code or 400, title, text)


def _entry_problem(problem: str):
    status, title, text = ENTRY_PROBLEMS[problem]
    return pages.problem(status, _(title), _(text))


def _landing(entry: responses.Entry, start_url: str):
    if entry.problem:
        return _entry_problem(entry.problem)
    wave, definition = entry.wave, definition_of(entry.wave.instrument_version)
    language = request.args.get("lang")
    if language not in definition.languages:
        language = (request.accept_languages.best_match(definition.languages)
                    or definition.default_language)
    use_language(language)
    evaluation = wave.evaluation
    run = Run(definition, {}, language, evaluation.title, evaluation.brand_colour, wave=wave)
    ongoing = _ongoing(wave.id)
    return pages.render(
        "respond/landing.html", run, page_title=definition.text(definition.title, language),
        survey_title=definition.text(definition.title, language),
        description=definition.text(definition.description, language),
        languages=language_choices(definition.languages),
        start_url=start_url, continue_url=url_for(".step", rid=ongoing) if ongoing else None,
        closes_at=wave.closes_at)


def _ongoing(wave_id: int) -> int | None:
    """A partial response in this wave that this browser holds, if any."""
    for rid, code in reversed(list(identity.entries().items())):
        response = responses.response_for(int(rid), code)
        if response and response.wave_id == wave_id and \
                response.status is ResponseStatus.PARTIAL:
            return response.id
    return None


@bp.get("/r/<code>")
def open_link(code: str):
    return _landing(responses.find_entry(code=code), url_for(".start_open", code=code))


@bp.get("/t/<token>")
def token_link(token: str):
    return _landing(responses.find_entry(token=token), url_for(".start_token", token=token))


def _start(entry: responses.Entry):
    if entry.problem:
        return _entry_problem(entry.problem)
    definition = definition_of(entry.wave.instrument_version)
    language = request.form.get("lang") or definition.default_language
    if language not in definition.languages:
        language = definition.default_language
    existing = responses.partial_for_token(entry.invitation) if entry.invitation.token_hash \
        else None
    if existing is not None:  # the token holder is back, maybe on another device
        code = responses.rotate_resume_code(existing)
        if request.form.get("lang") in definition.languages:
            existing.language = language
        response = existing
    else:
        response, code = responses.start_response(entry.wave, entry.invitation, language=language)
    db.session.commit()
    identity.remember(response.id, code)
    return redirect(url_for(".step", rid=response.id))


@bp.post("/r/<code>/start")
@limiter.limit(_starts_per_address)
def start_open(code: str):
    return _start(responses.find_entry(code=code))


@bp.post("/t/<token>/start")
@limiter.limit(_starts_per_address)
def start_token(token: str):
    return _start(responses.find_entry(token=token))


def _load(rid: int, *, finished_ok: bool = False) -> tuple[Run | None, object]:
    """The respondent's run, or the page explaining why they cannot continue."""
    code = identity.code_for(rid)
    response = responses.response_for(rid, code) if code else None
    if response is None:
        return None, pages.problem(403, _("We cannot show these answers on this device"), _(
            "Answers can only be continued on the device where they were started, or with "
            "the resume code you were given."), resume_url=url_for(".resume"))
    wave = response.wave
    if response.status is ResponseStatus.COMPLETE and not finished_ok:
        return None, redirect(url_for(".done", rid=rid))
    if response.status is ResponseStatus.PARTIAL and not wave.accepting_at(utcnow()):
        return None, _entry_problem("closed")
    definition = definition_of(wave.instrument_version)
    use_language(response.language)
    run = Run(definition, responses.load_answers(response, definition), response.language,
              wave.evaluation.title, wave.evaluation.brand_colour, response=response, wave=wave,
              resume_code=code, rid=rid)
    if wave.ask_panel_code:
        run.extra["start_url"] = url_for(".panel", rid=rid)
    elif wave.consent_text.strip():
        run.extra["start_url"] = url_for(".consent", rid=rid)
    return run, None


def _next_step(run: Run) -> str:
    response, rid = run.response, run.response.id
    if not response.consent_given:
        return url_for(".consent", rid=rid)
    if (run.wave.anonymity is Anonymity.NAMED and not response.respondent_name
            and response.current_page is None):
        return url_for(".name", rid=rid)
    if run.wave.ask_panel_code and response.current_page is None and not response.panel_hash:
        return url_for(".panel", rid=rid)
    section = response.current_page or pages.Flow(
        run.definition, run.answers, language=run.language).next_page(None)
    return url_for(".page", rid=rid, section=section) if section else url_for(".check", rid=rid)


@bp.get("/s/<int:rid>")
def step(rid: int):
    run, refusal = _load(rid)
    return refusal or redirect(_next_step(run))


@bp.route("/s/<int:rid>/consent", methods=["GET", "POST"])
def consent(rid: int):
    run, refusal = _load(rid)
    if refusal:
        return refusal
    error = None
    if request.method == "POST":
        answer = request.form.get("agree")
        if answer == "yes":
            responses.record_consent(run.response, run.wave)
            db.session.commit()
            return redirect(_next_step(run))
        if answer == "no":
            responses.withdraw(run.response)
            db.session.commit()
            identity.forget(rid)
            return pages.problem(200, _("You have chosen not to take part"), _(
                "Nothing you entered has been kept. Thank you for your time."), run)
        error = _("Choose yes if you agree to take part, or no if you do not")
    return pages.render("respond/consent.html", run,
                        page_title=_("Taking part"),
                        consent_text=wave_words(run.wave, run.response.language),
                        error=error, agreed=run.response.consent_given)


@bp.route("/s/<int:rid>/name", methods=["GET", "POST"])
def name(rid: int):
    """Named waves only: the respondent says who they are, knowing it is kept with answers."""
    run, refusal = _load(rid)
    if refusal:
        return refusal
    if run.wave.anonymity is not Anonymity.NAMED:
        return redirect(_next_step(run))
    error = None
    typed = run.response.respondent_name or ""
    if request.method == "POST":
        typed = request.form.get("respondent_name", "")[:1000]
        cleaned = " ".join(typed.split())
        if not cleaned:
            error = _("Enter your name")
        elif len(cleaned) > responses.MAX_NAME_LENGTH:
            error = _("Enter a name of at most %(count)s characters",
                      count=responses.MAX_NAME_LENGTH)
        else:
            responses.record_name(run.response, cleaned)
            db.session.commit()
            return redirect(_next_step(run))
    return pages.render("respond/name.html", run, page_title=_("Your name"), error=error,
                        typed=typed, back_url=url_for(".consent", rid=rid)
                        if run.wave.consent_text.strip() else None)


@bp.route("/s/<int:rid>/panel", methods=["GET", "POST"])
def panel(rid: int):
    run, refusal = _load(rid)
    if refusal:
        return refusal
    if not run.wave.ask_panel_code:
        return redirect(_next_step(run))
    error, typed = None, ""
    first = pages.Flow(run.definition, run.answers, language=run.language).next_page(None)
    if request.method == "POST":
        typed = request.form.get("panel_code", "")[:100]
        if request.form.get("action") == "skip":
            responses.record_panel_code(run.response, None)
        else:
            cleaned = normalise_code(typed)
            if not 4 <= len(cleaned) <= 20:
                error = _("Enter your code: 4 to 20 letters and numbers, for example ma07le")
            else:
                responses.record_panel_code(run.response, cleaned)
        if error is None:
            run.response.current_page = run.response.current_page or first
            db.session.commit()
            return redirect(_next_step(run))
    if run.wave.anonymity is Anonymity.NAMED:
        back_url = url_for(".name", rid=rid)
    else:
        back_url = url_for(".consent", rid=rid) if run.wave.consent_text.strip() else None
    return pages.render("respond/panel.html", run, page_title=_("Your panel code"), error=error,
                        typed=typed, has_code=bool(run.response.panel_hash), back_url=back_url)


@bp.route("/s/<int:rid>/language", methods=["GET", "POST"])
def language(rid: int):
    run, refusal = _load(rid)
    if refusal:
        return refusal
    back = request.values.get("return_to_url") or request.args.get("next", "")
    back = back if back.startswith(f"/s/{rid}/") and "//" not in back else ""
    if len(run.definition.languages) < 2:  # nothing to choose
        return redirect(back or _next_step(run))
    if request.method == "POST" and request.form.get("lang") in run.definition.languages:
        run.response.language = request.form["lang"]
        db.session.commit()
        return redirect(back or _next_step(run))
    return pages.render("respond/language.html", run, page_title=_("Choose a language"),
                        languages=language_choices(run.definition.languages),
                        return_to_url=back)


@bp.route("/s/<int:rid>/p/<section>", methods=["GET", "POST"])
def page(rid: int, section: str):
    run, refusal = _load(rid)
    if refusal:
        return refusal
    if request.method == "POST":
        return pages.post_page(run, section)
    return pages.show_page(run, section)


@bp.post("/s/<int:rid>/p/<section>/autosave")
def autosave(rid: int, section: str):
    run, refusal = _load(rid)
    if refusal:
        return {"error": "these answers cannot be changed now"}, 409
    return pages.autosave(run, section)


@bp.get("/s/<int:rid>/check")
def check(rid: int):
    run, refusal = _load(rid)
    return refusal or pages.show_check(run)


@bp.post("/s/<int:rid>/submit")
def submit(rid: int):
    run, refusal = _load(rid, finished_ok=True)
    if refusal:
        return refusal
    wrong = pages.submission_problem(run)
    if wrong:
        return pages.problem(*wrong, run=run)
    if run.response.status is ResponseStatus.COMPLETE:
        return redirect(url_for(".done", rid=rid))
    if not run.wave.accepting_at(utcnow()):
        return _entry_problem("closed")
    if pages.incomplete(run):
        return redirect(url_for(".check", rid=rid))
    calculated = pages.Flow(run.definition, run.answers, language=run.language).calculate()
    responses.submit_response(run.response, run.definition, request.form["submission_id"],
                              calculated)
    db.session.commit()
    return redirect(url_for(".done", rid=rid))


@bp.get("/s/<int:rid>/done")
def done(rid: int):
    run, refusal = _load(rid, finished_ok=True)
    if refusal:
        return refusal
    if run.response.status is not ResponseStatus.COMPLETE:
        return redirect(_next_step(run))
    return pages.render("respond/done.html", run, page_title=_("Your answers have been sent"),
                        code=run.resume_code)


@bp.get("/s/<int:rid>/save")
def save_for_later(rid: int):
    run, refusal = _load(rid)
    if refusal:
        return refusal
    return pages.render("respond/saved.html", run, page_title=_("Your answers are saved"),
                        code=run.resume_code, continue_url=_next_step(run),
                        resume_url=url_for(".resume_link", code=run.resume_code,
                                           _external=True))


def _resume(code: str):
    response = responses.resume_by_code(code)
    if response is None:
        return None
    if response.status is ResponseStatus.COMPLETE:
        return pages.problem(200, _("These answers have already been sent"),
                             _("Thank you. There is nothing more to do."))
    identity.remember(response.id, normalise_code(code))
    return redirect(url_for(".step", rid=response.id))


@bp.route("/resume", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def resume():
    error, typed = None, ""
    if request.method == "POST":
        typed = request.form.get("code", "")[:64]
        found = _resume(typed)
        if found is not None:
            return found
        error = _("We could not find answers with that code. Check it and try again: it has "
                  "10 letters and numbers")
    return pages.render("respond/resume.html", None, page_title=_("Continue your answers"),
                        error=error, typed=typed)


@bp.get("/resume/<code>")
@limiter.limit("20/minute")
def resume_link(code: str):
    return _resume(code) or redirect(url_for(".resume"))


@bp.get("/respondent-privacy")
def privacy():
    return pages.render("respond/privacy.html", None, page_title=_("How we use your answers"))


@bp.get("/r/assets/<version>/<colour>.css")
def stylesheet(version: str, colour: str):
    return assets.stylesheet(colour)


@bp.get("/r/assets/<version>/respond.js")
def script(version: str):
    return assets.script()


preview.register(bp)
my_answers.register(bp)

"""The strict Content-Security-Policy breaks nothing: a real browser walks the demo's pages
(respondent, participant, evaluator, with their JavaScript running) and reports no policy
violation and no script error."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _watched(new_context):
    context = new_context()
    context.add_init_script(WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    return page, errors


def _no_violations(page, errors: list[str]) -> None:
    assert page.evaluate("window.__violations") == [], page.url
    assert errors == [], page.url


def test_respondent_and_participant_pages_run_under_the_policy(live_server, new_context, demo):
    page, errors = _watched(new_context)
    page.goto(live_server + demo.respondent_path)
    _no_violations(page, errors)
    page.get_by_role("button", name="Start").first.click()
    page.wait_for_load_state()
    for _ in range(3):  # consent, panel code, the first page of questions
        _no_violations(page, errors)
        if page.locator("input[type=radio]").count():
            page.locator("input[type=radio]").first.check()
            page.wait_for_timeout(600)  # let the autosave request run
            _no_violations(page, errors)
            break
        page.locator("button[type=submit]").first.click()
        page.wait_for_load_state()
    for path in (demo.participation_path, demo.participation_path + "/story",
                 demo.participation_path + "/proposals", demo.msc_path):
        page.goto(live_server + path)
        _no_violations(page, errors)


def test_evaluator_pages_run_under_the_policy(live_server, new_context, demo):
    page, errors = _watched(new_context)
    login(page, live_server, demo.evaluator_email, demo.password)
    for path in ("/", "/e/demo/", "/e/demo/results", "/e/demo/results/questions",
                 "/e/demo/outcomes", "/e/demo/fieldwork", "/e/demo/instruments",
                 "/e/demo/participation", "/e/demo/reports", "/e/demo/audit"):
        page.goto(live_server + path)
        _no_violations(page, errors)


def test_the_policy_really_blocks_inline_script(live_server, new_context):
    """The watcher above can see a violation: an injected inline script is refused."""
    page, _errors = _watched(new_context)
    page.goto(live_server + "/login")
    page.evaluate("""() => { const s = document.createElement("script");
        s.textContent = "window.__ran = true"; document.body.appendChild(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === true") is False
    assert any(v.startswith("script-src") for v in page.evaluate("window.__violations"))

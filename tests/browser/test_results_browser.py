"""Results pages in a real phone-sized browser: readable without sideways scrolling of any
table, filters work without JavaScript, and no accessibility violations in the content."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, login, submit

pytestmark = pytest.mark.browser


def _in_main(page) -> list[dict]:
    found = []
    for violation in axe_violations(page):
        selectors = [t[0] if isinstance(t, list) else t for t in violation["targets"]]
        if any(page.evaluate("s => !!document.querySelector(s)?.closest('#main')", s)
               for s in selectors):
            found.append(violation)
    return found


def test_commissioner_reads_results_on_a_phone(live_server, new_context, demo):
    page = new_context(javascript=False).new_page()
    login(page, live_server, demo.commissioner_email, demo.password)
    page.goto(live_server + "/e/demo/results")
    assert page.locator("h1").inner_text() == "Results"
    table = page.locator(".outcome-table")
    assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth + 1")
    assert page.locator(".outcome-table tbody tr").count() >= 5
    page.locator("summary").first.click()
    page.locator("input[name=group][value=member]").check()
    submit(page.locator(".results-filters button[type=submit]"))
    assert "group=member" in page.url and "(filtered)" in page.content()
    submit(page.locator(".outcome-table a").first)
    assert page.locator("svg[role=img] title").count() >= 1
    # axe runs as JavaScript, so the accessibility check uses a context with it on.
    checked = new_context().new_page()
    login(checked, live_server, demo.commissioner_email, demo.password)
    for path in ("/e/demo/results", page.url.replace(live_server, ""),
                 "/e/demo/results/questions"):
        checked.goto(live_server + path)
        assert _in_main(checked) == []
        # Wide tables turn into one card per row on a phone: nothing scrolls sideways.
        wide = checked.evaluate("""() => [...document.querySelectorAll('.table-scroll')]
            .filter(s => s.scrollWidth > s.clientWidth + 1).length""")
        assert wide == 0, path

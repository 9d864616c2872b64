"""A simulated respondent: walks a survey link like a phone browser without JavaScript.

It reads each page's form (hidden fields, radios, checkboxes, numbers, selects), answers
the way a hurried but valid person would, and sends it back, spreading its requests over
the given base URLs so consecutive pages are served by different app instances. Used by
``benchmarks/scale.py`` and ``scripts/topology_smoke.py``; standard library + requests only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

MAX_STEPS = 40
NONSUBSTANTIVE = {"prefer_not_to_say", "dont_know", "other"}


@dataclass
class Form:
    action: str = ""
    fields: list[dict] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    """Collects the first POST form of a page (the respondent pages have one main form)."""

    def __init__(self) -> None:
        super().__init__()
        self.form: Form | None = None
        self._in_form = False
        self._done = False
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if self._done:
            return
        if tag == "form" and a.get("method", "get").lower() == "post" and not self._in_form:
            if "logout" in a.get("action", ""):
                return
            self.form, self._in_form = Form(action=a.get("action", "")), True
        elif not self._in_form:
            return
        elif tag == "input":
            self.form.fields.append({"tag": "input", **a})
        elif tag == "button" and a.get("name"):
            self.form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = {"tag": "select", "name": a.get("name", ""), "options": []}
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = {"tag": "textarea", "name": a.get("name", "")}

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True
        elif tag == "select" and self._select is not None:
            self.form.fields.append(self._select)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.form.fields.append(self._textarea)
            self._textarea = None


def parse_form(html: str) -> Form | None:
    parser = _FormParser()
    parser.feed(html)
    return parser.form


def _number(f: dict) -> str:
    low, high = f.get("min"), f.get("max")
    try:
        if low and high:
            return str(int((float(low) + float(high)) // 2))
        return str(int(float(low))) if low else "1"
    except ValueError:
        return "1"


def fill(form: Form) -> dict[str, list[str]]:
    """Valid-looking answers for every field of the form."""
    data: dict[str, list[str]] = {}
    radios_done: set[str] = set()
    checked: set[str] = set()
    parts: dict[str, list[dict]] = {}
    for f in form.fields:
        name = f.get("name", "")
        if not name or "disabled" in f or "hidden" in f:
            continue
        kind = f.get("type", "text").lower() if f["tag"] == "input" else f["tag"]
        if kind == "hidden":
            data.setdefault(name, []).append(f.get("value", ""))
        elif kind == "radio":
            if name not in radios_done and f.get("value") not in NONSUBSTANTIVE:
                data[name] = [f.get("value", "")]
                radios_done.add(name)
        elif kind == "checkbox":
            if name.endswith("__ns") or f.get("value") in NONSUBSTANTIVE or name in checked:
                continue
            data[name] = [f.get("value", "on")]
            checked.add(name)
        elif kind in ("number", "range") or re.search(r"__[123]$", name):
            parts.setdefault(name.split("__")[0], []).append(f)
        elif kind == "select":
            options = [o for o in f["options"] if o]
            if options:
                data[name] = [options[0]]
        elif kind == "date":
            data[name] = ["2024-05-01"]
        elif kind == "textarea":
            data[name] = ["Walking with others helped me get out more."]
        elif kind in ("text", "email", "search", "tel"):
            data.setdefault(name, [""])
    for group in parts.values():
        if len(group) == 3 and all(re.search(r"__[123]$", g["name"]) for g in group):
            values = ["34", "33", "33"]  # a triad typed as percentages
        elif len(group) > 1:
            values = ["1"] + ["0"] * (len(group) - 1)  # dot allocation within any budget
        else:
            values = [_number(group[0])]
        for g, v in zip(group, values, strict=True):
            data[g["name"]] = [v]
    return data


def _button(form: Form) -> dict[str, list[str]]:
    names = dict(form.buttons)
    for preferred in ("continue", "answer", "skip"):
        for name, value in form.buttons:
            if value == preferred:
                return {name: [value]}
    return {k: [v] for k, v in list(names.items())[:1]}


@dataclass
class WalkResult:
    completed: bool
    response_id: int | None
    requests: int
    error: str | None = None


def walk(
    session: requests.Session,
    bases: list[str],
    start_path: str,
    *,
    offset: int = 0,
    timeout: float = 30.0,
) -> WalkResult:
    """Answer the survey at ``start_path``; request i goes to ``bases[(offset + i) % n]``."""
    count = 0

    def url_for(path: str) -> str:
        nonlocal count
        base = bases[(offset + count) % len(bases)]
        count += 1
        split = urlsplit(path)
        local = split.path + (f"?{split.query}" if split.query else "")
        return urljoin(base, local)

    def follow(response: requests.Response) -> requests.Response:
        # Redirects are followed by hand so the next page may come from another instance.
        for _ in range(5):
            if response.status_code not in (301, 302, 303, 307, 308):
                break
            location = urljoin(response.url, response.headers["Location"])
            response = session.get(url_for(location), timeout=timeout, allow_redirects=False)
        return response

    page = follow(session.get(url_for(start_path), timeout=timeout, allow_redirects=False))
    for _ in range(MAX_STEPS):
        path = urlsplit(page.url).path
        if page.status_code >= 400:
            return WalkResult(False, _rid(path), count, f"HTTP {page.status_code} at {path}")
        if path.endswith("/done"):
            return WalkResult(True, _rid(path), count)
        form = parse_form(page.text)
        if form is None:
            return WalkResult(False, _rid(path), count, f"no form at {path}")
        data = fill(form)
        data.update(_button(form))
        target = urljoin(page.url, form.action or path)
        page = follow(
            session.post(url_for(target), data=data, timeout=timeout, allow_redirects=False)
        )
    return WalkResult(False, None, count, "too many steps")


def _rid(path: str) -> int | None:
    match = re.search(r"/s/(\d+)/", path + "/")
    return int(match.group(1)) if match else None

"""A corpus of XSS and formula-injection payloads pushed through everything people author, and
every output checked: each HTML page the app serves (found in ``app.url_map``), the report's HTML
and PDF, and the CSV/XLSX exports.

A page passes when a parser finds nothing a payload could have made: no inline script, no event
handler, no ``javascript:``/``data:`` URL, no frame, style or base element. Help text may use
light Markdown, so its payloads test the nh3-cleaned conversion too.
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from itertools import cycle

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from revaluation.extensions import db
from revaluation.models import (
    Answer,
    ApiToken,
    ConsentVersion,
    Evaluation,
    Finding,
    FindingResponse,
    Instrument,
    InstrumentVersion,
    Job,
    MscRound,
    MscVote,
    NegotiationRound,
    Outcome,
    OutcomeRevision,
    ParticipationSpace,
    Proposal,
    Response,
    Story,
    StoryTag,
    User,
    ValueItem,
    ValueReaction,
    Wave,
)
from revaluation.models.base import utcnow
from revaluation.models.participation import SenseMakingRound
from revaluation.services.markup import light_markdown
from tests.web.security_world import World, build_world, probes
from tests.web.test_security_authz import audience

PAYLOADS = [
    '<script>alert("x1")</script>',
    '"><img src=x onerror=alert(2)>',
    "'><svg onload=alert(3)>",
    "<svg><script>alert(4)</script></svg>",
    '<a href="javascript:alert(5)">x5</a>',
    "[x6](javascript:alert(6))",
    '<iframe srcdoc="<script>alert(7)</script>"></iframe>',
    "</textarea></title><script>alert(8)</script>",
    "<style>*{background:url(javascript:alert(9))}</style>",
    '<div style="x:expression(alert(10))" onclick=alert(10)>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(11)>",
    "{{ 7*7 }} {% if 1 %}x12{% endif %}",
    '<base href="//evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(14)">',
    '<form action="javascript:alert(15)"><button>x15</button></form>',
]
#: Help text is light Markdown: links and emphasis that try to smuggle script.
MARKDOWN = [
    "**bold** [x](javascript:alert(1)) *<script>alert(2)</script>*",
    '[ok](https://example.org/"onmouseover="alert(3)) _<img src=x onerror=alert(4)>_',
    "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==) [b](vbscript:x)",
    "[**[nested](javascript:alert(6))**](https://example.org/)",
]
#: Text a spreadsheet would run if a cell started with it.
FORMULAS = ['=HYPERLINK("http://evil.example","x")', '+cmd|" /C calc"!A0',
            '-2+3+cmd|" /C calc"!A0', "@SUM(1+1)", "\t=1+1", "\r=1+1"]
FULL = " ".join(PAYLOADS)
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def _packed(limit: int, offset: int) -> str:
    """As many payloads as fit in ``limit`` characters, starting from a different one each time."""
    text = ""
    for payload in PAYLOADS[offset % len(PAYLOADS):] + PAYLOADS[:offset % len(PAYLOADS)]:
        if len(text) + len(payload) + 1 > limit:
            break
        text = f"{text} {payload}".strip()
    return text or PAYLOADS[1][:limit]


#: (model, column, longest text it holds): every text a person authors.
FIELDS = [
    (Evaluation, "title", 200), (Evaluation, "movement", 200), (Evaluation, "description", None),
    (Wave, "name", 120), (Wave, "consent_text", None), (ConsentVersion, "text", None),
    (Outcome, "title", 200), (Outcome, "description", None), (OutcomeRevision, "reason", None),
    (Instrument, "title", 200), (ParticipationSpace, "welcome", None),
    (Proposal, "text", None), (Proposal, "detail", None), (Proposal, "moderation_reason", None),
    (Story, "title", 200), (Story, "text", None), (ValueItem, "note", None),
    (StoryTag, "name", 60), (NegotiationRound, "title", 200), (ValueReaction, "reason", None),
    (MscRound, "domain", 200), (MscRound, "selection_reason", None), (MscVote, "reason", None),
    (SenseMakingRound, "title", 200), (Finding, "title", 200), (Finding, "summary", None),
    (FindingResponse, "comment", None), (User, "name", 120), (ApiToken, "name", 80),
    (Job, "error", None), (Response, "respondent_name", 200),
]

TEXT_KEYS = {"title", "description", "label", "left", "right"}


def _poison_text(value, payload: str):
    if isinstance(value, dict):
        return dict.fromkeys(value, payload)
    return payload


def _poison_definition(node, payloads, hints):
    """Every title, label and hint of a stored definition replaced by a payload."""
    if isinstance(node, list):
        return [_poison_definition(item, payloads, hints) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in TEXT_KEYS and isinstance(value, str | dict) and \
                (isinstance(value, str) or all(isinstance(v, str) for v in value.values())):
            out[key] = _poison_text(value, next(payloads))
        elif key == "hint":
            out[key] = _poison_text(value, next(hints))
        elif key == "corners":
            out[key] = [_poison_text(v, next(payloads)) for v in value]
        else:
            out[key] = _poison_definition(value, payloads, hints)
    return out


def poison(world: World) -> None:
    """Put a payload into every authored text of every evaluation, straight into the rows (so
    the test reaches outputs whatever the forms would accept)."""
    for offset, (model, column, limit) in enumerate(FIELDS):
        value = FULL if limit is None else _packed(limit - 6, offset)
        where = getattr(model, column).isnot(None) if column == "respondent_name" else sa.true()
        for row in db.session.execute(sa.select(model).where(where)).scalars():
            # A number after the payload keeps names that must be unique unique.
            setattr(row, column, f"{value} {row.id}")
    payloads, hints = cycle(p[:180] for p in PAYLOADS), cycle(MARKDOWN)
    versions = db.session.execute(sa.select(InstrumentVersion.id, InstrumentVersion.definition))
    for version_id, definition in list(versions):
        # A plain UPDATE: published versions refuse changes through the ORM, rightly.
        db.session.execute(sa.update(InstrumentVersion).filter_by(id=version_id).values(
            definition=_poison_definition(definition, payloads, hints)))
    answers = db.session.execute(sa.select(Answer).where(Answer.text.isnot(None))).scalars()
    for answer, text in zip(answers, cycle(FORMULAS + PAYLOADS), strict=False):
        answer.text = text
    db.session.commit()
    db.session.expire_all()


# -- what a page must not contain ------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
                  "background", "ping"}
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style",
                  "math", "form-injected"}


class Scanner(HTMLParser):
    """Collects every construct in a page that could run script or restyle it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "script" and not (found.get("src") or "").startswith("/"):
            self.problems.append("an inline <script>")
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"a <{tag}> element")
        if tag == "meta" and "http-equiv" in found:
            self.problems.append("a <meta http-equiv>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"an event handler {name}= on <{tag}>")
            if name in ("style", "srcdoc"):
                self.problems.append(f"a {name}= attribute on <{tag}>")
            if name in URL_ATTRIBUTES and value:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                harmless_data = (tag == "img" and scheme.startswith("data:image/")) or (
                    tag == "link" and scheme == "data:,")  # "no favicon", in respond/base.html
                if scheme.startswith(("javascript:", "vbscript:")) or (
                        scheme.startswith("data:") and not harmless_data):
                    self.problems.append(f"a {scheme.split(':')[0]}: URL in <{tag} {name}>")
                if tag == "form" and name == "action" and not value.startswith(("/", "?", "")):
                    self.problems.append("a form posting elsewhere")

    handle_startendtag = handle_starttag


def links_in(html: str) -> list[str]:
    """The href of every real <a> element (not text that looks like one)."""
    found: list[str] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "a":
                found.extend(value for name, value in attrs if name == "href")

    Links().feed(html)
    return found


def problems_in(html: str) -> list[str]:
    scanner = Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.problems


def test_the_scanner_catches_what_it_looks_for():
    for payload in PAYLOADS[:11] + PAYLOADS[12:]:
        if payload.startswith("[x6]"):
            continue  # Markdown only becomes a link where Markdown is converted
        assert problems_in(payload), payload
    assert problems_in(str(light_markdown("fine"))) == []


@pytest.mark.parametrize("text", MARKDOWN + PAYLOADS)
def test_light_markdown_never_makes_script(text):
    html = str(light_markdown(text))
    assert problems_in(html) == []
    for href in links_in(html):
        assert href.startswith(("https://", "http://", "mailto:")), href


def test_light_markdown_keeps_what_it_promises():
    html = str(light_markdown("Read **this**, *that* and [our page](https://example.org/a?b=1)"
                              "\nthen go"))
    assert "<strong>this</strong>" in html and "<em>that</em>" in html
    assert '<a href="https://example.org/a?b=1" rel="noopener noreferrer nofollow">our page</a>' \
        in html
    assert "<br>" in html


# -- the crawl ---------------------------------------------------------------------------------


@pytest.fixture
def world(app) -> World:
    built = build_world(app, app.test_client)
    poison(built)
    return built


def _login(app, email: str):
    from tests.conftest import TEST_PASSWORD

    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": TEST_PASSWORD}
                       ).status_code == 302
    return client


def _check(response, where: str, found: dict) -> None:
    assert response.status_code < 500, f"{where} answered {response.status_code}"
    if response.mimetype == "text/html":
        problems = problems_in(response.get_data(as_text=True))
        if problems:
            found[where] = sorted(set(problems))


def _get(client, app, probe):
    from flask import url_for

    with app.test_request_context():
        url = url_for(probe.rule.endpoint, **probe.values)
    return url, client.get(url)


def test_no_page_runs_what_people_wrote(app, world, subtests):
    found: dict[str, list[str]] = {}
    a = world.a
    owner = _login(app, a.owner.email)
    for probe in probes(app, world, audience, {"evaluation", "preview", "account"},
                        methods={"GET"}):
        url, response = _get(owner, app, probe)
        _check(response, f"owner: {url}", found)
    page = owner.get(f"/e/{a.slug}/").get_data(as_text=True)
    assert "{{ 7*7 }}" in page and "49" not in re.sub(r"\d{3,}|\d+[.,]\d+", "", page)

    participant = app.test_client()
    participant.post(f"/p/{a.space_code}/propose", data={"kind": "outcome", "text": FULL})
    for probe in probes(app, world, audience, {"participant"}, methods={"GET"}):
        url, response = _get(participant, app, probe)
        _check(response, f"participant: {url}", found)

    respondent = app.test_client()
    started = respondent.post(f"/r/{a.tokens['open_link']}/start")
    rid = int(re.search(r"/s/(\d+)", started.headers["Location"]).group(1))
    respondent.post(f"/s/{rid}/consent", data={"agree": "yes"})
    respondent.post(f"/s/{rid}/panel", data={"action": "skip"})
    for probe in probes(app, world, audience, {"respondent"}, methods={"GET"},
                        overrides={"rid": rid}):
        url, response = _get(respondent, app, probe)
        _check(response, f"respondent: {url}", found)
    version = db.session.get(InstrumentVersion, a.ids["version_id"])
    shown = []
    for section in version.definition["sections"]:
        url = f"/s/{rid}/p/{section['key']}"
        page = respondent.get(url)
        shown.append(page.get_data(as_text=True))
        _check(page, f"respondent: {url}", found)
        _check(owner.get(f"/preview/{a.ids['version_id']}/p/{section['key']}"),
               f"owner preview: {section['key']}", found)

    # The help text's Markdown was converted where it is allowed: emphasis, not script.
    assert any("<strong>bold</strong>" in html for html in shown)

    visitor = app.test_client()
    for url in (f"/r/{a.tokens['open_link']}", f"/t/{a.tokens['wave_token']}", "/resume",
                "/respondent-privacy", "/r/my-answers", f"/msc/{a.tokens['msc_code']}",
                f"/invitations/{a.tokens['colleague_invitation']}",
                f"/reports/d/{a.tokens['report_link']}", "/login"):
        _check(visitor.get(url), f"visitor: {url}", found)
    assert not found, "\n".join(f"{where}: {', '.join(p)}" for where, p in found.items())


def test_forms_keep_payloads_as_plain_text(app, world):
    """What comes in through the real forms is stored as typed and shown as text."""
    a = world.a
    participant = app.test_client()
    payload = PAYLOADS[1]
    response = participant.post(f"/p/{a.space_code}/propose", data={
        "kind": "outcome", "text": payload, "detail": PAYLOADS[0]}, follow_redirects=True)
    assert response.status_code == 200
    assert db.session.execute(sa.select(Proposal).filter_by(text=payload)).scalar_one()
    html = response.get_data(as_text=True)
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in html or \
        "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert problems_in(html) == []


# -- the report --------------------------------------------------------------------------------


def test_the_report_shows_payloads_as_text_and_links_nowhere(app, world):
    from pypdf import PdfReader

    from revaluation.reports.render import render_html
    from revaluation.reports.sources import ReportOptions
    from revaluation.services.report_jobs import build_report, generate_pdf

    evaluation = db.session.get(Evaluation, world.a.evaluation.id)
    report = build_report(evaluation, ReportOptions(), edition_label="Edition 1",
                          generated_at=utcnow())
    html = render_html(report)
    # The PDF template's own stylesheet and column widths are the only styling allowed.
    assert html.count("<style") == 1
    expected = {"a <style> element", "a style= attribute on <col>"}
    assert [p for p in problems_in(html) if p not in expected] == []
    pdf = generate_pdf(evaluation, ReportOptions(), edition_label="Edition 1").rendered.pdf
    assert b"/JavaScript" not in pdf and b"/JS " not in pdf and b"/Launch" not in pdf
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    squashed = re.sub(r"\s+", "", text)
    assert 'alert("x1")' in squashed or "alert(" in squashed  # shown, as text
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            uri = str(action.get("/URI", ""))
            assert not uri.lower().startswith(("javascript:", "data:", "vbscript:")), uri


# -- exports -----------------------------------------------------------------------------------


def _csv_cells(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def test_exports_neutralise_formulas(app, world):
    a = world.a
    owner = _login(app, a.owner.email)
    csv_file = owner.get(f"/e/{a.slug}/results/data/responses.csv")
    assert csv_file.status_code == 200
    cells = _csv_cells(csv_file.data)
    assert any(c.startswith("'=HYPERLINK") for c in cells)  # the payload is there, defused
    codebook = _csv_cells(owner.get(f"/e/{a.slug}/results/data/codebook.csv").data)
    for cell in cells + codebook:
        assert not cell.startswith(DANGEROUS_START), repr(cell)

    xlsx = owner.get(f"/e/{a.slug}/results/data/responses.xlsx")
    book = load_workbook(io.BytesIO(xlsx.data))
    strings = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"a formula in {sheet.title}!{cell.coordinate}"
                if isinstance(cell.value, str):
                    strings += 1
                    assert not cell.value.startswith(DANGEROUS_START), repr(cell.value)
    assert strings


def test_a_respondents_own_download_is_neutralised_too(app, world):
    a = world.a
    respondent = app.test_client()
    started = respondent.post(f"/r/{a.tokens['open_link']}/start")
    rid = int(re.search(r"/s/(\d+)", started.headers["Location"]).group(1))
    respondent.post(f"/s/{rid}/consent", data={"agree": "yes"})
    download = respondent.get(f"/r/my-answers/{rid}/answers.csv")
    assert download.status_code == 200
    for cell in _csv_cells(download.data):
        assert not cell.startswith(DANGEROUS_START), repr(cell)

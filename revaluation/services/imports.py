"""Import response data from CSV/XLSX exports (KoboToolbox, LimeSurvey, Google Forms, our own).

Three steps, each usable from the web and the CLI: :func:`read_table` reads the file,
:func:`plan_import` maps columns to question keys (explicit mapping first, then matching by key or
by label) and checks every value with the engine's ``normalise`` — the same path as a
respondent's answer — collecting every value that does not fit with its row, column and the
engine's message (the dry run); :func:`import_rows` stores the rows that have answers.

Idempotent: each row becomes a response whose ``submission_id`` is derived from the wave and the
row's source id (an id column such as ``response_id``, Kobo's ``_uuid`` or LimeSurvey's ``id``;
else the file's hash and the row number), so importing the same file twice adds nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import Answer, Response, ResponseStatus, Wave
from revaluation.models.base import utcnow
from revaluation.services.instruments import definition_of
from revaluation.services.uploads import UploadRejected, check_upload
from surveys.errors import AnswerError
from surveys.formats.archive import ArchiveLimits
from surveys.types import get_type

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 2_000
#: Rows times columns; a 20 MB file cannot hold more real cells than this.
MAX_CELLS = 10_000_000
#: Rows of a sheet looked at, empty ones included.
MAX_SCANNED_ROWS = 200_000
#: A 50,000-row workbook unpacks to well under 200 MB of sheet XML.
ARCHIVE_LIMITS = ArchiveLimits(max_unzipped_bytes=200 * 1024 * 1024)
ID_COLUMNS = ("response_id", "_uuid", "id", "_id", "submission_id", "Response ID")
GROUP_COLUMNS = ("group", "audience", "_group")
STRUCTURED = {"triad", "ranking", "matrix", "dot_allocation", "value_grid", "story"}


class ImportRejected(ValueError):
    """The file cannot be imported at all; the message says why and what to do."""


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Problem:
    row: int  # 1-based data row (the header is row 0)
    column: str
    value: str
    message: str


@dataclass
class Plan:
    mapping: dict[str, str]
    unmapped: list[str]
    id_column: str | None
    group_column: str | None
    file_hash: str
    total_rows: int
    problems: list[Problem] = field(default_factory=list)
    rows: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    @property
    def valid_rows(self) -> int:
        return len(self.rows)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(content: bytes, filename: str) -> Table:
    """The first sheet of an XLSX file, or a CSV (comma, semicolon or tab; UTF-8 or Latin-1).

    The file first passes :func:`~revaluation.services.uploads.check_upload` (size, real type,
    zip bombs); reading then stops at ``MAX_COLUMNS`` columns and ``MAX_CELLS`` cells, so a
    small file that claims a vast sheet cannot make the server fill one.
    """
    try:
        kind = check_upload(content, filename, accept=("text", "xlsx"), max_bytes=MAX_BYTES,
                            archive_limits=ARCHIVE_LIMITS)
    except UploadRejected as exc:
        raise ImportRejected(str(exc)) from None
    data = _xlsx_rows(content) if kind == "xlsx" else _csv_rows(content)
    data = [row for row in data if any(cell.strip() for cell in row)]
    if not data:
        raise ImportRejected("The file has no rows; the first row must name the columns.")
    if len(data) - 1 > MAX_ROWS:
        raise ImportRejected(f"The file has more than {MAX_ROWS:,} rows; split it.")
    columns = [c.strip() for c in data[0]]
    width = len(columns)
    if width > MAX_COLUMNS:
        raise ImportRejected(f"The file has {width:,} columns; at most {MAX_COLUMNS:,} can be "
                             "imported. Remove the columns you do not need.")
    if width * (len(data) - 1) > MAX_CELLS:
        raise _too_many_cells()
    rows = [(row + [""] * width)[:width] for row in data[1:]]
    return Table(columns, rows)


def _too_many_cells() -> ImportRejected:
    return ImportRejected(f"The file has more than {MAX_CELLS:,} cells (rows times columns); "
                          "split it into smaller files.")


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    unreadable = ImportRejected("The file could not be read as an XLSX workbook; save it again "
                                "from your spreadsheet program as .xlsx or as CSV.")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        # The stated dimensions are the file's claim; rows are padded to them, so ignore them.
        sheet.reset_dimensions()
        data, cells = [], 0
        for scanned, row in enumerate(sheet.iter_rows(values_only=True), 1):
            if scanned > MAX_SCANNED_ROWS:
                raise ImportRejected(
                    f"The sheet runs past row {MAX_SCANNED_ROWS:,}; split it into smaller files.")
            cells += len(row)  # a row reaches its last cell: one far cell makes it long
            if cells > MAX_CELLS:
                raise _too_many_cells()
            data.append([_text(v) for v in row[:MAX_COLUMNS + 1]])
    except ImportRejected:
        raise
    except Exception as exc:  # any unreadable workbook is the same to a user
        raise unreadable from exc
    return data


def _csv_rows(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        raise ImportRejected(f"The file could not be read as CSV ({exc}); save it again from "
                             "your spreadsheet program as “CSV UTF-8”.") from None


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def suggest_mapping(wave: Wave, columns: list[str]) -> dict[str, str]:
    """Columns matched to question keys by key (any case) or by the question's label."""
    instrument = definition_of(wave.instrument_version)
    language = instrument.default_language
    by_key = {q.key.lower(): q.key for q in instrument.questions() if q.type != "note"}
    by_label = {_norm(q.label.get(language)): q.key for q in instrument.questions()
                if q.type != "note"}
    out = {}
    for column in columns:
        key = by_key.get(column.strip().lower()) or by_label.get(_norm(column))
        if key and key not in out.values():
            out[column] = key
    return out


def _raw(question, text: str) -> Any:
    """The raw answer from a cell: our export's apostrophe removed, JSON for structured types."""
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        text = text[1:]
    if question.type in STRUCTURED and text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def plan_import(
    wave: Wave, table: Table, explicit: dict[str, str] | None = None, *, suggest: bool = True
) -> Plan:
    """Map columns and check every value (nothing is stored): the dry-run report.

    ``explicit`` maps columns to keys; other columns are matched by key or label when
    ``suggest`` (the web form's posted mapping is complete, so it turns suggestions off)."""
    instrument = definition_of(wave.instrument_version)
    keys = {q.key for q in instrument.questions()}
    explicit = dict(explicit or {})
    for column, key in explicit.items():
        if column not in table.columns:
            raise ImportRejected(f"There is no column “{column}” in the file. Its columns are: "
                               + ", ".join(table.columns[:30]) + ".")
        if key not in keys:
            raise ImportRejected(f"“{key}” is not a question key of this wave's instrument.")
    suggested = suggest_mapping(wave, [c for c in table.columns if c not in explicit]) \
        if suggest else {}
    mapping = {**{c: k for c, k in suggested.items() if k not in explicit.values()}, **explicit}
    mapping = {c: k for c, k in mapping.items() if k}
    id_column = next((c for c in ID_COLUMNS if c in table.columns and c not in mapping), None)
    group_column = next((c for c in GROUP_COLUMNS if c in table.columns), None)
    file_hash = hashlib.sha256(repr(table).encode()).hexdigest()
    plan = Plan(mapping, [c for c in table.columns if c not in mapping], id_column, group_column,
                file_hash, len(table.rows))
    index = {c: i for i, c in enumerate(table.columns)}
    groups = list(wave.groups or []) or ["member"]
    for number, row in enumerate(table.rows, start=1):
        group = groups[0]
        if group_column:
            value = row[index[group_column]].strip()
            if value in groups:
                group = value
            elif value:
                plan.problems.append(Problem(number, group_column, value,
                                             f"not a group of this wave ({', '.join(groups)}); "
                                             f"counted as “{groups[0]}”"))
        answers: dict[str, Any] = {}
        for column, key in mapping.items():
            text = row[index[column]].strip()
            if not text:
                continue
            question = instrument.question(key)
            qtype = get_type(question.type)
            try:
                value = qtype.normalise(question, _raw(question, text), instrument=instrument)
            except AnswerError as exc:
                plan.problems.append(Problem(number, column, text[:200], str(exc)))
                continue
            if value is not None:
                answers[key] = value
        source = row[index[id_column]].strip() if id_column else ""
        if answers:
            plan.rows.append((source or f"{file_hash}:{number}", group, answers))
    return plan


def _submission_id(wave: Wave, source: str) -> str:
    return "import-" + hashlib.sha256(f"{wave.id}:{source}".encode()).hexdigest()[:57]


def import_rows(wave: Wave, plan: Plan, *, source_name: str = "import") -> int:
    """Store the plan's rows as complete responses (set-based); returns how many were new."""
    instrument = definition_of(wave.instrument_version)
    wanted = {_submission_id(wave, source): (group, answers)
              for source, group, answers in plan.rows}
    existing: set[str] = set()
    ids = list(wanted)
    for start in range(0, len(ids), 900):
        existing |= set(db.session.execute(
            sa.select(Response.submission_id).where(
                Response.submission_id.in_(ids[start:start + 900]))
        ).scalars())
    now = utcnow()
    new = [(sid, *wanted[sid]) for sid in ids if sid not in existing]
    responses = [Response(wave_id=wave.id, group=group, status=ResponseStatus.COMPLETE,
                          consent_given=True, started_at=now, completed_at=now,
                          submission_id=sid, imported_from=source_name[:40])
                 for sid, group, _answers in new]
    db.session.add_all(responses)
    db.session.flush()
    rows = []
    for response, (_sid, _group, answers) in zip(responses, new, strict=True):
        for key, value in answers.items():
            question = instrument.question(key)
            stored = get_type(question.type).storage(question, value, instrument=instrument)
            rows.append({"response_id": response.id, "question_key": key,
                         "number": stored.number, "text": stored.text, "data": stored.data,
                         "updated_at": now})
    if rows:
        db.session.execute(sa.insert(Answer), rows)
    return len(responses)

"""Row-level exports of response data with a codebook: CSV, XLSX and SPSS ``.sav``.

Anonymity: panel hashes and resume hashes are never exported; a respondent's name only when the
caller allows it (owners) and only from "named" waves. Each row says which version of its wave's
consent text the respondent agreed to (number and SHA-256 of the words). Who may export at all
is the route's or the CLI's decision (commissioners get aggregates only). Values are written as
the engine's normalised answers: a choice's value, multiple choices separated by spaces, numbers
as numbers, structured answers as JSON, a non-substantive answer as its code, so an export can be
imported back.
CSV and XLSX cells that a spreadsheet would run as a formula get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import Anonymity, Answer, Evaluation, Response, Wave
from revaluation.services.instruments import definition_of
from surveys.types import get_type
from surveys.types.base import StoredValue

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
}
FIXED = ["response_id", "wave_id", "wave", "group", "status", "language", "started_at",
         "completed_at", "imported_from", "consent_version", "consent_hash"]
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
SKIPPED_TYPES = {"note"}


class ExportError(ValueError):
    """The export cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Export:
    content: bytes
    mimetype: str
    filename: str
    rows: int


@dataclass(frozen=True)
class Variable:
    """One codebook row."""

    name: str
    label: str
    type: str
    choices: tuple[tuple[str, str], ...]
    nonsubstantive: tuple[str, ...]


def neutralise(value: Any) -> Any:
    """A text cell that starts like a formula gets a leading apostrophe (CSV/XLSX injection)."""
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def _cell(question, qtype, instrument, number, text, data) -> Any:
    value = qtype.load(question, StoredValue(number, text, data))
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else value
    if question.type == "multiple_choice" and isinstance(value, list):
        return " ".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def codebook(waves: Sequence[Wave]) -> list[Variable]:
    """Variables of every question in the waves' instruments (first definition of a key wins)."""
    seen: dict[str, Variable] = {}
    for wave in waves:
        instrument = definition_of(wave.instrument_version)
        language = instrument.default_language
        for question in instrument.questions():
            if question.type in SKIPPED_TYPES or question.key in seen:
                continue
            qtype = get_type(question.type)
            choices = tuple((c.value, c.label.get(language))
                            for c in qtype.choices(question, instrument))
            seen[question.key] = Variable(question.key, question.label.get(language),
                                          question.type, choices,
                                          tuple(question.nonsubstantive or ()))
    return list(seen.values())


def response_table(
    evaluation: Evaluation, wave_ids: Sequence[int] | None = None, *, include_names: bool = False
) -> tuple[list[str], list[list[Any]], list[Variable]]:
    """Header, rows and codebook of the evaluation's responses (set-based: two queries)."""
    waves = [w for w in evaluation.waves if not wave_ids or w.id in set(wave_ids)]
    variables = codebook(waves)
    named = include_names and any(w.anonymity is Anonymity.NAMED for w in waves)
    header = FIXED + (["respondent_name"] if named else []) + [v.name for v in variables]
    by_wave = {w.id: w for w in waves}
    instruments = {w.id: definition_of(w.instrument_version) for w in waves}
    responses = db.session.execute(
        sa.select(Response).where(Response.wave_id.in_(list(by_wave))).order_by(Response.id)
    ).scalars().all()
    rows: dict[int, dict[str, Any]] = {}
    for r in responses:
        wave = by_wave[r.wave_id]
        row = {"response_id": r.id, "wave_id": r.wave_id, "wave": wave.name, "group": r.group,
               "status": str(r.status), "language": r.language,
               "started_at": r.started_at.isoformat(timespec="seconds"),
               "completed_at": r.completed_at.isoformat(timespec="seconds")
               if r.completed_at else None,
               "imported_from": r.imported_from,
               # Which consent words the respondent agreed to (see services.consent).
               "consent_version": r.consent_version if r.consent_given else None,
               "consent_hash": r.consent_hash}
        if named:
            row["respondent_name"] = r.respondent_name if wave.anonymity is Anonymity.NAMED \
                else None
        rows[r.id] = row
    wave_of = {r.id: r.wave_id for r in responses}
    answers = db.session.execute(
        sa.select(Answer.response_id, Answer.question_key, Answer.number, Answer.text,
                  Answer.data)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.wave_id.in_(list(by_wave)))
    ).all()
    wanted = set(header)
    for response_id, key, number, text, data in answers:
        if key not in wanted:
            continue
        instrument = instruments[wave_of[response_id]]
        try:
            question = instrument.question(key)
        except KeyError:
            continue
        rows[response_id][key] = _cell(question, get_type(question.type), instrument, number,
                                       text, data)
    return header, [[rows[r.id].get(c) for c in header] for r in responses], variables


def _codebook_rows(variables: list[Variable]) -> list[list[str]]:
    out = [["variable", "label", "type", "values", "non-substantive codes"]]
    for v in variables:
        out.append([v.name, v.label, v.type, "; ".join(f"{c}={label}" for c, label in v.choices),
                    "; ".join(v.nonsubstantive)])
    return out


def export_responses(
    evaluation: Evaluation, fmt: str, *, wave_ids: Sequence[int] | None = None,
    include_names: bool = False,
) -> Export:
    """The responses as ``fmt`` (csv, xlsx or sav) with a codebook; see the module docstring."""
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format “{fmt}”: choose csv, xlsx or sav.")
    unknown = evaluation.unknown_wave(wave_ids)
    if unknown:
        raise ExportError(unknown)
    header, rows, variables = response_table(evaluation, wave_ids, include_names=include_names)
    name = f"{evaluation.slug}-responses.{fmt}"
    if fmt == "csv":
        content = _csv(header, rows, variables)
    elif fmt == "xlsx":
        content = _xlsx(header, rows, variables)
    else:
        content = _sav(header, rows, variables)
    return Export(content, FORMATS[fmt], name, len(rows))


def _csv(header, rows, variables) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheets read accents). The CSV holds the data only,
    so importers read it directly; its codebook is a separate file (:func:`codebook_csv`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def codebook_csv(waves: Sequence[Wave]) -> bytes:
    """The codebook as its own CSV file (one row per variable)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[neutralise(c) for c in row]
                                  for row in _codebook_rows(codebook(waves))])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(header, rows, variables) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("responses")
    sheet.append(header)
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    codes = book.create_sheet("codebook")
    for row in _codebook_rows(variables):
        codes.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def spss_name(name: str) -> str:
    """An SPSS variable name: starts with a letter, at most 64 characters."""
    name = name if name[:1].isalpha() else f"v{name}"
    return name[:64]


def _sav(header, rows, variables) -> bytes:
    """SPSS file: choice questions as numeric codes with value labels (non-substantive codes
    negative and declared user-missing), other answers as numbers or strings."""
    import pandas as pd
    import pyreadstat

    by_name = {v.name: v for v in variables}
    columns: dict[str, list[Any]] = {}
    labels: dict[str, str] = {}
    value_labels: dict[str, dict[float, str]] = {}
    missing: dict[str, list[Any]] = {}
    for index, name in enumerate(header):
        values = [row[index] for row in rows]
        variable = by_name.get(name)
        target = spss_name(name)
        labels[target] = variable.label[:255] if variable else name
        if variable and variable.type in ("single_choice", "likert") and variable.choices:
            codes = {c: float(i + 1) for i, (c, _) in enumerate(variable.choices)}
            value_labels[target] = {codes[c]: label for c, label in variable.choices}
            for i, code in enumerate(variable.nonsubstantive):
                codes[code] = float(-(i + 1))
                value_labels[target][float(-(i + 1))] = code
            if variable.nonsubstantive:
                missing[target] = [{"lo": -len(variable.nonsubstantive), "hi": -1}]
            columns[target] = [codes.get(v) if v is not None else None for v in values]
        elif all(v is None or isinstance(v, int | float) for v in values):
            columns[target] = [None if v is None else float(v) for v in values]
        else:
            columns[target] = ["" if v is None else str(v) for v in values]
    frame = pd.DataFrame(columns)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "export.sav")
        pyreadstat.write_sav(frame, path, column_labels=labels,
                             variable_value_labels=value_labels, missing_ranges=missing)
        with open(path, "rb") as handle:
            return handle.read()

"""Read an uploaded XLSForm workbook into plain sheet rows, defensively.

The bytes come from strangers, so they are checked before any spreadsheet library sees
them: a size cap, the file signature (so a CSV renamed to .xlsx gets a clear message),
and for .xlsx a look inside the zip directory that refuses zip bombs (uncompressed size
cap, entry count cap, absurd compression ratios). Parsing itself is pyxform's own reader,
so we read a form exactly as KoboToolbox and ODK do; any failure becomes a
`DefinitionError` with a plain message.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from pyxform.xls2json_backends import xls_to_dict, xlsx_to_dict

from surveys.errors import DefinitionError, Problem
from surveys.formats.archive import (
    OLE_MAGIC,
    ZIP_MAGIC,
    ArchiveLimits,
    ArchiveRejected,
    check_workbook_archive,
)

#: Largest upload accepted, in bytes.
MAX_FILE_BYTES = 5 * 1024 * 1024
#: Largest total uncompressed size of an .xlsx zip, in bytes.
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
#: Most entries an .xlsx zip may hold (a real workbook has a few dozen).
MAX_ZIP_ENTRIES = 500
#: Highest compression ratio accepted for one entry; XML compresses well, bombs far better.
MAX_RATIO = 200



@dataclass(frozen=True)
class Workbook:
    """The sheets of an XLSForm as pyxform reads them: lists of row dicts (every value a
    string), where list index i is spreadsheet row i + 2 (row 1 holds the headers)."""

    survey: list[dict[str, str]]
    choices: list[dict[str, str]]
    settings: dict[str, str]
    settings_rows: list[dict[str, str]]


def _fail(message: str) -> DefinitionError:
    return DefinitionError([Problem(message)])


def read_bytes(source: bytes | Path, filename: str) -> bytes:
    """The file's bytes, refusing anything over `MAX_FILE_BYTES` before reading it all."""
    if isinstance(source, Path):
        try:
            if source.stat().st_size > MAX_FILE_BYTES:
                raise _fail(f"{filename} is larger than 5 MB; an XLSForm is far smaller.")
            return source.read_bytes()
        except OSError as err:
            raise _fail(f"{filename} could not be read ({err.strerror}).") from err
    if len(source) > MAX_FILE_BYTES:
        raise _fail(f"{filename} is larger than 5 MB; an XLSForm is far smaller.")
    return source


def _check_zip(data: bytes, filename: str) -> None:
    """Refuse corrupt zips, zips that are not workbooks, and zip bombs."""
    try:
        check_workbook_archive(data, filename, ArchiveLimits(
            max_unzipped_bytes=MAX_UNZIPPED_BYTES, max_entries=MAX_ZIP_ENTRIES,
            max_ratio=MAX_RATIO))
    except ArchiveRejected as err:
        raise _fail(str(err)) from err


def _sniff_text(data: bytes) -> str:
    head = data[:2048]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    if "," in text or "\t" in text or ";" in text:
        return " It looks like a CSV or text file: open it in a spreadsheet program and "\
               "save it as an Excel workbook (.xlsx)."
    return " It looks like a text file."


def read_workbook(data: bytes, filename: str) -> Workbook:
    """Parse .xlsx or .xls bytes with pyxform's reader into a `Workbook`."""
    if data.startswith(ZIP_MAGIC):
        _check_zip(data, filename)
        reader = xlsx_to_dict
    elif data.startswith(OLE_MAGIC):
        reader = xls_to_dict
    else:
        raise _fail(f"{filename} is not an Excel file (.xlsx or .xls).{_sniff_text(data)}")
    try:
        book: dict[str, Any] = reader(BytesIO(data))
    # pyxform and its spreadsheet libraries raise many exception types on malformed
    # input; every one of them means "this file cannot be read", so all become one error.
    except Exception as err:
        raise _fail(f"{filename} could not be read as a spreadsheet: {err}") from err
    if "survey" not in book:
        names = ", ".join(book.get("sheet_names") or []) or "none"
        raise _fail(f"{filename} has no 'survey' sheet (its sheets are: {names}). "
                    "An XLSForm needs a sheet named 'survey'.")
    settings_rows = book.get("settings") or []
    settings = {k.strip().lower(): v for k, v in (settings_rows[0] if settings_rows else {}
                                                   ).items()}
    return Workbook(survey=list(book["survey"]), choices=list(book.get("choices") or []),
                    settings=settings, settings_rows=list(settings_rows))

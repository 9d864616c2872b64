"""XLSForm import and export: the spreadsheet format of KoboToolbox, ODK and SurveyCTO.

Import reads the workbook with pyxform's own reader (after size and zip-bomb checks),
converts it to the native document, and validates that with the engine, so an imported
form passes the same checks as a YAML one. Anything that cannot be carried over is a
`Problem` naming the thing and its spreadsheet row; import then raises `DefinitionError`
listing every problem at once. Nothing is dropped silently: device metadata rows (start,
end, deviceid...) and display-only appearances are skipped with a note in
`XLSFormImport.notes` because Revaluation records timings itself and draws its own pages.

XLSForm -> native

=============================  ===============================================
XLSForm                        Revaluation
=============================  ===============================================
select_one L                   single_choice (appearance likert -> likert)
select_multiple L              multiple_choice
... or_other                   other: true
rank L                         ranking
integer / decimal              number (integer: true for integer)
range                          rating if a whole-number step-1 scale of <= 10
                               steps, else number with min and max
text (appearance multiline)    text (long_text)
date / note / calculate        date / note / calculated
acknowledge                    consent
begin_group ... end_group      a section (page); nested groups are flattened
                               into pages, relevance combined with "and"
label::Welsh (cy), hint::...   translations, by the code in brackets
required, relevant, constraint kept; expressions stay as text (same language)
constraint_message, default,
calculation, choice_filter
choices sheet extra columns    kept on each choice (for choice filters)
begin_repeat, geopoint, image, a Problem with the row number
audio, video, file, barcode,
time, datetime, *_from_file,
pulldata(), search(), media
=============================  ===============================================

native -> XLSForm (export; the `revaluation` JSON column restores the native question)

=================  ==========================================================
Revaluation        XLSForm
=================  ==========================================================
section            begin_group with appearance field-list (style: pages)
rating             range start=min end=max step=1; poles in the hint
dyad               range start=0 end=1 step=0.01; "0 = left, 1 = right" in hint
number             integer/decimal, min/max as a constraint, unit in the hint
multiple_choice    select_multiple, min/max_selected as count-selected() constraint
long_text, story   text with appearance multiline (story: hint says it asks more)
consent            acknowledge
triad              group of three integers (percent) whose constraint sums to 100
dot_allocation     group of integers, one per option, constrained to the budget
matrix             group of select_one rows sharing the column list
value_grid         repeat of (kind of value, visibility, note)
adaptive section   group listing every bank item as a likert select_one
scales, item       JSON in the settings sheet's `revaluation` column
banks, licence
=================  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from surveys.errors import DefinitionError, Problem
from surveys.formats.xlsform_export import export_workbook
from surveys.formats.xlsform_import import convert_workbook
from surveys.formats.xlsform_read import read_bytes, read_workbook
from surveys.model import Instrument


@dataclass(frozen=True)
class XLSFormImport:
    """An imported instrument and the notes about what was skipped or reshaped."""

    instrument: Instrument
    notes: tuple[str, ...]


def read_xlsform(source: bytes | Path, *, filename: str) -> XLSFormImport:
    """Import an XLSForm and keep the conversion notes (for showing to the author)."""
    data = read_bytes(source, filename)
    conversion = convert_workbook(read_workbook(data, filename), filename)
    problems = list(conversion.problems)
    # Imported here, not at the top: surveys.formats imports this module lazily.
    from surveys.formats.native import load_instrument

    instrument = None
    try:
        instrument = load_instrument(conversion.document, filename=filename)
    except DefinitionError as err:
        for problem in err.problems:
            row = problem.row or conversion.rows.get(problem.key or "")
            located = Problem(problem.message, key=problem.key, field=problem.field, row=row)
            if located not in problems:
                problems.append(located)
    if problems or instrument is None:
        raise DefinitionError(problems)
    return XLSFormImport(instrument, tuple(conversion.notes))


def import_xlsform(source: bytes | Path, *, filename: str) -> Instrument:
    """Import an XLSForm (.xlsx or .xls) as a validated instrument.

    Raises `DefinitionError` listing every problem: unreadable or oversized files,
    unsupported features (by name and row) and the engine's validation problems.
    """
    return read_xlsform(source, filename=filename).instrument


def export_xlsform(instrument: Instrument) -> bytes:
    """The instrument as an .xlsx XLSForm that KoboToolbox/ODK accept and that imports
    back into the same instrument."""
    return export_workbook(instrument)

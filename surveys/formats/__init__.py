"""Reading and writing instrument definitions.

The native YAML/JSON format lives in `native`; XLSForm import and export in `xlsform`,
which is imported only when used (it pulls in spreadsheet libraries).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from surveys.errors import DefinitionError, Problem
from surveys.formats.native import dump_instrument, load_instrument
from surveys.model import Instrument


def import_xlsform(source: Any, *args: Any, **kwargs: Any) -> Instrument:
    """Read an XLSForm spreadsheet into an Instrument (see `surveys.formats.xlsform`)."""
    return import_module("surveys.formats.xlsform").import_xlsform(source, *args, **kwargs)


def export_xlsform(instrument: Instrument, *args: Any, **kwargs: Any) -> Any:
    """Write an Instrument as an XLSForm spreadsheet (see `surveys.formats.xlsform`)."""
    return import_module("surveys.formats.xlsform").export_xlsform(instrument, *args, **kwargs)


__all__ = [
    "DefinitionError",
    "Problem",
    "dump_instrument",
    "export_xlsform",
    "import_xlsform",
    "load_instrument",
]

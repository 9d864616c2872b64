"""Ready-made instruments that evaluators can start from.

Only instruments whose licence allows redistribution live here, each as a native YAML
file carrying its licence, credit and source: the ONS personal wellbeing (ONS4) and
loneliness measures (Open Government Licence v3.0), and modules written for Revaluation
(CC BY 4.0). Listing reads only the metadata; loading validates the whole definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from surveys.model import Instrument, Text

LIBRARY_DIR = Path(__file__).parent


@dataclass(frozen=True)
class LibraryEntry:
    """One library instrument as shown in a picker: key, title in the default language,
    licence, credit and the YAML file it loads from."""

    key: str
    title: str
    licence: str
    credit: str
    path: Path


def list_library() -> list[LibraryEntry]:
    """Every library instrument, sorted by title."""
    entries = []
    for path in sorted(LIBRARY_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        languages = data.get("languages") or ["en"]
        default = data.get("default_language") or languages[0]
        title = Text.of(data.get("title", ""), default).get(default)
        entries.append(LibraryEntry(key=data["key"], title=title, licence=data["licence"],
                                    credit=" ".join(str(data.get("credit", "")).split()),
                                    path=path))
    return sorted(entries, key=lambda e: e.title.lower())


def load_library_instrument(key: str) -> Instrument:
    """Load and validate the library instrument with this key; KeyError if there is none."""
    from surveys.formats import (
        load_instrument,  # imported here: formats is heavier than listing needs
    )

    for entry in list_library():
        if entry.key == key:
            return load_instrument(entry.path)
    raise KeyError(key)

"""Look inside an uploaded .xlsx (a zip archive) before any spreadsheet library opens it.

A zip bomb is a small file that unpacks to gigabytes, or holds thousands of parts. The zip's
central directory states each part's size, and Python's ``zipfile`` (which openpyxl and
pyxform read through) never unpacks more than the stated size of a part, so checking the
stated sizes, the number of parts and each part's compression ratio bounds the work and the
memory any later parse can take.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from io import BytesIO

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class ArchiveRejected(ValueError):
    """The archive is damaged, not a workbook, or built to exhaust the server."""


@dataclass(frozen=True)
class ArchiveLimits:
    #: Largest total unpacked size of all parts, in bytes.
    max_unzipped_bytes: int = 50 * 1024 * 1024
    #: Most parts an archive may hold (a real workbook has a few dozen).
    max_entries: int = 500
    #: Highest compression ratio accepted for a part above ``ratio_floor_bytes``: XML
    #: compresses well (10 to 50 times), bombs compress far better.
    max_ratio: int = 200
    ratio_floor_bytes: int = 1024 * 1024


def check_workbook_archive(data: bytes, filename: str,
                           limits: ArchiveLimits = ArchiveLimits()) -> None:
    """Raise :class:`ArchiveRejected` unless ``data`` is a plausible, safe .xlsx archive."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise ArchiveRejected(
            f"{filename} is damaged: it is not a readable .xlsx file. Open it in a "
            "spreadsheet program and save it again as .xlsx.") from err
    if len(entries) > limits.max_entries:
        raise ArchiveRejected(
            f"{filename} holds {len(entries)} files inside; a spreadsheet holds far fewer, "
            "so it was refused.")
    total = sum(e.file_size for e in entries)
    if total > limits.max_unzipped_bytes:
        raise ArchiveRejected(
            f"{filename} would unpack to {total / 1024 / 1024:,.0f} MB, more than the "
            f"{limits.max_unzipped_bytes / 1024 / 1024:,.0f} MB allowed; split it into "
            "smaller files.")
    for entry in entries:
        if entry.file_size > limits.ratio_floor_bytes and \
                entry.file_size > limits.max_ratio * max(entry.compress_size, 1):
            raise ArchiveRejected(
                f"{filename} contains a suspiciously compressed part ({entry.filename}); "
                "it was refused.")
    if not any(e.filename == "xl/workbook.xml" for e in entries):
        raise ArchiveRejected(f"{filename} is a zip file but not an Excel workbook (.xlsx).")

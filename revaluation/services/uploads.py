"""One gate for every uploaded file, before any parser sees it.

Designer uploads (YAML/JSON definitions, XLSForms) and response imports (CSV, XLSX), from the
web or the command line, pass through :func:`check_upload`: a size cap, the file's real kind
read from its first bytes (a name is only a claim), agreement between name and content, and
for workbooks the zip-bomb check of :mod:`surveys.formats.archive`.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import PurePath

from surveys.formats.archive import (
    OLE_MAGIC,
    ZIP_MAGIC,
    ArchiveLimits,
    ArchiveRejected,
    check_workbook_archive,
)

#: What a kind of file is called in messages.
KIND_WORDS = {
    "text": "a text file (CSV, YAML or JSON)",
    "xlsx": "an Excel workbook (.xlsx)",
    "xls": "an old-style Excel workbook (.xls)",
    "pdf": "a PDF document",
    "image": "an image",
    "utf16": "a text file saved as UTF-16",
    "binary": "a program or other binary file",
}

#: The kind of content each file name ending promises.
SUFFIX_KINDS = {
    ".csv": "text", ".tsv": "text", ".txt": "text",
    ".yaml": "text", ".yml": "text", ".json": "text",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".xls": "xls",
}

_SIGNATURES = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"), (b"\xff\xd8\xff", "image"), (b"GIF8", "image"),
    (b"\xff\xfe", "utf16"), (b"\xfe\xff", "utf16"),
)


class UploadRejected(ValueError):
    """The file cannot be accepted; the message says why and what to do instead."""


def kind_of(content: bytes) -> str:
    """The kind of a file from its bytes: text, xlsx (any zip), xls, pdf, image, utf16, binary."""
    if content.startswith(ZIP_MAGIC):
        return "xlsx"
    if content.startswith(OLE_MAGIC):
        return "xls"
    for signature, kind in _SIGNATURES:
        if content.startswith(signature):
            return kind
    head = content[:8192]
    if b"\x00" in head:
        return "binary"
    return "text"


def check_upload(
    content: bytes,
    filename: str,
    *,
    accept: Collection[str],
    max_bytes: int,
    archive_limits: ArchiveLimits | None = None,
) -> str:
    """Check an uploaded file and return its kind (one of ``accept``).

    Raises :class:`UploadRejected` when the file is empty or too large, when its content is not
    one of the accepted kinds, when its name promises another kind than its content (a renamed
    file), or when a workbook is damaged or a zip bomb.
    """
    name = PurePath(filename or "upload").name
    if len(content) > max_bytes:
        raise UploadRejected(
            f"“{name}” is {len(content) / 1024 / 1024:,.1f} MB; the largest file accepted is "
            f"{max_bytes / 1024 / 1024:,.0f} MB. Split it into smaller files.")
    if not content.strip():
        raise UploadRejected(f"“{name}” is empty; choose the file that holds the data.")
    kind = kind_of(content)
    wanted = " or ".join(KIND_WORDS[k] for k in accept)
    if kind not in accept:
        hint = " Save it as “CSV UTF-8” from your spreadsheet program." if kind == "utf16" else ""
        raise UploadRejected(
            f"“{name}” is {KIND_WORDS[kind]}, not {wanted}; choose another file.{hint}")
    promised = SUFFIX_KINDS.get(PurePath(name).suffix.lower())
    if promised is not None and promised != kind:
        raise UploadRejected(
            f"“{name}” is named like {KIND_WORDS[promised]} but is {KIND_WORDS[kind]}. "
            "Give it the right ending, or save it again in the format its name says.")
    if kind == "xlsx":
        try:
            check_workbook_archive(content, f"“{name}”", archive_limits or ArchiveLimits())
        except ArchiveRejected as err:
            raise UploadRejected(str(err)) from err
    return kind

"""Files the command line writes (``--out``): checked before any work, written with a plain
error instead of a traceback when the disk says no."""

from __future__ import annotations

import os
from pathlib import Path

import click


def checked_output(_context: click.Context, _parameter: click.Parameter, out: Path | None
                   ) -> Path | None:
    """A click callback for ``--out``: the folder must exist and be writable, so a long
    export or report is not computed only to be lost."""
    if out is None:
        return None
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise click.BadParameter(
            f"the folder {folder} does not exist: create it first, or choose another file.")
    if not os.access(folder, os.W_OK):
        raise click.BadParameter(f"the folder {folder} cannot be written to.")
    return out


def write_output(out: Path, content: bytes) -> None:
    """Write ``content`` to ``out``, or stop with a sentence saying why it could not be."""
    try:
        out.write_bytes(content)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise click.ClickException(f"Could not write {out}: {reason}.") from None

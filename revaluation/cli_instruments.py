"""`flask instruments validate|import|export`: instrument definitions from the command line.

The commands use the same engine loaders and services as the designer and the API, so a
file that validates here imports in the browser too.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from revaluation.cli_files import checked_output, write_output
from revaluation.extensions import db

instruments_cli = AppGroup("instruments", help="Validate, import and export instruments.")

XLSFORM_SUFFIXES = (".xlsx", ".xls")


def _load(path: Path):
    """The engine's instrument from a YAML/JSON file or an XLSForm; raises DefinitionError."""
    from surveys.formats import import_xlsform, load_instrument

    if path.suffix.lower() in XLSFORM_SUFFIXES:
        return import_xlsform(path.read_bytes(), filename=path.name)
    return load_instrument(path.read_bytes(), filename=path.name)


def _evaluation(slug: str):
    from revaluation.models import Evaluation

    evaluation = db.session.execute(db.select(Evaluation).filter_by(slug=slug)).scalar_one_or_none()
    if evaluation is None:
        raise click.ClickException(f"No evaluation with the short name “{slug}”.")
    return evaluation


@instruments_cli.command("validate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate_command(path: Path) -> None:
    """Check a definition (YAML, JSON or XLSForm); list every problem and exit 1 if any."""
    from surveys.formats import DefinitionError

    try:
        instrument = _load(path)
    except DefinitionError as error:
        count = len(error.problems)
        click.echo(f"{path.name}: {count} problem{'s' if count != 1 else ''}", err=True)
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(1) from None
    questions = len(instrument.questions())
    click.echo(f"{path.name}: valid ({instrument.key}, {len(instrument.sections)} pages, "
               f"{questions} questions)")


@instruments_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--evaluation", "slug", required=True, help="The evaluation's short name.")
def import_command(path: Path, slug: str) -> None:
    """Import a definition as a draft: a new instrument, or the next version of one."""
    from revaluation.services.instruments import import_definition
    from surveys.formats import DefinitionError

    evaluation = _evaluation(slug)
    try:
        version = import_definition(evaluation, path.read_bytes(), filename=path.name)
    except DefinitionError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
        raise click.ClickException(f"{path.name} was not imported; fix the problems above."
                                   ) from None
    db.session.commit()
    click.echo(f"Imported {version.instrument.key} as version {version.number} (draft) "
               f"into {slug}.")


@instruments_cli.command("export")
@click.argument("key")
@click.option("--evaluation", "slug", required=True, help="The evaluation's short name.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "xlsform"]), default="yaml",
              show_default=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              callback=checked_output)
@click.option("--version", "number", type=int, default=None,
              help="Version number (default: the latest).")
def export_command(key: str, slug: str, fmt: str, out: Path, number: int | None) -> None:
    """Write a version of an instrument as YAML or XLSForm."""
    from revaluation.models import Instrument
    from revaluation.services.instruments import export_version, version_numbered

    evaluation = _evaluation(slug)
    instrument = db.session.execute(
        db.select(Instrument).filter_by(evaluation_id=evaluation.id, key=key)
    ).scalar_one_or_none()
    if instrument is None:
        raise click.ClickException(f"{slug} has no instrument with the key “{key}”.")
    version = instrument.latest if number is None else version_numbered(instrument, number)
    if version is None:
        raise click.ClickException(f"{key} has no version {number}.")
    body, _mimetype, _filename = export_version(version, fmt)
    write_output(out, body)
    click.echo(f"Wrote {key} version {version.number} ({version.status}) to {out}.")

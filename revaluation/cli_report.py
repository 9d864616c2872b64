"""`flask report SLUG --out FILE.pdf`: render an evaluation's report from the command line.

The PDF is written to the file only; no edition is stored (use the reports page to keep and send
editions). Options choose the waves, groups and sections, like the form on the reports page.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from revaluation.cli_files import checked_output, write_output
from revaluation.reports.data import SECTIONS


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.command("report")
@click.argument("slug")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    callback=checked_output,
    help="Where to write the PDF, e.g. report.pdf.",
)
@click.option("--wave", "waves", multiple=True, type=int, help="A wave id to include (repeat).")
@click.option("--group", "groups", multiple=True, help="An audience group to include (repeat).")
@click.option(
    "--sections",
    default=",".join(SECTIONS),
    show_default=True,
    help="Comma-separated sections to include.",
)
@with_appcontext
def report_command(
    slug: str, out: Path, waves: tuple[int, ...], groups: tuple[str, ...], sections: str
) -> None:
    """Render the evaluation SLUG's report to a PDF file."""
    import time

    from revaluation.extensions import db
    from revaluation.models import Evaluation
    from revaluation.reports.sources import ReportOptions, ReportOptionsError
    from revaluation.services.report_jobs import generate_pdf

    evaluation = db.session.execute(db.select(Evaluation).filter_by(slug=slug)).scalar_one_or_none()
    if evaluation is None:
        raise click.ClickException(f"No evaluation with the short name “{slug}”.")
    try:
        options = ReportOptions.parse(
            evaluation, wave_ids=list(waves), groups=_split(groups), sections=_split((sections,))
        )
    except ReportOptionsError as exc:
        raise click.ClickException(str(exc)) from None
    started = time.perf_counter()
    generated = generate_pdf(evaluation, options, edition_label="Command-line copy")
    write_output(out, generated.rendered.pdf)
    click.echo(
        f"Wrote {out} ({generated.rendered.page_count} pages, "
        f"{len(generated.rendered.pdf) / 1024:.0f} KiB) in {time.perf_counter() - started:.1f} s"
    )
    click.echo(f"SHA-256 {generated.sha256}")


def init_app(app: Flask) -> None:
    """Register `flask report` and `flask worker`."""
    from revaluation.worker import worker_command

    app.cli.add_command(report_command)
    app.cli.add_command(worker_command)

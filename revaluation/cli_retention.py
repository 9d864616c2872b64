"""`flask retention apply`: delete responses whose evaluation's retention period has run out.

Meant for a daily cron job. ``--dry-run`` prints the same report and deletes nothing. The output
names evaluations and waves and gives counts; it never prints anything a respondent wrote.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from revaluation.extensions import db

retention_cli = AppGroup("retention", help="Delete responses past each evaluation's retention.")


def _day(moment) -> str:
    return moment.strftime("%Y-%m-%d")


def _figures(erased) -> str:
    return (f"{erased.responses} response{'s' if erased.responses != 1 else ''}, "
            f"{erased.answers} answer{'s' if erased.answers != 1 else ''}, "
            f"{erased.stories} stor{'ies' if erased.stories != 1 else 'y'}")


@retention_cli.command("apply")
@click.option("--dry-run", is_flag=True, help="Report what would be deleted; delete nothing.")
@click.option("--evaluation", "slug", default=None, help="Only this evaluation (short name).")
def apply_command(dry_run: bool, slug: str | None) -> None:
    """Delete the responses of waves closed longer ago than their evaluation keeps data."""
    from revaluation.models import Evaluation
    from revaluation.services.retention import apply_retention

    if slug is not None and db.session.execute(
            db.select(Evaluation.id).filter_by(slug=slug)).first() is None:
        raise click.ClickException(f"No evaluation with the short name “{slug}”.")
    report = apply_retention(dry_run=dry_run, slug=slug)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would delete" if dry_run else "deleted"
    if not report:
        click.echo("No evaluation has a retention period" + (f" ({slug})." if slug else "."))
        return
    for found in report:
        head = f"{found.slug} (retention {found.retention_days} days): "
        if not found.waves:
            click.echo(head + "nothing due.")
            continue
        click.echo(head + f"{verb} {_figures(found.total)}")
        for wave in found.waves:
            click.echo(f"  wave {wave.wave_id} “{wave.name}”: closed {_day(wave.closed_at)}, "
                       f"due {_day(wave.due_at)}: {_figures(wave.erased)}")
    if dry_run:
        click.echo("Dry run: nothing was deleted.")


def init_app(app: Flask) -> None:
    app.cli.add_command(retention_cli)

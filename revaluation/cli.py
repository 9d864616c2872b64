"""`flask ...` commands, grouped by noun."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from revaluation import cli_instruments, cli_report, cli_results, cli_retention
from revaluation.extensions import db

users_cli = AppGroup("users", help="Manage sign-in accounts.")


@users_cli.command("create")
@click.option("--email", required=True, help="The person's email address (their login).")
@click.option("--name", default="", help="Their name, as shown in the app.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 10 characters. Prompted for when not given.",
)
@click.option("--evaluation", "slug", default=None, help="Also give a role in this evaluation.")
@click.option(
    "--role",
    type=click.Choice(["owner", "evaluator", "commissioner"]),
    default="evaluator",
    show_default=True,
)
def create_user_command(email: str, name: str, password: str, slug: str | None, role: str) -> None:
    """Create an account (and optionally a role in an evaluation)."""
    from revaluation.models import Evaluation, Role
    from revaluation.services.evaluations import add_member
    from revaluation.services.users import AccountError, create_user

    try:
        user = create_user(email, name, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    if slug:
        evaluation = db.session.execute(
            db.select(Evaluation).filter_by(slug=slug)
        ).scalar_one_or_none()
        if evaluation is None:
            db.session.rollback()
            raise click.ClickException(f"No evaluation with the short name “{slug}”.")
        add_member(evaluation, user, Role(role))
    db.session.commit()
    click.echo(f"Created account {user.email}" + (f" ({role} of {slug})" if slug else ""))


@click.command("demo")
@click.option("--members", default=220, show_default=True, help="Baseline members.")
@click.option("--staff", default=60, show_default=True, help="Baseline staff.")
@click.option("--report/--no-report", default=True, show_default=True,
              help="Also generate the first report edition, for the commissioner to download.")
def demo_command(members: int, staff: int, report: bool) -> None:
    """Seed the demo evaluation (slug `demo`) once; running it again changes nothing (except
    generating the first report edition if an earlier run could not)."""
    from revaluation.services.demo import seed_demo

    info = seed_demo(members=members, staff=staff)
    db.session.commit()
    made = _demo_report(info.evaluator_email) if report else False
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    click.echo("Demo evaluation " + ("created." if info.created else
                                     "already exists." if made else "already exists; unchanged."))
    click.echo(f"  Sign in at {base}/login")
    click.echo(f"  Evaluator:    {info.evaluator_email} / {info.password}")
    click.echo(f"  Commissioner: {info.commissioner_email} / {info.password}")
    click.echo(f"  Respondent link (open wave, members): {base}{info.respondent_path}")
    click.echo(f"  Participation space: {base}{info.participation_path}")


def _demo_report(evaluator_email: str) -> bool:
    """Generate the demo's first report edition unless it has one. A failure (fonts, memory)
    is reported and leaves the seeded demo as it is: reports can be generated from the app."""
    from revaluation.models import Evaluation, ReportEdition, User
    from revaluation.reports.sources import ReportOptions
    from revaluation.services.report_jobs import create_edition

    evaluation = db.session.execute(db.select(Evaluation).filter_by(slug="demo")).scalar_one()
    if db.session.scalar(db.select(db.func.count(ReportEdition.id))
                         .filter_by(evaluation_id=evaluation.id)):
        return False
    evaluator = db.session.execute(
        db.select(User).filter_by(email=evaluator_email)).scalar_one_or_none()
    try:
        edition = create_edition(evaluation, ReportOptions(),
                                 user_id=evaluator.id if evaluator else None)
        db.session.commit()
    except Exception as error:  # the demo stays usable without its report
        db.session.rollback()
        click.echo(f"The demo report could not be generated ({type(error).__name__}: {error}); "
                   "sign in as the evaluator and use Reports > Generate.", err=True)
        return False
    click.echo(f"Report edition {edition.number} generated ({edition.page_count} pages).")
    return True


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(cli_instruments.instruments_cli)
    cli_report.init_app(app)
    cli_results.init_app(app)
    cli_retention.init_app(app)

"""`flask results SLUG` and `flask responses export|import`: results and response data from the
command line. The JSON is the same structure the pages, the API and the reports print
(docs/results-schema.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from revaluation.cli_files import checked_output, write_output
from revaluation.extensions import db

responses_cli = AppGroup("responses", help="Export or import survey response data.")


def _evaluation(slug: str):
    from revaluation.models import Evaluation

    evaluation = db.session.execute(
        db.select(Evaluation).filter_by(slug=slug)
    ).scalar_one_or_none()
    if evaluation is None:
        raise click.ClickException(f"No evaluation with the short name “{slug}”.")
    return evaluation


def _text(results: dict) -> str:
    from revaluation.reports.formatting import format_ci, format_count, format_p, format_value

    lines = [f"{results['evaluation']['title']}: results (small-cell threshold "
             f"{results['threshold']})", ""]
    for wave in results["waves"]:
        lines.append(f"Wave {wave['id']} {wave['name']}: {format_count(wave['responses'])} "
                     f"responses, {format_count(wave['complete'])} complete")
    lines += ["", "Outcomes (intended vs actual; p-values Holm-adjusted):"]
    for outcome in results["outcomes"]:
        r, stat = outcome["result"], outcome["statistic"]
        actual = r["actual"]
        lines.append(
            f"- {outcome['title']} [{outcome['key']}{'' if outcome['active'] else ', dropped'}]: "
            f"{stat} {format_value(actual['value'], stat)} "
            f"(95% CI {format_ci(actual['ci_low'], actual['ci_high'], stat)}), n "
            f"{format_count(r['n'])}; target {outcome['direction']} "
            f"{format_value(r['target'], stat)}; baseline {format_value(r['baseline'], stat)}; "
            f"{r['status']}; p {format_p(r['p_adjusted'])}"
        )
        lines.append(f"    {r['reason']}")
        if outcome["original"] and outcome["changed"]:
            o = outcome["original"]
            lines.append(f"    original framework: target {o['direction']} "
                         f"{format_value(o['target'], o['statistic'])}, "
                         f"{o['result']['status']}")
    lines += ["", "Questions (n by wave):"]
    for question in results["questions"]:
        counts = ", ".join(f"{w['wave']} {format_count(w['summary']['n'])}"
                           for w in question["by_wave"])
        lines.append(f"- {question['key']}: {counts}")
    return "\n".join(lines)


@click.command("results")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text",
              show_default=True, help="json prints every figure (docs/results-schema.md).")
@click.option("--wave", "waves", multiple=True, type=int, help="A wave id to include (repeat).")
@click.option("--group", "groups", multiple=True, help="An audience group to include (repeat).")
@with_appcontext
def results_command(slug: str, fmt: str, waves: tuple[int, ...], groups: tuple[str, ...]) -> None:
    """Print the evaluation SLUG's results: outcomes, waves, groups, questions, scales."""
    from revaluation.services.results import ResultsFilterError, evaluation_results

    evaluation = _evaluation(slug)
    try:
        results = evaluation_results(evaluation, wave_ids=list(waves) or None,
                                     groups=list(groups) or None)
    except ResultsFilterError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps(results, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        click.echo(_text(results))


@responses_cli.command("export")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "sav"]), required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              callback=checked_output, help="The file to write.")
@click.option("--wave", "waves", multiple=True, type=int, help="A wave id to include (repeat).")
@with_appcontext
def export_command(slug: str, fmt: str, out: Path, waves: tuple[int, ...]) -> None:
    """Write the evaluation SLUG's responses with a codebook (row-level data: handle with care)."""
    from revaluation.services import audit
    from revaluation.services.exports import ExportError, export_responses

    evaluation = _evaluation(slug)
    try:
        export = export_responses(evaluation, fmt, wave_ids=list(waves) or None,
                                  include_names=False)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    write_output(out, export.content)
    audit.record("responses.exported", evaluation_id=evaluation.id, obj=evaluation,
                 actor_label="cli", format=fmt, rows=export.rows, waves=list(waves))
    db.session.commit()
    click.echo(f"Wrote {export.rows} responses to {out}")


@responses_cli.command("import")
@click.argument("slug")
@click.option("--wave", "wave_id", required=True, type=int, help="The wave to import into.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "mapping", multiple=True,
              help="column=question_key (repeat); unmapped columns are matched by key or label.")
@click.option("--dry-run", is_flag=True, help="Check every value and report; import nothing.")
@with_appcontext
def import_command(slug: str, wave_id: int, file: Path, mapping: tuple[str, ...],
                   dry_run: bool) -> None:
    """Import responses from a CSV or XLSX file (KoboToolbox, LimeSurvey, Google Forms...)."""
    from revaluation.services import audit
    from revaluation.services.imports import ImportRejected, import_rows, plan_import, read_table

    evaluation = _evaluation(slug)
    wave = next((w for w in evaluation.waves if w.id == wave_id), None)
    if wave is None:
        raise click.ClickException(f"There is no wave {wave_id} in “{slug}”.")
    explicit = {}
    for item in mapping:
        column, sep, key = item.partition("=")
        if not sep:
            raise click.ClickException(f"--map “{item}” must look like column=question_key.")
        explicit[column.strip()] = key.strip()
    try:
        table = read_table(file.read_bytes(), file.name)
        plan = plan_import(wave, table, explicit)
    except ImportRejected as exc:
        raise click.ClickException(str(exc)) from None
    for column, key in plan.mapping.items():
        click.echo(f"  {column} -> {key}")
    for problem in plan.problems:
        click.echo(f"row {problem.row}, column “{problem.column}”, value “{problem.value}”: "
                   f"{problem.message}")
    click.echo(f"{plan.valid_rows} of {plan.total_rows} rows can be imported; "
               f"{len(plan.problems)} values do not fit (left blank).")
    if dry_run:
        return
    created = import_rows(wave, plan)
    audit.record("responses.imported", evaluation_id=evaluation.id, obj=wave, actor_label="cli",
                 file=file.name, created=created, rows=plan.total_rows)
    db.session.commit()
    click.echo(f"Imported {created} new responses ({plan.total_rows - created} already there "
               "or empty).")


def init_app(app: Flask) -> None:
    app.cli.add_command(results_command)
    app.cli.add_command(responses_cli)

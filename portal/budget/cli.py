"""`flask --app app budget ...`: import, summarise and export budgets from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.budget import explorer, importer, queries
from portal.budget.report import ImportRejected
from portal.budget.schema import PHASES

budget = AppGroup("budget", help="Import, summarise and export the city's budget.")


def _db():
    return current_app.extensions["portal_db"]


def _print_plan(plan: importer.ImportPlan) -> None:
    for problem in plan.report.problems:
        colour = {"error": "red", "warning": "yellow"}.get(problem.level)
        click.secho(f"{problem.level.upper():8s}{problem.text()}", fg=colour, err=problem.level == "error")
    if plan.preview:
        click.echo(f"\n{'year':>6} {'phase':10} {'statement':10} {'direction':12} {'lines':>7} {'amount':>20}")
        for row in plan.preview:
            click.echo(f"{row['fiscal_year']:>6} {row['phase']:10} {row['statement']:10} {row['direction']:12} "
                       f"{row['lines']:>7} {row['amount']:>20,.2f}")
    for row in plan.replaces:
        current = ", ".join(f"{k} {v:,.2f}" for k, v in row["current"].items())
        click.echo(f"replaces {row['fiscal_year']} {row['phase']} {row['statement']}: {row['current_lines']} lines "
                   f"({current})")


@budget.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A JSON column mapping for the generic CSV importer (see the README).")
@click.option("--dry-run", is_flag=True, help="Check the files and show the totals; write nothing.")
def import_command(paths: tuple[Path, ...], mapping_path: Path | None, dry_run: bool) -> None:
    """Import budget files (Köln NKF files, the portal's CSV format, a mapped CSV, or a datapackage.json).

    The slices of (year, phase, statement) in the files replace the stored ones in one transaction;
    importing the same files again changes nothing.
    """
    city = current_app.config["CITY"]
    mapping_text = mapping_path.read_text(encoding="utf-8") if mapping_path else None
    with _db().session() as session:
        plan = importer.prepare(importer.read_paths(list(paths)), city, mapping_text=mapping_text, session=session)
        _print_plan(plan)
        if not plan.ok:
            raise click.ClickException("the files have errors: nothing was imported")
        if dry_run:
            click.echo(f"dry run: {len(plan.lines)} lines checked, nothing written")
            return
        try:
            outcome = importer.apply(session, plan)
        except ImportRejected as exc:  # pragma: no cover - plan.ok was checked
            raise click.ClickException(str(exc)) from exc
    explorer.invalidate(city.slug)
    if outcome.status == "unchanged":
        click.echo(f"unchanged: these files are already imported (import #{outcome.import_id})")
        return
    click.echo(f"imported {outcome.lines} lines (import #{outcome.import_id}, adapter {plan.adapter})")
    with _db().session() as session:  # the explorer's first load, done here (and kept on disk for large budgets)
        data = explorer.budget_data(session, city.slug)
    click.echo(f"explorer cache ready: {len(data.frame)} lines")


@budget.command("summary")
@click.option("--year", type=int, required=True)
@click.option("--phase", type=click.Choice(PHASES), default=None, help="Default: every phase of the year.")
def summary_command(year: int, phase: str | None) -> None:
    """Print the totals per statement and direction (and per district) as JSON."""
    city = current_app.config["CITY"]
    with _db().session() as session:
        out = queries.summary(session, city.slug, year, phase)
    click.echo(json.dumps(out, indent=2, ensure_ascii=False))


@budget.command("export")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--year", "years", type=int, multiple=True, help="Only these years (repeatable).")
def export_command(out_dir: Path, years: tuple[int, ...]) -> None:
    """Write the budget as a Fiscal Data Package: datapackage.json and budget.csv."""
    from portal.budget import fdp

    city = current_app.config["CITY"]
    with _db().session() as session:
        data = explorer.budget_data(session, city.slug)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = explorer.all_lines_export(data, list(years) or None)
    (out_dir / "budget.csv").write_text(fdp.lines_csv(lines), encoding="utf-8")
    descriptor = fdp.descriptor(city.slug, city.name, city.currency, attribution=city.attribution)
    (out_dir / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False), encoding="utf-8")
    click.echo(f"wrote {len(lines)} lines to {out_dir / 'budget.csv'} and {out_dir / 'datapackage.json'}")

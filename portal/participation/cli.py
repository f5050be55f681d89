"""Cycle administration: `flask --app app cycle-recount 3`, `cycle-export-ballots`, `cycle-issue-codes`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from portal.participation.errors import ParticipationError


def _db():
    return current_app.extensions["portal_db"]


def register(server: Flask) -> None:
    @server.cli.command("cycle-recount")
    @click.argument("cycle_id", type=int)
    def cycle_recount(cycle_id: int) -> None:
        """Recount a cycle's published ballot file with the engine and compare with the published result."""
        import voting
        from portal.participation.counting import published_result, tally_pools
        from portal.participation.cycles import get_cycle
        from portal.participation.results import published_file

        with _db().session() as session:
            try:
                cycle = get_cycle(session, cycle_id)
                text, digest = published_file(session, cycle)
            except ParticipationError as exc:
                raise click.ClickException(exc.message) from exc
            result = published_result(session, cycle)
            election = voting.parse_pb(text)
            recount = [pid for pool in tally_pools(election, result.rule, result.completion, explain=False)
                       for pid in pool.outcome.selected]
            click.echo(f"file sha256 {digest}, {len(election.profile)} ballots, rule {result.rule}"
                       + (f" + {result.completion}" if result.completion else ""))
            if sorted(recount) != sorted(result.selected):
                raise click.ClickException(f"MISMATCH: published {result.selected}, recount {recount}")
            click.echo(f"OK: the recount funds the published {len(recount)} projects: {', '.join(recount)}")

    @server.cli.command("cycle-export-ballots")
    @click.argument("cycle_id", type=int)
    @click.argument("target", type=click.Path(dir_okay=False, writable=True))
    def cycle_export_ballots(cycle_id: int, target: str) -> None:
        """Write the published anonymised ballot file (.pb) of a cycle and print its SHA-256."""
        from portal.participation.cycles import get_cycle
        from portal.participation.results import published_file

        with _db().session() as session:
            try:
                text, digest = published_file(session, get_cycle(session, cycle_id))
            except ParticipationError as exc:
                raise click.ClickException(exc.message) from exc
        Path(target).write_bytes(text.encode("utf-8"))
        click.echo(f"{digest}  {target}")

    @server.cli.command("cycle-issue-codes")
    @click.argument("cycle_id", type=int)
    @click.option("--count", type=int, required=True, help="How many codes.")
    @click.option("--officer", "officer_email", required=True, help="E-mail of the officer issuing them (audit).")
    @click.option("--batch", default="", help="A name for the batch (e.g. 'letters March').")
    @click.option("--district", default=None, help="District code the codes are for.")
    @click.option("--out", "target", required=True, type=click.Path(dir_okay=False),
                  help="CSV file for printing; the only copy of the codes.")
    def cycle_issue_codes(cycle_id: int, count: int, officer_email: str, batch: str, district: str | None,
                          target: str) -> None:
        """Issue single-use voting codes and write them to a new CSV file (only their hashes are stored)."""
        from portal.accounts import find_user
        from portal.participation.codes import codes_csv, issue_codes
        from portal.participation.cycles import get_cycle

        path = Path(target)
        if path.exists():
            raise click.ClickException(f"{target} exists already; codes are never overwritten")
        with _db().session() as session:
            officer = find_user(session, officer_email)
            try:
                cycle = get_cycle(session, cycle_id, officer)
                plain = issue_codes(session, cycle, officer, count, current_app.config["SECRET_KEY"], batch=batch,
                                    district_code=district)
            except ParticipationError as exc:
                raise click.ClickException(exc.message) from exc
            path.write_text(codes_csv(cycle, plain, batch, district), encoding="utf-8")
            path.chmod(0o600)
        click.echo(f"{len(plain)} codes written to {target}")

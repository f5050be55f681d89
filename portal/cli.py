"""Administration commands in the Flask CLI convention: `flask --app app <command>`."""

from __future__ import annotations

import getpass
import json

import click
from flask import Flask, current_app

from portal import accounts, migrate, seed
from portal.audit import record
from portal.models import Role


def _db():
    return current_app.extensions["portal_db"]


def register_commands(server: Flask) -> None:
    from portal.budget.cli import budget
    from portal.participation.cli import register as register_cycle_commands

    server.cli.add_command(budget)
    register_cycle_commands(server)

    @server.cli.command("db-upgrade")
    @click.option("--revision", default="head", show_default=True)
    def db_upgrade(revision: str) -> None:
        """Apply the schema migrations."""
        migrate.upgrade(_db(), revision)
        click.echo(f"database at revision {migrate.current_revision(_db())}")

    @server.cli.command("db-status")
    def db_status() -> None:
        """Print the schema revision of the database and of the code."""
        click.echo(json.dumps({"database": migrate.current_revision(_db()), "code": migrate.head_revision()}))

    @server.cli.command("seed-demo")
    def seed_demo() -> None:
        """Import the shipped budget and create the demo cycle where they are missing."""
        seed.seed_if_empty(_db(), current_app.config["CITY"])
        click.echo("seeded")

    @server.cli.command("create-user")
    @click.option("--email", prompt=True)
    @click.option("--role", type=click.Choice([r.value for r in Role]), default="citizen", show_default=True)
    @click.option("--name", "display_name", default="")
    @click.option("--password", envvar="PORTAL_NEW_PASSWORD", default=None,
                  help="Taken from PORTAL_NEW_PASSWORD, or asked for.")
    def create_user(email: str, role: str, display_name: str, password: str | None) -> None:
        """Create an account (for example the first administrator)."""
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Repeat: "):
                raise click.ClickException("The passwords differ.")
        with _db().session() as session:
            try:
                user = accounts.create_user(session, email, password, role=role, display_name=display_name)
            except accounts.AccountError as exc:
                raise click.ClickException(str(exc)) from exc
            record(session, "user.create", user, target=user)
        click.echo(f"created {role} {accounts.normalise_email(email)}")

    @server.cli.command("backup-export")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    def backup_export(path: str) -> None:
        """Write the whole portal (database and uploaded files) into a zip archive."""
        from pathlib import Path

        from portal import backup

        manifest = backup.export(_db(), Path(path), Path(current_app.instance_path) / "uploads")
        rows = sum(t["rows"] for t in manifest["tables"].values())
        click.echo(f"wrote {path}: {rows} rows in {len(manifest['tables'])} tables, {len(manifest['files'])} files")

    @server.cli.command("backup-restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def backup_restore(path: str) -> None:
        """Load an archive into an empty, migrated database (all or nothing)."""
        from pathlib import Path

        from portal import backup

        try:
            manifest = backup.restore(_db(), Path(path), Path(current_app.instance_path) / "uploads")
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        rows = sum(t["rows"] for t in manifest["tables"].values())
        click.echo(f"restored {rows} rows and {len(manifest['files'])} files from {path}")

    @server.cli.command("i18n-update")
    @click.option("--add", "new_languages", multiple=True, help="Start a catalogue for a new language (e.g. fr).")
    def i18n_update(new_languages: tuple[str, ...]) -> None:
        """Extract messages.pot from the code and update every language's messages.po (compiled at start)."""
        from portal import catalogues

        report = catalogues.update(new_languages)
        for lang, counts in report.items():
            click.echo(f"{lang}: {counts['translated']}/{counts['messages']} translated, {counts['missing']} missing")

    @server.cli.command("set-role")
    @click.argument("email")
    @click.argument("role", type=click.Choice([r.value for r in Role]))
    def set_role(email: str, role: str) -> None:
        """Change the role of an existing account."""
        with _db().session() as session:
            user = accounts.find_user(session, email)
            if user is None:
                raise click.ClickException(f"no account {email}")
            before = {"role": str(user.role)}
            user.role = Role(role)
            user.session_version += 1
            record(session, "user.role", {"role": role}, before=before, target=user)
        click.echo(f"{email} is now {role}")

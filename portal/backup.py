"""Backup and restore of the whole portal: every table, in dependency order, plus uploaded files.

The archive is a zip: `manifest.json` (schema revision, tables, row counts, checksums), one JSON-lines file
per table, and `files/` with everything under the instance's `uploads/` folder. Restoring needs an empty
database at the same schema revision; it runs in one transaction, so a broken archive changes nothing.

Uploaded datasets are kept in the database (every version's file in `dataset_files`), so the tables carry them;
`instance/cache/` (the explorer's copies of large budgets) and `instance/background-jobs/` are derived and rebuilt,
and are not archived.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.sql import sqltypes

from portal import migrate
from portal.db import Database
from portal.models import Base

FORMAT = "pb-portal-backup/1"


class BackupError(ValueError):
    """The archive cannot be restored here; nothing was written."""


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool, dict, list)):
        return value.value  # enum members
    return value


def _decode(value: Any, column) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        (key, raw), = value.items()
        if key == "$d":
            return Decimal(raw)
        if key == "$dt":
            parsed = dt.datetime.fromisoformat(raw)
            return parsed
        if key == "$date":
            return dt.date.fromisoformat(raw)
        if key == "$b":
            return base64.b64decode(raw)
    if isinstance(column.type, sqltypes.Enum) and value is not None and column.type.enum_class is not None:
        return column.type.enum_class(value)
    return value


def export(db: Database, target: Path | io.BytesIO, uploads: Path | None = None) -> dict:
    """Write the archive; returns its manifest."""
    manifest: dict[str, Any] = {"format": FORMAT, "revision": migrate.current_revision(db),
                                "created_at": dt.datetime.now(dt.UTC).isoformat(), "tables": {}, "files": {}}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive, db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            buffer = io.StringIO()
            digest = hashlib.sha256()
            count = 0
            pk = list(table.primary_key.columns)
            for row in conn.execute(select(table).order_by(*pk)).mappings():
                line = json.dumps({k: _encode(v) for k, v in row.items()}, sort_keys=True, ensure_ascii=False)
                buffer.write(line + "\n")
                digest.update(line.encode())
                count += 1
            archive.writestr(f"tables/{table.name}.jsonl", buffer.getvalue())
            manifest["tables"][table.name] = {"rows": count, "sha256": digest.hexdigest()}
        if uploads is not None and uploads.is_dir():
            for path in sorted(p for p in uploads.rglob("*") if p.is_file()):
                rel = path.relative_to(uploads).as_posix()
                data = path.read_bytes()
                archive.writestr(f"files/{rel}", data)
                manifest["files"][rel] = hashlib.sha256(data).hexdigest()
        archive.writestr("manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def restore(db: Database, source: Path | io.BytesIO, uploads: Path | None = None) -> dict:
    """Load an archive into an empty database at the same schema revision (all or nothing)."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"not a backup archive: {exc}") from exc
    with archive:
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except (KeyError, ValueError) as exc:
            raise BackupError("the archive has no readable manifest.json") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown archive format {manifest.get('format')!r}")
        here = migrate.current_revision(db)
        if manifest.get("revision") != here:
            raise BackupError(f"the archive is at schema revision {manifest.get('revision')}, this database at "
                              f"{here}: upgrade both to the same revision first")
        tables = {t.name: t for t in Base.metadata.sorted_tables}
        unknown = set(manifest["tables"]) - set(tables)
        if unknown:
            raise BackupError(f"the archive has tables this version does not know: {sorted(unknown)}")
        with db.engine.begin() as conn:
            for name, table in tables.items():
                if conn.execute(select(func.count()).select_from(table)).scalar():
                    raise BackupError(f"the database is not empty (table {name} has rows): restore needs an "
                                      "empty database")
            for name, table in tables.items():
                meta = manifest["tables"].get(name, {"rows": 0, "sha256": hashlib.sha256().hexdigest()})
                raw = archive.read(f"tables/{name}.jsonl").decode() if meta["rows"] else ""
                lines = [line for line in raw.split("\n") if line]
                digest = hashlib.sha256()
                for line in lines:
                    digest.update(line.encode())
                if len(lines) != meta["rows"] or digest.hexdigest() != meta["sha256"]:
                    raise BackupError(f"table {name} in the archive is damaged (row count or checksum differs)")
                columns = {c.name: c for c in table.columns}
                rows = [{k: _decode(v, columns[k]) for k, v in json.loads(line).items()} for line in lines]
                for start in range(0, len(rows), 5000):
                    conn.execute(insert(table), rows[start:start + 5000])
            if db.dialect == "postgresql":
                _reset_sequences(conn, tables.values())
        if uploads is not None:
            for rel, sha in manifest.get("files", {}).items():
                data = archive.read(f"files/{rel}")
                if hashlib.sha256(data).hexdigest() != sha:
                    raise BackupError(f"file {rel} in the archive is damaged")
                target = (uploads / rel).resolve()
                if not str(target).startswith(str(uploads.resolve())):
                    raise BackupError(f"file {rel} would be written outside the uploads folder")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
    return manifest


def _reset_sequences(conn, tables) -> None:
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                column.autoincrement == "auto" and isinstance(column.type, sqltypes.Integer)
            ):
                # names come from our own metadata, not from the archive
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "  # noqa: S608
                    f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
                ))

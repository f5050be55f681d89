"""Writing budget lines: one import replaces the (city, year, phase, statement) slices it holds, atomically.

The delete and the insert run in the caller's transaction, so readers see the old slice or the new
one, never a mix. Large imports go through the driver's fast paths (COPY on PostgreSQL, executemany
on SQLite) instead of the ORM.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.orm import Session

from portal.budget.schema import LINE_COLUMNS, TEXT_FIELDS, totals_preview
from portal.models import BudgetImport, BudgetLine

DB_COLUMNS = ["city", "fiscal_year", "phase", "statement", "direction", *TEXT_FIELDS, "amount", "currency",
              "source", "import_id"]


def sha256_of(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def slices_of(frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    keys = frame[["fiscal_year", "phase", "statement"]].drop_duplicates()
    return sorted((int(y), str(p), str(s)) for y, p, s in keys.itertuples(index=False))


def current_imports(session: Session, city: str, slices: list[tuple[int, str, str]]) -> list[BudgetImport]:
    """The imports whose lines currently fill these slices."""
    if not slices:
        return []
    ids = session.scalars(
        select(BudgetLine.import_id).where(
            BudgetLine.city == city,
            tuple_(BudgetLine.fiscal_year, BudgetLine.phase, BudgetLine.statement).in_(slices),
        ).distinct()
    ).all()
    ids = [i for i in ids if i is not None]
    return list(session.scalars(select(BudgetImport).where(BudgetImport.id.in_(ids)))) if ids else []


def replace_lines(session: Session, city: str, frame: pd.DataFrame, *, source_name: str, sha256: str,
                  adapter: str, user_id: int | None = None, summary: dict | None = None) -> BudgetImport:
    """Replace every (year, phase, statement) slice present in `frame` (the caller commits)."""
    frame = frame.copy()
    if "amount_cents" not in frame.columns:  # older callers pass amounts in currency units
        frame["amount_cents"] = (pd.to_numeric(frame["amount"]) * 100).round().astype("int64")
    for col in LINE_COLUMNS:
        if col not in frame.columns:
            frame[col] = "" if col != "fiscal_year" else 0
        if col in TEXT_FIELDS:
            frame[col] = frame[col].fillna("")
    slices = slices_of(frame)
    if slices:
        session.execute(
            delete(BudgetLine).where(
                BudgetLine.city == city,
                tuple_(BudgetLine.fiscal_year, BudgetLine.phase, BudgetLine.statement).in_(slices),
            ).execution_options(synchronize_session=False)
        )
    record = BudgetImport(
        city=city, source_name=source_name[:255], sha256=sha256, adapter=adapter, row_count=len(frame),
        summary={"totals": totals_preview(frame), "slices": [list(s) for s in slices], **(summary or {})},
        imported_by_id=user_id,
    )
    session.add(record)
    session.flush()
    _insert(session, city, frame, record.id)
    return record


def _rows(city: str, frame: pd.DataFrame, import_id: int):
    cents = frame["amount_cents"].astype("int64").to_numpy()
    amounts = [f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}" for c in cents.tolist()]
    texts = [frame[c].astype(str).where(frame[c].astype(str) != "", None).tolist() for c in TEXT_FIELDS]
    years = frame["fiscal_year"].astype(int).tolist()
    phases, statements, directions = (frame[c].astype(str).tolist() for c in ("phase", "statement", "direction"))
    currencies, sources = frame["currency"].astype(str).tolist(), frame["source"].astype(str).str[:255].tolist()
    for i in range(len(frame)):
        yield (city, years[i], phases[i], statements[i], directions[i], *(t[i] for t in texts), amounts[i],
               currencies[i], sources[i], import_id)


def _insert(session: Session, city: str, frame: pd.DataFrame, import_id: int) -> None:
    if frame.empty:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    raw = connection.connection.driver_connection
    if dialect == "postgresql":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in _rows(city, frame, import_id):
            writer.writerow(["\\N" if v is None else v for v in row])
        buffer.seek(0)
        with raw.cursor() as cursor, cursor.copy(
            f"COPY budget_lines ({', '.join(DB_COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        ) as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
    else:
        placeholders = ", ".join("?" for _ in DB_COLUMNS)
        cursor = raw.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO budget_lines ({', '.join(DB_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
                _rows(city, frame, import_id),
            )
        finally:
            cursor.close()


def has_budget(session: Session, city: str) -> bool:
    return session.scalar(select(BudgetLine.id).where(BudgetLine.city == city).limit(1)) is not None


def latest_import_id(session: Session, city: str) -> int:
    """Changes whenever any budget of the city changes: the key of the explorer's caches."""
    return session.scalar(select(func.max(BudgetImport.id)).where(BudgetImport.city == city)) or 0

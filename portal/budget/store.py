"""Writing budget lines: one import replaces the (city, year, phase, statement) slices it holds, atomically.

The delete and the insert run in the caller's transaction, so readers see the old slice or the new
one, never a mix. Large imports go through the driver's fast paths (COPY on PostgreSQL, executemany
on SQLite) instead of the ORM. The lines the portal writes for funded participatory-budgeting projects
(source "participatory", see `portal.feedback.budget_lines`) are not the city's: an import leaves them alone.
"""

from __future__ import annotations

import gc
import io

import numpy as np
import pandas as pd
from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from portal.budget.schema import LINE_COLUMNS, PARTICIPATORY, PB_PROJECT, TEXT_FIELDS, totals_preview
from portal.models import BudgetImport, BudgetLine

DB_COLUMNS = ["city", "fiscal_year", "phase", "statement", "direction", *TEXT_FIELDS, "amount", "currency",
              "source", "import_id", PB_PROJECT]


def slices_of(frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    keys = frame[["fiscal_year", "phase", "statement"]].drop_duplicates()
    return sorted((int(y), str(p), str(s)) for y, p, s in keys.itertuples(index=False))


def current_imports(session: Session, city: str, slices: list[tuple[int, str, str]]) -> list[BudgetImport]:
    """The imports whose lines currently fill these slices."""
    if not slices:
        return []
    ids = session.scalars(
        select(BudgetLine.import_id).where(
            BudgetLine.city == city, BudgetLine.source != PARTICIPATORY,
            tuple_(BudgetLine.fiscal_year, BudgetLine.phase, BudgetLine.statement).in_(slices),
        ).distinct()
    ).all()
    ids = [i for i in ids if i is not None]
    return list(session.scalars(select(BudgetImport).where(BudgetImport.id.in_(ids)))) if ids else []


def replace_lines(session: Session, city: str, frame: pd.DataFrame, *, source_name: str, sha256: str,
                  adapter: str, user_id: int | None = None, summary: dict | None = None) -> BudgetImport:
    """Replace the city's own lines of every (year, phase, statement) slice present in `frame` (the caller
    commits). Participatory lines stay: `portal.feedback.budget_lines.reconcile` decides about them."""
    frame = frame.copy()
    if "amount_cents" not in frame.columns:  # older callers pass amounts in currency units
        frame["amount_cents"] = (pd.to_numeric(frame["amount"]) * 100).round().astype("int64")
    for col in LINE_COLUMNS:
        if col not in frame.columns:
            frame[col] = "" if col != "fiscal_year" else 0
        if col in TEXT_FIELDS or col == PB_PROJECT:
            frame[col] = frame[col].fillna("")
    slices = slices_of(frame)
    if slices:
        session.execute(
            delete(BudgetLine).where(
                BudgetLine.city == city, BudgetLine.source != PARTICIPATORY,
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


def _texts(series: pd.Series, *, empty_as_null: bool = True, limit: int | None = None) -> np.ndarray:
    """A text column as an object array (distinct values converted once), "" -> None for the database."""
    codes, uniques = pd.factorize(series if isinstance(series.dtype, pd.CategoricalDtype) else series.astype(object),
                                  use_na_sentinel=True)
    values = [str(u)[:limit] if limit else str(u) for u in uniques]
    values = [None if (empty_as_null and v == "") else v for v in values] + [None]
    return np.asarray(values, dtype=object)[codes]


def _columns(city: str, frame: pd.DataFrame, import_id: int) -> list:
    """The DB_COLUMNS of every line, column by column."""
    n = len(frame)
    return [
        np.full(n, city, dtype=object),
        frame["fiscal_year"].astype("int64").to_numpy(),
        *(_texts(frame[c], empty_as_null=False) for c in ("phase", "statement", "direction")),
        *(_texts(frame[c]) for c in TEXT_FIELDS),
        frame["amount_cents"].astype("int64").to_numpy(),
        _texts(frame["currency"], empty_as_null=False),
        _texts(frame["source"], empty_as_null=False, limit=255),
        np.full(n, import_id, dtype="int64"),
        _texts(frame[PB_PROJECT], limit=40),
    ]


def _insert(session: Session, city: str, frame: pd.DataFrame, import_id: int) -> None:
    if frame.empty:
        return
    connection = session.connection()
    raw = connection.connection.driver_connection
    columns = _columns(city, frame, import_id)
    amount = DB_COLUMNS.index("amount")
    if connection.dialect.name == "postgresql":
        table = pd.DataFrame(dict(zip(DB_COLUMNS, columns, strict=True)))
        cents = columns[amount]
        table["amount"] = [f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}" for c in cents.tolist()]
        buffer = io.StringIO()
        table.to_csv(buffer, index=False, header=False, na_rep="\\N")
        buffer.seek(0)
        with raw.cursor() as cursor, cursor.copy(
            f"COPY budget_lines ({', '.join(DB_COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        ) as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
    else:
        # SQLite keeps NUMERIC values as REAL: the nearest double of each amount, as SQLAlchemy would store it
        columns[amount] = columns[amount] / 100.0
        placeholders = ", ".join("?" for _ in DB_COLUMNS)
        gc_was_on = gc.isenabled()
        gc.disable()  # millions of small objects: the cyclic collector would rescan them again and again
        cursor = raw.cursor()
        try:
            lists = [c.tolist() for c in columns]
            cursor.executemany(
                f"INSERT INTO budget_lines ({', '.join(DB_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
                zip(*lists, strict=True),
            )
        finally:
            cursor.close()
            if gc_was_on:
                gc.enable()


def has_budget(session: Session, city: str) -> bool:
    return session.scalar(select(BudgetLine.id).where(BudgetLine.city == city).limit(1)) is not None

"""Writing budget lines to the database: one import replaces the (city, year, phase) slices it holds."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from portal.models import BudgetImport, BudgetLine

LINE_COLUMNS = [c.key for c in BudgetLine.__table__.columns if c.key not in ("id", "city", "import_id")]


def sha256_of(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def replace_lines(session: Session, city: str, frame: pd.DataFrame, *, source_name: str, sha256: str,
                  adapter: str, user_id: int | None = None) -> BudgetImport:
    """Atomically replace every (year, phase) slice present in `frame` (caller commits)."""
    frame = frame.copy()
    for col in LINE_COLUMNS:
        if col not in frame.columns:
            frame[col] = None
    slices = sorted({(int(y), str(p)) for y, p in zip(frame["fiscal_year"], frame["phase"], strict=True)})
    session.execute(
        delete(BudgetLine).where(
            BudgetLine.city == city, tuple_(BudgetLine.fiscal_year, BudgetLine.phase).in_(slices)
        )
    )
    summary = (
        frame.groupby(["fiscal_year", "phase", "statement", "direction"])["amount"].sum().reset_index()
    )
    record = BudgetImport(
        city=city, source_name=source_name, sha256=sha256, adapter=adapter, row_count=len(frame),
        summary={"totals": [
            {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in summary.to_dict("records")
        ]},
        imported_by_id=user_id,
    )
    session.add(record)
    session.flush()
    rows = frame[LINE_COLUMNS].astype(object).where(frame[LINE_COLUMNS].notna(), None).to_dict("records")
    for row in rows:
        row["city"] = city
        row["import_id"] = record.id
    if rows:
        session.execute(insert(BudgetLine), rows)
    return record


def has_budget(session: Session, city: str) -> bool:
    return session.scalar(select(BudgetLine.id).where(BudgetLine.city == city).limit(1)) is not None

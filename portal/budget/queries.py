"""Reading budget lines back: totals for headlines and summaries."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import BudgetLine


def totals(session: Session, city: str, year: int, phase: str) -> dict[str, dict[str, float]]:
    """{statement: {direction: amount}} for one year and phase."""
    rows = session.execute(
        select(BudgetLine.statement, BudgetLine.direction, func.sum(BudgetLine.amount))
        .where(BudgetLine.city == city, BudgetLine.fiscal_year == year, BudgetLine.phase == phase)
        .group_by(BudgetLine.statement, BudgetLine.direction)
    ).all()
    out: dict[str, dict[str, float]] = {}
    for statement, direction, amount in rows:
        out.setdefault(str(statement), {})[str(direction)] = float(amount)
    return out


def latest_year(session: Session, city: str, phase: str = "approved") -> int | None:
    return session.scalar(
        select(func.max(BudgetLine.fiscal_year)).where(BudgetLine.city == city, BudgetLine.phase == phase)
    )

"""Reading budget lines back with SQL: totals for headlines, summaries and import previews."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.budget.schema import PARTICIPATORY
from portal.models import BudgetLine


def _money(value) -> float:
    return round(float(value or 0), 2)


def totals(session: Session, city: str, year: int, phase: str) -> dict[str, dict[str, float]]:
    """{statement: {direction: amount}} for one year and phase."""
    rows = session.execute(
        select(BudgetLine.statement, BudgetLine.direction, func.sum(BudgetLine.amount))
        .where(BudgetLine.city == city, BudgetLine.fiscal_year == year, BudgetLine.phase == phase)
        .group_by(BudgetLine.statement, BudgetLine.direction)
    ).all()
    out: dict[str, dict[str, float]] = {}
    for statement, direction, amount in rows:
        out.setdefault(str(statement), {})[str(direction)] = _money(amount)
    return out


def slice_totals(session: Session, city: str, year: int, phase: str, statement: str) -> dict:
    """The city's own lines of a slice (what an import of that slice replaces; participatory lines stay)."""
    rows = session.execute(
        select(BudgetLine.direction, func.sum(BudgetLine.amount), func.count(BudgetLine.id))
        .where(BudgetLine.city == city, BudgetLine.fiscal_year == year, BudgetLine.phase == phase,
               BudgetLine.statement == statement, BudgetLine.source != PARTICIPATORY)
        .group_by(BudgetLine.direction)
    ).all()
    if not rows:
        return {}
    return {"current": {str(d): _money(a) for d, a, _ in rows}, "current_lines": sum(n for *_, n in rows)}


def summary(session: Session, city: str, year: int, phase: str | None = None) -> dict:
    """Totals per statement and direction, and per district where lines carry one (the CLI's JSON)."""
    conditions = [BudgetLine.city == city, BudgetLine.fiscal_year == year]
    if phase:
        conditions.append(BudgetLine.phase == phase)
    phases = [str(p) for p in session.scalars(
        select(BudgetLine.phase).where(*conditions).distinct().order_by(BudgetLine.phase))]
    out: dict = {"city": city, "fiscal_year": year, "phase": phase or (phases[0] if len(phases) == 1 else phases)}
    if len(phases) > 1:
        return {**out, "phases": {p: summary(session, city, year, p) for p in phases}}
    rows = session.execute(
        select(BudgetLine.statement, BudgetLine.direction, BudgetLine.district_code, func.sum(BudgetLine.amount))
        .where(*conditions)
        .group_by(BudgetLine.statement, BudgetLine.direction, BudgetLine.district_code)
    ).all()
    for statement in ("operating", "capital"):
        out[statement] = {"revenue": 0.0, "expenditure": 0.0}
    districts: dict = {}
    for statement, direction, district, amount in rows:
        block = out.setdefault(str(statement), {"revenue": 0.0, "expenditure": 0.0})
        block[str(direction)] = _money(block.get(str(direction), 0) + float(amount or 0))
        if district:
            d = districts.setdefault(str(district), {}).setdefault(str(statement), {"revenue": 0.0,
                                                                                   "expenditure": 0.0})
            d[str(direction)] = _money(d[str(direction)] + float(amount or 0))
    if districts:
        out["districts"] = dict(sorted(districts.items(), key=lambda kv: (len(kv[0]), kv[0])))
    return out


def latest_year(session: Session, city: str, phase: str = "approved") -> int | None:
    """The newest year of the city's own budget files (a year with only the portal's participatory lines, whose
    budget is not imported yet, does not count)."""
    return session.scalar(
        select(func.max(BudgetLine.fiscal_year)).where(BudgetLine.city == city, BudgetLine.phase == phase,
                                                       BudgetLine.source != PARTICIPATORY)
    )


def available(session: Session, city: str) -> list[tuple[int, str]]:
    """(year, phase) pairs that have lines, newest first."""
    rows = session.execute(
        select(BudgetLine.fiscal_year, BudgetLine.phase).where(BudgetLine.city == city).distinct()
    ).all()
    return sorted(((int(y), str(p)) for y, p in rows), key=lambda t: (-t[0], t[1]))

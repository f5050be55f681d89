"""Priorities against spending: what citizens voted for and what was funded, per category, set against the
share of the city's own spending that goes to the functional area each category is mapped to, year by year.

For each cycle with a published result:
- votes share of a category: the votes (voters choosing a project) its projects got, over all votes cast;
- funded share: the money funded in the category over all money funded;
- spending share: the city's own spending (operating and investment, plan) in the category's functional
  area over all its spending, in the budget year the funded projects enter (cycle year + 1), or the nearest
  earlier year the city's budget has. The portal's participatory lines are left out, so that the funded
  projects do not feed the comparison they are part of. Categories without a mapped area have no spending
  share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.budget import explorer
from portal.budget.explorer import BudgetData, View
from portal.feedback.budget_lines import area_names, parse_path
from portal.models import Category, Cycle, CyclePhase, Proposal, Result

COLUMNS = ["cycle_id", "cycle_year", "budget_year", "category_code", "category", "area_code", "area", "votes",
           "votes_share", "funded", "funded_share", "spending", "spending_share"]


def spending_year(data: BudgetData, wanted: int) -> int | None:
    """The budget year to compare a cycle with: its funded projects' year, else the nearest earlier one."""
    years = sorted({y for y, p in data.own_available if p == "approved"})
    if not years:
        return None
    earlier = [y for y in years if y <= wanted]
    return max(earlier) if earlier else min(years)


def _own_cents(data: BudgetData, year: int, path: tuple[str, ...]) -> int:
    total = 0
    for statement in ("operating", "capital"):
        idx = explorer.positions(data, View(year=year, phase="approved", statement=statement,
                                            direction="expenditure", path=path))
        total += int(data.cents[idx][data.own[idx]].sum())
    return total


def priorities(session: Session, city: str, data: BudgetData) -> pd.DataFrame:
    """One row per category of every published cycle of the city (oldest first)."""
    cycles = list(session.scalars(select(Cycle).where(
        Cycle.city == city, Cycle.phase.in_([CyclePhase.RESULTS, CyclePhase.CLOSED])).order_by(Cycle.year, Cycle.id)))
    rows = []
    for cycle in cycles:
        result = session.scalar(select(Result).where(Result.cycle_id == cycle.id, Result.published_at.is_not(None))
                                .order_by(Result.published_at.desc()).limit(1))
        if result is None:
            continue
        categories = list(session.scalars(select(Category).where(Category.cycle_id == cycle.id)
                                          .order_by(Category.code)))
        of_proposal = dict(session.execute(select(Proposal.id, Proposal.category_id).where(
            Proposal.cycle_id == cycle.id)).all())
        votes: dict[int | None, int] = {}
        funded: dict[int | None, int] = {}
        selected = {str(p) for p in result.selected or []}
        for pid, exp in (result.explanation or {}).items():
            category = of_proposal.get(int(pid)) if str(pid).isdigit() else None
            votes[category] = votes.get(category, 0) + int(exp.get("supporters") or 0)
            if pid in selected:
                funded[category] = funded.get(category, 0) + int((result.funded or {}).get(pid, {}).get("cost")
                                                                 or exp.get("cost") or 0)
        all_votes, all_funded = sum(votes.values()), sum(funded.values())
        year = spending_year(data, cycle.year + 1)
        all_spending = _own_cents(data, year, ()) if year is not None else 0
        for category in categories:
            path = parse_path(category.functional_code)
            spending = _own_cents(data, year, path) if path and year is not None else None
            names = area_names(session, city, path) if path else None
            rows.append({
                "cycle_id": cycle.id, "cycle_year": cycle.year, "budget_year": year,
                "category_code": category.code, "category": category.name,
                "area_code": "/".join(path) or None, "area": " › ".join(names) if names else ("/".join(path) or None),
                "votes": votes.get(category.id, 0),
                "votes_share": votes.get(category.id, 0) / all_votes if all_votes else np.nan,
                "funded": funded.get(category.id, 0),
                "funded_share": funded.get(category.id, 0) / all_funded if all_funded else np.nan,
                "spending": spending / 100 if spending is not None else np.nan,
                "spending_share": spending / all_spending if spending is not None and all_spending else np.nan,
            })
    return pd.DataFrame(rows, columns=COLUMNS)


def years(frame: pd.DataFrame) -> list[int]:
    return sorted({int(y) for y in frame["cycle_year"]}, reverse=True) if len(frame) else []


def of_year(frame: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """The rows of one cycle year (the newest when `year` is not one of them)."""
    known = years(frame)
    if not known:
        return frame
    year = year if year in known else known[0]
    return frame[frame["cycle_year"] == year].reset_index(drop=True)

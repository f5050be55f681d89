"""The participatory lines of the budget: every funded project is a line of the year after its cycle.

The lines are derived from the delivery records (one per funded project), never edited by hand:
`reconcile(session, city)` makes the city's lines with source "participatory" match its funded projects,
and runs wherever they can change (a result is published, officers change a cycle's category mapping, a
budget is imported). It is idempotent: when nothing has to change, nothing is written.

One line per funded project: fiscal year = cycle year + 1, phase "approved" (the plan), direction
expenditure, statement from the cycle's settings (investment by default), amount = the funded amount,
district = the proposal's district when it is one of the city's. Its functional classification is the one
the officers mapped the project's category to (`Category.functional_code`, a path such as "12/1201"),
with one more level below it named after the participatory budget, so the drill-down shows the projects
in a box of their own inside the city's area. A category without a mapping falls back to a top-level area
"PB" named after the participatory budget (the city profile's `participatory_label`): the money is shown,
in a place of its own, rather than guessed into an area. The economic line is the project ("PB-<id>",
its title), the administrative unit the cycle.

No euro is counted twice: when a line of the city's own files for the same year and phase names the
project (`pb_project`, the project's number), the portal's line for it is left out; it comes back if a
later import drops the project again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.budget.schema import FN_CODES, FN_NAMES, LEVELS, PARTICIPATORY
from portal.city import CityProfile, load_city
from portal.models import BudgetImport, BudgetLine, Category, Cycle, ProjectDelivery, Proposal

SOURCE = PARTICIPATORY
PHASE = "approved"
FALLBACK_CODE = "PB"
STATEMENTS = ("capital", "operating")
DEFAULT_STATEMENT = "capital"  # most funded projects are things built or bought: investment
ADAPTER = "participatory"
COMPARED = ("fiscal_year", "phase", "statement", "direction", *FN_CODES, *FN_NAMES, "econ_code", "econ_name",
            "admin_code", "admin_name", "district_code", "district_name", "cents", "currency", "pb_project")


def parse_path(text: str | None) -> tuple[str, ...]:
    """A functional area as the officers write it ("12/1201" or "12 / 1201") -> ("12", "1201")."""
    return tuple(p.strip() for p in str(text or "").split("/") if p.strip())[:LEVELS]


def statement_of(cycle: Cycle) -> str:
    value = (cycle.settings or {}).get("budget_statement")
    return value if value in STATEMENTS else DEFAULT_STATEMENT


def profile(slug: str) -> CityProfile | None:
    try:
        return load_city(slug)
    except FileNotFoundError:
        return None


# Functional areas of the city's budget ---------------------------------------------------------------

def area_names(session: Session, city: str, path: tuple[str, ...]) -> list[str] | None:
    """The names of each level of a functional path in the city's own lines (newest year first); None when the
    path is not in its budget."""
    if not path:
        return []
    conditions = [BudgetLine.city == city, BudgetLine.source != SOURCE]
    for col, code in zip(FN_CODES, path, strict=False):
        conditions.append(getattr(BudgetLine, col) == code)
    names = [getattr(BudgetLine, FN_NAMES[i]) for i in range(len(path))]
    row = session.execute(select(*names).where(*conditions).order_by(BudgetLine.fiscal_year.desc()).limit(1)).first()
    if row is None:
        return None
    return [str(n or code) for n, code in zip(row, path, strict=True)]


def functional_areas(session: Session, city: str, depth: int = 2) -> list[tuple[str, str]]:
    """(path, "name › name") of the functional areas of the newest year of the city's own budget, down to
    `depth` levels: the choices the officers map categories to."""
    year = session.scalar(select(func.max(BudgetLine.fiscal_year)).where(
        BudgetLine.city == city, BudgetLine.source != SOURCE))
    if year is None:
        return []
    out: dict[str, str] = {}
    for level in range(1, depth + 1):
        codes = [getattr(BudgetLine, FN_CODES[i]) for i in range(level)]
        names = [getattr(BudgetLine, FN_NAMES[i]) for i in range(level)]
        rows = session.execute(select(*codes, *names).where(
            BudgetLine.city == city, BudgetLine.source != SOURCE, BudgetLine.fiscal_year == year,
            BudgetLine.direction == "expenditure", getattr(BudgetLine, FN_CODES[level - 1]).is_not(None)).distinct())
        for row in rows:
            path = "/".join(str(c) for c in row[:level])
            out.setdefault(path, " › ".join(str(n or c) for n, c in zip(row[level:], row[:level], strict=True)))
    return sorted(out.items())


# The lines ---------------------------------------------------------------------------------------------

@dataclass
class Wanted:
    lines: list[dict]
    superseded: list[str]  # projects the city's own files contain already


def _own_projects(session: Session, city: str) -> set[tuple[int, str, str]]:
    """(year, phase, project) of the city's own lines that name a participatory-budgeting project."""
    rows = session.execute(select(BudgetLine.fiscal_year, BudgetLine.phase, BudgetLine.pb_project).where(
        BudgetLine.city == city, BudgetLine.source != SOURCE, BudgetLine.pb_project.is_not(None),
        BudgetLine.pb_project != "").distinct())
    return {(int(y), str(p), str(pid)) for y, p, pid in rows}


def wanted_lines(session: Session, city: str, city_profile: CityProfile | None = None) -> Wanted:
    """The participatory lines the city's funded projects call for (plain dicts, amounts in cents)."""
    city_profile = city_profile if city_profile is not None else profile(city)
    districts = dict(city_profile.districts) if city_profile else {}
    label = city_profile.participatory_label if city_profile else "Participatory budget"
    rows = session.execute(
        select(ProjectDelivery, Proposal, Cycle)
        .join(Proposal, Proposal.id == ProjectDelivery.proposal_id)
        .join(Cycle, Cycle.id == ProjectDelivery.cycle_id)
        .where(Cycle.city == city).order_by(ProjectDelivery.budget_year, Proposal.id)).all()
    if not rows:
        return Wanted([], [])
    categories = {c.id: c for c in session.scalars(
        select(Category).where(Category.cycle_id.in_({cycle.id for _, _, cycle in rows})))}
    own = _own_projects(session, city)
    names: dict[tuple[str, ...], list[str] | None] = {}
    lines, superseded = [], []
    for delivery, proposal, cycle in rows:
        pid = str(proposal.id)
        if (int(delivery.budget_year), PHASE, pid) in own:
            superseded.append(pid)
            continue
        category = categories.get(proposal.category_id)
        path = parse_path(category.functional_code if category else None)
        if path and path not in names:
            names[path] = area_names(session, city, path)
        known = names.get(path) if path else None
        if not path:
            codes, labels = [FALLBACK_CODE], [label]
        else:
            codes, labels = list(path), list(known or path)
            if len(codes) < LEVELS:
                codes.append(FALLBACK_CODE)
                labels.append(label)
        line = {"fiscal_year": int(delivery.budget_year), "phase": PHASE, "statement": statement_of(cycle),
                "direction": "expenditure"}
        for i in range(LEVELS):
            line[FN_CODES[i]] = codes[i] if i < len(codes) else None
            line[FN_NAMES[i]] = labels[i][:255] if i < len(labels) else None
        district = proposal.district_code if proposal.district_code in districts else None
        line.update({
            "econ_code": f"PB-{pid}", "econ_name": proposal.title[:255], "admin_code": f"PB-C{cycle.id}",
            "admin_name": cycle.title[:255], "district_code": district,
            "district_name": districts.get(district) if district else None,
            "cents": int(delivery.funded_amount) * 100, "currency": cycle.currency, "pb_project": pid,
        })
        lines.append(line)
    return Wanted(lines, superseded)


def current_lines(session: Session, city: str) -> list[dict]:
    columns = [getattr(BudgetLine, c) for c in COMPARED if c != "cents"]
    rows = session.execute(select(*columns, BudgetLine.amount).where(
        BudgetLine.city == city, BudgetLine.source == SOURCE))
    out = []
    for row in rows:
        values = dict(zip([c for c in COMPARED if c != "cents"], row[:-1], strict=True))
        values = {k: (str(v) if k in ("phase", "statement", "direction") and v is not None else v)
                  for k, v in values.items()}
        values["cents"] = int((Decimal(str(row[-1])) * 100).to_integral_value())
        out.append(values)
    return out


def _canonical(lines: list[dict]) -> list[tuple]:
    return sorted(tuple("" if line.get(c) is None else str(line.get(c)) for c in COMPARED) for line in lines)


def reconcile(session: Session, city: CityProfile | str, *, actor: Any = None, reason: str = "") -> BudgetImport | None:
    """Make the city's participatory lines match its funded projects; returns the new import record, or None
    when they matched already. Runs in the caller's transaction (the caller commits)."""
    slug = getattr(city, "slug", city)
    city_profile = city if isinstance(city, CityProfile) else profile(slug)
    wanted = wanted_lines(session, slug, city_profile)
    current = current_lines(session, slug)
    if _canonical(wanted.lines) == _canonical(current):
        return None
    digest = hashlib.sha256(json.dumps(_canonical(wanted.lines)).encode()).hexdigest()
    session.execute(delete(BudgetLine).where(BudgetLine.city == slug, BudgetLine.source == SOURCE)
                    .execution_options(synchronize_session=False))
    frame = pd.DataFrame(wanted.lines)
    totals = (frame.groupby(["fiscal_year", "statement"])["cents"].sum() / 100).round(2) if len(frame) else None
    summary = {
        "reason": reason, "projects": [line["pb_project"] for line in wanted.lines],
        "superseded": wanted.superseded,
        "totals": [{"fiscal_year": int(y), "phase": PHASE, "statement": s, "direction": "expenditure",
                    "amount": float(a), "lines": int(((frame["fiscal_year"] == y) & (frame["statement"] == s)).sum())}
                   for (y, s), a in totals.items()] if totals is not None else [],
        "slices": sorted({(line["fiscal_year"], PHASE, line["statement"]) for line in wanted.lines}),
    }
    imported = BudgetImport(city=slug, source_name="participatory budget: funded projects", sha256=digest,
                            adapter=ADAPTER, row_count=len(wanted.lines), summary=summary,
                            imported_by_id=getattr(actor, "id", None))
    session.add(imported)
    session.flush()
    for line in wanted.lines:
        values = {k: v for k, v in line.items() if k != "cents"}
        session.add(BudgetLine(city=slug, amount=Decimal(line["cents"]) / 100, source=SOURCE,
                               import_id=imported.id, **values))
    session.flush()
    record(session, "budget.participatory", {"import_id": imported.id, "lines": len(wanted.lines),
                                             "projects": summary["projects"], "superseded": wanted.superseded,
                                             "reason": reason},
           before={"lines": len(current)}, target=imported, actor=actor)
    return imported


def project_points(session: Session, city: str, year: int | None) -> pd.DataFrame:
    """Funded projects with a location whose budget year is `year`: lat, lon, label (for the map)."""
    if year is None:
        return pd.DataFrame(columns=["lat", "lon", "label", "id"])
    rows = session.execute(
        select(Proposal.id, Proposal.title, Proposal.latitude, Proposal.longitude, ProjectDelivery.funded_amount,
               Cycle.currency)
        .join(ProjectDelivery, ProjectDelivery.proposal_id == Proposal.id)
        .join(Cycle, Cycle.id == ProjectDelivery.cycle_id)
        .where(Cycle.city == city, ProjectDelivery.budget_year == year, Proposal.latitude.is_not(None),
               Proposal.longitude.is_not(None)).order_by(Proposal.id)).all()
    return pd.DataFrame(
        [{"lat": float(lat), "lon": float(lon), "label": f"{title} ({amount:,} {currency})", "id": pid}
         for pid, title, lat, lon, amount, currency in rows], columns=["lat", "lon", "label", "id"])

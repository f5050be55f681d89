"""Delivery of funded projects: status, progress and money spent, updated by officers with dated notes.

A delivery record is opened for each funded project when a result is published (`open_deliveries`).
Officers update it (`update_delivery`: checked, audited, one `DeliveryUpdate` per change); the public sees
it on the project page, the results page and the API. The city's actual spending on a project comes from
its imported executed budget lines that name the project (`pb_project`), set against the funded amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.budget.schema import PARTICIPATORY
from portal.i18n import _
from portal.models import (
    BudgetLine,
    Category,
    Cycle,
    DeliveryStatus,
    DeliveryUpdate,
    ProjectDelivery,
    Proposal,
    Result,
    User,
    utcnow,
)
from portal.participation import phases
from portal.participation.errors import InvalidInput, NotFound

MAX_NOTE = 5000
MAX_SPENT = Decimal("1e13")


def status_label(status: DeliveryStatus | str) -> str:
    names = {DeliveryStatus.PLANNED: _("Planned"), DeliveryStatus.IN_PROGRESS: _("In progress"),
             DeliveryStatus.DELAYED: _("Delayed"), DeliveryStatus.COMPLETED: _("Completed"),
             DeliveryStatus.CANCELLED: _("Cancelled")}
    return names[DeliveryStatus(status)]


def open_deliveries(session: Session, cycle: Cycle, result: Result) -> list[ProjectDelivery]:
    """A delivery record for every funded project of a published result that has none yet."""
    selected = [int(pid) for pid in result.selected or []]
    if not selected:
        return []
    existing = set(session.scalars(select(ProjectDelivery.proposal_id).where(
        ProjectDelivery.proposal_id.in_(selected))))
    made = []
    for pid in selected:
        if pid in existing:
            continue
        cost = int((result.funded or {}).get(str(pid), {}).get("cost") or 0)
        delivery = ProjectDelivery(proposal_id=pid, cycle_id=cycle.id, result_id=result.id, funded_amount=cost,
                                   budget_year=int(cycle.year) + 1, status=DeliveryStatus.PLANNED, progress=0,
                                   spent=Decimal("0"))
        session.add(delivery)
        made.append(delivery)
    return made


def is_public(cycle: Cycle) -> bool:
    """Delivery is public once the cycle's result is (results and closed phases)."""
    return phases.allows(cycle, "see_results")


def delivery_of(session: Session, proposal_id: int) -> ProjectDelivery | None:
    return session.scalar(select(ProjectDelivery).where(ProjectDelivery.proposal_id == proposal_id))


def updates_of(session: Session, delivery_id: int) -> list[tuple[DeliveryUpdate, str]]:
    """The dated updates of a delivery, newest first, with the author's display name (never an e-mail)."""
    rows = session.execute(
        select(DeliveryUpdate, User.display_name).outerjoin(User, User.id == DeliveryUpdate.author_id)
        .where(DeliveryUpdate.delivery_id == delivery_id)
        .order_by(DeliveryUpdate.at.desc(), DeliveryUpdate.id.desc())).all()
    return [(u, name or _("an officer")) for u, name in rows]


def actual_spending(session: Session, city: str, proposal_ids: list[int]) -> dict[int, Decimal]:
    """What the city's executed budget lines say was spent on each project (only lines that name it)."""
    if not proposal_ids:
        return {}
    rows = session.execute(
        select(BudgetLine.pb_project, func.sum(BudgetLine.amount))
        .where(BudgetLine.city == city, BudgetLine.phase == "executed", BudgetLine.direction == "expenditure",
               BudgetLine.source != PARTICIPATORY, BudgetLine.pb_project.in_([str(p) for p in proposal_ids]))
        .group_by(BudgetLine.pb_project))
    return {int(pid): Decimal(str(total)) for pid, total in rows if total is not None}


@dataclass
class DeliveryRow:
    delivery: ProjectDelivery
    proposal: Proposal
    category: str
    district: str
    actual: Decimal | None


def deliveries(session: Session, cycle: Cycle) -> list[DeliveryRow]:
    """The funded projects of a cycle with their delivery, in the order they were funded."""
    rows = session.execute(
        select(ProjectDelivery, Proposal).join(Proposal, Proposal.id == ProjectDelivery.proposal_id)
        .where(ProjectDelivery.cycle_id == cycle.id).order_by(ProjectDelivery.id)).all()
    categories = {c.id: c.name for c in session.scalars(select(Category).where(Category.cycle_id == cycle.id))}
    districts = {d.code: d.name for d in cycle.districts}
    actual = actual_spending(session, cycle.city, [p.id for _, p in rows])
    return [DeliveryRow(d, p, categories.get(p.category_id, ""),
                        districts.get(p.district_code, p.district_code or "") if p.district_code else "",
                        actual.get(p.id)) for d, p in rows]


FRAME_COLUMNS = ["proposal_id", "title", "category", "district", "budget_year", "status", "progress", "funded",
                 "spent", "actual", "updated_at"]


def delivery_frame(rows: list[DeliveryRow]) -> pd.DataFrame:
    """The delivery of a cycle's funded projects as a table (the summary chart, its CSV, the API)."""
    return pd.DataFrame([{
        "proposal_id": r.proposal.id, "title": r.proposal.title, "category": r.category, "district": r.district,
        "budget_year": r.delivery.budget_year, "status": str(r.delivery.status), "progress": int(r.delivery.progress),
        "funded": int(r.delivery.funded_amount), "spent": float(r.delivery.spent or 0),
        "actual": float(r.actual) if r.actual is not None else None,
        "updated_at": r.delivery.updated_at.isoformat() if r.delivery.updated_at else None,
    } for r in rows], columns=FRAME_COLUMNS)


def _progress(value: Any, errors: list[str]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip().rstrip("%"))
        if number != number.to_integral_value():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.append(_("Progress: a whole number of per cent, 0 to 100."))
        return None
    if not 0 <= number <= 100:
        errors.append(_("Progress: a whole number of per cent, 0 to 100."))
        return None
    return int(number)


def _spent(value: Any, errors: list[str]) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip().replace(" ", "").replace("_", ""))
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.append(_("Money spent: {value} is not an amount.").format(value=value))
        return None
    if amount < 0 or amount > MAX_SPENT:
        errors.append(_("Money spent: an amount of 0 or more."))
        return None
    return amount.quantize(Decimal("0.01"))


def update_delivery(session: Session, proposal_id: Any, actor: Any, data: dict) -> ProjectDelivery:
    """An officer's update of a funded project (status, progress %, money spent, a dated note): checked on the
    server, refused as a whole if anything is wrong, and logged with the state before and after."""
    phases.require_officer(actor)
    try:
        proposal_id = int(proposal_id)
    except (TypeError, ValueError):
        raise NotFound(_("There is no such funded project.")) from None
    delivery = session.scalar(select(ProjectDelivery).where(ProjectDelivery.proposal_id == proposal_id)
                              .with_for_update())
    if delivery is None:
        raise NotFound(_("There is no such funded project."))
    errors: list[str] = []
    status = data.get("status") or delivery.status
    try:
        status = DeliveryStatus(status)
    except ValueError:
        errors.append(_("Status: please choose one of the list."))
        status = delivery.status
    progress = _progress(data.get("progress"), errors)
    spent = _spent(data.get("spent"), errors)
    note = (data.get("note") or "").strip()
    if len(note) > MAX_NOTE:
        errors.append(_("Note: at most {n} characters.").format(n=MAX_NOTE))
    if errors:
        raise InvalidInput(" ".join(errors), errors=errors)
    progress = delivery.progress if progress is None else progress
    if status == DeliveryStatus.COMPLETED:
        progress = 100
    current = Decimal(delivery.spent if delivery.spent is not None else 0).quantize(Decimal("0.01"))
    spent = current if spent is None else spent
    before = {"status": str(delivery.status), "progress": delivery.progress, "spent": str(current)}
    after = {"status": str(status), "progress": progress, "spent": str(spent)}
    if before == after and not note:
        raise InvalidInput(_("Nothing to save: change the status, the progress or the money spent, or write a "
                             "note."))
    now = utcnow()
    delivery.status, delivery.progress, delivery.spent, delivery.updated_at = status, progress, spent, now
    session.add(DeliveryUpdate(delivery_id=delivery.id, at=now, author_id=getattr(actor, "id", None),
                               status=status, progress=progress, spent=spent, note=note))
    session.flush()
    record(session, "delivery.update", {**after, "note": note, "proposal_id": proposal_id}, before=before,
           target=delivery, actor=actor)
    return delivery


def latest_update(session: Session, cycle_id: int) -> datetime | None:
    return session.scalar(select(func.max(ProjectDelivery.updated_at)).where(ProjectDelivery.cycle_id == cycle_id))


def cycle_or_404(session: Session, cycle_id: Any) -> Cycle:
    """A cycle whose delivery is public (its result is published), else NotFound."""
    try:
        cycle = session.get(Cycle, int(cycle_id))
    except (TypeError, ValueError):
        cycle = None
    if cycle is None or not is_public(cycle):
        raise NotFound(_("There is no published result for this cycle."))
    return cycle

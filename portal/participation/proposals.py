"""Proposals: citizens propose, edit their own while the proposal phase lasts, browse, search and support."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.i18n import LANGUAGES, _, current_language
from portal.models import Category, Cycle, CyclePhase, Proposal, ProposalStatus, ProposalTranslation, Support
from portal.participation import eligibility, phases
from portal.participation.cycles import get_cycle
from portal.participation.errors import Conflict, InvalidInput, NotAllowed, NotFound

PUBLIC_STATUSES = (ProposalStatus.SUBMITTED, ProposalStatus.ACCEPTED, ProposalStatus.REJECTED,
                   ProposalStatus.MERGED, ProposalStatus.FUNDED)
SUPPORTABLE = (ProposalStatus.SUBMITTED, ProposalStatus.ACCEPTED)


def status_label(status: ProposalStatus | str) -> str:
    s = ProposalStatus(status)
    return {
        ProposalStatus.DRAFT: _("Draft"), ProposalStatus.SUBMITTED: _("Submitted, awaiting review"),
        ProposalStatus.ACCEPTED: _("Accepted"), ProposalStatus.REJECTED: _("Rejected"),
        ProposalStatus.MERGED: _("Merged into another proposal"), ProposalStatus.FUNDED: _("Funded"),
    }[s]


def _signed_in(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


@dataclass
class ProposalInput:
    title: str
    description: str
    category_id: int | None
    district_code: str | None
    estimated_cost: int
    latitude: Decimal | None
    longitude: Decimal | None


def parse_input(cycle: Cycle, data: dict) -> ProposalInput:
    """Validate the proposal form against the cycle (its categories, districts and budget)."""
    errors: list[str] = []
    title = (data.get("title") or "").strip()
    if len(title) < 3:
        errors.append(_("Title: at least 3 characters."))
    elif len(title) > 200:
        errors.append(_("Title: at most 200 characters."))
    description = (data.get("description") or "").strip()
    if len(description) > 10_000:
        errors.append(_("Description: at most 10,000 characters."))
    category_id = None
    raw_category = data.get("category_id")
    categories = {c.id: c for c in cycle.categories}
    if raw_category not in (None, ""):
        try:
            category_id = int(raw_category)
        except (TypeError, ValueError):
            category_id = -1
        if category_id not in categories:
            errors.append(_("Category: please choose one of the list."))
    elif categories:
        errors.append(_("Category: please choose one."))
    district = (data.get("district_code") or "").strip() or None
    if district is not None and district not in {d.code for d in cycle.districts}:
        errors.append(_("District: please choose one of the list."))
    cost = None
    raw_cost = data.get("estimated_cost")
    try:
        number = Decimal(str(raw_cost).strip().replace(" ", "").replace("_", ""))
        if number != number.to_integral_value():
            raise InvalidOperation
        cost = int(number)
    except (InvalidOperation, ValueError):
        errors.append(_("Estimated cost: a whole amount of money, such as 25000."))
    if cost is not None:
        if cost <= 0:
            errors.append(_("Estimated cost: more than zero."))
        elif cost > cycle.total_budget:
            errors.append(_("Estimated cost: at most the cycle's budget of {budget}.").format(
                budget=f"{cycle.total_budget:,} {cycle.currency}"))
    lat = _coordinate(data.get("latitude"), -90, 90, _("Latitude"), errors)
    lon = _coordinate(data.get("longitude"), -180, 180, _("Longitude"), errors)
    if (lat is None) != (lon is None):
        errors.append(_("Location: give both latitude and longitude, or neither."))
    if errors:
        raise InvalidInput(" ".join(errors), errors=errors)
    return ProposalInput(title, description, category_id, district, cost, lat, lon)


def _coordinate(value, low, high, name, errors) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        errors.append(_("{field}: a number.").format(field=name))
        return None
    if not low <= number <= high:
        errors.append(_("{field}: between {low} and {high}.").format(field=name, low=low, high=high))
        return None
    return number.quantize(Decimal("0.000001"))


def create_proposal(session: Session, cycle: Cycle, actor: Any, data: dict, *, submit: bool = True) -> Proposal:
    """A citizen's new proposal: submitted for review, or kept as a draft only its author sees."""
    if not _signed_in(actor):
        raise NotAllowed(_("Please log in to propose a project."))
    phases.require(cycle, "propose")
    values = parse_input(cycle, data)
    # the language it is written in: as the form says, else the one the author uses the portal in (officers correct it)
    language = data.get("language") if data.get("language") in LANGUAGES else current_language()
    proposal = Proposal(cycle_id=cycle.id, author_id=actor.id, title=values.title, description=values.description,
                        language=language,
                        category_id=values.category_id, district_code=values.district_code,
                        estimated_cost=values.estimated_cost, latitude=values.latitude, longitude=values.longitude,
                        status=ProposalStatus.SUBMITTED if submit else ProposalStatus.DRAFT)
    session.add(proposal)
    session.flush()
    return proposal


def update_proposal(session: Session, proposal: Proposal, actor: Any, data: dict, *, submit: bool = True) -> Proposal:
    """The author edits their own proposal while the proposal phase lasts and before it is reviewed."""
    cycle = session.get(Cycle, proposal.cycle_id)
    if not _signed_in(actor) or proposal.author_id != actor.id:
        raise NotAllowed(_("Only the author may change this proposal."))
    phases.require(cycle, "edit_proposal")
    if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED):
        raise NotAllowed(_("This proposal has been reviewed and cannot change any more."))
    values = parse_input(cycle, data)
    for key, value in values.__dict__.items():
        setattr(proposal, key, value)
    if submit:
        proposal.status = ProposalStatus.SUBMITTED
    session.flush()
    return proposal


def get_proposal(session: Session, proposal_id: Any, actor: Any = None) -> Proposal:
    """A proposal visible to `actor`: drafts only to their author; nothing of a draft cycle to non-officers."""
    try:
        proposal = session.get(Proposal, int(proposal_id))
    except (TypeError, ValueError):
        proposal = None
    if proposal is None:
        raise NotFound(_("There is no such proposal."))
    if proposal.status == ProposalStatus.DRAFT and not (_signed_in(actor) and proposal.author_id == actor.id):
        raise NotFound(_("There is no such proposal."))
    get_cycle(session, proposal.cycle_id, actor)
    return proposal


@dataclass
class ProposalRow:
    proposal: Proposal
    supports: int
    category: str
    district: str


def browse(session: Session, cycle: Cycle, *, text: str | None = None, category_id: Any = None,
           district_code: str | None = None, status: str | None = None, sort: str = "supports",
           limit: int = 500) -> list[ProposalRow]:
    """Public proposals of a cycle, filtered and sorted; never drafts. The text is looked for in the originals and
    in the city's translations."""
    supports = (select(Support.proposal_id, func.count(Support.id).label("n"))
                .group_by(Support.proposal_id).subquery())
    query = (select(Proposal, func.coalesce(supports.c.n, 0))
             .outerjoin(supports, supports.c.proposal_id == Proposal.id)
             .where(Proposal.cycle_id == cycle.id, Proposal.status.in_(PUBLIC_STATUSES)))
    if text and text.strip():
        pattern = f"%{text.strip().lower()[:100]}%"
        translated = (select(ProposalTranslation.id).where(
            ProposalTranslation.proposal_id == Proposal.id,
            or_(func.lower(ProposalTranslation.title).like(pattern),
                func.lower(ProposalTranslation.description).like(pattern))).exists())
        query = query.where(or_(func.lower(Proposal.title).like(pattern),
                                func.lower(Proposal.description).like(pattern), translated))
    if category_id not in (None, ""):
        try:
            query = query.where(Proposal.category_id == int(category_id))
        except (TypeError, ValueError):
            return []
    if district_code:
        query = query.where(Proposal.district_code == str(district_code))
    if status:
        try:
            query = query.where(Proposal.status == ProposalStatus(status))
        except ValueError:
            return []
    if sort == "newest":
        query = query.order_by(Proposal.created_at.desc(), Proposal.id.desc())
    elif sort == "cost":
        query = query.order_by(func.coalesce(Proposal.reviewed_cost, Proposal.estimated_cost), Proposal.id)
    elif sort == "title":
        query = query.order_by(func.lower(Proposal.title), Proposal.id)
    else:
        query = query.order_by(func.coalesce(supports.c.n, 0).desc(), Proposal.id)
    categories = {c.id: c.name for c in session.scalars(select(Category).where(Category.cycle_id == cycle.id))}
    districts = {d.code: d.name for d in cycle.districts}
    return [ProposalRow(p, int(n), categories.get(p.category_id, ""), districts.get(p.district_code or "", ""))
            for p, n in session.execute(query.limit(limit))]


def support_count(session: Session, proposal_id: int) -> int:
    return session.scalar(select(func.count(Support.id)).where(Support.proposal_id == proposal_id)) or 0


def has_supported(session: Session, proposal_id: int, actor: Any) -> bool:
    if not _signed_in(actor):
        return False
    return session.scalar(select(Support.id).where(Support.proposal_id == proposal_id,
                                                   Support.user_id == actor.id)) is not None


def support(session: Session, proposal: Proposal, actor: Any) -> int:
    """Record the citizen's support (once, enforced by the database); returns the new number of supports."""
    if not _signed_in(actor):
        raise NotAllowed(_("Please log in to support a proposal."))
    cycle = session.get(Cycle, proposal.cycle_id)
    phases.require(cycle, "support")
    eligibility.check(cycle, actor)
    if proposal.status not in SUPPORTABLE:
        raise NotAllowed(_("This proposal cannot be supported any more."))
    if has_supported(session, proposal.id, actor):
        raise Conflict(_("You support this proposal already."), code="already_supported")
    session.add(Support(proposal_id=proposal.id, user_id=actor.id))
    try:
        session.flush()
    except IntegrityError:  # the same citizen, twice at the same moment: the database keeps one
        session.rollback()
        raise Conflict(_("You support this proposal already."), code="already_supported") from None
    return support_count(session, proposal.id)


def officer_answer(proposal: Proposal) -> str | None:
    """What the officers answered the author (shown to everyone once reviewed)."""
    if proposal.status == ProposalStatus.REJECTED:
        return proposal.rejection_reason
    return proposal.feasibility_notes


def can_edit(session: Session, proposal: Proposal, actor: Any) -> bool:
    if not _signed_in(actor) or proposal.author_id != actor.id:
        return False
    cycle = session.get(Cycle, proposal.cycle_id)
    return cycle.phase == CyclePhase.PROPOSALS and proposal.status in (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED)

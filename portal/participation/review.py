"""Officers review proposals: accept, reject with a reason shown to the author, merge duplicates, and set
the reviewed cost and feasibility notes. Every decision is logged with the state before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record, snapshot
from portal.i18n import _
from portal.models import Cycle, Proposal, ProposalStatus, Support
from portal.participation import phases
from portal.participation.errors import InvalidInput, NotFound

REVIEWABLE = (ProposalStatus.SUBMITTED, ProposalStatus.ACCEPTED, ProposalStatus.REJECTED)


def officer_proposal(session: Session, proposal_id: Any, actor: Any) -> Proposal:
    """A submitted proposal an officer acts on (NotAllowed for anyone else, NotFound for drafts and bad ids)."""
    phases.require_officer(actor)
    try:
        proposal = session.get(Proposal, int(proposal_id))
    except (TypeError, ValueError):
        proposal = None
    if proposal is None or proposal.status == ProposalStatus.DRAFT:
        raise NotFound(_("There is no such proposal."))
    return proposal


def _load(session: Session, proposal_id: Any, actor: Any) -> tuple[Proposal, Cycle]:
    proposal = officer_proposal(session, proposal_id, actor)
    cycle = session.get(Cycle, proposal.cycle_id)
    phases.require(cycle, "review")
    return proposal, cycle


def _cost(value: Any, cycle: Cycle) -> int | None:
    if value in (None, ""):
        return None
    try:
        cost = int(str(value).strip().replace(" ", "").replace("_", ""))
    except ValueError:
        raise InvalidInput(_("The reviewed cost must be a whole amount of money.")) from None
    if cost <= 0:
        raise InvalidInput(_("The reviewed cost must be more than zero."))
    if cost > cycle.total_budget:
        raise InvalidInput(_("The reviewed cost is more than the whole budget of the cycle."))
    return cost


def _notes(value: Any) -> str | None:
    text = (value or "").strip()
    if len(text) > 5000:
        raise InvalidInput(_("The notes may have at most 5,000 characters."))
    return text or None


def accept(session: Session, proposal_id: Any, actor: Any, reviewed_cost: Any = None,
           notes: Any = None) -> Proposal:
    proposal, cycle = _load(session, proposal_id, actor)
    if proposal.status not in REVIEWABLE:
        raise InvalidInput(_("A merged proposal cannot be accepted; accept the one it was merged into."))
    before = snapshot(proposal)
    cost = _cost(reviewed_cost, cycle)
    if cost is not None:
        proposal.reviewed_cost = cost
    if notes is not None:
        proposal.feasibility_notes = _notes(notes)
    proposal.status = ProposalStatus.ACCEPTED
    proposal.rejection_reason = None
    session.flush()
    record(session, "proposal.accept", proposal, before=before, target=proposal, actor=actor)
    return proposal


def reject(session: Session, proposal_id: Any, actor: Any, reason: Any) -> Proposal:
    proposal, _cycle = _load(session, proposal_id, actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Please give the reason for the author."))
    if len(reason) > 5000:
        raise InvalidInput(_("The reason may have at most 5,000 characters."))
    if proposal.status not in REVIEWABLE:
        raise InvalidInput(_("A merged proposal cannot be rejected."))
    before = snapshot(proposal)
    proposal.status = ProposalStatus.REJECTED
    proposal.rejection_reason = reason
    session.flush()
    record(session, "proposal.reject", proposal, before=before, target=proposal, actor=actor)
    return proposal


def set_cost(session: Session, proposal_id: Any, actor: Any, reviewed_cost: Any, notes: Any) -> Proposal:
    proposal, cycle = _load(session, proposal_id, actor)
    before = snapshot(proposal)
    proposal.reviewed_cost = _cost(reviewed_cost, cycle)
    proposal.feasibility_notes = _notes(notes)
    session.flush()
    record(session, "proposal.cost", proposal, before=before, target=proposal, actor=actor)
    return proposal


def merge(session: Session, proposal_id: Any, into_id: Any, actor: Any) -> Proposal:
    """Merge a duplicate into another proposal of the same cycle; its supports move over (once each)."""
    duplicate, cycle = _load(session, proposal_id, actor)
    try:
        target = session.get(Proposal, int(into_id))
    except (TypeError, ValueError):
        target = None
    if target is None or target.cycle_id != cycle.id or target.status == ProposalStatus.DRAFT:
        raise InvalidInput(_("Choose the proposal of this cycle to merge into."))
    if target.id == duplicate.id:
        raise InvalidInput(_("A proposal cannot be merged into itself."))
    if target.status in (ProposalStatus.MERGED, ProposalStatus.REJECTED):
        raise InvalidInput(_("Merge into a proposal that is still in the running."))
    if duplicate.status == ProposalStatus.MERGED:
        raise InvalidInput(_("This proposal is merged already."))
    before = snapshot(duplicate)
    have = set(session.scalars(select(Support.user_id).where(Support.proposal_id == target.id)))
    moved = 0
    for s in session.scalars(select(Support).where(Support.proposal_id == duplicate.id)).all():
        if s.user_id in have:
            session.delete(s)
        else:
            s.proposal_id = target.id
            moved += 1
    duplicate.status = ProposalStatus.MERGED
    duplicate.merged_into_id = target.id
    duplicate.rejection_reason = None
    session.flush()
    record(session, "proposal.merge", {**snapshot(duplicate), "supports_moved": moved}, before=before,
           target=duplicate, actor=actor)
    return duplicate


def review_queue(session: Session, cycle_id: int) -> list[Proposal]:
    """All proposals that reached the officers, submitted ones first."""
    order = {ProposalStatus.SUBMITTED: 0, ProposalStatus.ACCEPTED: 1, ProposalStatus.REJECTED: 2,
             ProposalStatus.MERGED: 3, ProposalStatus.FUNDED: 4}
    rows = list(session.scalars(select(Proposal).where(Proposal.cycle_id == cycle_id,
                                                       Proposal.status != ProposalStatus.DRAFT)))
    return sorted(rows, key=lambda p: (order.get(ProposalStatus(p.status), 9), p.id))

"""From accepted proposals to the ballot: where the officers ask for it, supports rank the proposals and
the top ones (top N, or at least a threshold of supports, per group) are shortlisted.

Ties at the cut go to the proposal submitted first (lower id); the ranking page shows the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.audit import record
from portal.models import Category, Cycle, Proposal, ProposalStatus, Support
from portal.participation.cycles import shortlist_settings


@dataclass
class RankedProposal:
    proposal: Proposal
    supports: int
    group: str
    rank: int
    shortlisted: bool


def support_counts(session: Session, cycle_id: int) -> dict[int, int]:
    rows = session.execute(
        select(Support.proposal_id, func.count(Support.id)).join(Proposal, Proposal.id == Support.proposal_id)
        .where(Proposal.cycle_id == cycle_id).group_by(Support.proposal_id)
    )
    return {int(pid): int(n) for pid, n in rows}


def group_key(group_by: str, proposal: Proposal, categories: dict[int, str]) -> str:
    district = proposal.district_code or "-"
    category = categories.get(proposal.category_id, "-") if proposal.category_id else "-"
    return {"district": district, "category": category, "district_category": f"{district} / {category}"}.get(
        group_by, "")


def ranking(session: Session, cycle: Cycle) -> list[RankedProposal]:
    """Accepted proposals ranked by supports within their group, with the shortlist decision."""
    settings = shortlist_settings(cycle)
    counts = support_counts(session, cycle.id)
    categories = {c.id: c.code for c in session.scalars(select(Category).where(Category.cycle_id == cycle.id))}
    accepted = session.scalars(select(Proposal).where(
        Proposal.cycle_id == cycle.id, Proposal.status.in_([ProposalStatus.ACCEPTED, ProposalStatus.FUNDED])))
    groups: dict[str, list[Proposal]] = {}
    for p in accepted:
        groups.setdefault(group_key(settings["group_by"], p, categories), []).append(p)
    result: list[RankedProposal] = []
    for group in sorted(groups):
        members = sorted(groups[group], key=lambda p: (-counts.get(p.id, 0), p.id))
        for rank, p in enumerate(members, start=1):
            n = counts.get(p.id, 0)
            if not settings["enabled"]:
                chosen = True
            elif settings["mode"] == "threshold":
                chosen = n >= int(settings["threshold"] or 0)
            else:
                chosen = rank <= int(settings["n"] or 0)
            result.append(RankedProposal(p, n, group, rank, chosen))
    return result


def freeze_ballot(session: Session, cycle: Cycle, actor=None) -> list[int]:
    """Mark the proposals on the ballot as voting opens; returns their ids."""
    session.flush()
    chosen = [r.proposal.id for r in ranking(session, cycle) if r.shortlisted]
    session.execute(update(Proposal).where(Proposal.cycle_id == cycle.id).values(on_ballot=False))
    if chosen:
        session.execute(update(Proposal).where(Proposal.id.in_(chosen)).values(on_ballot=True))
    record(session, "cycle.ballot", {"proposals": sorted(chosen)}, target=cycle, actor=actor)
    return chosen


def ballot_proposals(session: Session, cycle_id: int) -> list[Proposal]:
    """The proposals on the ballot of a cycle, in the order the ballot shows them."""
    return list(session.scalars(
        select(Proposal).where(Proposal.cycle_id == cycle_id, Proposal.on_ballot.is_(True))
        .order_by(Proposal.district_code, Proposal.category_id, Proposal.id)
    ))

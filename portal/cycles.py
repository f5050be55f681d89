"""Participatory-budgeting cycles: the queries the pages need."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Cycle, Proposal


def list_cycles(session: Session, city: str) -> list[Cycle]:
    return list(session.scalars(select(Cycle).where(Cycle.city == city).order_by(Cycle.year.desc(), Cycle.id)))


def current_cycle(session: Session, city: str) -> Cycle | None:
    return session.scalar(
        select(Cycle).where(Cycle.city == city).order_by(Cycle.year.desc(), Cycle.id.desc()).limit(1)
    )


def proposal_count(session: Session, cycle_id: int) -> int:
    return session.scalar(select(func.count(Proposal.id)).where(Proposal.cycle_id == cycle_id)) or 0


def proposals_by_author(session: Session, user_id: int) -> list[Proposal]:
    return list(session.scalars(
        select(Proposal).where(Proposal.author_id == user_id).order_by(Proposal.created_at.desc())
    ))

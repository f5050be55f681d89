"""Builders for participation tests: users without the cost of password hashing, and cycles brought to a
phase through the same services the officers use."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from portal.models import Cycle, CyclePhase, Proposal, Role, User
from portal.participation import phases, proposals, review
from portal.participation.ballots import Voter, cast_ballot


def quick_user(session: Session, role: Role | str = Role.CITIZEN, **fields) -> User:
    """An account with an unusable password hash (tests that log in over HTTP use tests.helpers.make_user)."""
    user = User(email=f"{uuid.uuid4().hex[:12]}@example.org", password_hash="!", role=Role(role), **fields)
    session.add(user)
    session.flush()
    return user


BASE = {
    "year": 2031, "title": "Test cycle", "total_budget": "100000", "ballot_type": "knapsack", "rule": "greedy",
    "categories": "parks; Parks\nstreets; Streets; 30000", "districts": "",
}


def new_cycle(session: Session, officer: User, **config) -> Cycle:
    from portal.participation.cycles import create_cycle

    return create_cycle(session, "koeln", officer, {**BASE, **config})


def cycle_with_ballot(session: Session, officer: User, projects: list[tuple[str, int]] | list[tuple],
                      phase: CyclePhase = CyclePhase.VOTING, **config) -> tuple[Cycle, list[Proposal]]:
    """A cycle whose proposals (title, cost[, district]) were proposed, accepted and, from the voting phase on,
    put on the ballot; left in `phase`."""
    cycle = new_cycle(session, officer, **config)
    phases.change_phase(session, cycle, CyclePhase.PROPOSALS, officer)
    author = quick_user(session)
    category = cycle.categories[0].id
    made = []
    for spec in projects:
        title, cost = spec[0], spec[1]
        district = spec[2] if len(spec) > 2 else None
        made.append(proposals.create_proposal(session, cycle, author, {
            "title": title, "estimated_cost": cost, "category_id": category, "district_code": district}))
    order = [CyclePhase.REVIEW, CyclePhase.VOTING, CyclePhase.COUNTING]
    target = order.index(phase) if phase in order else -1
    if target >= 0:
        phases.change_phase(session, cycle, CyclePhase.REVIEW, officer)
        for p in made:
            review.accept(session, p.id, officer)
    for step in order[1:target + 1]:
        phases.change_phase(session, cycle, step, officer)
    session.flush()
    return cycle, made


def vote(session: Session, cycle_id: int, user: User, choices) -> str:
    return cast_ballot(session, cycle_id, Voter.for_user(user), choices).receipt_code

"""Phases of a cycle: what each phase allows, and the explicit, logged changes between them.

Every service checks `require(cycle, action)` on the server before it changes anything, so that a
hidden button or a forged request cannot do what the phase forbids.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.i18n import _
from portal.models import AuditEvent, Cycle, CyclePhase, utcnow
from portal.participation.errors import InvalidInput, NotAllowed, WrongPhase

P = CyclePhase
ORDER: list[CyclePhase] = [P.DRAFT, P.PROPOSALS, P.REVIEW, P.VOTING, P.COUNTING, P.RESULTS, P.CLOSED]

# action -> phases in which it is allowed
ALLOWED: dict[str, frozenset[CyclePhase]] = {
    "view": frozenset(ORDER[1:]),                       # the public sees a cycle once it opens
    "configure": frozenset({P.DRAFT, P.PROPOSALS, P.REVIEW}),  # budgets, categories, ballot type, limits
    "configure_rule": frozenset({P.DRAFT, P.PROPOSALS, P.REVIEW, P.VOTING, P.COUNTING}),
    "propose": frozenset({P.PROPOSALS}),
    "edit_proposal": frozenset({P.PROPOSALS}),
    "support": frozenset({P.PROPOSALS, P.REVIEW}),
    "comment": frozenset({P.PROPOSALS, P.REVIEW, P.VOTING}),
    "review": frozenset({P.PROPOSALS, P.REVIEW}),
    "issue_codes": frozenset({P.DRAFT, P.PROPOSALS, P.REVIEW, P.VOTING}),
    "vote": frozenset({P.VOTING}),
    "import_paper": frozenset({P.VOTING, P.COUNTING}),
    "count": frozenset({P.COUNTING}),
    "publish": frozenset({P.COUNTING}),
    # counts of this cycle's ballots: never while voting is open, for nobody
    "see_counts_officer": frozenset({P.COUNTING, P.RESULTS, P.CLOSED}),
    "see_results": frozenset({P.RESULTS, P.CLOSED}),
}

# explicit phase changes an officer may make: forward one step, or back one step where nothing is lost
TRANSITIONS: dict[CyclePhase, set[CyclePhase]] = {
    P.DRAFT: {P.PROPOSALS},
    P.PROPOSALS: {P.REVIEW, P.DRAFT},
    P.REVIEW: {P.VOTING, P.PROPOSALS},
    P.VOTING: {P.COUNTING},
    P.COUNTING: {P.VOTING},          # reopen voting (e.g. extended), only while no result is published
    P.RESULTS: {P.CLOSED},           # COUNTING -> RESULTS happens by publishing a result
    P.CLOSED: set(),
}


def label(phase: CyclePhase | str) -> str:
    """The phase's name for people, translated at render time."""
    names = {
        P.DRAFT: _("Draft"), P.PROPOSALS: _("Proposals"), P.REVIEW: _("Review"), P.VOTING: _("Voting"),
        P.COUNTING: _("Counting"), P.RESULTS: _("Results"), P.CLOSED: _("Closed"),
    }
    return names[CyclePhase(phase)]


def allows(cycle: Cycle, action: str) -> bool:
    return CyclePhase(cycle.phase) in ALLOWED[action]


def require(cycle: Cycle, action: str) -> None:
    """Raise WrongPhase with a message naming the current phase unless the phase allows `action`."""
    if not allows(cycle, action):
        raise WrongPhase(
            _("This is not possible while the cycle is in its {phase} phase.").format(phase=label(cycle.phase)),
            action=action, phase=str(cycle.phase),
        )


def require_officer(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_role("officer"):
        raise NotAllowed(_("Only officers may do this."))


def next_phases(cycle: Cycle) -> list[CyclePhase]:
    return [p for p in ORDER if p in TRANSITIONS[CyclePhase(cycle.phase)]]


def change_phase(session: Session, cycle: Cycle, target: CyclePhase | str, actor: Any, note: str = "",
                 *, via_publish: bool = False) -> Cycle:
    """Move the cycle to `target` when the transition is allowed and its preconditions hold; logged."""
    require_officer(actor)
    try:
        target = CyclePhase(target)
    except ValueError:
        raise InvalidInput(_("Unknown phase.")) from None
    current = CyclePhase(cycle.phase)
    allowed = TRANSITIONS[current] | ({P.RESULTS} if via_publish and current == P.COUNTING else set())
    if target not in allowed:
        raise WrongPhase(_("A cycle cannot go from {a} to {b}.").format(a=label(current), b=label(target)),
                         phase=str(current), target=str(target))
    if target == P.RESULTS and not via_publish:
        raise WrongPhase(_("Publish a result to open the results phase."))
    _check_preconditions(session, cycle, current, target)
    before = {"phase": str(current)}
    cycle.phase = target
    cycle.phase_changed_at = utcnow()
    if target == P.VOTING:
        from portal.participation.shortlist import freeze_ballot

        freeze_ballot(session, cycle, actor)
    record(session, "cycle.phase", {"phase": str(target), "note": note or ""}, before=before, target=cycle,
           actor=actor)
    session.flush()
    return cycle


def _check_preconditions(session: Session, cycle: Cycle, current: CyclePhase, target: CyclePhase) -> None:
    from portal.models import Proposal, ProposalStatus, Result

    if target == P.PROPOSALS and current == P.DRAFT:
        from portal.participation.cycles import validate_configuration

        validate_configuration(cycle)
    if target == P.VOTING:
        from portal.participation.cycles import validate_configuration

        validate_configuration(cycle)
        pending = session.scalar(select(Proposal.id).where(
            Proposal.cycle_id == cycle.id, Proposal.status == ProposalStatus.SUBMITTED).limit(1))
        if pending is not None:
            raise WrongPhase(_("Some proposals are not reviewed yet: accept, reject or merge each of them first."))
        accepted = session.scalar(select(Proposal.id).where(
            Proposal.cycle_id == cycle.id, Proposal.status == ProposalStatus.ACCEPTED).limit(1))
        if accepted is None:
            raise WrongPhase(_("Accept at least one proposal before voting opens."))
    if current == P.PROPOSALS and target == P.DRAFT and session.scalar(
            select(Proposal.id).where(Proposal.cycle_id == cycle.id).limit(1)) is not None:
        raise WrongPhase(_("The cycle has proposals already: it cannot go back to draft."))
    if current == P.COUNTING and target == P.VOTING and session.scalar(
            select(Result.id).where(Result.cycle_id == cycle.id, Result.published_at.is_not(None)).limit(1)
    ) is not None:
        raise WrongPhase(_("A result is published: voting cannot reopen."))


def history(session: Session, cycle_id: int) -> list[AuditEvent]:
    """The logged phase changes of a cycle, oldest first."""
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.action == "cycle.phase", AuditEvent.target_type == "cycle",
                                 AuditEvent.target_id == str(cycle_id)).order_by(AuditEvent.at, AuditEvent.id)
    ))

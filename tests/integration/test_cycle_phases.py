"""Phase rules on both databases: what each phase allows is enforced by the services, whatever the pages show;
phase changes are explicit, checked and logged."""

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, Ballot, Cycle, CyclePhase, Proposal, ProposalStatus, Result, Role, Support
from portal.participation import codes, comments, counting, paper, phases, proposals, review
from portal.participation.ballots import Voter, cast_ballot
from portal.participation.cycles import get_cycle, list_cycles, update_cycle
from portal.participation.errors import NotFound, WrongPhase
from tests.participation import BASE, cycle_with_ballot, new_cycle, quick_user

ALL = ["draft", "proposals", "review", "voting", "counting", "results", "closed"]
# The intended rules of the issue, written out independently of portal.participation.phases.ALLOWED
EXPECTED = {
    "propose": {"proposals"},
    "edit_proposal": {"proposals"},
    "support": {"proposals", "review"},
    "comment": {"proposals", "review", "voting"},
    "review": {"proposals", "review"},
    "issue_codes": {"draft", "proposals", "review", "voting"},
    "vote": {"voting"},
    "import_paper": {"voting", "counting"},
    "count": {"counting"},
    "configure": {"draft", "proposals", "review"},
}
SECRET = "test-secret"


def _setup(session, phase):
    officer = quick_user(session, Role.OFFICER)
    citizen = quick_user(session)
    cycle, (accepted, submitted) = cycle_with_ballot(session, officer, [("Accepted", 40_000), ("Submitted", 30_000)],
                                                     phase=CyclePhase.PROPOSALS)
    accepted.status = ProposalStatus.ACCEPTED
    accepted.on_ballot = True
    accepted.author_id = citizen.id
    submitted.author_id = citizen.id
    comment = comments.add_comment(session, accepted, citizen, "first")
    cycle.phase = CyclePhase(phase)
    session.flush()
    return officer, citizen, cycle, accepted, submitted, comment


def _attempt(session, action, officer, citizen, cycle, accepted, submitted):
    """Run the action through its service; return a function that measures what it stored."""
    if action == "propose":
        proposals.create_proposal(session, cycle, citizen, {"title": "New one", "estimated_cost": 1000,
                                                            "category_id": cycle.categories[0].id})
    elif action == "edit_proposal":
        proposals.update_proposal(session, submitted, citizen, {"title": "Edited", "estimated_cost": 1000,
                                                                "category_id": cycle.categories[0].id})
    elif action == "support":
        proposals.support(session, accepted, quick_user(session))
    elif action == "comment":
        comments.add_comment(session, accepted, citizen, "hello")
    elif action == "review":
        review.reject(session, submitted.id, officer, "too expensive")
    elif action == "issue_codes":
        codes.issue_codes(session, cycle, officer, 3, SECRET)
    elif action == "vote":
        cast_ballot(session, cycle.id, Voter.for_user(citizen), [str(accepted.id)])
    elif action == "import_paper":
        paper.import_csv(session, cycle, officer, f"ballot_id,choices\nP1,{accepted.id}\n".encode())
    elif action == "count":
        session.add(Ballot(cycle_id=cycle.id, voter_key="user:x", choices={"approved": [str(accepted.id)]},
                           receipt_code="AAAA-BBBB-CCCC-DDDD"))
        session.flush()
        counting.count_cycle(session, cycle, officer)
    elif action == "configure":
        update_cycle(session, cycle, officer, {**BASE, "total_budget": "123456"})
    else:  # pragma: no cover
        raise AssertionError(action)


def _footprint(session, cycle_id):
    return (
        session.scalar(select(func.count(Proposal.id)).where(Proposal.cycle_id == cycle_id)),
        session.scalar(select(func.count(Support.id))),
        session.scalar(select(func.count(Ballot.id)).where(Ballot.cycle_id == cycle_id)),
        session.scalar(select(func.count(Result.id)).where(Result.cycle_id == cycle_id)),
        session.scalar(select(Cycle.total_budget).where(Cycle.id == cycle_id)),
        tuple(session.scalars(select(Proposal.title).where(Proposal.cycle_id == cycle_id).order_by(Proposal.id))),
        tuple(session.scalars(select(Proposal.status).where(Proposal.cycle_id == cycle_id).order_by(Proposal.id))),
    )


@pytest.mark.parametrize("phase", ALL)
def test_each_action_is_allowed_exactly_in_its_phases(db, phase):
    outcomes = {}
    for action in EXPECTED:
        with db.session() as session:
            officer, citizen, cycle, accepted, submitted, _c = _setup(session, phase)
            cycle_id = cycle.id
        with db.session() as session:
            cycle = session.get(Cycle, cycle_id)
            before = _footprint(session, cycle_id)
            refs = [session.get(type(x), x.id) for x in (officer, citizen)] + [cycle] + [
                session.get(Proposal, accepted.id), session.get(Proposal, submitted.id)]
            try:
                _attempt(session, action, *refs)
                session.commit()
                outcomes[action] = "allowed"
            except (WrongPhase, NotFound) as exc:  # a draft cycle is not even visible to a voter
                session.rollback()
                assert isinstance(exc, WrongPhase) or phase == "draft"
                assert exc.message, "a refusal says why"
                outcomes[action] = "refused"
                assert _footprint(session, cycle_id) == before, f"{action} in {phase} stored something"
    expected = {action: "allowed" if phase in allowed_in else "refused" for action, allowed_in in EXPECTED.items()}
    assert outcomes == expected


def test_publish_only_while_counting_and_results_only_once_published(db):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        voter = quick_user(session)
        cycle, (a, _b) = cycle_with_ballot(session, officer, [("Alpha", 60_000), ("Beta", 50_000)])
        cast_ballot(session, cycle.id, Voter.for_user(voter), [str(a.id)])
        cycle_id, officer_id = cycle.id, officer.id
    with db.session() as session:
        cycle = session.get(Cycle, cycle_id)
        officer = session.get(type(voter), officer_id)
        with pytest.raises(WrongPhase):
            counting.count_cycle(session, cycle, officer)
        assert counting.published_result(session, cycle) is None
        phases.change_phase(session, cycle, CyclePhase.COUNTING, officer)
        result = counting.count_cycle(session, cycle, officer)
        assert counting.published_result(session, cycle) is None, "a counted result is not public before publishing"
        with pytest.raises(WrongPhase):
            phases.change_phase(session, cycle, CyclePhase.RESULTS, officer)
        counting.publish_result(session, cycle, result.id, officer)
        assert cycle.phase == CyclePhase.RESULTS
        assert counting.published_result(session, cycle).id == result.id
        with pytest.raises(WrongPhase):
            counting.publish_result(session, cycle, result.id, officer)


@pytest.mark.parametrize(("start", "target", "ok"), [
    ("draft", "proposals", True), ("draft", "voting", False), ("proposals", "review", True),
    ("proposals", "voting", False), ("review", "proposals", True), ("review", "voting", True),
    ("voting", "counting", True), ("voting", "review", False), ("counting", "voting", True),
    ("counting", "results", False), ("results", "closed", True), ("closed", "results", False),
])
def test_phase_changes_follow_the_allowed_steps_and_are_logged(db, start, target, ok):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, [("Alpha", 10_000)], phase=CyclePhase.PROPOSALS)
        if start != "proposals":
            made[0].status = ProposalStatus.ACCEPTED
        cycle.phase = CyclePhase(start)
        session.flush()
        logged = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "cycle.phase"))
        if start == "draft":
            session.delete(made[0])
            session.flush()
        if ok:
            phases.change_phase(session, cycle, target, officer, "because")
            assert cycle.phase == CyclePhase(target)
            event = session.scalars(select(AuditEvent).where(AuditEvent.action == "cycle.phase")
                                    .order_by(AuditEvent.id.desc())).first()
            assert event.before == {"phase": start} and event.after == {"phase": target, "note": "because"}
            assert event.actor_id == officer.id
        else:
            with pytest.raises(WrongPhase):
                phases.change_phase(session, cycle, target, officer)
            assert cycle.phase == CyclePhase(start)
            assert session.scalar(select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "cycle.phase")) == logged


def test_voting_cannot_open_with_unreviewed_proposals_or_none_accepted(db):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, (a, b) = cycle_with_ballot(session, officer, [("Alpha", 10_000), ("Beta", 20_000)],
                                          phase=CyclePhase.PROPOSALS)
        phases.change_phase(session, cycle, CyclePhase.REVIEW, officer)
        with pytest.raises(WrongPhase, match="not reviewed"):
            phases.change_phase(session, cycle, CyclePhase.VOTING, officer)
        review.reject(session, a.id, officer, "no")
        review.reject(session, b.id, officer, "no")
        with pytest.raises(WrongPhase, match="Accept at least one"):
            phases.change_phase(session, cycle, CyclePhase.VOTING, officer)
        review.accept(session, b.id, officer)
        phases.change_phase(session, cycle, CyclePhase.VOTING, officer)
        assert [p.id for p in session.scalars(select(Proposal).where(Proposal.on_ballot.is_(True)))] == [b.id]


def test_citizens_cannot_change_phases_and_drafts_are_hidden(db):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        citizen = quick_user(session)
        cycle = new_cycle(session, officer)
        from portal.participation.errors import NotAllowed

        with pytest.raises(NotAllowed):
            phases.change_phase(session, cycle, CyclePhase.PROPOSALS, citizen)
        assert cycle.phase == CyclePhase.DRAFT
        with pytest.raises(NotFound):
            get_cycle(session, cycle.id, citizen)
        with pytest.raises(NotFound):
            get_cycle(session, cycle.id, None)
        assert get_cycle(session, cycle.id, officer).id == cycle.id
        assert cycle.id not in [c.id for c in list_cycles(session, "koeln", citizen)]
        assert cycle.id in [c.id for c in list_cycles(session, "koeln", officer)]


def test_the_ballot_freezes_when_voting_opens_but_the_rule_may_still_change(db):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, _made = cycle_with_ballot(session, officer, [("Alpha", 10_000)])
        with pytest.raises(WrongPhase, match="cannot change once voting"):
            update_cycle(session, cycle, officer, {**BASE, "total_budget": "200000"})
        update_cycle(session, cycle, officer, {**BASE, "rule": "mes", "completion": "add1", "title": "Renamed"})
        assert (cycle.rule, cycle.completion, cycle.title, cycle.total_budget) == ("mes", "add1", "Renamed", 100_000)
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "cycle.update")
                                .order_by(AuditEvent.id.desc())).first()
        assert event.before["rule"] == "greedy" and event.after["rule"] == "mes"


def test_texts_and_dates_may_change_after_the_results_but_not_the_rule(db):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, _made = cycle_with_ballot(session, officer, [("Alpha", 10_000)])
        cycle.phase = CyclePhase.RESULTS
        update_cycle(session, cycle, officer, {**BASE, "title": "Renamed after the vote",
                                               "results_start": "2031-06-01", "results_end": "2031-12-31"})
        assert cycle.title == "Renamed after the vote" and len(cycle.phase_dates) == 1
        with pytest.raises(WrongPhase, match="counting rule"):
            update_cycle(session, cycle, officer, {**BASE, "rule": "mes"})
        cycle.phase = CyclePhase.CLOSED
        with pytest.raises(WrongPhase, match="closed"):
            update_cycle(session, cycle, officer, {**BASE, "title": "Again"})

"""Proposals on both databases: propose, edit only your own, drafts stay private, browse and search, support
once, comments (report, hide with a reason), and the officers' review (accept, reject, merge, cost), logged."""

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.models import AuditEvent, Comment, CyclePhase, Proposal, ProposalStatus, Role, Support, User
from portal.participation import comments, phases, proposals, review
from portal.participation.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.participation.shortlist import ranking
from tests.helpers import csrf_token, login, make_user
from tests.participation import cycle_with_ballot, new_cycle, quick_user


def _open_cycle(session, **config):
    officer = quick_user(session, Role.OFFICER)
    cycle = new_cycle(session, officer, districts="1; Innenstadt; 0\n8; Kalk; 0", **config)
    phases.change_phase(session, cycle, CyclePhase.PROPOSALS, officer)
    return officer, cycle


def _form(cycle, **extra):
    return {"title": "Shade trees", "description": "Trees for the school yard", "estimated_cost": "85000",
            "category_id": cycle.categories[0].id, "district_code": "1", **extra}


def test_propose_validates_against_the_cycle_and_only_the_author_edits(db):
    with db.session() as session:
        _officer, cycle = _open_cycle(session)
        author, other = quick_user(session), quick_user(session)
        for bad, why in [({"title": "x"}, "at least 3"), ({"estimated_cost": "100001"}, "at most the cycle"),
                         ({"estimated_cost": "12.5"}, "whole amount"), ({"district_code": "99"}, "District"),
                         ({"category_id": "999999"}, "Category"), ({"latitude": "50.9"}, "both latitude")]:
            with pytest.raises(InvalidInput, match=why):
                proposals.create_proposal(session, cycle, author, _form(cycle, **bad))
        assert session.scalar(select(func.count(Proposal.id))) == 0
        with pytest.raises(NotAllowed):
            proposals.create_proposal(session, cycle, None, _form(cycle))
        draft = proposals.create_proposal(session, cycle, author, _form(cycle, latitude="50.94", longitude="6.95"),
                                          submit=False)
        assert draft.status == ProposalStatus.DRAFT and float(draft.latitude) == 50.94
        with pytest.raises(NotFound):  # a draft is private to its author
            proposals.get_proposal(session, draft.id, other)
        assert proposals.browse(session, cycle) == []
        with pytest.raises(NotAllowed, match="author"):
            proposals.update_proposal(session, draft, other, _form(cycle, title="Hijacked"))
        proposals.update_proposal(session, draft, author, _form(cycle, title="Shade trees, revised"))
        assert draft.status == ProposalStatus.SUBMITTED and draft.title == "Shade trees, revised"
        assert proposals.get_proposal(session, draft.id, other).id == draft.id


def test_browse_filters_search_and_sorts_by_supports(db):
    with db.session() as session:
        _officer, cycle = _open_cycle(session)
        author = quick_user(session)
        parks, streets = cycle.categories[0].id, cycle.categories[1].id
        a = proposals.create_proposal(session, cycle, author, _form(cycle, title="Bench by the river",
                                                                     category_id=parks))
        b = proposals.create_proposal(session, cycle, author, _form(cycle, title="Crossing near school",
                                                                     category_id=streets, district_code="8"))
        c = proposals.create_proposal(session, cycle, author, _form(cycle, title="River clean-up",
                                                                     description="Boats", district_code=""))
        proposals.create_proposal(session, cycle, author, _form(cycle, title="Secret draft"), submit=False)
        for _ in range(2):
            proposals.support(session, c, quick_user(session))
        proposals.support(session, b, quick_user(session))

        def titles(**filters):
            return [r.proposal.title for r in proposals.browse(session, cycle, **filters)]

        assert titles() == ["River clean-up", "Crossing near school", "Bench by the river"]
        assert titles(text="RIVER") == ["River clean-up", "Bench by the river"]
        assert titles(text="boats") == ["River clean-up"]
        assert titles(category_id=streets) == ["Crossing near school"]
        assert titles(district_code="1") == ["Bench by the river"]
        assert titles(sort="title") == ["Bench by the river", "Crossing near school", "River clean-up"]
        assert titles(status="accepted") == [] and titles(status="nonsense") == []
        assert [r.supports for r in proposals.browse(session, cycle)] == [2, 1, 0]
        assert a.id


def test_support_once_enforced_by_the_database_even_at_the_same_moment(db):
    with db.session() as session:
        _officer, cycle = _open_cycle(session)
        proposal = proposals.create_proposal(session, cycle, quick_user(session), _form(cycle))
        supporter = quick_user(session)
        assert proposals.support(session, proposal, supporter) == 1
        with pytest.raises(Conflict, match="already"):
            proposals.support(session, proposal, supporter)
        ids = (proposal.id, supporter.id)
        racer = quick_user(session).id
    barrier = threading.Barrier(8)
    outcomes = []

    def race():
        session = db.sessionmaker()
        try:
            user = session.get(User, racer)
            proposal = session.get(Proposal, ids[0])
            session.commit()
            barrier.wait(timeout=30)
            proposals.support(session, proposal, user)
            session.commit()
            outcomes.append("ok")
        except (Conflict, IntegrityError):
            session.rollback()
            outcomes.append("refused")
        finally:
            session.close()

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["ok"] + ["refused"] * 7
    with db.session() as session:
        assert session.scalar(select(func.count(Support.id)).where(Support.user_id == racer)) == 1


def test_review_accept_reject_merge_and_cost_are_logged_and_shown(db):
    with db.session() as session:
        officer, cycle = _open_cycle(session)
        a, b, c = (proposals.create_proposal(session, cycle, quick_user(session), _form(cycle, title=t))
                   for t in ("Trees", "More trees", "Too dear"))
        fans = [quick_user(session) for _ in range(3)]
        proposals.support(session, a, fans[0])
        proposals.support(session, b, fans[0])
        proposals.support(session, b, fans[1])
        with pytest.raises(NotAllowed):
            review.accept(session, a.id, fans[2])
        review.accept(session, a.id, officer, reviewed_cost="90000", notes="Needs watering for two years.")
        with pytest.raises(InvalidInput, match="reason"):
            review.reject(session, c.id, officer, "  ")
        review.reject(session, c.id, officer, "It costs more than the district can maintain.")
        review.merge(session, b.id, a.id, officer)
        with pytest.raises(InvalidInput):
            review.merge(session, a.id, a.id, officer)
        with pytest.raises(InvalidInput):
            review.merge(session, a.id, c.id, officer)  # into a rejected proposal
        assert (a.status, a.cost, a.feasibility_notes) == (ProposalStatus.ACCEPTED, 90_000,
                                                           "Needs watering for two years.")
        assert (b.status, b.merged_into_id) == (ProposalStatus.MERGED, a.id)
        assert proposals.officer_answer(c) == "It costs more than the district can maintain."
        # supports moved to the surviving proposal, once per citizen
        assert sorted(session.scalars(select(Support.user_id).where(Support.proposal_id == a.id))) == sorted(
            [fans[0].id, fans[1].id])
        actions = [e.action for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("proposal.%")).order_by(AuditEvent.id))]
        assert actions == ["proposal.accept", "proposal.reject", "proposal.merge"]
        accept = session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal.accept"))
        assert accept.before["status"] == "submitted" and accept.after["status"] == "accepted"
        assert accept.after["reviewed_cost"] == 90_000 and accept.actor_id == officer.id


def test_shortlist_ranks_supports_per_group_and_only_the_top_go_on_the_ballot(db):
    with db.session() as session:
        officer, cycle = _open_cycle(session, shortlist_enabled=True, shortlist_mode="top", shortlist_n="1",
                                     shortlist_group_by="district")
        made = [proposals.create_proposal(session, cycle, quick_user(session), _form(cycle, title=t, district_code=d))
                for t, d in [("Inner one", "1"), ("Inner two", "1"), ("Kalk one", "8"), ("Kalk two", "8")]]
        for proposal, n in zip(made, [1, 3, 2, 2], strict=True):
            for _ in range(n):
                proposals.support(session, proposal, quick_user(session))
        phases.change_phase(session, cycle, CyclePhase.REVIEW, officer)
        for p in made:
            review.accept(session, p.id, officer)
        ranked = {r.proposal.title: (r.group, r.rank, r.supports, r.shortlisted) for r in ranking(session, cycle)}
        # Kalk is a tie (2 and 2): the earlier proposal wins the cut
        assert ranked == {"Inner two": ("1", 1, 3, True), "Inner one": ("1", 2, 1, False),
                          "Kalk one": ("8", 1, 2, True), "Kalk two": ("8", 2, 2, False)}
        phases.change_phase(session, cycle, CyclePhase.VOTING, officer)
        on_ballot = set(session.scalars(select(Proposal.title).where(Proposal.on_ballot.is_(True))))
        assert on_ballot == {"Inner two", "Kalk one"}


def test_comments_report_and_hide_over_http(app, client, portal_db):
    make_user(portal_db, "writer@example.org")
    make_user(portal_db, "reader@example.org")
    make_user(portal_db, "officer@example.org", Role.OFFICER)
    with portal_db.session() as session:
        writer = session.scalar(select(User).where(User.email == "writer@example.org"))
        _officer, cycle = _open_cycle(session)
        proposal = proposals.create_proposal(session, cycle, writer, _form(cycle))
        comment = comments.add_comment(session, proposal, writer, "This is rude")
        proposal_id, comment_id = proposal.id, comment.id
    login(client, "reader@example.org")
    token = client.get_cookie("_csrf_token").value
    back = f"/proposal/{proposal_id}"
    response = client.post(f"/comments/{comment_id}/report", data={"csrf_token": token, "reason": "insult",
                                                                   "next": back})
    assert response.status_code == 303 and response.headers["Location"] == back + "?notice=reported"
    again = client.post(f"/comments/{comment_id}/report", data={"csrf_token": token, "next": back})
    assert again.headers["Location"] == back + "?error=already_reported"
    assert client.post(f"/comments/{comment_id}/hide", data={"csrf_token": token, "reason": "x",
                                                            "next": back}).status_code == 403
    assert client.post(f"/comments/{comment_id}/report", data={"reason": "no token"}).status_code == 400
    officer = app.server.test_client()
    login(officer, "officer@example.org")
    token = officer.get_cookie("_csrf_token").value
    hidden = officer.post(f"/comments/{comment_id}/hide", data={"csrf_token": token, "reason": "Insulting",
                                                               "next": "https://evil.example/"})
    assert hidden.status_code == 303 and hidden.headers["Location"] == "/cycles?notice=hidden"
    with portal_db.session() as session:
        comment = session.get(Comment, comment_id)
        assert comment.hidden_reason == "Insulting" and comment.hidden_at is not None
        views = comments.list_comments(session, proposal_id, None)
        assert views[0].body is None and views[0].hidden_reason == "Insulting" and views[0].hidden_body is None
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "comment.hide"))
        assert event.before["body"] == "This is rude" and event.after["reason"] == "Insulting"
    anonymous = app.server.test_client()
    csrf_token(anonymous)
    assert anonymous.post(f"/comments/{comment_id}/report",
                          data={"csrf_token": anonymous.get_cookie("_csrf_token").value}).status_code == 401


def test_comment_rules(db):
    with db.session() as session:
        officer, cycle = _open_cycle(session)
        author = quick_user(session)
        proposal = proposals.create_proposal(session, cycle, author, _form(cycle))
        with pytest.raises(InvalidInput):
            comments.add_comment(session, proposal, author, "   ")
        with pytest.raises(InvalidInput):
            comments.add_comment(session, proposal, author, "x" * 2001)
        with pytest.raises(NotAllowed):
            comments.add_comment(session, proposal, None, "anonymous")
        comment = comments.add_comment(session, proposal, author, "Good idea")
        comments.report_comment(session, comment.id, quick_user(session), "spam?")
        queue = comments.reported_comments(session, cycle.id)
        assert [(q.comment.id, q.reports, q.reasons) for q in queue] == [(comment.id, 1, ["spam?"])]
        assert comments.dismiss_reports(session, comment.id, officer) == 1
        assert comments.reported_comments(session, cycle.id) == []


def test_voting_phase_keeps_the_ballot_to_accepted_proposals(db):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, [("Alpha", 10_000), ("Beta", 20_000)],
                                        phase=CyclePhase.PROPOSALS)
        phases.change_phase(session, cycle, CyclePhase.REVIEW, officer)
        review.accept(session, made[0].id, officer)
        review.reject(session, made[1].id, officer, "duplicate of a city project")
        phases.change_phase(session, cycle, CyclePhase.VOTING, officer)
        assert [p.id for p in session.scalars(select(Proposal).where(Proposal.on_ballot.is_(True)))] == [made[0].id]

"""Ballots on both databases: every ballot type checked with the engine's rules on the server, one live ballot
per voter (50 concurrent submissions), eligibility, voting codes, and forged callback requests."""

import json
import threading

import pytest
from sqlalchemy import func, select

from portal.models import Ballot, Cycle, CyclePhase, Role, User, VotingCode
from portal.participation import codes, phases
from portal.participation.ballots import Voter, cast_ballot, live_ballot
from portal.participation.errors import BallotRejected, Conflict, InvalidInput, NotAllowed, WrongPhase
from tests.helpers import callback_body, login, make_user, post_callback
from tests.participation import cycle_with_ballot, quick_user

SECRET = "test-secret-" + "x" * 40  # the app's SECRET_KEY in tests.conftest.make_config


def _count(session, cycle_id, live_only=False):
    query = select(func.count(Ballot.id)).where(Ballot.cycle_id == cycle_id)
    if live_only:
        query = query.where(Ballot.replaced_at.is_(None))
    return session.scalar(query)


def _ids(made):
    return [str(p.id) for p in made]


PROJECTS = [("Playground", 60_000), ("Bike racks", 30_000), ("Library boxes", 20_000), ("Skate park", 50_000)]


@pytest.mark.parametrize(("ballot_type", "config", "good", "stored", "bad", "message"), [
    ("approval", {}, [0, 1, 3], {"approved": [0, 1, 3]}, [0, 0], "more than once"),
    ("approval", {"min_projects": "2"}, [2, 3], {"approved": [2, 3]}, [1], "at least 2"),
    ("k-approval", {"max_projects": "2"}, [3, 1], {"approved": [1, 3]}, [0, 1, 2], "at most 2"),
    ("knapsack", {}, [0, 1], {"approved": [0, 1]}, [0, 1, 2], "110,000"),
    ("knapsack", {"min_spend_share": "50"}, [0], {"approved": [0]}, [2], "at least 50,000"),
    ("cumulative", {"total_points": "10", "max_points_per_project": "6"}, {0: 6, 2: 4}, {"points": {0: 6, 2: 4}},
     {0: 7, 1: 3}, "the most is 6"),
    ("cumulative", {"total_points": "10"}, {1: 10, 2: 0}, {"points": {1: 10}}, {1: 6, 2: 5}, "you have 10"),
    ("ordinal", {"max_projects": "3"}, [3, 0, 1], {"ranking": [3, 0, 1]}, [0, 1, 2, 3], "at most 3"),
])
def test_every_ballot_type_is_checked_on_the_server(db, ballot_type, config, good, stored, bad, message):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        voter = quick_user(session)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS, ballot_type=ballot_type, **config)
        ids = _ids(made)

        def translate(choice):
            if isinstance(choice, dict):
                return {ids[k]: v for k, v in choice.items()}
            return [ids[i] for i in choice]

        with pytest.raises(BallotRejected) as refused:
            cast_ballot(session, cycle.id, Voter.for_user(voter), translate(bad))
        assert message in refused.value.message
        assert _count(session, cycle.id) == 0
        receipt = cast_ballot(session, cycle.id, Voter.for_user(voter), translate(good))
        expected = {k: translate(v) if not isinstance(v, dict) else {ids[i]: n for i, n in v.items()}
                    for k, v in stored.items()}
        assert receipt.choices == expected
        assert live_ballot(session, cycle.id, f"user:{voter.id}").choices == expected


@pytest.mark.parametrize("raw", ["12,13", {"approved": "12"}, 42, [None], ["999999"]])
def test_malformed_or_unknown_choices_are_refused_clearly(db, raw):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        voter = quick_user(session)
        cycle, _made = cycle_with_ballot(session, officer, PROJECTS, ballot_type="approval")
        with pytest.raises((BallotRejected, InvalidInput)) as refused:
            cast_ballot(session, cycle.id, Voter.for_user(voter), raw)
        assert refused.value.message
        assert _count(session, cycle.id) == 0


def test_a_voter_may_change_the_ballot_until_voting_closes(db):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        voter = quick_user(session)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS)
        ids = _ids(made)
        first = cast_ballot(session, cycle.id, Voter.for_user(voter), [ids[0]])
        second = cast_ballot(session, cycle.id, Voter.for_user(voter), [ids[1], ids[2]])
        assert first.receipt_code != second.receipt_code and second.replaced_previous
        rows = session.scalars(select(Ballot).where(Ballot.cycle_id == cycle.id).order_by(Ballot.id)).all()
        assert [r.replaced_at is None for r in rows] == [False, True]
        assert rows[1].choices == {"approved": sorted([ids[1], ids[2]], key=int)}
        phases.change_phase(session, cycle, CyclePhase.COUNTING, officer)
        with pytest.raises(WrongPhase):
            cast_ballot(session, cycle.id, Voter.for_user(voter), [ids[3]])
        assert live_ballot(session, cycle.id, f"user:{voter.id}").receipt_code == second.receipt_code


def test_eligibility_verified_residents_and_minimum_age(db):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS, eligibility="verified", min_age="16")
        ids = _ids(made)
        unverified = quick_user(session, birth_year=1990)
        too_young = quick_user(session, verified_resident=True, birth_year=cycle.year - 15)
        no_year = quick_user(session, verified_resident=True)
        ok = quick_user(session, verified_resident=True, birth_year=cycle.year - 16)
        for user, reason in [(unverified, "verified residents"), (too_young, "minimum age of 16"),
                             (no_year, "no year of birth")]:
            with pytest.raises(NotAllowed, match=reason):
                cast_ballot(session, cycle.id, Voter.for_user(user), [ids[0]])
        assert _count(session, cycle.id) == 0
        cast_ballot(session, cycle.id, Voter.for_user(ok), [ids[0]])
        assert _count(session, cycle.id) == 1


def test_fifty_concurrent_submissions_of_one_voter_leave_exactly_one_live_ballot(db):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        voter = quick_user(session)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS)
        cycle_id, voter_id, ids = cycle.id, voter.id, _ids(made)
    barrier = threading.Barrier(50)
    acknowledged, refused, crashed = [], [], []
    lock = threading.Lock()

    def submit(n):
        session = db.sessionmaker()
        try:
            user = session.get(User, voter_id)
            session.expunge(user)
            session.commit()  # give the connection back to the pool while waiting for the others
            choices = [ids[n % 4]]
            barrier.wait(timeout=60)
            receipt = cast_ballot(session, cycle_id, Voter.for_user(user), choices)
            with lock:
                acknowledged.append(receipt.receipt_code)
        except Conflict as exc:
            with lock:
                refused.append(exc.message)
        except Exception as exc:  # noqa: BLE001 - reported below
            with lock:
                crashed.append(repr(exc))
        finally:
            session.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert crashed == []
    assert len(acknowledged) + len(refused) == 50
    assert all("not stored" in m for m in refused)
    with db.session() as session:
        live = session.scalars(select(Ballot).where(Ballot.cycle_id == cycle_id, Ballot.replaced_at.is_(None))).all()
        assert len(live) == 1
        stored = set(session.scalars(select(Ballot.receipt_code).where(Ballot.cycle_id == cycle_id)))
        # every acknowledged ballot was stored (replaced ones stay in the table), nothing unacknowledged was
        assert stored == set(acknowledged)
        assert live[0].receipt_code in acknowledged


def test_voting_codes_are_hashed_single_use_and_revocable(db):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS)
        ids = _ids(made)
        plain = codes.issue_codes(session, cycle, officer, 3, SECRET, batch="letters")
        assert len(set(plain)) == 3 and all(len(codes.normalise(c)) == 12 for c in plain)
        rows = session.scalars(select(VotingCode)).all()
        assert {r.code_hash for r in rows} == {codes.code_hash(SECRET, c) for c in plain}
        for row in rows:
            for c in plain:
                assert codes.normalise(c) not in row.code_hash and c not in row.batch
        first, cycle_of = codes.redeem(session, plain[0].lower().replace("-", " "), SECRET)
        assert cycle_of.id == cycle.id
        receipt = cast_ballot(session, cycle.id, Voter.for_code(first), [ids[1]])
        ballot = session.scalar(select(Ballot).where(Ballot.receipt_code == receipt.receipt_code))
        assert ballot.voter_key == f"code:{first.id}" and ballot.user_id is None
        with pytest.raises(NotAllowed, match="used already"):
            codes.redeem(session, plain[0], SECRET)
        with pytest.raises(NotAllowed, match="used already"):  # the same code cannot cast a second ballot
            cast_ballot(session, cycle.id, Voter.for_code(first), [ids[2]])
        assert codes.revoke(session, cycle, officer, SECRET, code=plain[1]) == 1
        session.commit()
        with pytest.raises(NotAllowed, match="not a valid"):
            codes.redeem(session, plain[1], SECRET)
        third, _c = codes.redeem(session, plain[2], SECRET)
        assert codes.revoke(session, cycle, officer, SECRET, batch="letters") == 1  # only the unused one left
        session.commit()
        with pytest.raises(NotAllowed):
            cast_ballot(session, cycle.id, Voter.for_code(third), [ids[2]])
        with pytest.raises(NotAllowed, match="not a valid"):
            codes.redeem(session, "AAAA-BBBB-CCCC", SECRET)
        assert _count(session, cycle.id) == 1
        stats = codes.batch_stats(session, cycle)
        assert [(s.batch, s.issued, s.revoked, s.used) for s in stats] == [("letters", 3, 2, None)]


# Over HTTP: the ballot page's callback, forged ------------------------------------------------------

def _ballot_callback(client):
    deps = client.get("/_dash-dependencies").get_json()
    return next(d for d in deps if d["output"].startswith("..ballot-result.children"))


def _forge(client, dep, cycle_id, approved):
    body = callback_body(dep)
    body["inputs"][0]["value"] = 1
    values = {"ballot-cycle": cycle_id, "ballot-approve": approved, "ballot-points-store": {},
              "ballot-ranking": []}
    body["state"] = [{**s, "value": values[s["id"]]} for s in body["state"]]
    return post_callback(client, body, client.get_cookie("_csrf_token").value)


def _text(response) -> str:
    return json.dumps(response.get_json(), ensure_ascii=False)


def _setup_http(portal_db, **config):
    make_user(portal_db, "voter@example.org")
    with portal_db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS, **config)
        return cycle.id, _ids(made)


def test_forged_over_budget_ballot_is_refused_with_a_message_and_stores_nothing(app, client, portal_db):
    cycle_id, ids = _setup_http(portal_db)
    login(client, "voter@example.org")
    response = _forge(client, _ballot_callback(client), cycle_id, [ids[0], ids[1], ids[2]])  # 110,000 > 100,000
    assert response.status_code == 200
    text = _text(response)
    assert "ballot-error" in text and "costs €110,000 but the budget is €100,000" in text
    assert "ballot-receipt" not in text
    with portal_db.session() as session:
        assert _count(session, cycle_id) == 0
    ok = _forge(client, _ballot_callback(client), cycle_id, [ids[0], ids[1]])  # the same request, within budget
    assert "ballot-receipt" in _text(ok)
    with portal_db.session() as session:
        assert _count(session, cycle_id) == 1


def test_forged_ballot_in_the_wrong_phase_is_refused_and_stores_nothing(app, client, portal_db):
    cycle_id, ids = _setup_http(portal_db)
    with portal_db.session() as session:
        cycle = session.get(Cycle, cycle_id)
        officer = session.scalar(select(User).where(User.role == Role.OFFICER))
        phases.change_phase(session, cycle, CyclePhase.COUNTING, officer)
    login(client, "voter@example.org")
    response = _forge(client, _ballot_callback(client), cycle_id, [ids[0]])
    text = _text(response)
    assert response.status_code == 200
    assert "ballot-error" in text and "Counting phase" in text
    with portal_db.session() as session:
        assert _count(session, cycle_id) == 0


def test_forged_ballot_without_account_or_code_is_refused(app, client, portal_db):
    cycle_id, ids = _setup_http(portal_db)
    client.get("/")
    response = _forge(client, _ballot_callback(client), cycle_id, [ids[0]])
    assert "ballot-error" in _text(response)
    with portal_db.session() as session:
        assert _count(session, cycle_id) == 0


def test_a_code_holder_votes_once_through_the_pages(app, client, portal_db):
    cycle_id, ids = _setup_http(portal_db)
    with portal_db.session() as session:
        officer = session.scalar(select(User).where(User.role == Role.OFFICER))
        (plain,) = codes.issue_codes(session, session.get(Cycle, cycle_id), officer, 1, SECRET)
    client.get("/")
    token = client.get_cookie("_csrf_token").value
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if d["output"].startswith("..vote-code-msg.children"))
    body = callback_body(dep)
    body["inputs"][0]["value"] = 1
    body["state"][0]["value"] = plain
    response = post_callback(client, body, token)
    assert f"/vote/{cycle_id}" in _text(response)
    first = _forge(client, _ballot_callback(client), cycle_id, [ids[1]])
    assert "ballot-receipt" in _text(first)
    again = _forge(client, _ballot_callback(client), cycle_id, [ids[2]])
    assert "ballot-error" in _text(again)
    with portal_db.session() as session:
        rows = session.scalars(select(Ballot).where(Ballot.cycle_id == cycle_id)).all()
        assert len(rows) == 1 and rows[0].voter_key.startswith("code:") and rows[0].choices == {"approved": [ids[1]]}


def test_a_clash_on_the_unique_indexes_is_retried_once_then_answered_clearly(db, monkeypatch):
    """The database's unique indexes are the last line of defence: an IntegrityError is retried once, then the
    voter is told that nothing was stored."""
    from portal.participation import ballots

    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        first_voter, second_voter = quick_user(session), quick_user(session)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS)
        ids = _ids(made)
        taken = cast_ballot(session, cycle.id, Voter.for_user(first_voter), [ids[0]]).receipt_code
        fresh = iter([taken, "ZZZZ-ZZZZ-ZZZZ-ZZZ2"])
        monkeypatch.setattr(ballots, "new_receipt", lambda: next(fresh))
        receipt = cast_ballot(session, cycle.id, Voter.for_user(second_voter), [ids[1]])
        assert receipt.receipt_code == "ZZZZ-ZZZZ-ZZZZ-ZZZ2"  # the retry went through
        monkeypatch.setattr(ballots, "new_receipt", lambda: taken)
        with pytest.raises(Conflict, match="not stored"):
            cast_ballot(session, cycle.id, Voter.for_user(second_voter), [ids[2]])
        live = live_ballot(session, cycle.id, f"user:{second_voter.id}")
        assert live.receipt_code == "ZZZZ-ZZZZ-ZZZZ-ZZZ2" and live.choices == {"approved": [ids[1]]}
        assert _count(session, cycle.id) == 2

"""Counting on both databases: paper ballots, the count (whole city and district pools), publication, the
anonymised ballot file and its independent recount (engine CLI and pabutools), receipts, practice runs."""

import hashlib
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from portal.config import ROOT
from portal.models import Ballot, Cycle, CyclePhase, Proposal, ProposalStatus, Result, Role, User
from portal.participation import counting, paper, phases, results
from portal.participation.ballots import Voter, cast_ballot
from portal.participation.errors import BallotRejected, InvalidInput, NotAllowed, NotFound, WrongPhase
from tests.participation import cycle_with_ballot, quick_user

# Six voters, 120,000 to spend. Worked out by hand (cost satisfaction):
#  greedy: P1 (4 supporters), then P2 (3), 120,000 spent; P3 no longer fits           -> {P1, P2}
#  equal shares (20,000 each): P1 costs 15,000 per supporter (rho 1/4) and goes first, leaving v1-v4
#  5,000 each; P2 then needs 60,000 from v1-v3, who have 15,000; P3 is paid by v5 and v6 (20,000 each)
#  -> {P1, P3}; with add1, P2 would need a share of 35,000, at which point P1+P2+P3 = 160,000 > 120,000
PROJECTS = [("Park one", 60_000), ("Park two", 60_000), ("Bridge", 40_000)]
BALLOTS = [[0, 1], [0, 1], [0, 1], [0], [2], [2]]


def _vote_all(session, cycle, made, ballots=BALLOTS):
    ids = [str(p.id) for p in made]
    receipts = []
    for choice in ballots:
        voter = quick_user(session)
        receipts.append(cast_ballot(session, cycle.id, Voter.for_user(voter), [ids[i] for i in choice]).receipt_code)
    return ids, receipts


def _counted(db, rule="greedy", completion=None, ballots=BALLOTS):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS, total_budget="120000", rule=rule,
                                        completion=completion, ballot_type="approval")
        ids, receipts = _vote_all(session, cycle, made, ballots)
        phases.change_phase(session, cycle, CyclePhase.COUNTING, officer)
        result = counting.count_cycle(session, cycle, officer)
        return cycle.id, officer.id, result.id, ids, receipts


@pytest.mark.parametrize(("rule", "completion", "expected"), [
    ("greedy", None, [0, 1]), ("mes", "none", [0, 2]), ("mes", "add1", [0, 2]),
])
def test_count_gives_the_hand_computed_outcome_and_publishing_marks_the_funded(db, rule, completion, expected):
    cycle_id, officer_id, result_id, ids, _r = _counted(db, rule, completion)
    with db.session() as session:
        cycle, officer = session.get(Cycle, cycle_id), session.get(User, officer_id)
        result = session.get(Result, result_id)
        assert sorted(result.selected) == sorted(ids[i] for i in expected)
        assert result.ballot_count == 6 and result.published_at is None
        assert {pid: info["votes"] for pid, info in result.funded.items()} == {ids[i]: [4, 3, 2][i] for i in expected}
        counting.publish_result(session, cycle, result.id, officer)
        statuses = {str(p.id): p.status for p in session.scalars(select(Proposal).where(Proposal.cycle_id == cycle_id))}
        assert {pid for pid, s in statuses.items() if s == ProposalStatus.FUNDED} == {ids[i] for i in expected}
        assert cycle.phase == CyclePhase.RESULTS


def test_publishing_refuses_a_stale_count(db):
    cycle_id, officer_id, result_id, ids, _r = _counted(db)
    with db.session() as session:
        cycle, officer = session.get(Cycle, cycle_id), session.get(User, officer_id)
        paper.import_csv(session, cycle, officer, f"ballot_id,choices\n1001,{ids[2]}\n".encode(), "late.csv")
        with pytest.raises(InvalidInput, match="ballots changed"):
            counting.publish_result(session, cycle, result_id, officer)
        cycle.rule = "mes"
        again = counting.count_cycle(session, cycle, officer)
        cycle.rule = "greedy"
        with pytest.raises(InvalidInput, match="rule changed"):
            counting.publish_result(session, cycle, again.id, officer)
        assert counting.published_result(session, cycle) is None and cycle.phase == CyclePhase.COUNTING


def _published(db, **kwargs):
    cycle_id, officer_id, result_id, ids, receipts = _counted(db, **kwargs)
    with db.session() as session:
        cycle = session.get(Cycle, cycle_id)
        counting.publish_result(session, cycle, result_id, session.get(User, officer_id))
        text, digest = results.published_file(session, cycle)
        return cycle_id, text, digest, ids, receipts


def test_published_file_is_anonymous_has_its_sha256_and_receipts_are_found(db, tmp_path):
    cycle_id, text, digest, ids, receipts = _published(db)
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == digest
    with db.session() as session:
        for value in session.scalars(select(User.email)):
            assert value not in text
        for row in session.execute(select(Ballot.voter_key, Ballot.receipt_code, Ballot.user_id)):
            assert row.voter_key not in text and row.receipt_code not in text
        cycle = session.get(Cycle, cycle_id)
        found = results.check_receipt(session, cycle, receipts[4].lower())
        assert found.found and found.vote == ids[2]
        assert not results.check_receipt(session, cycle, "ABCD-EFGH-JKLM-NPQR").found
        with pytest.raises(InvalidInput):
            results.check_receipt(session, cycle, "short")
    votes = text.split("VOTES\n", 1)[1].splitlines()[1:]
    voter_ids = [line.split(";")[0] for line in votes]
    assert voter_ids == sorted(voter_ids), "ballot order in the file says nothing about the order of voting"


@pytest.mark.parametrize(("rule", "completion"), [("greedy", None), ("mes", "add1")])
def test_anyone_recounts_the_published_file_with_the_engine_cli(db, tmp_path, rule, completion):
    import json

    cycle_id, text, _digest, ids, _r = _published(db, rule=rule, completion=completion)
    path = tmp_path / "ballots.pb"
    path.write_bytes(text.encode("utf-8"))
    with db.session() as session:
        cycle = session.get(Cycle, cycle_id)
        view = results.results_view(session, cycle)
        command = view.recount_command.replace(results.file_name(cycle), str(path)).split()
        published = view.result.selected
    assert command[:4] == ["python", "-m", "voting", "tally"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, *command[1:]], capture_output=True, text=True, env=env, cwd=ROOT,
                         timeout=120, check=True)
    assert json.loads(run.stdout)["selected"] == published


def test_pabutools_recounts_the_published_file(db, tmp_path):
    pabutools = pytest.importorskip("pabutools")
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    _cid, text, _digest, ids, _r = _published(db)
    path = tmp_path / "ballots.pb"
    path.write_text(text, encoding="utf-8")
    instance, profile = parse_pabulib(str(path))
    greedy = {p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)}
    mes = {p.name for p in method_of_equal_shares(instance, profile, sat_class=Cost_Sat)}
    assert greedy == {ids[0], ids[1]} and mes == {ids[0], ids[2]}
    assert pabutools is not None


def test_paper_ballots_are_all_or_nothing_and_counted_apart(db):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS, total_budget="120000")
        ids = [str(p.id) for p in made]
        _vote_all(session, cycle, made, [[0]])
        bad = (f"ballot_id;choices;channel\nA1;{ids[0]} {ids[2]};paper\nA2;{ids[0]} {ids[1]} {ids[2]};paper\n"
               f"A3;999;booth\nA1;{ids[2]};paper\nA5;{ids[2]};bus\n").encode()
        with pytest.raises(InvalidInput) as refused:
            paper.import_csv(session, cycle, officer, bad, "bad.csv")
        message = refused.value.message
        for expected in ("Line 3", "160,000", "Line 4", "not on this ballot", "Line 5", "appears twice",
                         "Line 6", "paper or booth", "nothing was stored"):
            assert expected in message, expected
        assert "Line 2" not in message
        assert session.scalar(select(func.count(Ballot.id)).where(Ballot.channel != "online")) == 0
        good = f"ballot_id,choices,channel\nA1,{ids[0]},paper\nA2,{ids[2]},booth\nA3,\"{ids[0]} {ids[2]}\",\n"
        imported = paper.import_csv(session, cycle, officer, good.encode(), "good.csv")
        assert imported.count == 3 and imported.by_channel == {"paper": 2, "booth": 1}
        with pytest.raises(InvalidInput, match="imported before"):
            paper.import_csv(session, cycle, officer, good.encode(), "good.csv")
        for broken, why in [(b"\xff\xfe", "UTF-8"), (b"id,votes\n1,2\n", "ballot_id"),
                            (b"ballot_id,choices\n", "no ballots")]:
            with pytest.raises(InvalidInput, match=why):
                paper.import_csv(session, cycle, officer, broken)
        phases.change_phase(session, cycle, CyclePhase.COUNTING, officer)
        assert sorted((r["channel"], r["ballots"]) for r in counting.turnout(session, cycle, officer)) == [
            ("booth", 1), ("online", 1), ("paper", 2)]
        result = counting.count_cycle(session, cycle, officer)
        assert result.ballot_count == 4


def test_district_pools_are_counted_and_checked_within_their_own_budgets(db):
    """Budgets: Innenstadt 50,000, Kalk 40,000, the rest of 120,000 (30,000) for citywide projects.
    Greedy by hand: Innenstadt A (3 votes, 40,000); B (30,000) no longer fits; Kalk C (2 votes, 40,000);
    citywide E (2 votes, 20,000), D (1 vote, 25,000) no longer fits -> {A, C, E}."""
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(
            session, officer,
            [("A inner", 40_000, "1"), ("B inner", 30_000, "1"), ("C kalk", 40_000, "8"), ("D city", 25_000),
             ("E city", 20_000)],
            total_budget="120000", districts="1; Innenstadt; 50000\n8; Kalk; 40000\n4; Ehrenfeld; 0")
        a, b, c, d, e = (str(p.id) for p in made)
        voter = quick_user(session)
        with pytest.raises(BallotRejected, match="Innenstadt"):  # 70,000 > 50,000 there, though < 120,000
            cast_ballot(session, cycle.id, Voter.for_user(voter), [a, b])
        for choice in ([a, c, e], [a, c], [a, e], [b, d]):
            cast_ballot(session, cycle.id, Voter.for_user(quick_user(session)), choice)
        phases.change_phase(session, cycle, CyclePhase.COUNTING, officer)
        result = counting.count_cycle(session, cycle, officer)
        assert set(result.selected) == {a, c, e}
        pools = {p["pool"]: p for p in result.metrics["pools"]}
        assert {k: v["budget"] for k, v in pools.items()} == {"1": 50_000, "8": 40_000, "citywide": 30_000}
        assert {k: v["total_cost"] for k, v in pools.items()} == {"1": 40_000, "8": 40_000, "citywide": 20_000}
        counting.publish_result(session, cycle, result.id, officer)
        view = results.results_view(session, cycle)
        money = dict(zip(view.by_district["district"], view.by_district["amount"], strict=True))
        assert money == {"Innenstadt": 40_000, "Kalk": 40_000, "Whole city": 20_000}
        assert "by_district" in view.recount_command
        text, _digest = results.published_file(session, cycle)
    import voting

    election = voting.parse_pb(text)
    recount = set()
    for _pool, part in election.by_district().items():
        recount |= set(voting.tally(part, "greedy").selected)
    assert recount == {a, c, e}


def test_practice_runs_compare_rules_but_never_on_open_ballots(db, tmp_path):
    cycle_id, officer_id, result_id, ids, _r = _counted(db, "mes", "add1")
    with db.session() as session:
        cycle, officer = session.get(Cycle, cycle_id), session.get(User, officer_id)
        this = counting.practice_this_cycle(session, cycle, officer)
        runs = {r.name: set(r.selected) for r in this.runs}
        assert runs["greedy"] == {ids[0], ids[1]} and runs["mes+none"] == {ids[0], ids[2]}
        assert runs["mes+add1"] == {ids[0], ids[2]}
        assert this.voters == 6 and all("budget_used_share" in r.metrics for r in this.runs)
        counting.publish_result(session, cycle, result_id, officer)
        text, _digest = results.published_file(session, cycle)
        upload = counting.practice_upload(officer, text.encode(), "last.pb", ("greedy", None))
        assert {r.name: set(r.selected) for r in upload.runs}["greedy"] == {ids[0], ids[1]}
        broken = b"META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;abc\nVOTES\n"
        with pytest.raises(InvalidInput, match="line 7"):
            counting.practice_upload(officer, broken, "broken.pb", None)
        # next year's cycle, in its voting phase: last year's published ballots, but not its own
        following, made = cycle_with_ballot(session, officer, PROJECTS, year="2032")
        cast_ballot(session, following.id, Voter.for_user(quick_user(session)), [str(made[0].id)])
        previous = counting.practice_previous(session, following, officer)
        assert previous.voters == 6 and cycle.title in previous.source
        with pytest.raises(WrongPhase):
            counting.practice_this_cycle(session, following, officer)
        citizen = quick_user(session)
        with pytest.raises(NotAllowed):
            counting.practice_previous(session, following, citizen)


def test_the_ballot_file_is_served_only_once_published(app, client, portal_db):
    with portal_db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS, total_budget="120000")
        _vote_all(session, cycle, made)
        cycle_id = cycle.id
        with pytest.raises(NotFound):
            results.published_file(session, cycle)
    assert client.get(f"/cycles/{cycle_id}/ballots.pb").status_code == 404
    with portal_db.session() as session:
        cycle, officer = session.get(Cycle, cycle_id), session.scalar(select(User).where(User.role == Role.OFFICER))
        phases.change_phase(session, cycle, CyclePhase.COUNTING, officer)
        result = counting.count_cycle(session, cycle, officer)
        assert client.get(f"/cycles/{cycle_id}/ballots.pb").status_code == 404  # counted, not published
        counting.publish_result(session, cycle, result.id, officer)
        digest = result.ballot_file_sha256
    response = client.get(f"/cycles/{cycle_id}/ballots.pb")
    assert response.status_code == 200 and response.headers["X-Content-SHA256"] == digest
    assert hashlib.sha256(response.data).hexdigest() == digest
    assert "attachment" in response.headers["Content-Disposition"]


def test_results_page_data_says_what_each_rule_says_about_each_project(db):
    cycle_id, _text, _digest, ids, _r = _published(db, rule="mes", completion="add1")
    with db.session() as session:
        view = results.results_view(session, session.get(Cycle, cycle_id))
    rows = {r["id"]: r for _i, r in view.projects.iterrows()}
    park_two = rows[ids[1]]
    assert not park_two["funded"] and park_two["greedy"] and not park_two["mes+add1"]
    assert park_two["by_rule"]["greedy"].startswith("Funded in round 2; 3 voters chose it.")
    assert park_two["by_rule"]["mes+none"].startswith("Not funded")
    assert park_two["explanation"].startswith("Not funded")
    assert list(view.projects["id"][:2]) == [ids[0], ids[2]]  # funded first, in selection order
    assert dict(zip(view.by_category["category"], view.by_category["amount"], strict=True)) == {"Parks": 100_000}

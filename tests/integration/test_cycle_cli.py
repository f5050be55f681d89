"""Cycle commands of the Flask CLI on both databases: recount the published file, export it, issue codes."""

import hashlib

from sqlalchemy import select

from portal.city import load_city
from portal.models import Cycle, CyclePhase, Role, VotingCode
from portal.participation import codes
from portal.seed import seed_if_empty
from tests.helpers import make_user
from tests.participation import cycle_with_ballot, quick_user


def test_recount_and_export_of_the_published_demo_cycle(app, portal_db, tmp_path):
    seed_if_empty(portal_db, load_city("koeln"))
    with portal_db.session() as session:
        done = session.scalar(select(Cycle).where(Cycle.phase == CyclePhase.RESULTS))
        open_one = session.scalar(select(Cycle).where(Cycle.phase == CyclePhase.PROPOSALS))
        done_id, open_id = done.id, open_one.id
    runner = app.server.test_cli_runner()
    result = runner.invoke(args=["cycle-recount", str(done_id)])
    assert result.exit_code == 0, result.output
    assert "OK: the recount funds the published" in result.output and "400 ballots" in result.output
    target = tmp_path / "ballots.pb"
    exported = runner.invoke(args=["cycle-export-ballots", str(done_id), str(target)])
    assert exported.exit_code == 0, exported.output
    assert exported.output.split()[0] == hashlib.sha256(target.read_bytes()).hexdigest()
    refused = runner.invoke(args=["cycle-recount", str(open_id)])
    assert refused.exit_code != 0 and "not published" in refused.output


def test_recount_reports_a_tampered_result(app, portal_db):
    seed_if_empty(portal_db, load_city("koeln"))
    with portal_db.session() as session:
        from portal.models import Result

        result = session.scalar(select(Result).where(Result.published_at.is_not(None)))
        result.selected = list(reversed(result.selected))[1:]  # one funded project dropped from the record
        cycle_id = result.cycle_id
    outcome = app.server.test_cli_runner().invoke(args=["cycle-recount", str(cycle_id)])
    assert outcome.exit_code != 0 and "MISMATCH" in outcome.output


def test_issue_codes_writes_the_only_copy_and_stores_hashes(app, portal_db, tmp_path):
    make_user(portal_db, "officer@example.org", Role.OFFICER)
    with portal_db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, _made = cycle_with_ballot(session, officer, [("Alpha", 10_000)])
        cycle_id = cycle.id
    target = tmp_path / "codes.csv"
    runner = app.server.test_cli_runner()
    args = ["cycle-issue-codes", str(cycle_id), "--count", "5", "--officer", "officer@example.org", "--batch",
            "library", "--out", str(target)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    lines = target.read_text().splitlines()
    assert lines[0] == "code,cycle,batch,district" and len(lines) == 6
    plain = [line.split(",")[0] for line in lines[1:]]
    secret = app.server.config["SECRET_KEY"]
    with portal_db.session() as session:
        assert set(session.scalars(select(VotingCode.code_hash))) == {codes.code_hash(secret, c) for c in plain}
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "exists already" in again.output
    citizen = runner.invoke(args=["cycle-issue-codes", str(cycle_id), "--count", "1", "--officer", "nobody@x.org",
                                  "--out", str(tmp_path / "other.csv")])
    assert citizen.exit_code != 0 and not (tmp_path / "other.csv").exists()

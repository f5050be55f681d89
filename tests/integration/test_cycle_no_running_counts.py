"""While voting is open nobody, officers and administrators included, sees running counts: every page, every
callback and every route the portal exposes is called, and none of them returns a number of ballots or votes.

131 ballots are cast: 113 name project A and 97 name project B. Those three numbers are chosen so that they
cannot be a day, an hour, a minute, a month or a thousands group of an amount shown on these pages.
"""

import json
import re

import pytest
from sqlalchemy import select

from portal.models import Role, User, VotingCode
from portal.participation import codes, comments, counting, results
from portal.participation.ballots import Voter, cast_ballot
from portal.participation.errors import WrongPhase
from portal.security import PAGE_ACCESS
from tests.helpers import callback_body, login, make_user, post_callback
from tests.participation import cycle_with_ballot, vote

LEAK = re.compile(r"(?<![\w,.])(131|113|97)(?![\w,.])")
TOKENS = re.compile(r"[A-Za-z0-9._~+/=-]{20,}")  # CSRF tokens, hashes, receipts: random text, not counts


def _clean(text: str) -> str:
    return TOKENS.sub("", text)


@pytest.fixture
def open_vote(app, portal_db):
    for role in ("citizen", "officer", "admin"):
        make_user(portal_db, f"{role}@example.org", role)
    with portal_db.session() as session:
        officer = session.scalar(select(User).where(User.email == "officer@example.org"))
        cycle, (a, b) = cycle_with_ballot(session, officer, [("Project A", 60_000), ("Project B", 30_000)])
        citizen = session.scalar(select(User).where(User.email == "citizen@example.org"))
        vote(session, cycle.id, citizen, [str(a.id), str(b.id)])
        comment = comments.add_comment(session, a, citizen, "A comment, so that the page shows its forms")
        comments.report_comment(session, comment.id, officer, "reported")
        # the other 130 vote with codes: account ids are shown on the users page, code ids nowhere
        codes.issue_codes(session, cycle, officer, 140, "test-secret-" + "x" * 40)
        rows = session.scalars(select(VotingCode).order_by(VotingCode.id)).all()
        for n, row in enumerate(rows[:130]):
            choice = [str(a.id), str(b.id)] if n < 96 else ([str(a.id)] if n < 112 else [])
            cast_ballot(session, cycle.id, Voter.for_code(row), choice)
        return cycle.id, a.id


def _clients(app):
    clients = {"anonymous": app.server.test_client()}
    clients["anonymous"].get("/")
    for role in ("citizen", "officer", "admin"):
        client = app.server.test_client()
        login(client, f"{role}@example.org")
        clients[role] = client
    return clients


def _value(ident, prop, cycle_id, proposal_id):
    name = ident if isinstance(ident, str) else json.dumps(ident)
    if prop == "n_clicks":
        return None if name == "ballot-submit" else 1
    if "cycle" in name:
        return cycle_id
    if name in ("proposal-id", "rv-proposal"):
        return proposal_id
    if name == "practice-source-select":
        return "this"
    return None


def test_no_page_callback_or_route_shows_counts_while_voting_is_open(app, portal_db, open_vote):
    cycle_id, proposal_id = open_vote
    seen = []
    for role, client in _clients(app).items():
        token = client.get_cookie("_csrf_token").value
        deps = [d for d in client.get("/_dash-dependencies").get_json() if not d.get("clientside_function")]
        router = next(d for d in deps if "_pages_content" in d["output"])
        paths = [p.replace("<cycle_id>", str(cycle_id)).replace("<proposal_id>", str(proposal_id))
                 for p in PAGE_ACCESS]
        for path in paths:
            body = callback_body(router)
            body["inputs"] = [{**i, "value": path if i["property"] == "pathname" else ""} for i in router["inputs"]]
            response = post_callback(client, body, token)
            assert response.status_code == 200, (role, path)
            assert not LEAK.search(_clean(response.data.decode("utf-8", "replace"))), (role, path)
            seen.append(path)
        for dep in deps:
            if dep is router:
                continue
            body = callback_body(dep)
            body["inputs"] = [{**i, "value": _value(i["id"], i["property"], cycle_id, proposal_id)}
                              for i in dep["inputs"]]
            body["state"] = [{**s, "value": _value(s["id"], s["property"], cycle_id, proposal_id)}
                             for s in dep["state"]]
            response = post_callback(client, body, token)
            assert response.status_code in (200, 204, 401, 403), (role, dep["output"], response.status_code)
            assert not LEAK.search(_clean(response.data.decode("utf-8", "replace"))), (role, dep["output"])
            seen.append(dep["output"])
        for rule in app.server.url_map.iter_rules():
            if "GET" not in rule.methods or rule.rule.startswith(("/_dash-component-suites", "/assets", "/lang")):
                continue
            url = rule.rule.replace("<int:cycle_id>", str(cycle_id)).replace("<path:path>", f"results/{cycle_id}")
            response = client.get(url)
            assert not LEAK.search(_clean(response.data.decode("utf-8", "replace"))), (role, url)
            if "ballots.pb" in url:
                assert response.status_code == 404
            seen.append(url)
    assert any("/officer/count/" in s for s in seen) and any("practice-out" in s for s in seen)
    assert "/officer/audit.csv" in seen


def test_the_services_refuse_counts_to_officers_while_voting(app, portal_db, open_vote):
    cycle_id, _pid = open_vote
    with portal_db.session() as session:
        from portal.models import Cycle

        cycle = session.get(Cycle, cycle_id)
        for email in ("officer@example.org", "admin@example.org"):
            officer = session.scalar(select(User).where(User.email == email))
            for call in (lambda: counting.turnout(session, cycle, officer),  # noqa: B023
                         lambda: counting.latest_result(session, cycle, officer),  # noqa: B023
                         lambda: counting.practice_this_cycle(session, cycle, officer),  # noqa: B023
                         lambda: counting.count_cycle(session, cycle, officer)):  # noqa: B023
                with pytest.raises(WrongPhase):
                    call()
        assert results.results_view(session, cycle) is None
        assert counting.published_result(session, cycle) is None
        # the numbers are really there: once voting closes, an officer sees them
        from portal.models import CyclePhase
        from portal.participation import phases

        officer = session.scalar(select(User).where(User.role == Role.OFFICER))
        phases.change_phase(session, cycle, CyclePhase.COUNTING, officer)
        assert sum(r["ballots"] for r in counting.turnout(session, cycle, officer)) == 131
        result = counting.count_cycle(session, cycle, officer)
        assert sorted(v["votes"] for v in result.funded.values()) == [97, 113]

"""The public API over real HTTP (a live server on each database): budget lines and aggregates against SQL,
paging, CSV, errors as JSON, only public participation data, the ballot file, and the OpenAPI document in step
with the routes."""

import csv
import hashlib
import io
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select

from portal.api.openapi import document
from portal.models import BudgetLine, CyclePhase, Proposal, ProposalStatus, Role, User
from tests.conftest import LiveServer
from tests.feedback import import_budget, published_cycle
from tests.participation import cycle_with_ballot, new_cycle


@pytest.fixture
def api(app):
    with LiveServer(app.server) as live, httpx.Client(base_url=live.url, timeout=30) as http:
        yield http


@pytest.fixture
def city(portal_db):
    """The small budget, a published cycle, a cycle open for voting with a draft, and a draft cycle."""
    with portal_db.session() as session:
        import_budget(session)
        published, made, officer = published_cycle(session)
        voting, _ = cycle_with_ballot(session, officer, [("Fountain", 10_000)], phase=CyclePhase.VOTING,
                                      title="Voting now")
        author = User(email="author@example.org", password_hash="!", role=Role.CITIZEN, display_name="Ann Author")
        session.add(author)
        session.flush()
        draft_proposal = Proposal(cycle_id=voting.id, author_id=author.id, title="My secret draft",
                                  estimated_cost=1, status=ProposalStatus.DRAFT)
        session.add(draft_proposal)
        draft = new_cycle(session, officer, title="Not yet public")
        return {"published": published.id, "funded": [str(made[0].id), str(made[2].id)], "voting": voting.id,
                "draft": draft.id, "author": author.id, "draft_proposal_title": "My secret draft"}


def sql_sum(portal_db, **where) -> float:
    with portal_db.session() as session:
        conditions = [getattr(BudgetLine, k) == v for k, v in where.items()]
        return float(session.scalar(select(func.sum(BudgetLine.amount)).where(*conditions)) or 0)


def test_budget_lines_filtered_match_sql_and_page_with_links(api, city, portal_db):
    body = api.get("/api/v1/budget/lines", params={"year": 2032, "statement": "capital", "limit": 2}).json()
    with portal_db.session() as session:
        total = session.scalar(select(func.count(BudgetLine.id)).where(BudgetLine.fiscal_year == 2032,
                                                                      BudgetLine.statement == "capital"))
    assert body["meta"] == {"total": total, "limit": 2, "offset": 0} and total == 4  # 2 city lines, 2 projects
    assert len(body["data"]) == 2 and body["links"]["prev"] is None
    second = api.get(body["links"]["next"]).json()
    assert second["links"]["next"] is None and len(second["data"]) == 2
    amounts = sum(line["amount"] for line in body["data"] + second["data"])
    assert amounts == sql_sum(portal_db, fiscal_year=2032, statement="capital") == 4_100_000
    pb = api.get("/api/v1/budget/lines", params={"participatory": "true"}).json()
    assert sorted(line["pb_project"] for line in pb["data"]) == sorted(city["funded"])
    assert {line["source"] for line in pb["data"]} == {"participatory"}
    parks = api.get("/api/v1/budget/lines", params={"classification": "13/PB"}).json()
    assert [line["amount"] for line in parks["data"]] == [60_000]


def test_budget_aggregate_by_any_level_matches_sql(api, city, portal_db):
    body = api.get("/api/v1/budget/aggregate", params={"group_by": "year,fn1", "direction": "expenditure"}).json()
    got = {(row["fiscal_year"], row["fn1_code"]): row["amount"] for row in body["data"]}
    with portal_db.session() as session:
        rows = session.execute(select(BudgetLine.fiscal_year, BudgetLine.fn1_code, func.sum(BudgetLine.amount))
                               .where(BudgetLine.direction == "expenditure")
                               .group_by(BudgetLine.fiscal_year, BudgetLine.fn1_code)).all()
    assert got == {(y, f): float(Decimal(str(a))) for y, f, a in rows}
    assert body["data"][0]["amount"] == max(got.values())  # largest first
    by_district = api.get("/api/v1/budget/aggregate", params={"group_by": "district", "participatory": "true"}).json()
    assert {row["district_code"]: row["amount"] for row in by_district["data"]} == {"1": 60_000, None: 40_000}


def test_csv_by_parameter_or_accept_header(api, city):
    for response in (api.get("/api/v1/budget/lines", params={"format": "csv", "year": 2032}),
                     api.get("/api/v1/budget/lines", params={"year": 2032}, headers={"Accept": "text/csv"})):
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
        assert len(rows) == int(response.headers["X-Total-Count"]) == 5
        assert sum(float(r["amount"]) for r in rows) == 6_100_000


@pytest.mark.parametrize(("path", "params", "status", "word"), [
    ("/api/v1/budget/lines", {"limit": "0"}, 400, "limit"),
    ("/api/v1/budget/lines", {"limit": "abc"}, 400, "limit"),
    ("/api/v1/budget/lines", {"phase": "imaginary"}, 400, "phase"),
    ("/api/v1/budget/lines", {"district": "a\x00b"}, 400, "district"),
    ("/api/v1/budget/aggregate", {"group_by": "fn1,colour"}, 400, "group_by"),
    ("/api/v1/datasets/no-such-dataset/rows", {}, 404, "dataset"),
    ("/api/v1/datasets/koeln-population/rows", {"filter": "{nope} > 1"}, 400, "filter"),
    ("/api/v1/cycles/99999999999", {}, 404, "not found"),
    ("/api/v2/anything", {}, 404, "no such API route"),
])
def test_errors_are_json_with_a_message(api, city, path, params, status, word):
    response = api.get(path, params=params)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error", "message"} and word in body["message"]


def test_only_public_participation_data(api, city, portal_db):
    cycles = api.get("/api/v1/cycles").json()["data"]
    ids = {c["id"] for c in cycles}
    assert city["published"] in ids and city["voting"] in ids and city["draft"] not in ids
    assert api.get(f"/api/v1/cycles/{city['draft']}").status_code == 404
    listing = api.get(f"/api/v1/cycles/{city['voting']}/proposals")
    assert listing.status_code == 200
    assert "My secret draft" not in listing.text and "author@example.org" not in listing.text
    assert "author" not in listing.json()["data"][0]
    with portal_db.session() as session:
        emails = [u.email for u in session.scalars(select(User))]
    published = f"/api/v1/cycles/{city['published']}"
    everything = "".join(api.get(p).text for p in (
        "/api/v1/cycles", f"{published}/proposals", f"{published}/results", f"{published}/delivery"))
    assert not [e for e in emails if e in everything]
    # no result (nor delivery, nor ballot file) while voting is open
    for tail in ("results", "delivery", "ballots.pb"):
        assert api.get(f"/api/v1/cycles/{city['voting']}/{tail}").status_code == 404


def test_results_delivery_and_the_ballot_file_of_a_published_cycle(api, city):
    result = api.get(f"/api/v1/cycles/{city['published']}/results").json()
    assert sorted(result["selected"]) == sorted(city["funded"])
    assert {p["id"] for p in result["projects"] if p["funded"]} == set(city["funded"])
    assert result["total_cost"] == 100_000
    delivery = api.get(f"/api/v1/cycles/{city['published']}/delivery").json()
    assert sorted(str(d["proposal_id"]) for d in delivery["data"]) == sorted(city["funded"])
    assert {d["budget_year"] for d in delivery["data"]} == {2032} and {d["status"] for d in delivery["data"]} == {
        "planned"}
    ballots = api.get(result["ballot_file"])
    assert ballots.status_code == 200
    assert hashlib.sha256(ballots.content).hexdigest() == ballots.headers["X-Content-SHA256"] == result[
        "ballot_file_sha256"]
    table = api.get(f"/api/v1/cycles/{city['published']}/results", params={"format": "csv"})
    assert table.headers["content-type"].startswith("text/csv") and "Park one" in table.text


def test_datasets_and_their_rows(api, city):
    listing = api.get("/api/v1/datasets", params={"limit": 100}).json()
    slugs = {d["slug"] for d in listing["data"]}
    assert "koeln-population" in slugs and listing["meta"]["total"] == len(slugs)
    rows = api.get("/api/v1/datasets/koeln-population/rows",
                   params={"filter": "{ebene} = stadtbezirk && {jahr} = 2012", "limit": 20}).json()
    assert rows["meta"]["total"] == 9
    # Köln's nine districts in 2012: the profile's population figures (from the same file) are the oracle
    from portal.city import load_city

    expected = load_city("koeln").population["districts"]
    assert {r["stadtbezirk_nr"]: r["einwohner"] for r in rows["data"]} == expected


def test_the_openapi_document_describes_exactly_the_api_routes(app, api):
    served = api.get("/api/openapi.json").json()
    assert served["paths"] == document()["paths"]
    rules = {r.rule for r in app.server.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    as_openapi = {rule.replace("<int:cycle_id>", "{cycle_id}").replace("<slug>", "{slug}") for rule in rules}
    assert as_openapi == set(served["paths"])
    for rule in app.server.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, rule  # read-only


def test_api_responses_may_be_used_from_any_site_and_are_cacheable(api, city):
    response = api.get("/api/v1/cycles")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    again = api.get("/api/v1/cycles", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_a_role_does_not_change_what_the_api_returns(api, city, portal_db):
    """The API is for the public: an officer's session cookie shows no drafts through it."""
    from tests.helpers import PASSWORD, make_user

    make_user(portal_db, "officer@example.org", Role.OFFICER)
    page = api.get("/login")
    token = api.cookies.get("_csrf_token")
    assert page.status_code == 200 and token
    api.post("/auth/login", data={"email": "officer@example.org", "password": PASSWORD, "csrf_token": token})
    assert city["draft"] not in {c["id"] for c in api.get("/api/v1/cycles").json()["data"]}

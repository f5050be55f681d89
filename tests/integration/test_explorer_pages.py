"""The budget explorer's callbacks and downloads over HTTP, on both databases; officers' imports.

Oracles: SQL sums over the stored lines (independent of the explorer's pandas aggregation) and the
population figures of SOURCES.md.
"""

import csv
import io

import pytest
from sqlalchemy import func, select

from portal.budget import importer
from portal.city import DATA, load_city
from portal.models import AuditEvent, BudgetLine, Role
from tests.helpers import csrf_token, login, make_user
from tests.integration.explorer_helpers import call, response, texts

KOELN = load_city("koeln")
DRILL = "budget-treemap.figure"
VIEW_2015 = {"year": 2015, "phase": "approved", "statement": "operating", "direction": "expenditure", "path": [],
             "measure": "total", "district": None}
CONTROLS = {"budget-year.value": 2015, "budget-phase.value": "approved", "budget-statement.value": "operating",
            "budget-direction.value": "expenditure", "budget-measure.value": "total", "budget-district.value": None}


@pytest.fixture
def koeln(portal_db):
    with portal_db.session() as session:
        importer.import_paths(session, KOELN, [DATA / f for f in KOELN.budget["files"]])
    return portal_db


def sql_total(db, **where) -> float:
    conditions = [getattr(BudgetLine, k) == v for k, v in where.items()]
    with db.session() as session:
        return float(session.scalar(select(func.sum(BudgetLine.amount)).where(BudgetLine.city == "koeln",
                                                                              *conditions)) or 0)


def click(client, token, view, suffix):
    return response(call(client, token, DRILL, {
        "budget-treemap.clickData": {"points": [{"customdata": [0, suffix]}]}, **CONTROLS,
        "budget-view.data": {"view": view}}, ["budget-treemap.clickData"]))


def test_drill_down_two_levels_and_back_up(koeln, client):
    token = csrf_token(client)
    out = click(client, token, VIEW_2015, "05")
    view = out["budget-view"]["data"]["view"]
    assert view["path"] == ["05"]
    assert "year=2015" in out["budget-view"]["data"]["query"] and "path=05" in out["budget-view"]["data"]["query"]
    assert "Soziale Hilfen" in texts(out["budget-crumbs"]["children"])
    trace = out["budget-treemap"]["figure"]["data"][0]
    expected = sql_total(koeln, fiscal_year=2015, phase="approved", statement="operating", direction="expenditure",
                         fn1_code="05")
    assert trace["customdata"][0][0] == pytest.approx(expected)
    # one level deeper: a Teilplan; below it come its NKF lines
    teilplan = next(c[1] for c in trace["customdata"][1:] if c[1] and "/" not in c[1])
    out = click(client, token, view, teilplan)
    deeper = out["budget-view"]["data"]["view"]
    assert deeper["path"] == ["05", teilplan]
    expected = sql_total(koeln, fiscal_year=2015, phase="approved", statement="operating", direction="expenditure",
                         fn2_code=teilplan)
    assert out["budget-treemap"]["figure"]["data"][0]["customdata"][0][0] == pytest.approx(expected)
    # the breadcrumb goes back to the top
    up = response(call(client, token, DRILL, {
        '{"depth":["ALL"],"type":"budget-crumb"}.n_clicks': [
            {"id": {"type": "budget-crumb", "depth": 0}, "property": "n_clicks", "value": 1}],
        **CONTROLS, "budget-view.data": {"view": deeper}}, ['{"depth":0,"type":"budget-crumb"}.n_clicks']))
    assert up["budget-view"]["data"]["view"]["path"] == []


def test_changing_the_year_keeps_the_path_and_fixes_the_phase(koeln, client):
    token = csrf_token(client)
    out = response(call(client, token, DRILL, {**CONTROLS, "budget-year.value": 2010,
                                               "budget-view.data": {"view": {**VIEW_2015, "path": ["05"]}}},
                        ["budget-year.value"]))
    view = out["budget-view"]["data"]["view"]
    assert (view["year"], view["phase"], view["path"]) == (2010, "executed", ["05"])
    assert out["budget-phase"]["value"] == "executed"
    expected = sql_total(koeln, fiscal_year=2010, phase="executed", statement="operating", direction="expenditure",
                         fn1_code="05")
    assert out["budget-treemap"]["figure"]["data"][0]["customdata"][0][0] == pytest.approx(expected)


def test_per_resident_view_divides_by_the_population(koeln, client):
    token = csrf_token(client)
    out = response(call(client, token, DRILL, {**CONTROLS, "budget-measure.value": "per_resident",
                                               "budget-view.data": {"view": VIEW_2015}}, ["budget-measure.value"]))
    total = sql_total(koeln, fiscal_year=2015, phase="approved", statement="operating", direction="expenditure")
    per_resident = out["budget-treemap"]["figure"]["data"][0]["customdata"][0][0]
    assert per_resident == pytest.approx(total / 1_044_555)  # residents 2012, the latest year with figures
    assert "2012" in texts(out["budget-headline"]["children"])


def test_district_map_values_are_the_district_lines(koeln, client):
    token = csrf_token(client)
    out = response(call(client, token, "budget-map.figure", {
        "budget-view.data": {"view": VIEW_2015, "query": ""}}, ["budget-view.data"]))
    figure = out["budget-map"]["figure"]
    shapes = [t for t in figure["data"] if t.get("fill") == "toself"]
    assert {t["meta"]["district"] for t in shapes} == set(KOELN.districts)
    centres = next(t for t in figure["data"] if t.get("name") == "districts")
    values = {c[0]: c[2] for c in centres["customdata"]}
    for district in ("1", "6", "9"):
        assert values[district] == pytest.approx(sql_total(
            koeln, fiscal_year=2015, phase="approved", statement="operating", direction="expenditure",
            district_code=district))


def test_clicking_a_district_selects_it_and_clicking_again_clears_it(client):
    token = csrf_token(client)
    clicked = {"points": [{"customdata": ["4", "Ehrenfeld", 1.0]}]}
    out = response(call(client, token, "budget-district.value", {"budget-map.clickData": clicked,
                                                                 "budget-district.value": None},
                        ["budget-map.clickData"]))
    assert out["budget-district"]["value"] == "4"
    out = response(call(client, token, "budget-district.value", {"budget-map.clickData": clicked,
                                                                 "budget-district.value": "4"},
                        ["budget-map.clickData"]))
    assert out["budget-district"]["value"] is None


def test_lines_table_is_paged_and_searchable(koeln, client):
    token = csrf_token(client)
    out = response(call(client, token, "budget-table.data", {
        "budget-view.data": {"view": {**VIEW_2015, "path": ["01"]}}, "budget-search.value": "personal",
        "budget-table.page_current": 0}, ["budget-search.value"]))
    rows = out["budget-table"]["data"]
    assert len(rows) == 15 and out["budget-table"]["page_count"] > 1
    assert all("personal" in (r["econ"] + r["classification"]).lower() for r in rows)
    assert "q=personal" in out["budget-download"]["href"] and "path=01" in out["budget-download"]["href"]


def test_csv_download_of_a_view_sums_to_the_view(koeln, client):
    response = client.get("/budget/lines.csv?year=2015&phase=approved&path=05&district=1")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset, not two
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["district_code"] for r in rows} == {"1"} and {r["fn1_code"] for r in rows} == {"05"}
    expected = sql_total(koeln, fiscal_year=2015, phase="approved", statement="operating", direction="expenditure",
                         fn1_code="05", district_code="1")
    assert sum(float(r["amount"]) for r in rows) == pytest.approx(expected)


def test_datapackage_descriptor_route(client):
    descriptor = client.get("/budget/datapackage.json").get_json()
    assert descriptor["resources"][0]["path"] == "budget.csv" and descriptor["model"]["measures"]


def test_budget_page_layout_reads_its_state_from_the_address(koeln, client):
    from tests.integration.explorer_helpers import dependency

    token = csrf_token(client)
    router = dependency(client, "_pages_content")
    body_values = {"_pages_location.pathname": "/budget",
                   "_pages_location.search": "?year=2013&path=05&district=3&measure=per_resident"}
    out = response(call(client, token, "_pages_content", body_values))
    assert router
    store = out["_pages_content"]["children"]["props"]["children"][0]["props"]["data"]
    assert store["view"] == {"year": 2013, "phase": "approved", "statement": "operating", "direction": "expenditure",
                             "path": ["05"], "measure": "per_resident", "district": "3", "participatory": False}


# Officers' imports -------------------------------------------------------------------------------------

def upload_value(data: bytes) -> str:
    import base64

    return "data:text/csv;base64," + base64.b64encode(data).decode()


NEW_2016 = (b"fiscal_year,phase,direction,fn1_code,fn1_name,amount\n"
            b"2016,approved,expenditure,05,Soziale Hilfen,1234.5\n")


def test_officer_previews_then_confirms_an_import(app, client, portal_db):
    make_user(portal_db, "officer@example.org", Role.OFFICER)
    login(client, "officer@example.org")
    files = {"bi-files.contents": [upload_value(NEW_2016)], "bi-files.filename": ["2016.csv"],
             "bi-mapping.value": ""}
    out = response(call(client, None, "bi-result.children", {"bi-check.n_clicks": 1, **files}, ["bi-check.n_clicks"]))
    sha = out["bi-sha"]["data"]
    assert sha and "1,234.50" in texts(out["bi-result"]["children"])
    with portal_db.session() as session:
        assert session.scalar(select(func.count()).select_from(BudgetLine)) == 0  # a preview writes nothing
    tampered = {**files, "bi-files.contents": [upload_value(NEW_2016.replace(b"1234.5", b"9999"))]}
    out = response(call(client, None, "bi-done.children", {"bi-confirm.n_clicks": 1, **tampered, "bi-sha.data": sha},
                        ["bi-confirm.n_clicks"]))
    assert "Nothing was imported" in texts(out["bi-done"]["children"])
    out = response(call(client, None, "bi-done.children", {"bi-confirm.n_clicks": 1, **files, "bi-sha.data": sha},
                        ["bi-confirm.n_clicks"]))
    assert "Imported 1 budget lines" in texts(out["bi-done"]["children"])
    with portal_db.session() as session:
        assert float(session.scalar(select(func.sum(BudgetLine.amount)))) == 1234.5
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "budget.import")).one()
        assert event.actor_email == "officer@example.org"


def test_a_citizen_cannot_import_even_with_a_forged_request(app, client, portal_db):
    make_user(portal_db, "citizen@example.org", Role.CITIZEN)
    login(client, "citizen@example.org")
    files = {"bi-files.contents": [upload_value(NEW_2016)], "bi-files.filename": ["2016.csv"],
             "bi-mapping.value": "", "bi-sha.data": importer.fingerprint([("2016.csv", NEW_2016)], None)}
    resp = call(client, None, "bi-done.children", {"bi-confirm.n_clicks": 1, **files}, ["bi-confirm.n_clicks"])
    assert resp.status_code == 403
    with portal_db.session() as session:
        assert session.scalar(select(func.count()).select_from(BudgetLine)) == 0


def test_budget_page_without_a_budget_says_so(client):
    token = csrf_token(client)
    out = response(call(client, token, "_pages_content", {"_pages_location.pathname": "/budget",
                                                          "_pages_location.search": "?year=2015"}))
    assert "No budget has been imported yet" in texts(out["_pages_content"]["children"])
    resp = call(client, token, DRILL, {**CONTROLS, "budget-view.data": {"view": VIEW_2015}}, ["budget-year.value"])
    assert resp.status_code == 204  # PreventUpdate: nothing to draw, no error

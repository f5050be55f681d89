"""Another city is a configuration: the Manchester profile, its wards and its (illustrative) budget file."""

import csv
import json

import pytest

from portal.city import DATA
from tests.conftest import make_config
from tests.helpers import csrf_token
from tests.integration.explorer_helpers import call, response, texts

BUDGET = DATA / "manchester" / "budget" / "manchester_budget_illustrative.csv"


@pytest.fixture
def manchester(fresh_database_url, tmp_path):
    from portal import create_app

    app = create_app(make_config(fresh_database_url, tmp_path, city="manchester", seed_demo=True))
    yield app
    app.server.extensions["portal_db"].dispose()


def file_total(**where):
    with BUDGET.open(encoding="utf-8") as fh:
        return round(sum(float(r["amount"]) for r in csv.DictReader(fh)
                         if all(r[k] == str(v) for k, v in where.items())), 2)


def test_the_shipped_budget_is_imported_and_summarised(manchester):
    runner = manchester.server.test_cli_runner()
    summary = json.loads(runner.invoke(args=["budget", "summary", "--year", "2023", "--phase", "executed"]).output)
    assert summary["operating"]["expenditure"] == pytest.approx(
        file_total(fiscal_year=2023, phase="executed", statement="operating", direction="expenditure"))
    assert summary["capital"]["revenue"] == pytest.approx(
        file_total(fiscal_year=2023, phase="executed", statement="capital", direction="revenue"))
    assert len(summary["districts"]) == 32  # the ward investment fund is spent in every ward


def test_the_same_pages_work_and_the_map_shows_the_32_wards(manchester):
    client = manchester.server.test_client()
    token = csrf_token(client)
    page = response(call(client, token, "_pages_content", {"_pages_location.pathname": "/budget",
                                                           "_pages_location.search": "?year=2023&phase=executed"}))
    text = texts(page["_pages_content"]["children"])
    assert "The budget of Manchester" in text and "By Ward" in text
    view = {"year": 2023, "phase": "executed", "statement": "operating", "direction": "expenditure", "path": [],
            "measure": "total", "district": None}
    out = response(call(client, token, "budget-map.figure", {"budget-view.data": {"view": view}},
                        ["budget-view.data"]))
    shapes = [t for t in out["budget-map"]["figure"]["data"] if t.get("fill") == "toself"]
    assert len({t["meta"]["district"] for t in shapes}) == 32
    # drill into Neighbourhoods, whose waste branch is one level deeper than the others (ragged)
    controls = {"budget-year.value": 2023, "budget-phase.value": "executed", "budget-statement.value": "operating",
                "budget-direction.value": "expenditure", "budget-measure.value": "total",
                "budget-district.value": None}
    out = response(call(client, token, "budget-treemap.figure", {
        "budget-treemap.clickData": {"points": [{"customdata": [0, "03"]}]}, **controls,
        "budget-view.data": {"view": view}}, ["budget-treemap.clickData"]))
    trace = out["budget-treemap"]["figure"]["data"][0]
    assert trace["customdata"][0][0] == pytest.approx(file_total(
        fiscal_year=2023, phase="executed", statement="operating", direction="expenditure", fn1_code="03"))
    assert "0301/030101" in trace["ids"]  # waste: collection, one level deeper
    assert "0302/EMP" in trace["ids"]  # parks: its economic lines directly


def test_footer_carries_the_crown_copyright_line_and_the_illustrative_label(manchester):
    layout = texts(manchester.server.test_client().get("/_dash-layout").get_json())
    assert "Contains National Statistics and OS data © Crown copyright and database right 2023" in layout
    assert "ILLUSTRATIVE" in layout


def test_per_resident_is_city_wide_only(manchester):
    client = manchester.server.test_client()
    token = csrf_token(client)
    view = {"year": 2024, "phase": "approved", "statement": "operating", "direction": "expenditure", "path": [],
            "measure": "per_resident", "district": None}
    out = response(call(client, token, "budget-map.figure", {"budget-view.data": {"view": view}},
                        ["budget-view.data"]))
    assert "There are no population figures per Ward" in texts(out["budget-map-caption"]["children"])
    catalogue = response(call(client, token, "_pages_content", {"_pages_location.pathname": "/data",
                                                                "_pages_location.search": ""}))
    text = texts(catalogue["_pages_content"]["children"])
    assert "Green Flag" in text and "Köln" not in text

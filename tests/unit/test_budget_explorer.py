"""The explorer's view state and aggregates on a small hand-made budget (sums worked out by hand)."""

from urllib.parse import parse_qs

import pandas as pd
import pytest

from portal.budget import explorer, presenter
from portal.budget.explorer import OTHER, UNCLASSIFIED, View, parse_view

DISTRICTS = {"1": "North", "2": "South"}
# year, phase, direction, fn1, fn2, fn3, econ, district, euros
LINES = [
    (2024, "approved", "expenditure", "A", "A1", "", "E1", "", 100),
    (2024, "approved", "expenditure", "A", "A1", "", "E2", "1", 50),
    (2024, "approved", "expenditure", "A", "A2", "", "E1", "2", 30),
    (2024, "approved", "expenditure", "B", "B1", "B11", "E1", "", 200),
    (2024, "approved", "expenditure", "B", "B1", "", "E2", "", 20),  # ends at B1 while B11 goes deeper
    (2024, "approved", "expenditure", "C", "", "", "E1", "1", -5),  # a correction
    (2024, "approved", "revenue", "A", "A1", "", "R1", "", 80),
    (2024, "executed", "expenditure", "A", "A1", "", "E1", "", 90),
    (2023, "approved", "expenditure", "A", "A1", "", "E1", "", 95),
]


def data() -> explorer.BudgetData:
    rows = []
    for i, (year, phase, direction, f1, f2, f3, econ, district, euros) in enumerate(LINES):
        rows.append({"id": i, "fiscal_year": year, "phase": phase, "statement": "operating", "direction": direction,
                     "fn1_code": f1, "fn1_name": f"Area {f1}", "fn2_code": f2,
                     "fn2_name": f"Service {f2}" if f2 else "",
                     "fn3_code": f3, "fn3_name": f3, "fn4_code": "", "fn4_name": "", "econ_code": econ,
                     "econ_name": f"Type {econ}", "admin_code": "", "admin_name": "", "district_code": district,
                     "district_name": DISTRICTS.get(district, ""), "currency": "EUR", "source": "test.csv",
                     "cents": euros * 100})
    return explorer.build(pd.DataFrame(rows))


def view(**kw) -> View:
    d = data()
    return parse_view({k: "/".join(v) if k == "path" else v for k, v in kw.items()}, available=d.available,
                      districts=DISTRICTS)


def test_default_view_is_the_latest_plan():
    assert view() == View(year=2024, phase="approved", statement="operating", direction="expenditure", path=(),
                          measure="total", district=None)


@pytest.mark.parametrize("query", [
    {"year": "1899"}, {"year": "abc"}, {"phase": "guessed"}, {"measure": "per_cat"}, {"district": "99"},
    {"statement": "x"}, {"year": ["2024", "2023"]},
])
def test_untrusted_query_values_fall_back_to_defaults(query):
    d = data()
    got = parse_view(query, available=d.available, districts=DISTRICTS)
    assert got.year in (2023, 2024) and got.phase in ("approved", "executed")
    assert got.measure in ("total", "per_resident") and got.district in (None, "1", "2")
    assert got.statement == "operating"


def test_paths_are_codes_only():
    d = data()
    assert parse_view({"path": "A/\x00B"}, available=d.available).path == ()
    assert parse_view({"path": "/".join(["A"] * 9)}, available=d.available).path == ("A",) * 4
    # a path of unknown codes is an empty view, not an error
    odd = parse_view({"path": "A/../../etc"}, available=d.available)
    assert explorer.drilldown(d, odd).total == 0 and explorer.drilldown(d, odd).nodes == []


def test_view_round_trips_through_the_query_string():
    original = View(year=2023, phase="approved", statement="operating", direction="revenue", path=("A", "A1"),
                    measure="per_resident", district="2")
    query = {k: v[0] for k, v in parse_qs(original.query()).items()}
    assert parse_view(query, available=data().available, districts=DISTRICTS) == original


def test_phase_falls_back_when_the_year_has_no_actuals():
    assert view(year="2023", phase="executed").phase == "approved"
    assert view(year="2024", phase="executed").phase == "executed"


def test_children_and_grandchildren_by_hand():
    result = explorer.drilldown(data(), view())
    kids = {n.code: n.cents for n in result.nodes if n.depth == 1}
    assert kids == {"A": 18000, "B": 22000, "C": -500}
    assert result.total == 39500
    grand = {n.id: n.cents for n in result.nodes if n.depth == 2}
    # C has no level 2 at all: below it come its economic lines
    assert grand == {"A/A1": 15000, "A/A2": 3000, "B/B1": 22000, "C/E1": -500}
    assert {n.code for n in result.nodes if n.clickable} == {"A", "B", "C"}


def test_ragged_node_shows_its_own_lines_as_unclassified_child():
    result = explorer.drilldown(data(), view(path=("B", "B1")))
    assert {n.code: n.cents for n in result.nodes if n.depth == 1} == {"B11": 20000, UNCLASSIFIED: 2000}
    leaf = explorer.drilldown(data(), view(path=("A", "A1")))
    assert leaf.level_kind == "economic"
    assert {n.code: n.cents for n in leaf.nodes} == {"E1": 10000, "E2": 5000}
    assert [label for label, _ in leaf.crumbs] == ["", "Area A", "Service A1"]


def test_district_filter_and_district_totals():
    d = data()
    north = explorer.drilldown(d, view(district="1"))
    assert {n.code: n.cents for n in north.nodes if n.depth == 1} == {"A": 5000, "C": -500}
    per_district, city_wide = explorer.by_district(d, view())
    assert dict(zip(per_district["district_code"], per_district["cents"], strict=True)) == {"1": 4500, "2": 3000}
    assert city_wide == 39500 - 7500


def test_over_years_and_plan_vs_actual():
    d = data()
    years = explorer.over_years(d, view(path=("A",)))
    assert {(r.fiscal_year, r.phase): r.cents for r in years.itertuples()} == {
        (2023, "approved"): 9500, (2024, "approved"): 18000, (2024, "executed"): 9000}
    compare = explorer.compare_phases(d, view(path=("A",)))
    assert {(r.phase, r.code): r.cents for r in compare.itertuples()} == {
        ("approved", "A1"): 15000, ("approved", "A2"): 3000, ("executed", "A1"): 9000}


def test_lines_table_search_and_pages():
    d = data()
    rows, pages = explorer.lines_page(d, view(), "service b1", 0, 10)
    assert pages == 1 and sorted(r["amount"] for r in rows) == [20.0, 200.0]
    rows, pages = explorer.lines_page(d, view(), None, 1, 2)
    assert pages == 3 and [r["amount"] for r in rows] == [50.0, 30.0]  # largest first: 200, 100 | 50, 30 | 20, -5
    exported = explorer.lines_export(d, view(path=("A",)))
    assert sorted(exported["amount"]) == ["100.00", "30.00", "50.00"]


def test_many_children_are_capped_with_an_other_node():
    rows = [{"id": i, "fiscal_year": 2024, "phase": "approved", "statement": "operating", "direction": "expenditure",
             "fn1_code": f"{i:03d}", "fn1_name": "", "fn2_code": "", "fn2_name": "", "fn3_code": "", "fn3_name": "",
             "fn4_code": "", "fn4_name": "", "econ_code": "E", "econ_name": "", "admin_code": "", "admin_name": "",
             "district_code": "", "district_name": "", "currency": "EUR", "source": "", "cents": 1000 + i}
            for i in range(100)]
    d = explorer.build(pd.DataFrame(rows))
    result = explorer.drilldown(d, parse_view({}, available=d.available))
    kids = [n for n in result.nodes if n.depth == 1]
    assert len(kids) == explorer.MAX_CHILDREN and kids[-1].code == OTHER
    assert sum(n.cents for n in kids) == sum(r["cents"] for r in rows)


def test_navigation_from_clicks_and_controls():
    d, v = data(), view()
    go = {"available": d.available, "districts": DISTRICTS}
    down = presenter.navigate(v, trigger="treemap", value="B", **go)
    assert down.path == ("B",)
    deeper = presenter.navigate(down, trigger="treemap", value="B1", **go)
    assert deeper.path == ("B", "B1")
    assert presenter.navigate(deeper, trigger="crumb", value=1, **go).path == ("B",)
    assert presenter.navigate(deeper, trigger="crumb", value="x", **go) == deeper
    other_year = presenter.navigate(deeper, trigger="year", value=2023, **go)
    assert other_year.path == ("B", "B1") and other_year.year == 2023
    revenue = presenter.navigate(deeper, trigger="direction", value="revenue", **go)
    assert revenue.path == () and revenue.direction == "revenue"
    assert presenter.navigate(v, trigger="district", value="2", **go).district == "2"
    assert presenter.navigate(v, trigger="district", value=None, **go).district is None
    assert presenter.navigate(v, trigger="treemap", value="", **go) == v

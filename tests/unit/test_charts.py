"""Figures are valid plotly figures, faithful to the numbers, and the maps need no network."""

import json

import pandas as pd
import plotly.graph_objects as go
import pytest

from portal.budget import explorer
from portal.charts import budget as budget_charts
from portal.charts import datasets as dataset_charts
from portal.charts import maps
from portal.city import DATA, load_city
from portal.datasets import query
from portal.geo import boundaries, district_of_points
from tests.unit.test_budget_explorer import data, view

COLOURS = {"primary": "#b3001b", "secondary": "#1f3a60"}
NETWORK_TRACES = {"choropleth", "scattergeo", "choroplethmap", "choroplethmapbox", "scattermap", "scattermapbox",
                  "densitymap", "densitymapbox"}


def valid(figure: dict) -> go.Figure:
    """plotly's own validation of every attribute (raises on anything unknown)."""
    return go.Figure(figure)


def test_treemap_values_are_consistent_and_labels_exact():
    result = explorer.drilldown(data(), view())
    figure = budget_charts.treemap(result, currency="EUR", colours=COLOURS)
    valid(figure)
    trace = figure["data"][0]
    value = dict(zip(trace["ids"], trace["values"], strict=True))
    parent = dict(zip(trace["ids"], trace["parents"], strict=True))
    # "total" branch values: every parent at least the sum of its children; negative boxes clipped at 0
    for node in trace["ids"]:
        kids = [k for k, p in parent.items() if p == node]
        if kids:
            assert value[node] >= sum(value[k] for k in kids) - 1e-9
    assert value["__root__"] == 180.0 + 220.0 + 0.0
    exact = dict(zip(trace["ids"], [c[0] for c in trace["customdata"]], strict=True))
    assert exact["C"] == -5.0 and exact["__root__"] == 395.0
    drill_to = dict(zip(trace["ids"], [c[1] for c in trace["customdata"]], strict=True))
    assert drill_to["A"] == "A" and drill_to["A/A1"] == "A"


def test_treemap_per_resident_divides():
    result = explorer.drilldown(data(), view())
    figure = budget_charts.treemap(result, currency="EUR", colours=COLOURS, divisor=10)
    assert figure["data"][0]["customdata"][0][0] == pytest.approx(39.5)
    assert "per resident" in figure["data"][0]["texttemplate"]


def test_years_and_compare_figures_are_valid():
    d = data()
    valid(budget_charts.over_years(explorer.over_years(d, view()), currency="EUR", colours=COLOURS))
    compare = budget_charts.compare_phases(explorer.compare_phases(d, view(path=("A",))), currency="EUR",
                                           colours=COLOURS)
    valid(compare)
    assert {t["name"] for t in compare["data"]} == {"Plan", "Actual"}


@pytest.mark.parametrize(("city", "count"), [("koeln", 9), ("manchester", 32)])
def test_district_map_draws_every_district_without_tiles(city, count):
    profile = load_city(city)
    bounds = boundaries(profile)
    assert len(bounds.districts) == count
    assert {d.code for d in bounds.districts} == set(profile.districts)
    values = {code: float(i) for i, code in enumerate(profile.districts)}
    figure = maps.choropleth(bounds, values, colour="#b3001b", selected=next(iter(profile.districts)))
    valid(figure)
    centres = [t for t in figure["data"] if t.get("name") == "districts"][0]
    assert sorted(c[0] for c in centres["customdata"]) == sorted(profile.districts)
    assert {t["type"] for t in figure["data"]} == {"scatter"}
    serialised = json.dumps(figure)
    assert not NETWORK_TRACES & {t["type"] for t in figure["data"]}
    assert "http" not in serialised and "geo" not in figure["layout"] and "map" not in figure["layout"]


def test_point_in_polygon_agrees_with_the_stop_list():
    """The KVB's own list says in which Stadtbezirk each of its 190 stops is: our shapes must agree."""
    koeln = load_city("koeln")
    stops = pd.read_csv(DATA / "opendata/koeln-kvb-stops/kvb_stadtbahn_haltestellen.csv", dtype=str)
    codes = district_of_points(koeln, stops["lon"].astype(float), stops["lat"].astype(float))
    agree = (codes == stops["stadtbezirk_nr"].to_numpy()).mean()
    assert agree >= 0.99, agree
    assert list(district_of_points(koeln, [8.0], [52.0])) == [""]  # far outside the city


def test_dataset_chart_with_a_time_axis_has_range_selection():
    frame = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=800, freq="D"), "count": range(800)})
    frame.attrs["types"] = {"date": "date", "count": "integer"}
    chart = query.chart_data(frame, query.ChartRequest(kind="line", x="date", y="count", agg="sum"))
    figure = dataset_charts.dataset_chart(chart)
    valid(figure)
    assert figure["layout"]["xaxis"]["rangeslider"]["visible"] is True
    assert chart.request.bucket == "week" and len(chart.frame) < 800

"""Open data: the shipped catalogue, column types, filters, and server-side aggregation."""

import json

import numpy as np
import pandas as pd
import pytest

from portal.budget import population
from portal.budget.report import ImportReport
from portal.city import DATA, load_city
from portal.datasets import catalogue, frames, presenter, query
from portal.datasets.query import ChartRequest, QueryError, apply_filter, chart_data, parse_filter

KOELN = load_city("koeln")
MANCHESTER = load_city("manchester")


@pytest.mark.parametrize("city", ["koeln", "manchester"])
def test_every_shipped_dataset_has_its_file_licence_and_source(city):
    items = catalogue.shipped(city)
    assert items
    for info in items:
        assert (DATA / info.file).is_file(), info.file
        assert info.licence and info.source and info.attribution and info.updated
        frame = frames.load(None, info)
        assert len(frame) > 0
        for spec in (info.time, info.district):
            if spec:
                assert spec["column"] in frame.columns, (info.slug, spec)
        if info.coordinates:
            assert {info.coordinates["lat"], info.coordinates["lon"]} <= set(frame.columns)
        state = presenter.chart_state(info, frame, None)
        assert state.x in frame.columns


def test_the_issue_s_themes_ship_and_what_may_not_be_shipped_does_not():
    slugs = {d.slug for d in catalogue.shipped("koeln")}
    assert {"koeln-population", "koeln-bike-counters", "koeln-air-quality", "koeln-tram-stops",
            "koeln-election-2013-districts"} <= slugs
    shipped_files = {p.name for p in (DATA / "opendata").rglob("*.csv")}
    # vague licence (UBA), compiled from sources with other terms (AED), unconfirmed sub-licence (road casualties)
    assert not {"uba_koeln_2014-01_bis_03.csv", "aed_koeln.csv", "manchester_road_casualties_2019-2024H1.csv"} \
        & shipped_files
    manifest = json.loads((DATA / "opendata" / "koeln.json").read_text())
    assert all(d["file"].startswith("opendata/") for d in manifest["datasets"])


def test_population_per_district_feeds_the_per_resident_views():
    figures = population.for_year(None, KOELN, 2012)
    # SOURCES.md: 2012 = 1,044,555 residents; Chorweiler 80,895, Mülheim 146,182
    assert figures.year == 2012 and figures.total == 1_044_555
    assert figures.districts["6"] == 80_895 and figures.districts["9"] == 146_182
    assert population.for_year(None, KOELN, 2010).total == 1_027_504
    # 2015 has no figures: the nearest earlier year is used
    assert population.for_year(None, KOELN, 2015).year == 2012
    manchester = population.for_year(None, MANCHESTER, 2024)
    assert manchester.total == 541_263 and manchester.districts == {}


def test_column_types_are_inferred_and_codes_stay_text():
    report = ImportReport()
    data = b"code;amount;when;name;count\n001;1.234,50;31.12.2012;A;3\n010;-2,5;31.12.2013;B;4\n"
    frame = frames.read_typed(data, "t.csv", report)
    assert frames.column_types(frame) == {"code": "string", "amount": "number", "when": "date", "name": "string",
                                          "count": "integer"}
    assert frame["amount"].tolist() == [1234.5, -2.5]
    assert frame["when"].dt.year.tolist() == [2012, 2013]


def test_bad_values_in_a_typed_column_are_reported():
    report = ImportReport()
    data = b"d,v\n2020-01-01,1\n2020-01-02,2\n" + b"".join(b"2020-02-%02d,%d\n" % (i, i) for i in range(1, 28))
    data += b"not a date,3\n"
    frame = frames.read_typed(data, "t.csv", report, overrides={"d": {"type": "date"}})
    assert frame["d"].isna().sum() == 1
    warning = report.warnings[0]
    assert warning.column == "d" and warning.values == ["not a date"] and warning.rows == [31]


def sample():
    frame = pd.DataFrame({
        "district": ["1", "1", "2", "3", "3", "3"],
        "kind": ["school", "park", "school", "park", "park", "school"],
        "value": [10.0, 20.0, 30.0, 40.0, 50.0, np.nan],
        "day": pd.to_datetime(["2020-01-01", "2020-01-15", "2020-02-01", "2021-01-01", "2021-06-01", "2022-01-01"]),
    })
    frame.attrs["types"] = {"district": "string", "kind": "string", "value": "number", "day": "date"}
    for col in ("district", "kind"):
        frame[col] = frame[col].astype("category")
    return frame


@pytest.mark.parametrize(("expression", "rows"), [
    ("{value} > 20", [2, 3, 4]),
    ("{value} ge 20 && {kind} = park", [1, 3, 4]),
    ("{kind} contains SCH", [0, 2, 5]),
    ('{kind} != "park"', [0, 2, 5]),
    ("{day} datestartswith 2021", [3, 4]),
    ("{day} < 2020-02-01", [0, 1]),
    ("{value} is blank", [5]),
])
def test_filters(expression, rows):
    assert apply_filter(sample(), expression).index.tolist() == rows


@pytest.mark.parametrize("bad", ["{nope} > 1", "{value} > abc", "value > 1", "{value} ~ 3", "__import__('os')"])
def test_bad_filters_are_a_clear_error(bad):
    with pytest.raises(QueryError):
        apply_filter(sample(), bad)


def test_filter_parser_reads_the_table_syntax():
    assert parse_filter('{a} s= "x y" && {b} i< 5') == [("a", "=", "x y"), ("b", "<", "5")]


def test_chart_aggregates_by_hand():
    chart = chart_data(sample(), ChartRequest(kind="bar", x="district", y="value", agg="sum", colour="kind"))
    got = {(r.x, r.colour): r.y for r in chart.frame.itertuples()}
    assert got == {("1", "school"): 10.0, ("1", "park"): 20.0, ("2", "school"): 30.0, ("3", "park"): 90.0,
                   ("3", "school"): 0.0}
    count = chart_data(sample(), ChartRequest(kind="bar", x="kind", agg="count"))
    assert dict(zip(count.frame["x"], count.frame["y"], strict=True)) == {"school": 3, "park": 3}
    mean = chart_data(sample(), ChartRequest(kind="line", x="day", y="value", agg="mean", bucket="year"))
    assert mean.frame["y"].tolist() == [20.0, 45.0]  # 2020: (10+20+30)/3, 2021: (40+50)/2, 2022: no value


def test_a_million_rows_reach_the_browser_only_as_an_aggregate_or_a_page():
    n = 1_000_000
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"station": pd.Categorical(rng.integers(0, 500, n).astype(str)),
                          "day": pd.Timestamp("2000-01-01") + pd.to_timedelta(rng.integers(0, 9000, n), unit="D"),
                          "count": rng.integers(0, 100, n).astype(float)})
    frame.attrs["types"] = {"station": "string", "day": "date", "count": "number"}
    bars = chart_data(frame, ChartRequest(kind="bar", x="station", y="count", agg="sum"))
    assert len(bars.frame) == query.MAX_GROUPS and bars.note
    lines = chart_data(frame, ChartRequest(kind="line", x="day", y="count", agg="sum", colour="station"))
    assert lines.frame["colour"].nunique() == query.MAX_SERIES and len(lines.frame) < 12 * 400
    assert abs(lines.frame["y"].sum() - frame["count"].sum()) < 1e-6  # nothing lost in the aggregate
    points = chart_data(frame, ChartRequest(kind="scatter", x="day", y="count", agg="sum"))
    assert len(points.frame) == query.MAX_POINTS
    rows, pages = query.page(apply_filter(frame, "{count} >= 50"), 3, 20)
    assert len(rows) == 20 and pages > 10_000
    assert set(rows[0]) == {"station", "day", "count"} and isinstance(rows[0]["day"], str)


def test_chart_requests_are_checked():
    with pytest.raises(QueryError):
        chart_data(sample(), ChartRequest(kind="pie", x="kind", y="value"))
    with pytest.raises(QueryError):
        chart_data(sample(), ChartRequest(kind="bar", x="kind", y="kind", agg="sum"))
    with pytest.raises(QueryError):
        chart_data(sample(), ChartRequest(kind="bar", x="nope", y="value"))


def test_chart_state_from_the_address_falls_back_safely():
    info = next(d for d in catalogue.shipped("koeln") if d.slug == "koeln-bike-counters")
    frame = frames.load(None, info)
    state = presenter.chart_state(info, frame, {"type": "evil", "x": "nope", "y": "station", "agg": "x",
                                                "filter": "{count} >"})
    assert state.kind == "bar" and state.x == "date" and state.y == "count" and state.agg == "sum"
    assert state.filter == ""
    default = presenter.chart_state(info, frame, None)
    assert (default.kind, default.x, default.y, default.colour) == ("line", "date", "count", "station")

"""Open-data pages over HTTP on both databases: table, chart, download; officers' uploads with versions."""

import base64
import csv
import io

from sqlalchemy import select

from portal.models import AuditEvent, Dataset, DatasetFile, Role
from tests.helpers import csrf_token, login, make_user
from tests.integration.explorer_helpers import call, response, texts


def test_catalogue_lists_the_shipped_datasets_with_licence_and_source(client):
    token = csrf_token(client)
    out = response(call(client, token, "_pages_content", {"_pages_location.pathname": "/data",
                                                          "_pages_location.search": ""}))
    text = texts(out["_pages_content"]["children"])
    assert "Bicycle counters" in text and "CC-BY, Stadt Köln" in text and "38,580" in text
    assert "EEA standard re-use policy" in text


def test_table_pages_and_filters_on_the_server(client):
    token = csrf_token(client)
    values = {"ds-table.filter_query": "{station} contains Venloer && {count} > 5000", "ds-table.page_current": 0,
              "ds-table.sort_by": [{"column_id": "count", "direction": "desc"}], "ds-slug.data": "koeln-bike-counters"}
    out = response(call(client, token, "ds-table.data", values, ["ds-table.filter_query"]))
    rows = out["ds-table"]["data"]
    assert 0 < len(rows) <= 20 and out["ds-table"]["page_count"] >= 1
    assert all(r["station"] == "Venloer Straße" and r["count"] > 5000 for r in rows)
    assert [r["count"] for r in rows] == sorted((r["count"] for r in rows), reverse=True)
    # the same rows, counted independently from the shipped file
    from portal.city import DATA

    with (DATA / "opendata/koeln-bike-counters/fahrradzaehlstellen_koeln_taeglich.csv").open(encoding="utf-8") as fh:
        expected = sum(1 for r in csv.DictReader(fh) if "Venloer" in r["station"] and int(r["count"]) > 5000)
    assert f"{expected:,}" in texts(out["ds-rows"]["children"])
    bad = response(call(client, token, "ds-table.data", {**values, "ds-table.filter_query": "{nope} > 1"},
                        ["ds-table.filter_query"]))
    assert bad["ds-table"]["data"] == [] and "nope" in bad["ds-filter-error"]["children"]


def test_chart_builder_aggregates_on_the_server_and_keeps_its_state(client):
    token = csrf_token(client)
    values = {"ds-type.value": "bar", "ds-x.value": "stadtbezirk", "ds-y.value": "__count__", "ds-agg.value": "count",
              "ds-colour.value": None, "ds-bucket.value": None, "ds-table.filter_query": "",
              "ds-slug.data": "koeln-tram-stops"}
    out = response(call(client, token, "ds-chart.figure", values, ["ds-x.value"]))
    bars = out["ds-chart"]["figure"]["data"][0]
    counts = dict(zip(bars["x"], bars["y"], strict=True))
    # SOURCES.md: stops per Bezirk: Innenstadt 41, Lindenthal 34, ... Chorweiler 4
    assert counts["Innenstadt"] == 41 and counts["Lindenthal"] == 34 and counts["Chorweiler"] == 4
    assert "x=stadtbezirk" in out["ds-state"]["data"]["query"]
    map_figure = out["ds-map"]["figure"]
    assert sum(len(t["x"]) for t in map_figure["data"] if t.get("name") == "points") == 190


def test_time_series_chart_has_a_time_axis(client):
    token = csrf_token(client)
    values = {"ds-type.value": "line", "ds-x.value": "date", "ds-y.value": "count", "ds-agg.value": "sum",
              "ds-colour.value": "station", "ds-bucket.value": "year", "ds-table.filter_query": "",
              "ds-slug.data": "koeln-bike-counters"}
    out = response(call(client, token, "ds-chart.figure", values, ["ds-bucket.value"]))
    figure = out["ds-chart"]["figure"]
    assert figure["layout"]["xaxis"]["type"] == "date" and figure["layout"]["xaxis"]["rangeslider"]["visible"]
    assert sum(len(t["x"]) for t in figure["data"]) <= 13 * 11  # 13 stations x 11 years at most


def test_dataset_download_is_filtered_like_the_table(client):
    response_ = client.get("/data/koeln-population.csv?filter=%7Bebene%7D%20%3D%20stadtbezirk%20%26%26%20%7Bjahr%7D"
                           "%20%3D%202012")
    assert response_.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response_.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 9 and sum(int(r["einwohner"]) for r in rows) == 1_044_555
    assert client.get("/data/no-such-dataset.csv").status_code == 404
    assert client.get("/data/koeln-population.csv?filter=%7Bx%7D").status_code == 400


def upload(data: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(data).decode()


CSV_V1 = "Stadtbezirk;Bänke;Stand\nInnenstadt;1.204;31.12.2023\nPorz;310;31.12.2023\n".encode("latin-1")
CSV_V2 = "Stadtbezirk;Bänke;Stand\nInnenstadt;1.250;31.12.2024\nPorz;330;31.12.2024\nKalk;120;31.12.2024\n".encode(
    "latin-1")


def fields(data, name="Park benches"):
    return {"dsu-file.contents": upload(data), "dsu-file.filename": "baenke.csv", "dsu-name.value": name,
            "dsu-slug.value": "", "dsu-description.value": "Benches per district", "dsu-licence.value": "CC-BY 4.0",
            "dsu-source.value": "Amt für Grünflächen"}


def test_officer_uploads_checks_and_publishes_versions(app, client, portal_db):
    make_user(portal_db, "officer@example.org", Role.OFFICER)
    login(client, "officer@example.org")
    out = response(call(client, None, "dsu-result.children", {"dsu-check.n_clicks": 1, **fields(CSV_V1)},
                        ["dsu-check.n_clicks"]))
    sha = out["dsu-sha"]["data"]
    summary = texts(out["dsu-result"]["children"])
    assert "2 rows" in summary and "Bänke (integer)" in summary and "Stand (date)" in summary
    with portal_db.session() as session:
        assert session.scalar(select(Dataset)) is None  # checking publishes nothing
    out = response(call(client, None, "dsu-done.children", {"dsu-confirm.n_clicks": 1, **fields(CSV_V1),
                                                            "dsu-sha.data": sha}, ["dsu-confirm.n_clicks"]))
    assert "Published version 1" in texts(out["dsu-done"]["children"])
    # the published dataset: typed, mapped to districts by name, downloadable
    rows = list(csv.DictReader(io.StringIO(client.get("/data/park-benches.csv").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    assert [(r["Stadtbezirk"], r["Bänke"]) for r in rows] == [("Innenstadt", "1204"), ("Porz", "310")]
    # a new file under the same name is version 2; the old file is kept
    out = response(call(client, None, "dsu-result.children", {"dsu-check.n_clicks": 1, **fields(CSV_V2)},
                        ["dsu-check.n_clicks"]))
    assert "replaces version 1" in texts(out["dsu-result"]["children"])
    response(call(client, None, "dsu-done.children", {"dsu-confirm.n_clicks": 1, **fields(CSV_V2),
                                                      "dsu-sha.data": out["dsu-sha"]["data"]},
                  ["dsu-confirm.n_clicks"]))
    with portal_db.session() as session:
        dataset = session.scalars(select(Dataset)).one()
        assert dataset.version == 2 and dataset.row_count == 3
        assert dataset.meta["district"] == {"column": "Stadtbezirk", "by": "name"}
        assert [f.version for f in session.scalars(select(DatasetFile).order_by(DatasetFile.version))] == [1, 2]
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "dataset.upload"))]
        assert actions == ["dataset.upload", "dataset.upload"]
    token = client.get_cookie("_csrf_token").value
    values = {"ds-type.value": "bar", "ds-x.value": "Stadtbezirk", "ds-y.value": "Bänke", "ds-agg.value": "sum",
              "ds-colour.value": None, "ds-bucket.value": None, "ds-table.filter_query": "",
              "ds-slug.data": "park-benches"}
    chart = response(call(client, token, "ds-chart.figure", values, ["ds-y.value"]))
    centres = next(t for t in chart["ds-map"]["figure"]["data"] if t.get("name") == "districts")
    assert {c[0]: c[2] for c in centres["customdata"]}["8"] == 120.0  # Kalk


def test_a_broken_upload_is_reported_and_publishes_nothing(app, client, portal_db):
    make_user(portal_db, "officer@example.org", Role.OFFICER)
    login(client, "officer@example.org")
    broken = b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n"
    out = response(call(client, None, "dsu-result.children", {"dsu-check.n_clicks": 1, **fields(broken)},
                        ["dsu-check.n_clicks"]))
    text = texts(out["dsu-result"]["children"])
    assert out["dsu-sha"]["data"] is None and "cannot be published" in text and "(2 rows: 3, 4)" in text
    forged = response(call(client, None, "dsu-done.children", {"dsu-confirm.n_clicks": 1, **fields(broken),
                                                               "dsu-sha.data": "0" * 64}, ["dsu-confirm.n_clicks"]))
    assert "Nothing was published" in texts(forged["dsu-done"]["children"])
    with portal_db.session() as session:
        assert session.scalar(select(Dataset)) is None


def test_citizens_cannot_upload(app, client, portal_db):
    make_user(portal_db, "citizen@example.org", Role.CITIZEN)
    login(client, "citizen@example.org")
    resp = call(client, None, "dsu-done.children", {"dsu-confirm.n_clicks": 1, **fields(CSV_V1),
                                                    "dsu-sha.data": "x"}, ["dsu-confirm.n_clicks"])
    assert resp.status_code == 403

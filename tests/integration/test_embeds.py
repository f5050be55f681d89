"""Embeds, exports, frozen charts and the Share / Embed control, on both databases.

Oracles: the page's own figure functions (an embed must draw the same figure), the hand-computed budget and
outcome of tests/feedback.py, SQL sums, and the PNG file format itself (its IHDR header)."""

import csv
import io
import json
import re
import struct

import pytest
from sqlalchemy import select

from portal.budget import presenter
from portal.city import load_city
from portal.embeds import frozen
from portal.embeds.kinds import KINDS
from portal.models import AuditEvent, FrozenChart, Role
from tests.conftest import CHROMIUM, missing_service
from tests.feedback import BUDGET, import_budget, published_cycle
from tests.helpers import csrf_token, login, make_user
from tests.integration.explorer_helpers import call, response, texts
from tests.participation import cycle_with_ballot, quick_user

KOELN = load_city("koeln")
VIEW = "year=2032&phase=approved&statement=capital&direction=expenditure"


@pytest.fixture
def published(portal_db):
    with portal_db.session() as session:
        import_budget(session)
        cycle, made, officer = published_cycle(session)
        return {"cycle": cycle.id, "made": [p.id for p in made], "officer": officer.id}


def figure_of(page: str) -> dict:
    match = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def test_an_embed_draws_the_same_figure_as_the_page_with_a_strict_policy(app, client, published, portal_db):
    page = client.get(f"/embed/budget-treemap?{VIEW}&path=13")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    spec = figure_of(html)
    with app.server.test_request_context("/"), portal_db.session() as session:
        ctx = presenter.context(session, KOELN, "en", presenter.chart_labels)
        expected = presenter.drill(ctx, ctx.view({"year": "2032", "statement": "capital", "path": "13"})).figure
    assert spec["data"] == json.loads(json.dumps(expected["data"]))
    assert spec["config"]["showSendToCloud"] is False and spec["config"]["displaylogo"] is False
    assert spec["config"]["responsive"] is True and "height" not in spec["layout"]
    # no inline script: every script is the portal's own file or data
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/vendor/' in tag or 'type="application/json"' in tag, tag
    assert "cdn" not in html.lower()
    policy = dict(d.strip().split(" ", 1) for d in page.headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"  # no site configured here
    assert "X-Frame-Options" not in page.headers
    assert "public" in page.headers["Cache-Control"]
    assert client.get(f"/embed/budget-treemap?{VIEW}&path=13",
                      headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    # the citation line: source, licence, data version (the latest import) and date
    assert "Source: Stadt Köln" in html and "Licence: CC BY" in html and "Data version: budget import" in html


def test_plotly_js_is_served_by_the_portal_under_its_content_hash(client, published):
    html = client.get(f"/embed/budget-treemap?{VIEW}").get_data(as_text=True)
    src = re.search(r'<script src="(/vendor/plotly-[0-9a-f]{16}\.min\.js)">', html).group(1)
    script = client.get(src)
    assert script.status_code == 200 and b"plotly.js" in script.data[:2000]
    assert "immutable" in script.headers["Cache-Control"] and "max-age=31536000" in script.headers["Cache-Control"]
    assert client.get("/vendor/plotly-0000000000000000.min.js").status_code == 404


@pytest.mark.parametrize("kind", ["results-district", "results-category", "results-turnout", "delivery"])
def test_results_are_embeddable_only_once_published(client, portal_db, published, kind):
    assert client.get(f"/embed/{kind}?cycle={published['cycle']}").status_code == 200
    with portal_db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        voting, _ = cycle_with_ballot(session, officer, [("Fountain", 10_000)], title="Voting now")
        from tests.participation import new_cycle

        draft = new_cycle(session, officer, title="Draft")
        ids = (voting.id, draft.id)
    for cycle_id in ids:
        assert client.get(f"/embed/{kind}?cycle={cycle_id}").status_code == 404
        assert client.get(f"/charts/{kind}.csv?cycle={cycle_id}").status_code == 404
    assert client.get(f"/embed/{kind}?cycle=nonsense").status_code == 404
    assert client.get("/embed/no-such-chart").status_code == 404


def test_the_csv_behind_a_chart_holds_its_data(client, published):
    text = client.get(f"/charts/budget-treemap.csv?{VIEW}").get_data(as_text=True).lstrip("\ufeff")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert float(rows["13"]["amount"]) == 1_060_000 and float(rows["13"]["participatory"]) == 60_000
    assert float(rows["PB"]["amount"]) == 40_000
    text = client.get(f"/charts/results-district.csv?cycle={published['cycle']}").get_data(as_text=True)
    assert {r["district"]: float(r["amount"]) for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))} == {
        "Innenstadt": 60_000, "Whole city": 40_000}


def test_a_frozen_chart_keeps_its_data_after_the_data_changes(client, portal_db, published):
    with portal_db.session() as session:
        from portal.models import User

        officer = session.get(User, published["officer"])
        with client.application.test_request_context("/"):
            row = frozen.freeze(session, officer, "budget-treemap", {"year": "2032", "statement": "capital"},
                                city=KOELN)
        frozen_id = row.id
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "chart.freeze")) is not None
        # the city's budget changes: parks double
        import_budget(session, [(*r[:11], "2000000.00" if r[4] == "13" else r[11], "") for r in BUDGET],
                      name="haushalt-2032-v2.csv")
    live = client.get("/charts/budget-treemap.csv?year=2032&statement=capital").get_data(as_text=True)
    kept = client.get(f"/charts/frozen/{frozen_id}.csv").get_data(as_text=True)
    amounts = [{r["id"]: float(r["amount"]) for r in csv.DictReader(io.StringIO(t.lstrip("\ufeff")))}
               for t in (live, kept)]
    assert amounts[0]["13"] == 2_060_000 and amounts[1]["13"] == 1_060_000
    page = client.get(f"/embed/frozen/{frozen_id}")
    assert page.status_code == 200 and "Data as of" in page.get_data(as_text=True)
    assert "frame-ancestors" in page.headers["Content-Security-Policy"]
    assert client.get("/embed/frozen/999999").status_code == 404


def test_only_officers_freeze_charts(client, portal_db, published):
    with portal_db.session() as session:
        citizen = quick_user(session)
        from portal.participation.errors import NotAllowed

        with pytest.raises(NotAllowed), client.application.test_request_context("/"):
            frozen.freeze(session, citizen, "budget-treemap", {}, city=KOELN)
    with portal_db.session() as session:
        assert session.scalar(select(FrozenChart.id)) is None


def _share(client, token, kind, query, clicks=1, aio_id=None):
    store = {"component": "ShareEmbed", "subcomponent": "store", "aio_id": aio_id or kind}
    body = {"output": "..{\"aio_id\":[\"MATCH\"],\"component\":\"ShareEmbed\",\"subcomponent\":\"panel\"}.children..."
                      "{\"aio_id\":[\"MATCH\"],\"component\":\"ShareEmbed\",\"subcomponent\":\"summary\"}.children..."
                      "{\"aio_id\":[\"MATCH\"],\"component\":\"ShareEmbed\",\"subcomponent\":\"collapse\"}.is_open..",
            "outputs": [{"id": {**store, "subcomponent": s}, "property": p}
                        for s, p in (("panel", "children"), ("summary", "children"), ("collapse", "is_open"))],
            "inputs": [{"id": store, "property": "data", "value": {"kind": kind, "query": query}},
                       {"id": {**store, "subcomponent": "toggle"}, "property": "n_clicks", "value": clicks}],
            "state": [{"id": store, "property": "id", "value": store}], "changedPropIds": []}
    return client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token})


def test_the_share_panel_gives_permalink_iframe_images_csv_and_citation(client, published):
    token = csrf_token(client)
    out = _share(client, token, "budget-map", VIEW + "&pb=1").get_json()["response"]
    panel_key = next(k for k in out if '"panel"' in k)
    panel = json.dumps(out[panel_key]["children"])
    assert f"http://localhost/budget?{VIEW}&pb=1" in panel
    assert "/embed/budget-map?" + f"{VIEW}&pb=1".replace("&", "&amp;") in panel  # the iframe snippet, escaped
    for fmt in ("png", "svg", "csv"):
        assert f"/charts/budget-map.{fmt}?{VIEW}&pb=1" in panel
    assert "Data version: budget import" in panel and "Freeze this chart" not in panel  # not for the public
    summary = out[next(k for k in out if '"summary"' in k)]["children"]
    assert "Innenstadt" in summary or "Stadtbezirk" in summary
    closed = _share(client, token, "budget-map", VIEW, clicks=2).get_json()["response"]
    assert not any('"panel"' in k for k in closed)  # a closed panel is not rendered again
    assert _share(client, token, "no-such-chart", "").status_code == 204


def test_an_officer_freezes_a_chart_from_its_share_panel_and_a_citizen_cannot(app, client, portal_db, published):
    make_user(portal_db, "officer@example.org", Role.OFFICER)
    login(client, "officer@example.org")
    token = client.get_cookie("_csrf_token").value
    panel = json.dumps(_share(client, token, "delivery", f"cycle={published['cycle']}").get_json()["response"])
    assert "Freeze this chart" in panel
    store = {"component": "ShareEmbed", "subcomponent": "store", "aio_id": "delivery"}
    body = {"output": "{\"aio_id\":[\"MATCH\"],\"component\":\"ShareEmbed\",\"subcomponent\":\"frozen\"}.children",
            "outputs": {"id": {**store, "subcomponent": "frozen"}, "property": "children"},
            "inputs": [{"id": {**store, "subcomponent": "freeze"}, "property": "n_clicks", "value": 1}],
            "state": [{"id": store, "property": "data", "value": {"kind": "delivery",
                                                                  "query": f"cycle={published['cycle']}"}}],
            "changedPropIds": [json.dumps({**store, "subcomponent": "freeze"}, separators=(",", ":")) + ".n_clicks"]}
    done = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token})
    assert done.status_code == 200 and "/embed/frozen/" in json.dumps(done.get_json())
    with portal_db.session() as session:
        row = session.scalar(select(FrozenChart))
        assert row.kind == "delivery" and row.query == f"cycle={published['cycle']}"
    citizen = app.server.test_client()
    make_user(portal_db, "citizen@example.org")
    login(citizen, "citizen@example.org")
    refused = citizen.post("/_dash-update-component", json=body,
                           headers={"X-CSRFToken": citizen.get_cookie("_csrf_token").value})
    assert refused.status_code == 403


def test_framing_is_allowed_for_the_configured_sites_on_embeds_only(migrated_db, tmp_path):
    from portal import create_app
    from portal.db import Database
    from tests.conftest import make_config, truncate_all

    truncate_all(migrated_db)
    app = create_app(make_config(migrated_db.url, tmp_path, embed_allowed_origins=["https://news.example"]))
    client = app.server.test_client()
    with Database(migrated_db.url).session() as session:
        import_budget(session)
    embed = client.get(f"/embed/budget-treemap?{VIEW}")
    assert "frame-ancestors https://news.example" in embed.headers["Content-Security-Policy"]
    page = client.get("/budget")
    assert page.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in page.headers[
        "Content-Security-Policy"]


def test_the_png_export_is_a_png_of_the_size_asked_for_and_the_svg_an_svg(client, published):
    if not CHROMIUM:
        missing_service("Chromium", "no chromium binary on PATH (kaleido draws images with it)")
    png = client.get(f"/charts/budget-treemap.png?{VIEW}&width=640&height=400")
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    assert png.data[:8] == b"\x89PNG\r\n\x1a\n" and png.data[12:16] == b"IHDR"
    assert struct.unpack(">II", png.data[16:24]) == (640, 400)
    big = client.get(f"/charts/results-district.png?cycle={published['cycle']}&width=500&height=300&scale=2")
    assert struct.unpack(">II", big.data[16:24]) == (1000, 600)
    svg = client.get(f"/charts/delivery.svg?cycle={published['cycle']}")
    assert svg.status_code == 200 and svg.data.lstrip().startswith(b"<svg")
    assert client.get(f"/charts/budget-treemap.png?{VIEW}&width=99999").status_code == 400


def test_every_chart_of_the_results_page_has_its_share_control(client, published):
    token = csrf_token(client)
    page = response(call(client, token, "_pages_content", {
        "_pages_location.pathname": f"/results/{published['cycle']}", "_pages_location.search": ""}))
    text = json.dumps(page)
    for kind in ("results-district", "results-category", "results-turnout", "delivery", "priorities"):
        assert f'"kind": "{kind}"' in text, kind
    assert "Delivery of the funded projects" in texts(page["_pages_content"]["children"])


def _state(kind: str, cycle_id: int) -> str:
    if kind.startswith("budget-"):
        return VIEW + "&measure=per_resident&pb=1"
    if kind.startswith("dataset-"):
        return "slug=koeln-tram-stops&type=bar&x=stadtbezirk"
    if kind == "priorities":
        return "year=2031"
    return f"cycle={cycle_id}"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_chart_embeds_with_its_data_summary_and_citation(client, published, kind):
    state = _state(kind, published["cycle"])
    page = client.get(f"/embed/{kind}?{state}")
    assert page.status_code == 200, page.data[:300]
    spec = figure_of(page.get_data(as_text=True))
    assert spec["data"], "an embed draws something"
    body = client.get(f"/charts/{kind}.json?{state}").get_json()
    assert body["title"] and body["summary"] and body["citation"]["source"] and body["citation"]["version"]
    assert body["figure"]["data"] == spec["data"]  # the export and the embed: one figure
    rows = list(csv.reader(io.StringIO(client.get(f"/charts/{kind}.csv?{state}").get_data(as_text=True)
                                       .lstrip("\ufeff"))))
    assert len(rows) >= 2, "the data behind the chart: a header and rows"


def test_image_renders_are_rate_limited_per_address_but_csv_is_not(migrated_db, tmp_path):
    """Each PNG/SVG runs a headless browser: past PORTAL_RATELIMIT_IMAGE a client gets 429 with Retry-After."""
    from portal import create_app
    from portal.db import Database
    from tests.conftest import make_config, truncate_all

    if not CHROMIUM:
        missing_service("Chromium", "no chromium binary on PATH (kaleido draws images with it)")
    truncate_all(migrated_db)
    app = create_app(make_config(migrated_db.url, tmp_path, ratelimit_enabled=True, ratelimit_image="2/minute"))
    client = app.server.test_client()
    with Database(migrated_db.url).session() as session:
        import_budget(session)
    statuses = [client.get(f"/charts/budget-treemap.{fmt}?{VIEW}&width=300&height=200").status_code
                for fmt in ("svg", "png", "png")]
    assert statuses == [200, 200, 429]
    refused = client.get(f"/charts/budget-treemap.svg?{VIEW}")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert b"try again" in refused.data
    assert client.get(f"/charts/budget-treemap.csv?{VIEW}").status_code == 200
    other = client.get(f"/charts/budget-treemap.png?{VIEW}&width=300&height=200",
                       environ_overrides={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200

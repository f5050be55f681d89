"""Pure parts of results flowing back and of the embeds, on hand-made inputs with hand-worked answers."""

import json
import math
from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go
import pytest

from portal.api.common import clean
from portal.budget import explorer, presenter
from portal.budget.explorer import Drilldown, Node, View, parse_view
from portal.charts import budget as budget_charts
from portal.charts import feedback as feedback_charts
from portal.embeds import export
from portal.embeds.kinds import Citation
from portal.embeds.web import CONFIG, _json_for_html, embed_figure
from portal.feedback.budget_lines import parse_path
from portal.participation.cycles import parse_areas

# year, phase, statement, fn1, fn2, econ, district, euros, source, pb_project
LINES = [
    (2030, "approved", "capital", "13", "1301", "78", "", 1000, "city.csv", ""),
    (2030, "approved", "capital", "13", "PB", "PB-7", "1", 60, "participatory", "7"),
    (2030, "approved", "capital", "13", "1302", "79", "2", 40, "city.csv", "9"),  # the city's line naming 9
    (2030, "approved", "capital", "12", "1201", "78", "", 500, "city.csv", ""),
    (2031, "approved", "capital", "PB", "", "PB-8", "", 30, "participatory", "8"),  # a year of projects only
]


def data() -> explorer.BudgetData:
    rows = []
    for i, (year, phase, statement, f1, f2, econ, district, euros, source, pb) in enumerate(LINES):
        rows.append({"id": i, "fiscal_year": year, "phase": phase, "statement": statement, "direction": "expenditure",
                     "fn1_code": f1, "fn1_name": f"Area {f1}", "fn2_code": f2,
                     "fn2_name": f"Service {f2}" if f2 else "",
                     "fn3_code": "", "fn3_name": "", "fn4_code": "", "fn4_name": "", "econ_code": econ,
                     "econ_name": f"Type {econ}", "admin_code": "", "admin_name": "", "district_code": district,
                     "district_name": "", "currency": "EUR", "source": source, "pb_project": pb, "cents": euros * 100})
    return explorer.build(pd.DataFrame(rows))


VIEW = View(year=2030, phase="approved", statement="capital", direction="expenditure")


def test_the_drilldown_carries_the_participatory_money_of_every_box():
    drill = explorer.drilldown(data(), VIEW)
    assert (drill.total, drill.participatory) == (160_000, 10_000)  # 1600 EUR in all, 60 + 40 participatory
    kids = {n.id: (n.cents, n.participatory) for n in drill.nodes}
    assert kids["13"] == (110_000, 10_000) and kids["12"] == (50_000, 0)
    assert kids["13/PB"] == (6_000, 6_000) and kids["13/1302"] == (4_000, 4_000) and kids["13/1301"] == (100_000, 0)
    only = explorer.drilldown(data(), replace(VIEW, participatory=True))
    assert only.total == only.participatory == 10_000


def test_the_explorer_opens_on_the_citys_own_year_and_the_participatory_view_on_the_projects_year():
    d = data()
    assert d.own_available == [(2030, "approved")] and (2031, "approved") in d.available
    assert parse_view({}, available=d.available, preferred=d.own_available).year == 2030
    pb = parse_view({"pb": "1"}, available=d.available, preferred=d.own_available)
    assert (pb.year, pb.participatory) == (2031, True)
    assert "pb=1" in pb.query() and "pb" not in parse_view({}, available=d.available).query()
    assert View.from_dict(pb.as_dict()) == pb


def test_turning_on_participatory_only_goes_to_a_view_that_has_some():
    d = data()
    operating = View(year=2030, phase="approved", statement="operating", direction="revenue", path=("05",))
    keys = sorted(k for k, idx in d.slices.items() if d.pb[idx].any())
    on = presenter.navigate(operating, trigger="participatory", value=True, available=d.available, districts={},
                            pb_available=keys)
    assert (on.year, on.statement, on.direction, on.path, on.participatory) == (2031, "capital", "expenditure", (),
                                                                                True)
    here = presenter.navigate(VIEW, trigger="participatory", value=True, available=d.available, districts={},
                              pb_available=keys)
    assert (here.year, here.participatory) == (2030, True)
    off = presenter.navigate(replace(on, path=("PB",)), trigger="participatory", value=False,
                             available=d.available, districts={})
    assert (off.participatory, off.path) == (False, ())


def test_the_treemap_colours_wholly_participatory_boxes_and_outlines_the_others():
    nodes = [Node("A", "", "A", "Area A", 1000, 1, True, 0), Node("B", "", "B", "Area B", 500, 1, True, 100),
             Node("P", "", "P", "Projects", 300, 1, False, 300), Node("B/x", "B", "x", "x", 400, 2, False, 0),
             Node("B/y", "B", "y", "y", 100, 2, False, 100)]
    drill = Drilldown(view=VIEW, total=1800, nodes=nodes, crumbs=[("", ())], level_kind="functional", lines=5,
                      participatory=400)
    fig = budget_charts.treemap(drill, currency="EUR", colours={"participatory": "#0a7d32"}, language="en")
    go.Figure(fig)  # valid plotly
    trace = fig["data"][0]
    by_id = dict(zip(trace["ids"], range(len(trace["ids"])), strict=True))
    colours, widths = trace["marker"]["colors"], trace["marker"]["line"]["width"]
    assert colours[by_id["P"]] == "#0a7d32" and colours[by_id["A"]] is None and colours[by_id["B"]] is None
    assert colours[by_id["B/y"]] is not None and colours[by_id["B/x"]] is None  # lighter green inside
    assert widths[by_id["B"]] == 3 and widths[by_id["A"]] == 1
    assert [trace["customdata"][by_id[i]][2] for i in ("A", "B", "P")] == [0, 1.0, 3.0]
    assert "participatory" in trace["hovertemplate"][by_id["B"]] and "participatory" not in trace["hovertemplate"][
        by_id["A"]]
    plain = budget_charts.treemap(Drilldown(VIEW, 1000, [nodes[0]], [("", ())], "functional", 1, 0),
                                  currency="EUR", colours={})
    assert "colors" not in plain["data"][0]["marker"]


def test_the_priorities_chart_holds_the_shares_it_is_given():
    frame = pd.DataFrame([
        {"category": "Parks", "area": "Nature", "votes_share": 0.6, "funded_share": 0.7, "spending_share": 0.02},
        {"category": "Roads", "area": None, "votes_share": 0.4, "funded_share": 0.3, "spending_share": math.nan},
    ])
    fig = feedback_charts.priorities(frame, text={"not_mapped": "(none)"})
    go.Figure(fig)
    by_name = {t["name"]: t for t in fig["data"]}
    votes = by_name[feedback_charts.DEFAULT_TEXT["votes"]]
    assert votes["x"] == [0.4, 0.6] and votes["y"][0].startswith("Roads") and "(none)" in votes["y"][0]
    assert by_name[feedback_charts.DEFAULT_TEXT["spending"]]["x"] == [None, 0.02]  # no area: no share
    assert feedback_charts.priorities(frame.iloc[0:0])["data"] == []


def test_the_delivery_chart_shows_actual_spending_only_where_the_accounts_have_it():
    frame = pd.DataFrame([{"title": "Park", "progress": 40, "status": "in_progress", "funded": 60_000,
                           "spent": 20_000.0, "actual": None}])
    fig = feedback_charts.delivery(frame, currency="EUR")
    go.Figure(fig)
    assert [t["name"] for t in fig["data"]] == ["Funded", "Spent (reported)"]
    assert fig["data"][1]["x"] == [20_000.0] and fig["data"][1]["y"] == ["Park (40 %)"]
    with_actual = feedback_charts.delivery(frame.assign(actual=[19_500.0]), currency="EUR")
    assert with_actual["data"][2]["x"] == [19_500.0]


def test_an_embedded_figure_fits_its_frame_and_cannot_go_to_the_cloud():
    spec = embed_figure({"data": [{"type": "bar", "y": [1]}], "layout": {"height": 300, "width": 500}})
    assert "height" not in spec["layout"] and "width" not in spec["layout"] and spec["layout"]["autosize"]
    assert spec["config"] == {**CONFIG, "locale": "en"}  # plotly.js in the reader's language (English here)
    assert CONFIG["showSendToCloud"] is False and CONFIG["displaylogo"] is False
    text = _json_for_html({"title": "</script><script>alert(1)</script> & more"})
    assert "</script>" not in text and json.loads(text)["title"].startswith("</script>")


@pytest.mark.parametrize(("args", "expected"), [
    ({}, (1000, 560, 1.0)), ({"width": "800", "height": "450"}, (800, 450, 1.0)),
    ({"width": "500", "height": "300", "scale": "2"}, (500, 300, 2.0)),
])
def test_image_sizes(args, expected):
    assert export.size(args) == expected


@pytest.mark.parametrize("args", [{"width": "10"}, {"height": "big"}, {"scale": "9"}, {"width": "4001"}])
def test_image_sizes_out_of_bounds_are_refused(args):
    with pytest.raises(ValueError):
        export.size(args)


def test_a_printed_figure_has_white_paper_a_title_and_its_citation():
    fig = export.printable({"data": [], "layout": {"paper_bgcolor": "rgba(0,0,0,0)", "height": 300}}, "Title",
                           "Source: X")
    assert fig["layout"]["paper_bgcolor"] == "#ffffff" and fig["layout"]["title"]["text"] == "Title"
    assert "height" not in fig["layout"] and fig["layout"]["annotations"][-1]["text"] == "Source: X"


def test_the_citation_line_names_source_licence_version_and_date():
    line = Citation("Stadt Köln", "CC BY", "budget import 12", "2026-11-29").line("Spending 2015", "https://x/b")
    assert line.startswith("Spending 2015. Source: Stadt Köln. Licence: CC BY. Data version: budget import 12, "
                           "2026-11-29.") and line.endswith("from https://x/b.")


def test_category_areas_are_read_line_by_line_with_errors_named():
    errors = []
    areas = parse_areas("parks; 13 / 1301\nstreets;\n\nunknown; 12\nroads; a/b/c/d/e",
                        [("parks", "Parks", None), ("streets", "Streets", None), ("roads", "Roads", None)], errors)
    assert areas == {"parks": "13/1301", "streets": None}
    assert len(errors) == 2 and "line 4" in errors[0] and "line 5" in errors[1]
    assert parse_path(" 13 / 1301/ ") == ("13", "1301") and parse_path(None) == ()


def test_api_values_are_plain_json():
    assert clean({"a": math.nan, "b": [1.5, math.inf], "when": datetime(2026, 1, 2, 3, 4)}) == {
        "a": None, "b": [1.5, None], "when": "2026-01-02T03:04:00+00:00"}
    assert clean(datetime(2026, 1, 2, tzinfo=UTC)) == "2026-01-02T00:00:00+00:00"

"""Every chart's text alternative: its summary sentence says numbers computed from the data behind the chart
(recomputed here from the CSV export, not copied), and "Show as table" renders that same data."""

import csv
import io

import pytest

from portal.embeds.component import data_table
from portal.embeds.kinds import COLUMN_LABELS, KINDS, build
from portal.i18n import money
from tests.integration.test_embeds import _state, published  # noqa: F401 - the fixture, shared


def _rows(client, kind, state) -> list[dict]:
    text = client.get(f"/charts/{kind}.csv?{state}").get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def _summary(client, kind, state) -> str:
    return client.get(f"/charts/{kind}.json?{state}").get_json()["summary"]


@pytest.mark.parametrize("kind", ["results-district", "results-category"])
def test_results_summaries_give_the_total_and_the_largest_share(app, client, published, kind):  # noqa: F811
    state = _state(kind, published["cycle"])
    rows = _rows(client, kind, state)
    amounts = [float(r["amount"]) for r in rows]
    top = rows[amounts.index(max(amounts))]
    with app.server.test_request_context("/?lang=en"):
        total, largest = money(sum(amounts), "EUR"), money(max(amounts), "EUR")
    summary = _summary(client, kind, state)
    assert f"{total} in all" in summary
    assert f"the most to {next(iter(top.values()))} ({largest})" in summary


def test_turnout_summary_counts_the_ballots_of_the_data(client, published):  # noqa: F811
    state = _state("results-turnout", published["cycle"])
    ballots = sum(int(float(r["ballots"])) for r in _rows(client, "results-turnout", state))
    assert ballots > 0
    assert _summary(client, "results-turnout", state).endswith(f": {ballots} ballots.")


def test_budget_summaries_count_years_and_parts_of_the_data(client, published):  # noqa: F811
    state = _state("budget-years", published["cycle"])
    years = sorted({r["fiscal_year"] for r in _rows(client, "budget-years", state)})
    assert f"{len(years)} years from {years[0]} to {years[-1]}." in _summary(client, "budget-years", state)
    state = _state("budget-compare", published["cycle"])
    parts = {r["code"] for r in _rows(client, "budget-compare", state)}
    assert f": {len(parts)} parts in " in _summary(client, "budget-compare", state)


def test_the_table_alternative_holds_the_charts_data_and_summary(app, published):  # noqa: F811
    with app.server.test_request_context("/?lang=en"):
        chart = build("results-district", {"cycle": str(published["cycle"])})
        box, note = data_table(chart)
    table = box.children
    caption, head, body = table.children
    assert caption.children == chart.summary
    assert list(chart.data.columns) == ["district", "amount"]
    assert [th.children for th in head.children.children] == ["District", "Amount"]  # headings for people
    assert len(body.children) == len(chart.data) and note is None
    first = [td.children for td in body.children[0].children]
    assert first[0] == str(chart.data.iloc[0, 0])
    assert box.tabIndex == "0" and box.role == "region"  # the scrolling box is reachable by keyboard


def test_a_long_table_is_cut_with_a_note(app, published):  # noqa: F811
    with app.server.test_request_context("/?lang=en"):
        chart = build("results-district", {"cycle": str(published["cycle"])})
        box, note = data_table(chart, limit=1)
    assert len(box.children.children[2].children) == 1
    assert note is not None and f"of {len(chart.data)} rows" in note.children


def test_an_embed_carries_the_table_of_its_data(client, published):  # noqa: F811
    state = _state("results-district", published["cycle"])
    html = client.get(f"/embed/results-district?{state}").get_data(as_text=True)
    rows = _rows(client, "results-district", state)
    assert '<details class="pb-table" id="chart-table"><summary>Show as table</summary>' in html
    table = html.split('id="chart-table"', 1)[1].split("</details>", 1)[0]
    assert table.count("<tr>") == len(rows) + 1  # the header and one row per line of the CSV
    assert f"<td>{next(iter(rows[0].values()))}</td>" in table


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_column_of_every_chart_has_a_heading_in_each_language(app, published, kind):  # noqa: F811
    """A new chart (or a new column) without a heading for people fails here, not in a reader's browser."""
    with app.server.test_request_context("/?lang=en"):
        chart = build(kind, dict(p.split("=", 1) for p in _state(kind, published["cycle"]).split("&")))
    assert len(chart.data.columns) and set(map(str, chart.data.columns)) <= set(COLUMN_LABELS)
    with app.server.test_request_context("/?lang=de"):
        german = data_table(chart)[0].children.children[1].children.children
    with app.server.test_request_context("/?lang=en"):
        english = data_table(chart)[0].children.children[1].children.children
    changed = [en.children for en, de in zip(english, german, strict=True) if en.children != de.children]
    assert changed, f"{kind}: no heading is translated into German"

"""In real headless Chromium: drill down and back, the address reproduces the view, the map draws offline."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def choose(page, dropdown: str, option: str):
    """Pick an option of a dcc.Dropdown (Dash 4: a button that opens a list of options)."""
    page.locator(dropdown).click()
    page.get_by_role("option", name=option, exact=True).click()


def click_box(page, label: str):
    """Click a treemap box on its label (plotly draws each box as a g.slice; a box's label is in its header)."""
    box = page.locator("#budget-treemap g.slice").filter(has_text=label).first
    expect(box).to_be_visible()
    page.wait_for_timeout(300)  # let plotly finish the transition of the new figure
    box.locator("text").first.click(force=True)


def test_drill_down_two_levels_change_the_year_and_reload(page, live_server):
    page.goto(live_server.url + "/budget")
    expect(page.locator("#budget-total")).to_be_visible()
    expect(page).to_have_url(re.compile(r"year=2015"))
    click_box(page, "Soziale Hilfen")
    expect(page).to_have_url(re.compile(r"path=05(&|$)"))
    expect(page.locator("#budget-crumbs")).to_contain_text("Soziale Hilfen")
    # second level: a Teilplan of Soziale Hilfen (its label sits in the box's header, above the boxes inside)
    click_box(page, "Leistungen nach dem SGB XII")
    expect(page).to_have_url(re.compile(r"path=05%2F0501"))
    expect(page.locator("#budget-crumbs .breadcrumb-item")).to_have_count(3)
    expect(page.locator("#budget-crumbs")).to_contain_text("Leistungen nach dem SGB XII")
    # another year, same place in the tree
    choose(page, "#budget-year", "2013")
    expect(page).to_have_url(re.compile(r"year=2013"))
    state = query(page)
    assert state["path"].startswith("05/05") and state["phase"] == "approved"
    expect(page.locator("#budget-headline")).to_contain_text("2013")
    headline = page.locator("#budget-headline").text_content()
    crumbs = page.locator("#budget-crumbs").text_content()
    boxes = page.locator("#budget-treemap g.slice").count()
    url = page.url
    page.reload()
    expect(page.locator("#budget-headline")).to_have_text(headline)
    expect(page.locator("#budget-crumbs")).to_have_text(crumbs)
    expect(page.locator("#budget-treemap g.slice")).to_have_count(boxes)
    assert page.url == url
    # the breadcrumb goes back up
    page.locator("#budget-crumbs button").first.click()
    expect(page.locator("#budget-crumbs .breadcrumb-item")).to_have_count(1)
    expect(page).not_to_have_url(re.compile(r"path="))
    assert page.console_errors == []


def test_the_map_draws_its_nine_districts_without_any_request_leaving_the_machine(page, live_server):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server.url + "/budget?year=2015&district=4")
    districts = page.locator("#budget-map .scatterlayer .trace .js-fill")
    expect(districts).to_have_count(9)
    expect(page.locator("#budget-map .scatterlayer text")).to_have_count(9)
    expect(page.locator("#budget-headline")).to_contain_text("Ehrenfeld")
    page.wait_for_load_state("networkidle")
    outside = [url for url in requests if not url.startswith(live_server.url) and not url.startswith("data:")]
    assert outside == []
    assert page.console_errors == []


def test_dataset_chart_builder_state_lives_in_the_address(page, live_server):
    page.goto(live_server.url + "/data/koeln-tram-stops")
    expect(page.locator("#ds-chart .barlayer")).to_be_visible()
    choose(page, "#ds-type", "points")
    expect(page).to_have_url(re.compile(r"type=scatter"))
    url = page.url
    page.reload()
    expect(page.locator("#ds-chart .scatterlayer .point").first).to_be_visible()
    assert page.url == url
    expect(page.locator("#ds-map .scatterlayer .trace .js-fill")).to_have_count(9)
    assert page.console_errors == []

"""In real headless Chromium: each chart of the results page is a named figure described by its summary, and its
data table opens from "Show as table" with the keyboard alone."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import Cycle, CyclePhase
from tests.browser.test_keyboard_ballots import FOCUSED, assert_focus_visible

pytestmark = pytest.mark.browser


def test_a_chart_table_opens_by_keyboard(page, live_server, browser_app):
    db = browser_app.server.extensions["portal_db"]
    with db.session() as session:
        cycle_id = session.scalar(select(Cycle.id).where(Cycle.phase == CyclePhase.RESULTS).order_by(Cycle.id))
    page.goto(f"{live_server.url}/results/{cycle_id}")
    figure = page.get_by_role("figure", name="Funded per district", exact=True).first
    expect(figure).to_be_visible()
    described_by = figure.get_attribute("aria-describedby")
    expect(page.locator(f"#{described_by}")).to_contain_text("in all, the most to")  # the summary sentence

    aio_id = described_by.removeprefix("summary-")
    wrap = page.locator(f"#table-{aio_id}")
    table = wrap.locator("table")
    expect(table).to_have_count(0)  # rendered only when asked for
    toggle = wrap.get_by_role("button", name="Show as table")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    for _ in range(150):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => !!document.activeElement.closest('#table-{aio_id}')"):
            break
    assert "Show as table" in page.evaluate(FOCUSED)
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(table).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(table.locator("caption")).to_contain_text("in all, the most to")
    assert table.locator("tbody tr").count() >= 2
    page.keyboard.press("Space")  # and closes again
    expect(table).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert page.console_errors == []

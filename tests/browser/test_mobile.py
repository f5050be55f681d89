"""In real headless Chromium at a phone's size (375 x 812): no page scrolls sideways, and the navigation bar
collapses behind its toggler. Screenshots go to pytest's temporary folder (not the repository)."""

from __future__ import annotations

import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import RANK, log_in, open_page, people, targets

pytestmark = pytest.mark.browser
WIDTH = 375

OVERFLOW = """() => {
  const doc = document.scrollingElement;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > window.innerWidth + 1
      && !el.closest('.table-responsive, .dash-spreadsheet-container, .js-plotly-plot, .visually-hidden');
  }).slice(0, 5).map(el => el.tagName + '#' + el.id + '.' + String(el.className).slice(0, 60));
  return {scroll: doc.scrollWidth, inner: window.innerWidth, wide};
}"""


def test_every_page_fits_a_375px_screen(chromium, live_server, browser_app, tmp_path):
    db = browser_app.server.extensions["portal_db"]
    pages = targets(db, browser_app)
    admin = people(db, uuid.uuid4().hex[:6])["admin"]
    # not is_mobile: a mobile viewport widens itself to fit overflowing content, which would hide the overflow
    context = chromium.new_context(viewport={"width": WIDTH, "height": 812}, device_scale_factor=1, has_touch=True,
                                   locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    started = time.monotonic()
    overflowing = {}
    for role in ("anonymous", "admin"):
        if role == "admin":
            log_in(page, live_server.url, admin)
        for target in pages:
            if (role == "anonymous") != (RANK[target.access] == 0):
                continue  # public pages logged out, the others as the admin (who sees them all)
            open_page(page, live_server.url, target)
            measured = page.evaluate(OVERFLOW)
            name = target.name.strip("/").replace("/", "_").replace("<", "").replace(">", "") or "home"
            page.screenshot(path=str(tmp_path / f"{role}-{name}.png"), full_page=False)
            assert measured["inner"] == WIDTH
            if measured["scroll"] > WIDTH:
                overflowing[target.name] = measured
    # the navigation is collapsed behind the toggler, and opens from it
    page.goto(live_server.url + "/")
    expect(page.locator("#navbar-collapse")).to_be_hidden()
    page.locator("#navbar-toggler").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#navbar-collapse")).to_be_visible()
    context.close()
    print(f"\n375 px: {len(pages)} pages in {time.monotonic() - started:.0f} s; screenshots in {tmp_path}")
    for name, measured in overflowing.items():
        print(name, measured)
    assert not overflowing, overflowing

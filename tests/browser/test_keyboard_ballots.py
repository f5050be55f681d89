"""In real headless Chromium: a citizen votes on every ballot type with the keyboard alone (Tab, Space, Enter,
arrow keys; no click, no fill by selector), the running total is announced in a polite live region that changes
with each choice, focus is visible, and the ballot the database keeps is the one chosen."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import Ballot, Role
from tests.browser.a11y import log_in
from tests.helpers import make_user
from tests.participation import cycle_with_ballot, quick_user

pytestmark = pytest.mark.browser

PROJECTS = [("Alpha garden", 10_000), ("Beta bridge", 20_000), ("Gamma games", 30_000)]

# The element that has the keyboard focus, described by what a screen reader would say first.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el) { return ""; }
  const label = el.getAttribute("aria-label") || (el.labels && el.labels[0] && el.labels[0].innerText)
    || el.innerText || el.value || "";
  return el.tagName + "|" + el.type + "|" + label.trim();
}"""

OUTLINE = """() => {
  const s = getComputedStyle(document.activeElement);
  return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor];
}"""


def tab_to(page, tag: str, text: str, limit: int = 120) -> None:
    """Press Tab until the focused element is a `tag` (INPUT, BUTTON, ...) whose name contains `text`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused.startswith(tag + "|") and text in focused:
            return
    raise AssertionError(f"no {tag} named {text!r} reached with Tab (last focus: {focused!r})")


def assert_focus_visible(page) -> None:
    style, width, colour = page.evaluate(OUTLINE)
    assert style != "none" and width >= 2, (style, width, colour)


def start(page, live_server, browser_app, ballot_type: str, **config):
    db = browser_app.server.extensions["portal_db"]
    email = f"keys-{uuid.uuid4().hex[:8]}@example.org"
    make_user(db, email, Role.CITIZEN)
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS, ballot_type=ballot_type,
                                        title=f"Keyboard {ballot_type}", **config)
        ids = {p.title: str(p.id) for p in made}
        cycle_id = cycle.id
    log_in(page, live_server.url, email)
    page.goto(f"{live_server.url}/vote/{cycle_id}")
    status = page.locator("#ballot-status")
    expect(status).to_have_attribute("aria-live", "polite")
    return db, cycle_id, ids, status


def stored(db, cycle_id: int) -> dict:
    with db.session() as session:
        ballot = session.scalar(select(Ballot).where(Ballot.cycle_id == cycle_id, Ballot.replaced_at.is_(None)))
        return ballot.choices


def submit(page) -> None:
    tab_to(page, "BUTTON", "ballot")  # "Cast my ballot"
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("#ballot-receipt")).to_be_visible()


@pytest.mark.parametrize("ballot_type, config, choose, expected_status", [
    ("approval", {}, ["Alpha garden", "Gamma games"], "Projects chosen: 2."),
    ("k-approval", {"max_projects": "2"}, ["Beta bridge", "Gamma games"], "(2 chosen)"),
    ("knapsack", {}, ["Alpha garden", "Gamma games"], "Left: €60,000"),
])
def test_tick_ballots_by_keyboard(page, live_server, browser_app, ballot_type, config, choose, expected_status):
    db, cycle_id, ids, status = start(page, live_server, browser_app, ballot_type, **config)
    before = status.inner_text()
    for title in choose:
        tab_to(page, "INPUT", title)
        assert_focus_visible(page)
        page.keyboard.press("Space")
    expect(status).to_contain_text(expected_status)
    assert status.inner_text() != before  # the live region was updated, so a screen reader announces it
    if ballot_type == "k-approval":  # the limit is reached: the third project is greyed out
        expect(page.get_by_label("Alpha garden")).to_be_disabled()
    submit(page)
    assert sorted(stored(db, cycle_id)["approved"]) == sorted(ids[t] for t in choose)
    assert page.console_errors == []


def test_points_ballot_by_keyboard(page, live_server, browser_app):
    db, cycle_id, ids, status = start(page, live_server, browser_app, "cumulative", total_points="10")
    expect(status).to_contain_text("Points left: 10")
    tab_to(page, "INPUT", "Points for Beta bridge")
    assert_focus_visible(page)
    for _ in range(3):
        page.keyboard.press("ArrowUp")
    expect(status).to_contain_text("Points left: 7")
    tab_to(page, "INPUT", "Points for Gamma games")
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    expect(status).to_contain_text("Points left: 0")
    page.keyboard.press("ArrowUp")
    expect(status).to_contain_text("1 too many")
    page.keyboard.press("ArrowDown")
    expect(status).to_contain_text("Points left: 0")
    submit(page)
    assert stored(db, cycle_id) == {"points": {ids["Beta bridge"]: 3, ids["Gamma games"]: 7}}
    assert page.console_errors == []


def test_ranking_ballot_by_keyboard_only(page, live_server, browser_app):
    db, cycle_id, ids, status = start(page, live_server, browser_app, "ordinal", max_projects="3")
    for title in ("Gamma games", "Alpha garden"):
        tab_to(page, "BUTTON", f"Add {title} to the ranking")
        assert_focus_visible(page)
        page.keyboard.press("Enter")
        expect(status).to_contain_text(f"{title} added at position")
    expect(page.locator("#ballot-ranked li")).to_have_count(2)
    tab_to(page, "BUTTON", "Move Alpha garden up")
    page.keyboard.press("Space")
    expect(status).to_contain_text("Alpha garden moved to position 1")
    submit(page)
    assert stored(db, cycle_id) == {"ranking": [ids["Alpha garden"], ids["Gamma games"]]}
    assert page.console_errors == []

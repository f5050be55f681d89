"""In real headless Chromium: a whole small cycle, and the ballot pages for rankings and points.

The whole cycle: an officer creates it (budget 100,000, knapsack ballot, greedy rule), two citizens propose
(a playground for 70,000 and bike racks for 50,000), the officer accepts both, three citizens vote (two for
the playground, one for the bike racks), the officer counts and publishes. Worked out by hand: greedy with
cost satisfaction funds the playground first (2 voters), after which 30,000 is left and the bike racks
(50,000) no longer fit, so the results page must show the playground funded and the bike racks not.
"""

import re
import uuid

import pytest
from playwright.sync_api import expect

from portal.models import Role
from tests.helpers import PASSWORD, make_user
from tests.participation import cycle_with_ballot, quick_user

pytestmark = pytest.mark.browser


def _db(live_server, browser_app):
    return browser_app.server.extensions["portal_db"]


def _login(page, url, email):
    page.goto(url + "/login")
    page.fill("#field-email", email)
    page.fill("#field-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#nav-user")).to_be_visible()


def _people(db, *names):
    tag = uuid.uuid4().hex[:6]
    emails = {}
    for name in names:
        emails[name] = f"{name}-{tag}@example.org"
        make_user(db, emails[name], Role.OFFICER if name == "officer" else Role.CITIZEN)
    return emails


def _as(chromium, url, email):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    _login(page, url, email)
    return page


def _phase(page, url, cycle_id, target, label):
    page.goto(f"{url}/officer/cycle/{cycle_id}")
    page.select_option("#phase-target", target)
    page.click("#phase-submit")
    expect(page.locator("#cf-phase")).to_have_text(label)


def test_a_whole_small_cycle(page, chromium, live_server, browser_app):
    url = live_server.url
    people = _people(_db(live_server, browser_app), "officer", "ann", "ben", "v1", "v2", "v3")
    title = f"Small cycle {uuid.uuid4().hex[:6]}"

    _login(page, url, people["officer"])
    page.goto(url + "/officer")
    page.click("#officer-new-cycle")
    page.fill("#cf-title", title)
    page.fill("#cf-year", "2031")
    page.fill("#cf-total_budget", "100000")
    page.select_option("#cf-ballot_type", "knapsack")
    page.select_option("#cf-rule", "greedy")
    page.fill("#cf-categories", "parks; Parks")
    page.fill("#cf-districts", "")
    page.click("#cf-save")
    page.wait_for_url(re.compile(r"/officer/cycle/\d+$"))
    cycle_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#cf-phase")).to_have_text("Draft")
    _phase(page, url, cycle_id, "proposals", "Proposals")

    for who, name, cost in [("ann", "Playground at the lake", "70000"), ("ben", "Bike racks at the station",
                                                                          "50000")]:
        citizen = _as(chromium, url, people[who])
        citizen.goto(f"{url}/cycle/{cycle_id}")
        citizen.click("#cycle-propose")
        citizen.fill("#propose-title", name)
        citizen.fill("#propose-description", "Proposed in the browser test.")
        citizen.select_option("#propose-category", label="Parks")
        citizen.fill("#propose-cost", cost)
        citizen.click("#propose-submit")
        citizen.click("#propose-ok-link")
        expect(citizen.locator("#proposal-title")).to_contain_text(name)
        expect(citizen.locator("#proposal-title")).to_contain_text("Submitted")
        assert citizen.console_errors == []
        citizen.context.close()

    _phase(page, url, cycle_id, "review", "Review")
    page.goto(f"{url}/officer/review/{cycle_id}")
    expect(page.locator("#rv-proposal option")).to_have_count(3)  # a blank one first, then the two proposals
    values = [v for v in page.locator("#rv-proposal option").evaluate_all("els => els.map(e => e.value)") if v]
    for accepted, value in enumerate(values, start=1):
        page.select_option("#rv-proposal", value)
        page.click("#rv-accept")
        expect(page.locator("#rv-table tbody tr", has_text="Accepted")).to_have_count(accepted)
    expect(page.locator("#rv-table")).not_to_contain_text("Submitted")
    _phase(page, url, cycle_id, "voting", "Voting")

    for who, choice in [("v1", "Playground"), ("v2", "Playground"), ("v3", "Bike racks")]:
        voter = _as(chromium, url, people[who])
        voter.goto(f"{url}/vote/{cycle_id}")
        status = voter.locator("#ballot-status")
        expect(status).to_contain_text("Left: €100,000")
        voter.get_by_label(re.compile(choice)).check()
        expect(status).to_contain_text("Left: €" + ("30,000" if choice == "Playground" else "50,000"))
        other = "Bike racks" if choice == "Playground" else "Playground"
        if choice == "Playground":  # 70,000 chosen: the 50,000 project no longer fits and is greyed out
            expect(voter.get_by_label(re.compile(other))).to_be_disabled()
        voter.click("#ballot-submit")
        expect(voter.locator("#ballot-receipt")).to_be_visible()
        expect(voter.locator("#ballot-recorded")).to_contain_text(choice)
        assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", voter.locator("#ballot-receipt-code").inner_text())
        assert voter.console_errors == []
        voter.context.close()

    _phase(page, url, cycle_id, "counting", "Counting")
    page.goto(f"{url}/officer/count/{cycle_id}")
    page.click("#count-run")
    expect(page.locator("#count-ok")).to_be_visible()
    page.click("#count-publish")
    expect(page.locator("#publish-ok")).to_be_visible()
    page.click("#publish-link")
    funded = page.locator("#results-funded")
    expect(funded).to_contain_text("Playground at the lake")
    expect(funded).not_to_contain_text("Bike racks at the station")
    expect(page.locator("#results-summary")).to_contain_text("3")
    expect(page.locator("#results-sha256")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    assert page.console_errors == []


def test_ranking_ballot_by_keyboard_and_mouse(page, live_server, browser_app):
    db = _db(live_server, browser_app)
    people = _people(db, "voter")
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, [("Alpha garden", 10_000), ("Beta bridge", 20_000),
                                                           ("Gamma games", 30_000)],
                                        ballot_type="ordinal", max_projects="3", title="Ranking cycle")
        alpha, beta, gamma = (p.id for p in made)
    url = live_server.url
    _login(page, url, people["voter"])
    page.goto(f"{url}/vote/{cycle.id}")
    add = page.get_by_role("button", name="Add Beta bridge to the ranking")
    add.focus()
    page.keyboard.press("Enter")  # by keyboard
    expect(page.locator("#ballot-status")).to_contain_text("Beta bridge added at position 1")
    page.get_by_role("button", name="Add Alpha garden to the ranking").click()  # by mouse
    page.get_by_role("button", name="Add Gamma games to the ranking").click()
    expect(page.locator("#ballot-ranked li")).to_have_count(3)
    move = page.get_by_role("button", name="Move Gamma games up")
    move.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#ballot-status")).to_contain_text("Gamma games moved to position 2")
    page.wait_for_timeout(200)
    page.keyboard.press("Enter")  # focus stays on the moved project's button: up again
    expect(page.locator("#ballot-status")).to_contain_text("Gamma games moved to position 1")
    expect(page.locator("#ballot-ranked li").first).to_contain_text("Gamma games")
    page.click("#ballot-submit")
    expect(page.locator("#ballot-receipt")).to_be_visible()
    expect(page.locator("#ballot-recorded li")).to_have_text(["1. Gamma games", "2. Beta bridge", "3. Alpha garden"])
    with db.session() as session:
        from sqlalchemy import select

        from portal.models import Ballot

        stored = session.scalar(select(Ballot).where(Ballot.cycle_id == cycle.id, Ballot.replaced_at.is_(None)))
        assert stored.choices == {"ranking": [str(gamma), str(beta), str(alpha)]}
    assert page.console_errors == []


def test_points_ballot_shows_points_left(page, live_server, browser_app):
    db = _db(live_server, browser_app)
    people = _people(db, "voter")
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, [("Alpha garden", 10_000), ("Beta bridge", 20_000)],
                                        ballot_type="cumulative", total_points="10", title="Points cycle")
    url = live_server.url
    _login(page, url, people["voter"])
    page.goto(f"{url}/vote/{cycle.id}")
    status = page.locator("#ballot-status")
    expect(status).to_contain_text("Points left: 10")
    page.get_by_label("Points for Alpha garden").fill("6")
    expect(status).to_contain_text("Points left: 4")
    page.get_by_label("Points for Beta bridge").fill("7")
    expect(status).to_contain_text("3 too many")
    page.click("#ballot-submit")  # the server refuses it too
    expect(page.locator("#ballot-error")).to_contain_text("You gave 13 points but you have 10")
    page.get_by_label("Points for Beta bridge").fill("4")
    expect(status).to_contain_text("Points left: 0")
    page.click("#ballot-submit")
    expect(page.locator("#ballot-recorded")).to_contain_text("Alpha garden: 6")
    assert made and page.console_errors == []


def test_a_code_holder_without_account_votes_once(page, live_server, browser_app):
    from portal.participation import codes

    db = _db(live_server, browser_app)
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, _made = cycle_with_ballot(session, officer, [("Alpha garden", 10_000), ("Beta bridge", 20_000)],
                                         ballot_type="approval", title="Code cycle")
        (plain,) = codes.issue_codes(session, cycle, officer, 1, browser_app.server.config["SECRET_KEY"])
    url = live_server.url
    page.goto(url + "/vote-code")
    page.fill("#vote-code-input", plain.lower())
    page.click("#vote-code-submit")
    expect(page).to_have_url(re.compile(rf"/vote/{cycle.id}$"))
    expect(page.locator("#ballot-code-notice")).to_be_visible()
    page.get_by_label(re.compile("Beta bridge")).check()
    page.click("#ballot-submit")
    expect(page.locator("#ballot-recorded")).to_contain_text("Beta bridge")
    expect(page.locator("#ballot-form")).to_be_hidden()  # one ballot per code: nothing left to change
    page.goto(url + "/vote-code")
    page.fill("#vote-code-input", plain)
    page.click("#vote-code-submit")
    expect(page.locator("#vote-code-error")).to_contain_text("used already")
    assert page.console_errors == []

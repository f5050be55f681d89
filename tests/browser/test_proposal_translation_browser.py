"""In real headless Chromium: an officer adds a German translation of a proposal on its page; a reader whose
browser asks for German sees the translation, marked as the city's, and reveals the original with one click."""

import uuid

import pytest
from playwright.sync_api import expect

from portal.models import CyclePhase, Role
from tests.browser.test_cycle_flow import _as, _db, _people
from tests.participation import cycle_with_ballot, quick_user

pytestmark = pytest.mark.browser


def test_officer_translates_and_a_german_reader_sees_it_and_the_original(page, chromium, live_server, browser_app):
    url = live_server.url
    db = _db(live_server, browser_app)
    people = _people(db, "officer")
    original = f"Shade trees {uuid.uuid4().hex[:6]}"
    german = original.replace("Shade trees", "Schattenbäume")
    with db.session() as session:
        _cycle, made = cycle_with_ballot(session, quick_user(session, Role.OFFICER), [(original, 20_000)],
                                         phase=CyclePhase.REVIEW)
        proposal_id = made[0].id

    officer = _as(chromium, url, people["officer"])
    officer.goto(f"{url}/proposal/{proposal_id}")
    expect(officer.locator("#translations-empty")).to_be_visible()
    officer.select_option("#translation-language", "de")
    expect(officer.locator("#translation-title")).to_be_enabled()  # the form is loaded for German
    officer.fill("#translation-title", german)
    officer.click("#translation-save")
    expect(officer.locator("#translation-ok")).to_be_visible()
    expect(officer.locator("#translation-de")).to_contain_text(german)
    expect(officer.locator("#proposal-title")).to_contain_text(original)  # the officer reads English
    assert officer.console_errors == []
    officer.context.close()

    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    reader = context.new_page()
    reader.set_default_timeout(15_000)
    errors = []
    reader.on("pageerror", lambda e: errors.append(str(e)))
    reader.goto(f"{url}/proposal/{proposal_id}")
    expect(reader.locator("#proposal-title-text")).to_have_text(german)
    expect(reader.locator("#proposal-title-text")).to_have_attribute("lang", "de")
    expect(reader.locator("#proposal-translation-note")).to_be_visible()
    expect(reader.locator("#proposal-original")).to_be_hidden()
    reader.click("#proposal-translation-toggle")
    expect(reader.locator("#proposal-original-title")).to_have_text(original)
    expect(reader.locator("#proposal-original-title")).to_have_attribute("lang", "en")
    expect(reader.locator("#proposal-translation")).to_be_hidden()
    reader.click("#proposal-translation-toggle")  # and back
    expect(reader.locator("#proposal-title-text")).to_be_visible()
    expect(reader.locator("#proposal-original")).to_be_hidden()
    reader.click("a[href^='/proposals/']")
    expect(reader.locator("#proposals-cards")).to_contain_text(german)
    assert errors == []
    context.close()

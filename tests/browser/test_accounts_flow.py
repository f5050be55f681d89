"""In real headless Chromium: the home page, and a citizen's register / log in / log out round trip."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.helpers import confirmation_token

pytestmark = pytest.mark.browser


def test_home_renders_without_console_errors(page, live_server):
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_contain_text("Köln")
    expect(page.locator("#home-expenditure")).to_contain_text("2015")
    expect(page.locator("#site-footer")).to_contain_text("CC-BY")
    page.wait_for_load_state("networkidle")
    assert page.console_errors == []


def test_citizen_registers_logs_in_sees_own_page_and_logs_out(page, live_server):
    email = f"citizen-{uuid.uuid4().hex[:8]}@example.org"
    password = "a long enough passphrase"
    page.goto(live_server.url + "/register")
    page.fill("#field-email", email)
    page.fill("#field-display_name", "Browser Citizen")
    page.fill("#field-password", password)
    page.fill("#field-password2", password)
    page.click("#register-submit")
    expect(page.locator("#register-sent")).to_be_visible()
    token = confirmation_token(live_server.instance_path, email)
    page.goto(live_server.url + "/register?token=" + token)
    page.click("#confirm-submit")
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.locator("#account-email")).to_have_text(email)

    page.click("#logout-button")
    expect(page.locator("#nav-login")).to_be_visible()

    page.goto(live_server.url + "/login")
    page.fill("#field-email", email)
    page.fill("#field-password", password)
    page.click("#login-submit")
    expect(page.locator("#nav-user")).to_have_text("Browser Citizen")
    page.goto(live_server.url + "/account")
    expect(page.locator("#account-email")).to_have_text(email)
    # a protected callback works in the browser (CSRF header copied from the cookie by Dash)
    page.fill("#account-name", "Renamed Citizen")
    page.click("#account-save")
    expect(page.locator("#account-saved-ok")).to_be_visible()

    page.click("#logout-button")
    expect(page.locator("#nav-login")).to_be_visible()
    page.goto(live_server.url + "/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount"))
    assert page.console_errors == []


def test_anonymous_visitor_is_refused_the_citizen_page(page, live_server):
    page.goto(live_server.url + "/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount"))
    expect(page.locator("#login-form")).to_be_visible()
    assert page.locator("#account-email").count() == 0


def test_client_side_navigation_to_restricted_page_shows_refusal(page, live_server):
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    # navigate inside the single-page app, which goes through Dash's router callback, not a GET
    page.evaluate("window.history.pushState({}, '', '/account'); window.dispatchEvent(new PopStateEvent('popstate'))")
    expect(page.locator("#access-refused")).to_be_visible()
    assert page.locator("#account-email").count() == 0


def test_wrong_password_shows_a_message(page, live_server):
    page.goto(live_server.url + "/login")
    page.fill("#field-email", "nobody@example.org")
    page.fill("#field-password", "wrong password here")
    page.click("#login-submit")
    expect(page.locator("#form-error")).to_be_visible()

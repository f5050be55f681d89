"""axe-core (4.14.1, vendored from npm) on every page of the portal, in every language, logged out and as a
citizen, an officer and an admin: no violation of impact serious or critical.

One browser, one context per role (logged in once), the language switched with the `lang` cookie. Every page is
checked in all five languages as every role that sees it (logged out, citizen, officer, admin; embeds do not
depend on the account, so logged out only), and in English where the role may not see it (restricted pages send
visitors to log in; a citizen sees the refusal notice on an officer page). Prints the table page x language x role
(serious/critical counts; "-" where that combination is not visited).
"""

from __future__ import annotations

import os
import time
import uuid
from collections import defaultdict

import pytest

from tests.browser.a11y import LANGS, RANK, ROLES, describe, log_in, open_page, people, run_axe, serious, targets

pytestmark = pytest.mark.browser


def _langs() -> tuple[str, ...]:
    chosen = os.environ.get("A11Y_LANGS")  # e.g. A11Y_LANGS=en while fixing; the suite runs all five
    return tuple(x for x in chosen.split(",") if x) if chosen else LANGS


def visit(target, role: str, lang: str) -> bool:
    if role != "anonymous" and not target.dash:
        return False  # embeds do not depend on the account
    if RANK[target.access] <= RANK[role]:
        return True  # every language, as every role that sees the page (logged-in navigation, officer controls)
    if lang != "en":
        return False
    if role == "citizen" and target.name == "/officer":
        return True  # the refusal notice
    return role == "anonymous"  # restricted pages send visitors to log in


def test_no_serious_or_critical_axe_violation_anywhere(chromium, live_server, browser_app):
    db = browser_app.server.extensions["portal_db"]
    pages = targets(db, browser_app)
    emails = people(db, uuid.uuid4().hex[:6])
    url = live_server.url
    table: dict[tuple[str, str, str], int] = {}
    problems: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    started = time.monotonic()
    visits = 0
    loading = checking = 0.0
    for role in ROLES:
        # reduced motion: Bootstrap's colour transitions then end at once, so axe sees the final colours
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True,
                                       reduced_motion="reduce")
        page = context.new_page()
        page.set_default_timeout(20_000)
        if role != "anonymous":
            log_in(page, url, emails[role])
        for lang in _langs():
            context.add_cookies([{"name": "lang", "value": lang, "url": url}])
            for target in pages:
                if not visit(target, role, lang):
                    continue
                t0 = time.monotonic()
                open_page(page, url, target)
                t1 = time.monotonic()
                found = serious(run_axe(page))
                loading += t1 - t0
                checking += time.monotonic() - t1
                visits += 1
                table[(target.name, lang, role)] = len(found)
                problems[(target.name, lang, role)] += [describe(v) for v in found]
        context.close()
    elapsed = time.monotonic() - started

    langs = _langs()
    print(f"\naxe-core serious/critical violations: {visits} page visits in {elapsed:.0f} s "
          f"(loading {loading:.0f} s, axe {checking:.0f} s)")
    header = f"{'page':<26}" + "".join(f"{lang + ':' + role[:4]:>10}" for role in ROLES for lang in langs)
    print(header)
    for target in pages:
        row = f"{target.name:<26}"
        for role in ROLES:
            for lang in langs:
                value = table.get((target.name, lang, role))
                row += f"{'-' if value is None else value:>10}"
        print(row)
    failures = {key: found for key, found in problems.items() if found}
    for key, found in failures.items():
        print(key, *found, sep="\n  ")
    assert not failures, f"{len(failures)} page/language/role combinations have serious or critical violations"

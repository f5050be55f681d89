"""In real headless Chromium: every page in German, Dutch, Italian and Finnish shows no English interface text.

One browser, the seeded live server (demo budget, datasets, last year's published cycle, this year's cycle open
for proposals) plus a cycle in its voting phase. Every registered Dash page (with real ids), the officer and
administrator pages as an administrator, the log-in and registration pages anonymously, and the embeds.

On each page the test collects every text node (hidden ones too: what a screen reader reads counts), the
placeholder, aria-label, title, alt and data-title (plotly's mode bar) attributes, the document title and the
text of the charts' SVG, and fails on any that is an English message of the catalogue whose translation
differs, i.e. a string shown untranslated. Messages with placeholders are matched as patterns. What people
entered and the data (names, numbers) are not messages, so they never match.
"""

from __future__ import annotations

import re
import uuid

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect
from sqlalchemy import select

from portal import catalogues
from portal.datasets.catalogue import shipped
from portal.models import Cycle, CyclePhase, Proposal, ProposalStatus, Role
from tests.helpers import PASSWORD, make_user
from tests.participation import cycle_with_ballot

pytestmark = pytest.mark.browser

LANGUAGES = ["de", "nl", "it", "fi"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdf]|\{[a-z_]+(?:[:!][^}]*)?\}")

COLLECT = """() => {
  const out = [];
  const skip = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || skip.has(el.tagName) || el.closest("[data-dash-is-loading]")) continue;
    const t = n.textContent.trim();
    if (t) out.push(t);
  }
  const attrs = ["placeholder", "aria-label", "title", "alt", "data-title"];
  for (const el of document.querySelectorAll(attrs.map(a => "[" + a + "]").join(","))) {
    for (const a of attrs) { const v = el.getAttribute(a); if (v && v.trim()) out.push(v.trim()); }
  }
  if (document.title) out.push(document.title.trim());
  return out;
}"""

GRAPHS_DRAWN = """() => [...document.querySelectorAll(".dash-graph")].every(g => g.querySelector(".main-svg"))"""


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(":").strip()


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _english(lang: str) -> tuple[dict[str, str], list[tuple[re.Pattern, str]]]:
    """English messages whose translation differs: exact texts, and patterns for messages with placeholders."""
    with (catalogues.TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    exact, patterns = {}, []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english, translated in zip(ids, strings, strict=False):
            if _norm(english) == _norm(translated or ""):
                continue  # the same word in both languages ("Online", "Budget"): nothing to find
            if PLACEHOLDER.search(english):
                parts = PLACEHOLDER.split(_flat(english))
                longest = max(parts, key=len).strip()
                if len(re.sub(r"[^A-Za-z]", "", "".join(parts))) >= 8:  # enough fixed English to recognise it
                    regex = re.compile(".+?".join(re.escape(part) for part in parts))
                    patterns.append((regex, longest, english))
            elif len(_norm(english)) > 1:
                exact[_norm(english)] = english
    return exact, patterns


def _untranslated(texts: list[str], exact: dict, patterns: list) -> list[str]:
    found = []
    for text in texts:
        norm = _norm(text)
        if norm in exact:
            found.append(exact[norm])
        elif len(norm) > 12:  # the longest fixed part must be there before the (slower) pattern is tried
            flat = _flat(text)
            found.extend(english for regex, longest, english in patterns
                         if longest in flat and regex.fullmatch(flat))
    return sorted(set(found))


@pytest.fixture(scope="module")
def crawl_targets(browser_app):
    """Real ids from the seeded demo data, plus a cycle in its voting phase and an administrator."""
    db = browser_app.server.extensions["portal_db"]
    admin_email = f"admin-{uuid.uuid4().hex[:6]}@example.org"
    make_user(db, admin_email, Role.ADMIN)
    with db.session() as session:
        from portal.models import User

        admin = session.scalar(select(User).where(User.email == admin_email))
        voting, _made = cycle_with_ballot(session, admin, [("Trinkbrunnen am Markt", 30000), ("Bank im Park", 9000)],
                                          year=2040, title="Abstimmung 2040")
        voting_id = voting.id
        published = session.scalar(select(Cycle.id).where(Cycle.phase == CyclePhase.RESULTS).order_by(Cycle.id))
        current = session.scalar(select(Cycle.id).where(Cycle.phase == CyclePhase.PROPOSALS).order_by(Cycle.id))
        funded = session.scalar(select(Proposal.id).order_by(Proposal.id).where(
            Proposal.cycle_id == published, Proposal.status == ProposalStatus.FUNDED))
        open_proposal = session.scalar(select(Proposal.id).where(Proposal.cycle_id == current).order_by(Proposal.id))
        slug = next(d.slug for d in shipped("koeln") if d.slug.endswith("bike-counters"))
    assert published and current and funded and open_proposal and slug, (published, current, funded, slug)
    anonymous = ["/login", "/register", "/vote-code"]
    as_admin = [
        "/", "/budget", "/budget?year=2015&path=05", "/data", f"/data/{slug}", "/cycles", "/priorities",
        f"/cycle/{current}", f"/cycle/{published}", f"/proposals/{current}", f"/proposal/{open_proposal}",
        f"/proposal/{funded}", f"/propose/{current}", f"/vote/{voting_id}", f"/results/{published}", "/account",
        "/officer", "/officer/audit", f"/officer/cycle/{current}", "/officer/cycle/new", f"/officer/review/{current}",
        f"/officer/ballots/{voting_id}", f"/officer/count/{published}", f"/officer/delivery/{published}",
        "/budget/import", "/data-upload", "/admin/users", "/no-such-page",
    ]
    embeds = [
        "/embed/budget-treemap?year=2015", "/embed/budget-years", "/embed/budget-compare",
        f"/embed/results-district?cycle={published}", f"/embed/results-category?cycle={published}",
        f"/embed/results-turnout?cycle={published}", f"/embed/delivery?cycle={published}", "/embed/priorities",
        f"/embed/dataset-chart?slug={slug}",
    ]
    return {"admin": admin_email, "anonymous": anonymous, "as_admin": as_admin, "embeds": embeds}


def _visit(page, url: str, dash_page: bool) -> list[str]:
    page.goto(url, wait_until="networkidle")
    if dash_page:
        expect(page.locator("#language-menu")).to_be_attached()  # the switcher is on every page
        expect(page.locator("#_pages_content")).not_to_be_empty()
    page.wait_for_function(GRAPHS_DRAWN if dash_page else "() => !document.getElementById('chart') || "
                           "document.getElementById('chart').dataset.ready === 'true'")
    return page.evaluate(COLLECT)


def test_every_page_in_every_language_shows_no_untranslated_message(chromium, live_server, crawl_targets):
    targets = crawl_targets
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    anon = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page, anon_page = context.new_page(), anon.new_page()
    for pg in (page, anon_page):
        pg.set_default_timeout(20_000)
    page.goto(live_server.url + "/login")
    page.fill("#field-email", targets["admin"])
    page.fill("#field-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#nav-user")).to_be_visible()

    table: dict[str, dict[str, int]] = {}
    failures = []
    for lang in LANGUAGES:
        exact, patterns = _english(lang)
        for ctx in (context, anon):
            ctx.add_cookies([{"name": "lang", "value": lang, "url": live_server.url}])
        plan = ([(anon_page, p, True) for p in targets["anonymous"]] + [(page, p, True) for p in targets["as_admin"]]
                + [(anon_page, p, False) for p in targets["embeds"]])
        for pg, path, dash_page in plan:
            texts = _visit(pg, live_server.url + path, dash_page)
            assert len(texts) > 3, (lang, path, texts)
            bad = _untranslated(texts, exact, patterns)
            table.setdefault(path, {})[lang] = len(bad)
            failures.extend(f"{lang} {path}: {text!r}" for text in bad)
    context.close()
    anon.close()

    width = max(len(p) for p in table)
    print("\nUntranslated messages shown, page x language:")
    print(f"{'page':<{width}}  " + "  ".join(f"{lang:>3}" for lang in LANGUAGES))
    for path, counts in table.items():
        print(f"{path:<{width}}  " + "  ".join(f"{counts.get(lang, 0):>3}" for lang in LANGUAGES))
    assert not failures, f"{len(failures)} untranslated:\n" + "\n".join(failures[:80])


def test_the_crawl_would_see_an_untranslated_message():
    """The matcher itself: an English message (exact or with placeholders) is found, data and translations not."""
    exact, patterns = _english("de")
    assert _untranslated(["Propose a project", "Ein Projekt vorschlagen", "Köln", "1.234.567 €"], exact,
                         patterns) == ["Propose a project"]
    assert _untranslated(["Imported 1,234 budget lines."], exact, patterns) == ["Imported {n} budget lines."]
    assert _untranslated(["Zoom in"], exact, patterns) == ["Zoom in"]

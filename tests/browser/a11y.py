"""Shared by the accessibility and mobile browser tests: the portal's pages with real ids, logging in,
waiting for a Dash page to settle, and axe-core (vendored from npm under tests/fixtures/axe, never downloaded)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from portal.models import Cycle, CyclePhase, FrozenChart, Proposal, Role
from tests.helpers import PASSWORD, make_user

AXE_JS = Path(__file__).resolve().parents[1] / "fixtures" / "axe" / "axe.min.js"
LANGS = ("en", "de", "nl", "it", "fi")
ROLES = ("anonymous", "citizen", "officer", "admin")
RANK = {"anonymous": 0, "citizen": 1, "officer": 2, "admin": 3}
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
               "resultTypes": ["violations"]}


@dataclass(frozen=True)
class Target:
    name: str  # the row of the report, e.g. "/vote/<id>"
    url: str  # with the real id
    access: str  # the least role that sees the page itself (others see the refusal notice)
    dash: bool = True  # a Dash page (waits for its callbacks) or a plain HTML page (embeds)


def targets(db, app=None) -> list[Target]:
    """Every registered page, parameterised ones with real ids from the seeded demo data (plus a cycle in the
    voting phase and a frozen chart), the embeds, log-in, registration and the 404 page."""
    from tests.participation import cycle_with_ballot, quick_user

    with db.session() as session:
        past = session.scalar(select(Cycle).where(Cycle.phase == CyclePhase.RESULTS).order_by(Cycle.id))
        current = session.scalar(select(Cycle).where(Cycle.phase == CyclePhase.PROPOSALS).order_by(Cycle.id))
        voting = session.scalar(select(Cycle).where(Cycle.title == "A11y voting cycle"))
        if voting is None:
            officer = quick_user(session, Role.OFFICER)
            voting, _made = cycle_with_ballot(session, officer, [("Alpha garden", 10_000), ("Beta bridge", 20_000)],
                                              ballot_type="knapsack", title="A11y voting cycle")
        proposal = session.scalar(select(Proposal.id).where(Proposal.cycle_id == past.id).order_by(Proposal.id))
        frozen_id = session.scalar(select(FrozenChart.id).order_by(FrozenChart.id))
        if frozen_id is None and app is not None:
            from portal.embeds import frozen

            with app.server.test_request_context("/"):
                frozen_id = frozen.freeze(session, quick_user(session, Role.OFFICER), "results-district",
                                          {"cycle": str(past.id)}).id
        ids = {"past": past.id, "current": current.id, "voting": voting.id, "proposal": proposal,
               "frozen": frozen_id}
        session.commit()
    p, c, v = ids["past"], ids["current"], ids["voting"]
    pages = [
        ("/", "/", "anonymous"), ("/budget", "/budget", "anonymous"), ("/data", "/data", "anonymous"),
        ("/data/<slug>", "/data/koeln-population", "anonymous"), ("/cycles", "/cycles", "anonymous"),
        ("/cycle/<id>", f"/cycle/{c}", "anonymous"), ("/cycle/<past>", f"/cycle/{p}", "anonymous"),
        ("/proposals/<id>", f"/proposals/{c}", "anonymous"), ("/proposal/<id>", f"/proposal/{ids['proposal']}",
                                                              "anonymous"),
        ("/results/<id>", f"/results/{p}", "anonymous"), ("/priorities", "/priorities", "anonymous"),
        ("/vote-code", "/vote-code", "anonymous"), ("/login", "/login", "anonymous"),
        ("/register", "/register", "anonymous"), ("404", "/no-such-page", "anonymous"),
        ("/account", "/account", "citizen"), ("/propose/<id>", f"/propose/{c}", "citizen"),
        ("/vote/<id>", f"/vote/{v}", "citizen"),
        ("/officer", "/officer", "officer"), ("/officer/cycle/<id>", f"/officer/cycle/{c}", "officer"),
        ("/officer/cycle/new", "/officer/cycle/new", "officer"), ("/officer/review/<id>", f"/officer/review/{c}",
                                                                  "officer"),
        ("/officer/ballots/<id>", f"/officer/ballots/{v}", "officer"),
        ("/officer/count/<id>", f"/officer/count/{p}", "officer"),
        ("/officer/delivery/<id>", f"/officer/delivery/{p}", "officer"),
        ("/officer/audit", "/officer/audit", "officer"),
        ("/budget/import", "/budget/import", "officer"), ("/data-upload", "/data-upload", "officer"),
        ("/admin/users", "/admin/users", "admin"),
    ]
    out = [Target(name, url, access) for name, url, access in pages]
    embeds = [("budget-treemap", ""), ("budget-map", ""), ("results-district", f"cycle={p}"),
              ("delivery", f"cycle={p}"), ("priorities", ""), ("dataset-chart", "slug=koeln-population")]
    out += [Target(f"/embed/{kind}", f"/embed/{kind}" + (f"?{q}" if q else ""), "anonymous", dash=False)
            for kind, q in embeds]
    if ids["frozen"]:
        out.append(Target("/embed/frozen/<id>", f"/embed/frozen/{ids['frozen']}", "anonymous", dash=False))
    return out


def people(db, tag: str) -> dict[str, str]:
    emails = {}
    for role in ("citizen", "officer", "admin"):
        emails[role] = f"a11y-{role}-{tag}@example.org"
        make_user(db, emails[role], Role(role))
    return emails


def log_in(page, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.fill("#field-email", email)
    page.fill("#field-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#nav-user", state="attached")


SETTLED = """() => {
  const content = document.getElementById('_pages_content');
  return !!content && content.childElementCount > 0 && document.title !== 'Updating...'
    && !document.querySelector('[data-dash-is-loading="true"], ._dash-loading-callback');
}"""


def open_page(page, url: str, target: Target) -> int:
    """Go to the page and wait until Dash has rendered it and no callback is pending; the HTTP status."""
    response = page.goto(url + target.url, wait_until="domcontentloaded")
    if target.dash and page.evaluate("() => !!document.getElementById('react-entry-point')"):
        page.wait_for_function(SETTLED, polling=50)
        page.wait_for_timeout(60)  # a chained callback may start right after the first ones end
        page.wait_for_function(SETTLED, polling=50)
    elif target.dash:  # the server refused the page itself (403): its plain error page
        page.wait_for_load_state("load")
    else:
        page.wait_for_load_state("load")
        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached")
    return response.status if response else 0


def run_axe(page) -> list[dict]:
    """axe-core's violations on the page as it is now (injected once per document)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate("options => axe.run(document, options).then(r => r.violations)", AXE_OPTIONS)


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


def describe(violation: dict, limit: int = 3) -> str:
    nodes = "; ".join(" ".join(n.get("target", [])) if isinstance(n.get("target"), list) else str(n.get("target"))
                      for n in violation.get("nodes", [])[:limit])
    return f"{violation['id']} ({violation['impact']}, {len(violation.get('nodes', []))}x): {nodes}"

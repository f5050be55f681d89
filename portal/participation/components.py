"""Dash components the participation pages share (no data access; texts translated at render time).

This is the only module of the package that imports Dash; the services do not.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from portal.i18n import _, money
from portal.models import Cycle, CyclePhase, ProposalStatus
from portal.participation import phases
from portal.participation.errors import ParticipationError

PHASE_COLOURS = {
    CyclePhase.DRAFT: "secondary", CyclePhase.PROPOSALS: "primary", CyclePhase.REVIEW: "info",
    CyclePhase.VOTING: "success", CyclePhase.COUNTING: "warning", CyclePhase.RESULTS: "dark",
    CyclePhase.CLOSED: "light",
}
STATUS_COLOURS = {
    ProposalStatus.DRAFT: "secondary", ProposalStatus.SUBMITTED: "info", ProposalStatus.ACCEPTED: "success",
    ProposalStatus.REJECTED: "danger", ProposalStatus.MERGED: "secondary", ProposalStatus.FUNDED: "dark",
}


def phase_badge(phase: CyclePhase | str, badge_id: str | None = None) -> dbc.Badge:
    phase = CyclePhase(phase)
    kwargs = {"id": badge_id} if badge_id else {}
    return dbc.Badge(phases.label(phase), color=PHASE_COLOURS[phase], className="ms-2 align-middle",
                     text_color="dark" if PHASE_COLOURS[phase] in ("info", "warning", "light") else None, **kwargs)


def status_badge(status: ProposalStatus | str) -> dbc.Badge:
    from portal.participation.proposals import status_label

    status = ProposalStatus(status)
    colour = STATUS_COLOURS[status]
    return dbc.Badge(status_label(status), color=colour, className="ms-1",
                     text_color="dark" if colour in ("info", "warning", "light") else None)


def error_alert(exc: ParticipationError | Exception, alert_id: str = "participation-error") -> dbc.Alert:
    """The message of a refused request, announced to screen readers."""
    message = exc.message if isinstance(exc, ParticipationError) else str(exc)
    return dbc.Alert(message, color="danger", id=alert_id, className="mb-2")


def ok_alert(message, alert_id: str = "participation-ok") -> dbc.Alert:
    return dbc.Alert(message, color="success", id=alert_id, className="mb-2")


def not_found(message: str) -> dbc.Alert:
    return dbc.Alert([html.H1(_("Not found"), className="h4"), html.P(message)], color="secondary",
                     id="participation-not-found")


def cycle_header(cycle: Cycle, subtitle: str | None = None) -> html.Div:
    return html.Div([
        html.H1([cycle.title, phase_badge(cycle.phase, "cycle-phase")], className="h2 mb-1"),
        html.P([subtitle + " · " if subtitle else "",
                _("Budget {budget}").format(budget=money(cycle.total_budget, cycle.currency))],
               className="text-muted"),
    ])


def officer_nav(cycle_id: int, active: str) -> dbc.Nav:
    items = [
        ("settings", _("Settings and phase"), f"/officer/cycle/{cycle_id}"),
        ("review", _("Review"), f"/officer/review/{cycle_id}"),
        ("ballots", _("Voting codes and paper ballots"), f"/officer/ballots/{cycle_id}"),
        ("count", _("Practice run, count and publish"), f"/officer/count/{cycle_id}"),
        ("delivery", _("Delivery"), f"/officer/delivery/{cycle_id}"),
        ("public", _("Public page"), f"/cycle/{cycle_id}"),
    ]
    return dbc.Nav([dbc.NavItem(dbc.NavLink(label, href=href, active=key == active)) for key, label, href in items],
                   pills=True, className="mb-3 flex-wrap", id="officer-cycle-nav")


def definition_list(items: list[tuple[str, object]], list_id: str | None = None) -> html.Dl:
    children = []
    for term, value in items:
        children += [html.Dt(term, className="col-sm-4"), html.Dd(value, className="col-sm-8")]
    kwargs = {"id": list_id} if list_id else {}
    return html.Dl(children, className="row mb-0", **kwargs)


def simple_table(headers: list[str], rows: list[list], table_id: str | None = None, caption: str | None = None):
    """A table that scrolls sideways on a narrow screen; the scrolling box can be reached by keyboard."""
    kwargs = {"id": table_id} if table_id else {}
    table = dbc.Table([
        html.Caption(caption, className="caption-top") if caption else None,
        html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
        html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows]),
    ], striped=True, hover=True, size="sm", **kwargs)
    return scroll_box(table, caption or (", ".join(str(h) for h in headers if isinstance(h, str) and h)))


def scroll_box(child, label: str) -> html.Div:
    """A `.table-responsive` box: focusable (tab stop) and named, so a keyboard user can scroll it."""
    return html.Div(child, className="table-responsive", tabIndex="0", role="region", **{"aria-label": label})


def progress(value: int, label: str, colour: str = "primary", bar_id: str | None = None, **style) -> html.Div:
    """A Bootstrap progress bar with an accessible name (`label`: what is progressing) and its value in text."""
    value = max(0, min(100, int(value)))
    kwargs = {"id": bar_id} if bar_id else {}
    dark_text = " text-dark" if colour in ("warning", "info", "light") else ""
    return html.Div(html.Div(f"{value} %", className=f"progress-bar bg-{colour}{dark_text}", role="progressbar",
                             style={"width": f"{value}%"},
                             **{"aria-valuenow": str(value), "aria-valuemin": "0", "aria-valuemax": "100",
                                "aria-label": label}),
                    className="progress delivery-progress", style=style or None, **kwargs)


def proposal_link(proposal, translated: dict[int, str] | None = None, **kwargs) -> html.A:
    """A link to a proposal under its title in the reader's language where the city translated it (marked with
    its language, the original title in the tooltip); the proposal page shows the original one click away."""
    from portal.i18n import current_language

    title = (translated or {}).get(proposal.id)
    if title is None:
        return html.A(proposal.title, href=f"/proposal/{proposal.id}", lang=proposal.language or None, **kwargs)
    return html.A(title, href=f"/proposal/{proposal.id}", lang=current_language(),
                  title=_("Translated by the city. Original: {title}").format(title=proposal.title),
                  className=" ".join(x for x in (kwargs.pop("className", ""), "translated") if x), **kwargs)

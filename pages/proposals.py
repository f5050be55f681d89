"""Browse and search the proposals of a cycle; where the ballot is shortlisted, the ranking by supports."""

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from portal.db import get_session
from portal.i18n import _, _l, current_language, money, ngettext, number
from portal.models import CyclePhase, ProposalStatus
from portal.participation.components import cycle_header, not_found, proposal_link, simple_table, status_badge
from portal.participation.cycles import get_cycle, shortlist_settings
from portal.participation.errors import NotFound
from portal.participation.proposals import PUBLIC_STATUSES, browse, status_label
from portal.participation.shortlist import ranking
from portal.participation.translations import titles_in
from portal.security import callback, register_page
from portal.web import user


def _cards(session, cycle, **filters):
    rows = browse(session, cycle, **filters)
    if not rows:
        return html.P(_("No proposal matches."), id="proposals-empty")
    translated = titles_in(session, [r.proposal for r in rows], current_language())
    return html.Div([
        dbc.Card(dbc.CardBody([
            html.H2(proposal_link(r.proposal, translated), className="h6 mb-1"),
            html.P([status_badge(r.proposal.status), " ",
                    html.Span(" · ".join(x for x in (r.category, r.district) if x), className="text-muted small")],
                   className="mb-1"),
            html.P([money(r.proposal.cost, cycle.currency), " · ",
                    ngettext("{n} support", "{n} supports", r.supports).format(n=number(r.supports))],
                   className="mb-0 small"),
        ]), className="mb-2 proposal-card")
        for r in rows
    ], id="proposals-cards")


def _ranking(session, cycle):
    settings = shortlist_settings(cycle)
    if not settings["enabled"] or cycle.phase in (CyclePhase.DRAFT, CyclePhase.PROPOSALS):
        return None
    rows = ranking(session, cycle)
    translated = titles_in(session, [r.proposal for r in rows], current_language())
    rule = (_("the top {n} of each group").format(n=settings["n"]) if settings["mode"] == "top"
            else _("every proposal with at least {n} supports").format(n=settings["threshold"]))
    return dbc.Card(dbc.CardBody([
        html.H2(_("Ranking for the ballot"), className="h5"),
        html.P(_("Accepted proposals ranked by supports; {rule} goes on the ballot (ties: the earlier proposal "
                 "first).").format(rule=rule)),
        simple_table([_("Group"), _("Rank"), _("Proposal"), _("Supports"), _("On the ballot")],
                     [[r.group or _("all"), r.rank, proposal_link(r.proposal, translated),
                       r.supports, _("yes") if r.shortlisted else _("no")] for r in rows], "proposals-ranking"),
    ]), className="mb-3")


def layout(cycle_id=None, **_query):
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user())
    except NotFound as exc:
        return not_found(exc.message)
    return html.Div([
        cycle_header(cycle, _("Proposals")),
        dcc.Store(id="proposals-cycle", data=cycle.id),
        _ranking(session, cycle),
        dbc.Row([
            dbc.Col([dbc.Label(_("Search"), html_for="proposals-text"),
                     dbc.Input(id="proposals-text", type="search", debounce=True, maxLength=100)], md=4),
            dbc.Col([dbc.Label(_("Category"), html_for="proposals-category"),
                     dbc.Select(id="proposals-category", value="", options=[{"label": _("All"), "value": ""}]
                                + [{"label": c.name, "value": str(c.id)} for c in cycle.categories])], md=2),
            dbc.Col([dbc.Label(_("District"), html_for="proposals-district"),
                     dbc.Select(id="proposals-district", value="", options=[{"label": _("All"), "value": ""}]
                                + [{"label": d.name, "value": d.code} for d in cycle.districts])], md=2),
            dbc.Col([dbc.Label(_("Status"), html_for="proposals-status"),
                     dbc.Select(id="proposals-status", value="", options=[{"label": _("All"), "value": ""}]
                                + [{"label": status_label(s), "value": s.value} for s in PUBLIC_STATUSES])], md=2),
            dbc.Col([dbc.Label(_("Sort by"), html_for="proposals-sort"),
                     dbc.Select(id="proposals-sort", value="supports", options=[
                         {"label": _("Most supported"), "value": "supports"},
                         {"label": _("Newest"), "value": "newest"},
                         {"label": _("Cost"), "value": "cost"}, {"label": _("Title"), "value": "title"}])], md=2),
        ], className="mb-3 g-2"),
        html.Div(_cards(session, cycle), id="proposals-list", role="region", **{"aria-live": "polite"}),
    ])


@callback(
    Output("proposals-list", "children"),
    Input("proposals-text", "value"),
    Input("proposals-category", "value"),
    Input("proposals-district", "value"),
    Input("proposals-status", "value"),
    Input("proposals-sort", "value"),
    State("proposals-cycle", "data"),
    prevent_initial_call=True,
    access="public",
)
def filter_proposals(text, category, district, status, sort, cycle_id):
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user())
    except NotFound:
        raise PreventUpdate from None
    if status and status not in {s.value for s in ProposalStatus}:
        raise PreventUpdate
    return _cards(session, cycle, text=text, category_id=category, district_code=district, status=status or None,
                  sort=sort or "supports")


register_page(__name__, path="/proposals/<cycle_id>", path_template="/proposals/<cycle_id>", layout=layout,
              title=_l("Proposals"), name="Proposals")

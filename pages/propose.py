"""Propose a project (or edit your own proposal) during the proposal phase."""

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from portal.db import get_session
from portal.i18n import _, _l, money
from portal.participation import phases
from portal.participation.components import cycle_header, error_alert, not_found, ok_alert
from portal.participation.cycles import get_cycle
from portal.participation.errors import NotFound, ParticipationError
from portal.participation.proposals import can_edit, create_proposal, get_proposal, update_proposal
from portal.security import callback, register_page
from portal.web import user


def _field(label, component, help_text=None):
    return html.Div([dbc.Label(label, html_for=component.id), component,
                     dbc.FormText(help_text) if help_text else None], className="mb-3")


def layout(cycle_id=None, edit=None, **_query):
    session = get_session()
    me = user()
    try:
        cycle = get_cycle(session, cycle_id, me)
        proposal = get_proposal(session, edit, me) if edit else None
    except NotFound as exc:
        return not_found(exc.message)
    if proposal is not None and (proposal.cycle_id != cycle.id or not can_edit(session, proposal, me)):
        return dbc.Alert(_("This proposal cannot be changed any more."), color="warning", id="propose-closed")
    if not phases.allows(cycle, "propose"):
        return html.Div([cycle_header(cycle), dbc.Alert(_("Proposals are not open in this phase."), color="warning",
                                                        id="propose-closed")])
    p = proposal
    return html.Div([
        cycle_header(cycle, _("Edit your proposal") if p else _("Propose a project")),
        dcc.Store(id="propose-cycle", data=cycle.id),
        dcc.Store(id="propose-edit", data=p.id if p else None),
        dbc.Row(dbc.Col([
            _field(_("Title"), dbc.Input(id="propose-title", maxLength=200, value=p.title if p else "")),
            _field(_("Description"), dbc.Textarea(id="propose-description", rows=6, maxLength=10000,
                                                  value=p.description if p else ""),
                   _("What should be done, where, and for whom?")),
            dbc.Row([
                dbc.Col(_field(_("Category"), dbc.Select(
                    id="propose-category", value=str(p.category_id) if p and p.category_id else "",
                    options=[{"label": _("Choose…"), "value": ""}]
                    + [{"label": c.name, "value": str(c.id)} for c in cycle.categories])), md=6),
                dbc.Col(_field(_("District"), dbc.Select(
                    id="propose-district", value=(p.district_code or "") if p else "",
                    options=[{"label": _("Whole city"), "value": ""}]
                    + [{"label": d.name, "value": d.code} for d in cycle.districts])), md=6),
            ]),
            _field(_("Estimated cost ({currency})").format(currency=cycle.currency),
                   dbc.Input(id="propose-cost", type="number", min=1, step=1,
                             value=p.estimated_cost if p else None),
                   _("At most the cycle's budget of {budget}. The officers will review it.").format(
                       budget=money(cycle.total_budget, cycle.currency))),
            dbc.Row([
                dbc.Col(_field(_("Latitude (optional)"), dbc.Input(
                    id="propose-lat", type="number", step="any",
                    value=float(p.latitude) if p and p.latitude is not None else None)), md=6),
                dbc.Col(_field(_("Longitude (optional)"), dbc.Input(
                    id="propose-lon", type="number", step="any",
                    value=float(p.longitude) if p and p.longitude is not None else None)), md=6),
            ]),
            dbc.Button(_("Submit for review"), id="propose-submit", color="primary", className="me-2"),
            dbc.Button(_("Save as draft"), id="propose-draft", color="secondary", outline=True),
            html.Div(id="propose-msg", role="status", className="mt-3"),
        ], lg=8)),
    ])


@callback(
    Output("propose-msg", "children"),
    Output("propose-edit", "data"),
    Input("propose-submit", "n_clicks"),
    Input("propose-draft", "n_clicks"),
    State("propose-cycle", "data"),
    State("propose-edit", "data"),
    State("propose-title", "value"),
    State("propose-description", "value"),
    State("propose-category", "value"),
    State("propose-district", "value"),
    State("propose-cost", "value"),
    State("propose-lat", "value"),
    State("propose-lon", "value"),
    prevent_initial_call=True,
    access="citizen",
)
def save_proposal(submit_clicks, draft_clicks, cycle_id, edit_id, title, description, category, district, cost,
                  lat, lon):
    if not (submit_clicks or draft_clicks):
        raise PreventUpdate
    submit = ctx.triggered_id != "propose-draft"
    data = {"title": title, "description": description, "category_id": category, "district_code": district,
            "estimated_cost": cost, "latitude": lat, "longitude": lon}
    session = get_session()
    me = user()
    try:
        cycle = get_cycle(session, cycle_id, me)
        if edit_id:
            proposal = get_proposal(session, edit_id, me)
            if proposal.cycle_id != cycle.id:
                raise NotFound(_("There is no such proposal."))
            update_proposal(session, proposal, me, data, submit=submit)
        else:
            proposal = create_proposal(session, cycle, me, data, submit=submit)
    except ParticipationError as exc:
        return error_alert(exc, "propose-error"), edit_id
    session.commit()
    message = _("Your proposal is submitted for review.") if submit else _("Your draft is saved.")
    return ok_alert([message, " ", html.A(_("See it"), href=f"/proposal/{proposal.id}", id="propose-ok-link")],
                    "propose-ok"), proposal.id


register_page(__name__, path="/propose/<cycle_id>", path_template="/propose/<cycle_id>", access="citizen",
              layout=layout, title=_l("Propose a project"), name="Propose a project")

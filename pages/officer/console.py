"""Officer console: the city's cycles (drafts included), a new cycle, residents' verification."""

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html
from dash.exceptions import PreventUpdate

from portal.db import get_session
from portal.i18n import _, _l, money
from portal.participation.components import error_alert, ok_alert, phase_badge, simple_table
from portal.participation.cycles import list_cycles
from portal.participation.eligibility import set_residency
from portal.participation.errors import ParticipationError
from portal.security import callback, register_page
from portal.web import city, user


def layout(**_query):
    session = get_session()
    profile = city()
    rows = [[c.year, html.A(c.title, href=f"/officer/cycle/{c.id}"), phase_badge(c.phase),
             money(c.total_budget, c.currency),
             html.Span([html.A(_("Review"), href=f"/officer/review/{c.id}"), " · ",
                        html.A(_("Codes and paper"), href=f"/officer/ballots/{c.id}"), " · ",
                        html.A(_("Count"), href=f"/officer/count/{c.id}"), " · ",
                        html.A(_("Public page"), href=f"/cycle/{c.id}")])]
            for c in list_cycles(session, profile.slug, user())]
    return html.Div([
        html.H1(_("Officer console"), className="h2"),
        html.Div([
            dbc.Button(_("New cycle"), href="/officer/cycle/new", color="primary", className="me-2",
                       id="officer-new-cycle"),
            dbc.Button(_("Audit log"), href="/officer/audit", color="secondary", outline=True),
        ], className="mb-3"),
        simple_table([_("Year"), _("Cycle"), _("Phase"), _("Budget"), ""], rows, "officer-cycles")
        if rows else html.P(_("No cycle yet.")),
        dbc.Card(dbc.CardBody([
            html.H2(_("Verify a resident"), className="h5"),
            html.P(_("Record that an account belongs to a resident (after seeing a document), for cycles that only "
                     "verified residents may vote in, or that have a minimum age."), className="small"),
            dbc.Row([
                dbc.Col([dbc.Label(_("E-mail address"), html_for="resident-email"),
                         dbc.Input(id="resident-email", type="email")], md=4),
                dbc.Col([dbc.Label(_("Year of birth"), html_for="resident-birth"),
                         dbc.Input(id="resident-birth", type="number", min=1900, max=2100)], md=2),
                dbc.Col([dbc.Label(_("District"), html_for="resident-district"),
                         dbc.Select(id="resident-district", value="", options=[{"label": "–", "value": ""}] + [
                             {"label": name, "value": code} for code, name in profile.districts.items()])], md=3),
                dbc.Col(dbc.Checkbox(id="resident-verified", value=True, label=_("Verified resident"),
                                     className="mt-4"), md=3),
            ], className="g-2 mb-2"),
            dbc.Button(_("Save"), id="resident-save", color="primary"),
            html.Div(id="resident-msg", role="status", className="mt-2"),
        ]), className="mt-4"),
    ])


@callback(
    Output("resident-msg", "children"),
    Input("resident-save", "n_clicks"),
    State("resident-email", "value"),
    State("resident-verified", "value"),
    State("resident-birth", "value"),
    State("resident-district", "value"),
    prevent_initial_call=True,
    access="officer",
)
def save_resident(clicks, email, verified, birth_year, district):
    if not clicks:
        raise PreventUpdate
    session = get_session()
    try:
        account = set_residency(session, user(), email or "", bool(verified), birth_year, district)
    except ParticipationError as exc:
        return error_alert(exc, "resident-error")
    session.commit()
    return ok_alert(_("Saved for {email}.").format(email=account.email), "resident-ok")


register_page(__name__, path="/officer", access="officer", layout=layout, title=_l("Officer console"),
              name="Officer console")

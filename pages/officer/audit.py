"""The audit log: every officer and administrator action, who, what, when, before and after; CSV export."""

from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html
from dash.exceptions import PreventUpdate

from portal.db import get_session
from portal.i18n import _, _l
from portal.participation.audit_log import as_row, events
from portal.participation.components import simple_table
from portal.security import callback, register_page
from portal.web import user


def _table(action=None, actor=None, target=None):
    rows = [[r["at"][:19].replace("T", " "), r["actor_email"], r["action"],
             f"{r['target_type']} {r['target_id']}".strip(),
             html.Code(r["before"][:300], className="small"), html.Code(r["after"][:300], className="small")]
            for r in map(as_row, events(get_session(), user(), action=action, actor_email=actor, target=target))]
    export = "/officer/audit.csv?" + urlencode({k: v for k, v in
                                                 (("action", action), ("actor", actor), ("target", target)) if v})
    return html.Div([
        html.P([html.A(_("Export as CSV"), href=export, id="audit-export", **{"download": ""}),
                " · ", _("The newest 200 events are shown; the export has all of them.")], className="small"),
        simple_table([_("When (UTC)"), _("Who"), _("What"), _("Target"), _("Before"), _("After")], rows, "audit-table")
        if rows else html.P(_("No event matches."), id="audit-table"),
    ])


def layout(action=None, actor=None, target=None, **_query):
    return html.Div([
        html.H1(_("Audit log"), className="h2"),
        dbc.Row([
            dbc.Col([dbc.Label(_("Action starts with"), html_for="audit-action"),
                     dbc.Input(id="audit-action", value=action or "", placeholder="cycle.", maxLength=80)], md=3),
            dbc.Col([dbc.Label(_("Who (e-mail contains)"), html_for="audit-actor"),
                     dbc.Input(id="audit-actor", value=actor or "", maxLength=254)], md=3),
            dbc.Col([dbc.Label(_("Target (e.g. cycle:3)"), html_for="audit-target"),
                     dbc.Input(id="audit-target", value=target or "", maxLength=80)], md=3),
            dbc.Col(dbc.Button(_("Filter"), id="audit-filter", color="secondary", className="mt-4"), md=3),
        ], className="g-2 mb-3"),
        html.Div(_table(action, actor, target), id="audit-wrap"),
    ])


@callback(
    Output("audit-wrap", "children"),
    Input("audit-filter", "n_clicks"),
    State("audit-action", "value"),
    State("audit-actor", "value"),
    State("audit-target", "value"),
    prevent_initial_call=True,
    access="officer",
)
def filter_log(clicks, action, actor, target):
    if not clicks:
        raise PreventUpdate
    return _table((action or "").strip() or None, (actor or "").strip() or None, (target or "").strip() or None)


register_page(__name__, path="/officer/audit", access="officer", layout=layout, title=_l("Audit log"), name="Audit log")

"""Officers keep the delivery of a cycle's funded projects up to date: status, progress, money spent, a note."""

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from portal.db import get_session
from portal.feedback import delivery
from portal.i18n import _, _l, date, money
from portal.models import DeliveryStatus
from portal.participation.components import error_alert, not_found, officer_nav, ok_alert, simple_table
from portal.participation.cycles import get_cycle
from portal.participation.errors import NotFound, ParticipationError
from portal.security import callback, register_page
from portal.web import user


def _table(session, cycle):
    rows = delivery.deliveries(session, cycle)
    body = [[html.A(r.proposal.title, href=f"/proposal/{r.proposal.id}"), delivery.status_label(r.delivery.status),
             f"{r.delivery.progress} %", money(r.delivery.funded_amount, cycle.currency),
             money(r.delivery.spent or 0, cycle.currency),
             money(r.actual, cycle.currency) if r.actual is not None else "–",
             date(r.delivery.updated_at)] for r in rows]
    return simple_table([_("Project"), _("Status"), _("Progress"), _("Funded"), _("Spent (reported)"),
                         _("Spent (city accounts)"), _("Updated")], body, "delivery-officer-table")


def layout(cycle_id=None, **_query):
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user())
    except NotFound as exc:
        return not_found(exc.message)
    rows = delivery.deliveries(session, cycle)
    header = [html.H1(cycle.title, className="h2"), officer_nav(cycle.id, "delivery")]
    if not rows:
        return html.Div([*header, dbc.Alert(_("No funded projects yet: publish a result first."), color="info",
                                            id="delivery-none")])
    options = [{"label": r.proposal.title, "value": r.proposal.id} for r in rows]
    statuses = [{"label": delivery.status_label(s), "value": s.value} for s in DeliveryStatus]
    return html.Div([
        *header,
        dcc.Store(id="delivery-cycle", data=cycle.id),
        html.Div(_table(session, cycle), id="delivery-table-wrap"),
        dbc.Card(dbc.CardBody([
            html.H2(_("Update a project"), className="h5"),
            html.P(_("Every update is dated, shown on the project's page and logged. A completed project is 100 % "
                     "done."), className="small"),
            dbc.Row([
                dbc.Col([dbc.Label(_("Project"), html_for="delivery-project"),
                         dbc.Select(id="delivery-project", options=options, value=options[0]["value"])], md=6),
                dbc.Col([dbc.Label(_("Status"), html_for="delivery-status"),
                         dbc.Select(id="delivery-status", options=statuses)], md=2),
                dbc.Col([dbc.Label(_("Progress (%)"), html_for="delivery-progress-input"),
                         dbc.Input(id="delivery-progress-input", type="number", min=0, max=100, step=1)], md=2),
                dbc.Col([dbc.Label(_("Money spent ({currency})").format(currency=cycle.currency),
                                   html_for="delivery-spent"),
                         dbc.Input(id="delivery-spent", type="number", min=0, step=0.01)], md=2),
            ], className="g-2"),
            dbc.Label(_("Note for the public (optional)"), html_for="delivery-note", className="mt-2"),
            dbc.Textarea(id="delivery-note", maxLength=delivery.MAX_NOTE, rows=3),
            dbc.Button(_("Save the update"), id="delivery-save", color="primary", className="mt-2"),
            html.Div(id="delivery-msg", role="status", className="mt-2"),
        ])),
    ])


@callback(
    Output("delivery-msg", "children"),
    Output("delivery-table-wrap", "children"),
    Output("delivery-note", "value"),
    Input("delivery-save", "n_clicks"),
    State("delivery-cycle", "data"),
    State("delivery-project", "value"),
    State("delivery-status", "value"),
    State("delivery-progress-input", "value"),
    State("delivery-spent", "value"),
    State("delivery-note", "value"),
    prevent_initial_call=True,
    access="officer",
)
def save_update(clicks, cycle_id, proposal_id, status, progress, spent, note):
    """An officer's update of one funded project, checked and logged by the service."""
    if not clicks:
        raise PreventUpdate
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user())
        try:
            pid = int(proposal_id)
        except (TypeError, ValueError):
            pid = None
        if pid not in {r.proposal.id for r in delivery.deliveries(session, cycle)}:  # a project of this cycle
            raise NotFound(_("There is no such funded project."))
        delivery.update_delivery(session, pid, user(), {"status": status, "progress": progress, "spent": spent,
                                                        "note": note})
    except ParticipationError as exc:
        return error_alert(exc, "delivery-error"), no_update, no_update
    session.commit()
    return ok_alert(_("Saved: the project's page shows the update."), "delivery-ok"), _table(session, cycle), ""


register_page(__name__, path="/officer/delivery/<cycle_id>", path_template="/officer/delivery/<cycle_id>",
              access="officer", layout=layout, title=_l("Delivery"), name="Delivery")

"""Vote with a voting code (for people without an account): type the code, then cast one ballot."""

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from portal.db import get_session
from portal.i18n import _, _l
from portal.participation.codes import redeem
from portal.participation.components import error_alert, ok_alert
from portal.participation.errors import ParticipationError
from portal.participation.web import code_secret, remember_code, throttle
from portal.security import callback, register_page


def layout(**_query):
    return dbc.Row(dbc.Col([
        html.H1(_("Vote with a voting code"), className="h2"),
        html.P(_("Your letter, or the library or booth, gave you a voting code such as ABCD-EFGH-JKLM. "
                 "It lets you cast one ballot; nobody learns who you are.")),
        dbc.Label(_("Voting code"), html_for="vote-code-input"),
        dbc.Input(id="vote-code-input", maxLength=40, autoComplete="off", className="mb-2",
                  style={"textTransform": "uppercase", "letterSpacing": ".1em"}),
        dbc.Button(_("Continue"), id="vote-code-submit", color="primary"),
        html.Div(id="vote-code-msg", role="status", className="mt-3"),
        dcc.Location(id="vote-code-go", refresh=True),
    ], md=6, lg=5))


@callback(
    Output("vote-code-msg", "children"),
    Output("vote-code-go", "href"),
    Input("vote-code-submit", "n_clicks"),
    State("vote-code-input", "value"),
    prevent_initial_call=True,
    access="public",
)
def use_code(clicks, code):
    if not clicks:
        raise PreventUpdate
    session = get_session()
    try:
        throttle("code")  # per client address: codes are long, but guessing must stay slow
        row, cycle = redeem(session, code or "", code_secret())
    except ParticipationError as exc:
        return error_alert(exc, "vote-code-error"), no_update
    remember_code(row.id, cycle.id)
    return ok_alert([_("The code is valid."), " ",
                     html.A(_("Go to the ballot"), href=f"/vote/{cycle.id}", id="vote-code-continue")],
                    "vote-code-ok"), f"/vote/{cycle.id}"


register_page(__name__, path="/vote-code", layout=layout, title=_l("Vote with a code"), name="Vote with a code")

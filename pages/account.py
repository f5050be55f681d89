"""My participation: a citizen's own profile and proposals."""

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html

from portal.accounts import AccountError
from portal.db import get_session
from portal.i18n import LANG_COOKIE, LANGUAGES, _, _l
from portal.participation.cycles import proposals_by_author
from portal.participation.proposals import status_label
from portal.security import callback, register_page
from portal.users import role_label
from portal.web import user


def layout(**_query):
    me = user()
    proposals = proposals_by_author(get_session(), me.id)
    return html.Div([
        html.H1(_("My participation"), className="h2"),
        dbc.Card(dbc.CardBody([
            html.H2(_("Profile"), className="h5"),
            html.P([html.Strong(_("E-mail address") + ": "), html.Span(me.email, id="account-email")]),
            html.P([html.Strong(_("Role") + ": "), html.Span(role_label(me.role), id="account-role")]),
            dbc.Label(_("Name shown to others"), html_for="account-name"),
            dbc.Input(id="account-name", value=me.display_name, maxLength=120, className="mb-2"),
            dbc.Label(_("Language"), html_for="account-language"),
            dbc.Select(id="account-language", value=me.language or "",
                       options=[{"label": _("As my browser says"), "value": ""}]
                       + [{"label": n, "value": c} for c, n in LANGUAGES.items()], className="mb-2"),
            dbc.Button(_("Save"), id="account-save", color="primary"),
            html.Div(id="account-saved", className="mt-2", role="status"),
        ]), className="mb-3"),
        html.H2(_("My proposals"), className="h5"),
        html.Ul([html.Li([html.A(p.title, href=f"/proposal/{p.id}"), f" ({status_label(p.status)})"])
                 for p in proposals], id="account-proposals")
        if proposals else html.P(_("You have not proposed anything yet."), id="account-proposals"),
        dcc.Store(id="account-dummy"),
    ])


@callback(
    Output("account-saved", "children"),
    Input("account-save", "n_clicks"),
    State("account-name", "value"),
    State("account-language", "value"),
    prevent_initial_call=True,
    access="citizen",
)
def save_profile(_clicks, name, language):
    session = get_session()
    me = user()
    try:
        from portal.users import update_profile

        update_profile(session, me, name or "", language or None)
    except AccountError as exc:
        return dbc.Alert(str(exc), color="danger")
    session.commit()
    # the account's language is also this browser's choice from now on (the cookie comes first in the selection)
    # (Dash's response adapter has set_cookie only: an expired cookie deletes it)
    keep = language in LANGUAGES
    ctx.response.set_cookie(LANG_COOKIE, language if keep else "", max_age=365 * 86400 if keep else 0,
                            samesite="Lax", httponly=True)
    return dbc.Alert(_("Saved."), color="success", id="account-saved-ok")


register_page(__name__, path="/account", access="citizen", layout=layout, title=_l("My participation"),
              name="My participation")

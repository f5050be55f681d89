"""Log in."""

import dash_bootstrap_components as dbc
from dash import dcc, html

from portal.forms import csrf_input, error_alert, field, hidden
from portal.i18n import _, _l
from portal.security import register_page


def layout(error=None, next="/", **_query):  # noqa: A002 - the query parameter is called next
    return dbc.Row(dbc.Col([
        html.H1(_("Log in"), className="h2"),
        error_alert(error),
        html.Form([
            csrf_input(),
            hidden("next", next or "/"),
            field(_("E-mail address"), "email", type="email", autocomplete="username"),
            field(_("Password"), "password", type="password", autocomplete="current-password"),
            dbc.Checkbox(id="remember", name="remember", label=_("Keep me logged in on this device"),
                         className="mb-3"),
            html.Button(_("Log in"), type="submit", className="btn btn-primary", id="login-submit"),
        ], action="/auth/login", method="POST", id="login-form"),
        html.P([_("No account yet?"), " ", dcc.Link(_("Register"), href="/register")], className="mt-3"),
    ], md=6, lg=4))


register_page(__name__, path="/login", layout=layout, title=_l("Log in"), name="Log in")

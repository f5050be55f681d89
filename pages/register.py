"""Register a citizen account."""

import dash_bootstrap_components as dbc
from dash import dcc, html

from portal.forms import csrf_input, error_alert, field, hidden
from portal.i18n import _
from portal.security import register_page


def layout(error=None, email="", next="", **_query):  # noqa: A002
    return dbc.Row(dbc.Col([
        html.H1(_("Register"), className="h2"),
        html.P(_("An account lets you propose projects, support them and vote.")),
        error_alert(error),
        html.Form([
            csrf_input(),
            hidden("next", next or ""),
            field(_("E-mail address"), "email", type="email", value=email or "", autocomplete="email"),
            field(_("Name shown to others (optional)"), "display_name", required=False, autocomplete="nickname"),
            field(_("Password"), "password", type="password", autocomplete="new-password",
                  help_text=_("At least 10 characters.")),
            field(_("Repeat the password"), "password2", type="password", autocomplete="new-password"),
            html.Button(_("Register"), type="submit", className="btn btn-primary", id="register-submit"),
        ], action="/auth/register", method="POST", id="register-form"),
        html.P([_("Have an account?"), " ", dcc.Link(_("Log in"), href="/login")], className="mt-3"),
    ], md=6, lg=4))


register_page(__name__, path="/register", layout=layout, title="Register", name="Register")

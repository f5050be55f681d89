"""Register a citizen account: the form, "we sent you a message", and the confirmation from the e-mail's link."""

import dash_bootstrap_components as dbc
from dash import dcc, html

from portal.forms import csrf_input, error_alert, field, hidden
from portal.i18n import _, _l
from portal.security import register_page


def _sent():
    return dbc.Alert([
        html.H2(_("Check your e-mail"), className="h5"),
        html.P(_("We sent a message to the address you gave. Open the link in it to finish your registration "
                 "(the link is valid for two days)."), className="mb-1"),
        html.P(_("Nothing arrived? Look in the spam folder, or register again."), className="mb-0 small"),
    ], color="info", id="register-sent")


def _confirm(token: str):
    return html.Div([
        html.P(_("One more step: confirm your registration.")),
        html.Form([
            csrf_input(),
            hidden("token", token),
            html.Button(_("Confirm and log in"), type="submit", className="btn btn-primary", id="confirm-submit"),
        ], action="/auth/confirm", method="POST", id="confirm-form"),
    ])


def layout(error=None, email="", next="", sent=None, token=None, **_query):  # noqa: A002
    if sent:
        body = [_sent()]
    elif token and not error:
        body = [_confirm(str(token))]
    else:
        body = [
            html.P(_("An account lets you propose projects, support them and vote.")),
            error_alert(error),
            html.Form([
                csrf_input(),
                hidden("next", next or ""),
                field(_("E-mail address"), "email", type="email", value=email or "", autocomplete="email"),
                field(_("Name shown to others (optional)"), "display_name", required=False,
                      autocomplete="nickname"),
                field(_("Password"), "password", type="password", autocomplete="new-password",
                      help_text=_("At least 10 characters.")),
                field(_("Repeat the password"), "password2", type="password", autocomplete="new-password"),
                html.Button(_("Register"), type="submit", className="btn btn-primary", id="register-submit"),
            ], action="/auth/register", method="POST", id="register-form"),
            html.P(_("We will send you a link to confirm your e-mail address."), className="small text-muted mt-2"),
        ]
    return dbc.Row(dbc.Col([
        html.H1(_("Register"), className="h2"),
        *body,
        html.P([_("Have an account?"), " ", dcc.Link(_("Log in"), href="/login")], className="mt-3"),
    ], md=6, lg=4))


register_page(__name__, path="/register", layout=layout, title=_l("Register"), name="Register")

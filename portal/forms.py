"""Plain HTML forms rendered by Dash pages and posted to Flask routes (CSRF token included)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html
from flask_wtf.csrf import generate_csrf

from portal.i18n import _


def csrf_input() -> dbc.Input:
    return dbc.Input(type="hidden", name="csrf_token", value=generate_csrf())


def hidden(name: str, value: str) -> dbc.Input:
    return dbc.Input(type="hidden", name=name, value=value)


def field(label: str, name: str, *, type: str = "text", value: str = "", autocomplete: str | None = None,
          required: bool = True, help_text: str | None = None, input_id: str | None = None):
    input_id = input_id or f"field-{name}"
    return html.Div([
        dbc.Label(label, html_for=input_id),
        dbc.Input(id=input_id, name=name, type=type, value=value, required=required, autocomplete=autocomplete),
        dbc.FormText(help_text) if help_text else None,
    ], className="mb-3")


def error_messages() -> dict[str, str]:
    return {
        "invalid": _("The e-mail address or the password is not right, or the account is locked for a while."),
        "email_invalid": _("Please give a valid e-mail address."),
        "email_taken": _("An account with this e-mail address exists already. Log in instead."),
        "password_short": _("The password needs at least 10 characters."),
        "password_long": _("The password may have at most 256 characters."),
        "password_common": _("This password is too easy to guess."),
        "password_email": _("The password must not contain your e-mail name."),
        "password_mismatch": _("The two passwords differ."),
        "too_many": _("Too many attempts from your connection. Please wait a few minutes and try again."),
        "token_invalid": _("This confirmation link is not valid or has expired. Please register again."),
        "confirmed_already": _("This account is confirmed already: please log in."),
    }


def error_alert(code: str | None):
    if not code:
        return None
    message = error_messages().get(code, _("Something went wrong. Please try again."))
    return dbc.Alert(message, color="danger", id="form-error")

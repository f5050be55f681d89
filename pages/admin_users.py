"""Administrators manage accounts and roles."""

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from portal.accounts import AccountError
from portal.db import get_session
from portal.i18n import _, _l, date
from portal.models import Role
from portal.participation.components import scroll_box
from portal.security import callback, register_page
from portal.users import change_role, list_users, role_label
from portal.web import user


def _table():
    rows = [
        html.Tr([html.Td(u.id), html.Td(u.email), html.Td(u.display_name), html.Td(role_label(u.role)),
                 html.Td(date(u.created_at))])
        for u in list_users(get_session())
    ]
    table = dbc.Table([html.Thead(html.Tr([html.Th(h) for h in ("#", _("E-mail address"), _("Name"), _("Role"),
                                                                   _("Registered"))])),
                      html.Tbody(rows)], striped=True, size="sm", id="users-table")
    return scroll_box(table, _("Users"))


def layout(**_query):
    return html.Div([
        html.H1(_("Users"), className="h2"),
        html.Div(_table(), id="users-table-wrap"),
        dbc.Card(dbc.CardBody([
            html.H2(_("Change a role"), className="h5"),
            dbc.Row([
                dbc.Col([dbc.Label(_("Account number"), html_for="role-user-id"),
                         dbc.Input(id="role-user-id", type="number", min=1)], md=3),
                dbc.Col([dbc.Label(_("Role"), html_for="role-value"),
                         dbc.Select(id="role-value", options=[{"label": role_label(r), "value": r.value} for r in Role],
                                    value=Role.CITIZEN.value)], md=3),
                dbc.Col(dbc.Button(_("Change"), id="role-submit", color="primary", className="mt-4"), md=2),
            ]),
            html.Div(id="role-message", className="mt-2", role="status"),
        ])),
    ])


@callback(
    Output("role-message", "children"),
    Output("users-table-wrap", "children"),
    Input("role-submit", "n_clicks"),
    State("role-user-id", "value"),
    State("role-value", "value"),
    prevent_initial_call=True,
    access="admin",
)
def submit_role(_clicks, user_id, role):
    session = get_session()
    try:
        changed = change_role(session, user(), int(user_id or 0), role)
    except (AccountError, ValueError) as exc:
        return dbc.Alert(str(exc), color="danger"), _table()
    session.commit()
    message = _("{email} is now {role}.").format(email=changed.email, role=role_label(role))
    return dbc.Alert(message, color="success"), _table()


register_page(__name__, path="/admin/users", access="admin", layout=layout, title=_l("Users"), name="Users")

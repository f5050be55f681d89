"""Page not found."""

import dash_bootstrap_components as dbc
from dash import html

from portal.i18n import _, _l
from portal.security import register_page


def layout(**_query):
    return dbc.Alert([html.H1(_("Page not found"), className="h4"),
                      html.P(_("There is no page at this address.")),
                      dbc.Button(_("Home"), href="/", color="primary")], color="secondary")


register_page(__name__, path="/404", layout=layout, title=_l("Not found"), name="Not found")

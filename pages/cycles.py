"""Participate: the city's participatory-budgeting cycles, newest first."""

import dash_bootstrap_components as dbc
from dash import html

from portal.db import get_session
from portal.i18n import _, _l, money
from portal.participation.components import phase_badge
from portal.participation.cycles import list_cycles
from portal.security import register_page
from portal.web import city, user


def layout(**_query):
    cycles = list_cycles(get_session(), city().slug, user())
    cards = [
        dbc.Card(dbc.CardBody([
            html.H2([html.A(c.title, href=f"/cycle/{c.id}"), phase_badge(c.phase)], className="h5"),
            html.P(_("Year {year} · budget {budget}").format(year=c.year, budget=money(c.total_budget, c.currency)),
                   className="mb-1 text-muted"),
            html.P(c.description[:300], className="mb-0") if c.description else None,
        ]), className="mb-3", id=f"cycle-card-{c.id}")
        for c in cycles
    ]
    return html.Div([
        html.H1(_("Participate"), className="h2"),
        html.P(_("Each year the city sets aside a budget that its residents decide on: propose projects, support "
                 "them, and vote."), className="lead"),
        html.Div(cards or html.P(_("There is no participation round yet.")), id="cycles-list"),
    ])


register_page(__name__, path="/cycles", layout=layout, title=_l("Participate"), name="Participate")

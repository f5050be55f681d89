"""Home: what the portal is for, the headline figures, the current participation round."""

import dash_bootstrap_components as dbc
from dash import dcc, html

from portal.budget.queries import latest_year, totals
from portal.db import get_session
from portal.i18n import _, _l, money
from portal.participation.cycles import current_cycle, proposal_count
from portal.security import register_page
from portal.web import city


def layout(**_query):
    session = get_session()
    profile = city()
    year = latest_year(session, profile.slug)
    figures = totals(session, profile.slug, year, "approved").get("operating", {}) if year else {}
    cycle = current_cycle(session, profile.slug)
    cards = []
    if year:
        cards += [
            _card(_("Planned spending {year}").format(year=year),
                  money(figures.get("expenditure", 0), profile.currency), "home-expenditure",
                  f"/budget?year={year}&phase=approved&direction=expenditure"),
            _card(_("Planned revenue {year}").format(year=year),
                  money(figures.get("revenue", 0), profile.currency), "home-revenue",
                  f"/budget?year={year}&phase=approved&direction=revenue"),
        ]
    if cycle:
        cards.append(_card(cycle.title, _("{n} proposals, budget {budget}").format(
            n=proposal_count(session, cycle.id), budget=money(cycle.total_budget, cycle.currency)), "home-cycle"))
    return html.Div([
        html.H1(_("{city}: the city's money, and your say in it").format(city=profile.name), className="h2"),
        html.P(_("Explore where the budget goes, propose projects for your district and vote on them. "
                 "The results of every vote show up in the same charts."), className="lead"),
        dbc.Row([dbc.Col(c, md=4, className="mb-3") for c in cards]),
        html.Div([
            dbc.Button(_("Explore the budget"), href="/budget", color="primary", className="me-2 mb-2"),
            dbc.Button(_("Take part"), href="/cycles", color="success", className="me-2 mb-2", outline=True),
        ]),
    ])


def _card(title, value, card_id, href=None):
    body = [html.H2(title, className="h6 text-muted"), html.P(value, className="h4 mb-0")]
    if href:  # the figure opens the budget explorer on exactly this view
        body.append(dcc.Link(_("See where it goes") if "expenditure" in href else _("See where it comes from"),
                             href=href, className="small stretched-link"))
    return dbc.Card(dbc.CardBody(body), id=card_id)


register_page(__name__, path="/", layout=layout, title=_l("Home"), name="Home")

"""Priorities against spending: per category, the share of the votes and of the funded money set against the
share of the city's spending in its functional area, year by year (one cycle a year)."""

import dash_bootstrap_components as dbc
from dash import dcc, html

from portal.embeds.component import ShareEmbed, named_graph
from portal.embeds.kinds import ChartNotFound, build
from portal.i18n import _, _l, money, percent
from portal.participation.components import simple_table
from portal.plotly_locale import graph_config
from portal.security import register_page
from portal.web import city


def _pct(value) -> str:
    return "–" if value is None or value != value else percent(float(value))


def layout(year=None, **_query):
    try:
        chart = build("priorities", {"year": year} if year else {})
    except ChartNotFound as exc:
        return dbc.Alert(str(exc), color="info", id="priorities-empty")
    rows = chart.data
    shown = int(rows["cycle_year"].iloc[0]) if len(rows) else None
    years = chart.extra.get("years") or []
    currency = city().currency
    table = [[r.category, r.area or _("(no functional area)"), _pct(r.votes_share), _pct(r.funded_share),
              _pct(r.spending_share), money(r.funded, currency)] for r in rows.itertuples()]
    return html.Div([
        html.H1(_("Priorities against spending"), className="h2"),
        html.P(_("What residents voted for in each participatory-budgeting cycle, and what was funded, set against "
                 "how the city's own budget divides its spending between the areas the officers mapped each "
                 "category to. The budget year is the year the funded projects enter (or the nearest earlier year "
                 "the city's budget has)."), className="text-muted"),
        # (dbc.Nav takes no aria-label: the html.Nav around it names the list of years)
        html.Nav(dbc.Nav([dbc.NavItem(dbc.NavLink(str(y), href=f"/priorities?year={y}", active=y == shown,
                                                  external_link=True)) for y in years],
                         pills=True, className="mb-2", id="priorities-years"),
                 **{"aria-label": _("Cycle year")}) if len(years) > 1 else None,
        named_graph(dcc.Graph(id="priorities-chart", figure=chart.figure, config=graph_config(responsive=True)),
                    "priorities", "priorities-chart"),
        ShareEmbed("priorities", chart.query, aio_id="priorities-chart", summary=chart.summary),
        html.P(_("Budget year compared: {year}.").format(year=rows["budget_year"].iloc[0]) if len(rows)
               and rows["budget_year"].iloc[0] == rows["budget_year"].iloc[0] else "", className="small"),
        simple_table([_("Category"), _("Functional area"), _("Votes"), _("Funded money"), _("City spending"),
                      _("Funded")], table, "priorities-table") if table else None,
    ], id="priorities-page")


register_page(__name__, path="/priorities", layout=layout, title=_l("Priorities against spending"),
              name="Priorities against spending")

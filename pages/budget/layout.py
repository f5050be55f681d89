"""Layout of the budget explorer: controls, breadcrumb, treemap, years, plan vs actual, map, lines table."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dash_table, dcc, html
from dash.dash_table.Format import Format, Group, Scheme

from portal.budget import presenter
from portal.budget.explorer import View
from portal.db import get_session
from portal.embeds.component import ShareEmbed, named_graph
from portal.i18n import _, current_language, money, percent
from portal.plotly_locale import graph_config
from portal.security import is_allowed
from portal.web import city

GRAPH_CONFIG = {"displaylogo": False, "responsive": True,
                "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"]}


class ids:  # noqa: N801 - the Dash convention for a component's ids
    view = "budget-view"
    url_sync = "budget-url-sync"
    year = "budget-year"
    phase = "budget-phase"
    statement = "budget-statement"
    direction = "budget-direction"
    measure = "budget-measure"
    district = "budget-district"
    participatory = "budget-participatory"
    treemap = "budget-treemap"
    crumbs = "budget-crumbs"
    crumb = "budget-crumb"  # pattern-matching type: {"type": crumb, "depth": n}
    headline = "budget-headline"
    years = "budget-years"
    compare = "budget-compare"
    map = "budget-map"
    map_caption = "budget-map-caption"
    search = "budget-search"
    table = "budget-table"
    download = "budget-download"
    charts = ("budget-treemap", "budget-years", "budget-compare", "budget-map")  # their Share / Embed controls


def chart_text() -> dict:
    """Labels inside the figures, translated at render time (once per language and process)."""
    return presenter.chart_labels()


def phase_label(phase: str) -> str:
    return {"approved": _("Plan"), "executed": _("Actual"), "proposed": _("Proposed"),
            "adjusted": _("Adjusted")}.get(phase, phase)


def ctx():
    return presenter.context(get_session(), city(), current_language(), chart_text)


def state(view: View, *, initial: bool = False) -> dict:
    return {"view": view.as_dict(), "query": view.query(), "initial": initial}


def root_label(view: View) -> str:
    if view.statement == "capital":
        return _("All investment spending") if view.direction == "expenditure" else _("All investment revenue")
    return _("All spending") if view.direction == "expenditure" else _("All revenue")


def breadcrumb(result: presenter.DrillResult) -> html.Nav:
    items = []
    last = len(result.crumbs) - 1
    for depth, (label, _path) in enumerate(result.crumbs):
        text = label or root_label(result.view)
        if depth == last:
            items.append(html.Li(text, className="breadcrumb-item active", **{"aria-current": "page"}))
        else:
            items.append(html.Li(html.Button(text, id={"type": ids.crumb, "depth": depth}, n_clicks=0,
                                             className="btn btn-link p-0 align-baseline text-start"),
                                 className="breadcrumb-item"))
    return html.Nav(html.Ol(items, className="breadcrumb mb-1"), **{"aria-label": _("Where you are")})


def headline(ctx_, result: presenter.DrillResult) -> list:
    view = result.view
    what = _("Spending") if view.direction == "expenditure" else _("Revenue")
    if view.statement == "capital":
        what = _("Investment spending") if view.direction == "expenditure" else _("Investment revenue")
    where = f" · {ctx_.city.district_name(view.district)}" if view.district else ""
    label = f"{what} {view.year or ''} ({phase_label(view.phase)}){where}"
    if result.population_missing:
        value = _("no population figures for this view")
    elif result.per_resident:
        value = money(result.total, ctx_.city.currency, digits=2) + " " + _("per resident")
    else:
        value = money(result.total, ctx_.city.currency)
    note = []
    if result.per_resident and result.population_year and result.population_year != view.year:
        note = [html.Small(_("Residents of {year}, the latest year with figures").format(
            year=result.population_year), className="text-muted d-block")]
    if result.participatory and not view.participatory and not result.population_missing:
        share = result.participatory / result.total if result.total else 0
        amount = money(result.participatory, ctx_.city.currency, digits=2 if result.per_resident else 0)
        note.append(html.Small([html.Span(className="pb-swatch me-1", **{"aria-hidden": "true"}), _(
            "Of it {amount} ({share}) is participatory budget: projects the residents chose (green boxes and outlines)."
        ).format(amount=amount, share=percent(share))], className="d-block pb-note", id="budget-participatory-share"))
    if result.only_participatory:
        note.append(html.Small(_("The city's own budget for {year} is not imported yet: what you see are the "
                                 "participatory-budget projects funded for it.").format(year=view.year),
                               className="d-block text-muted", id="budget-only-participatory"))
    return [html.Span(label, className="text-muted me-2"), html.Strong(value, id="budget-total"), *note]


def map_caption(ctx_, result: presenter.MapResult, view: View) -> list:
    if not ctx_.city.districts:
        return [_("This city has no districts in its profile.")]
    parts = [_("{share} of this view is assigned to a {district}; the rest is city-wide.").format(
        share=percent(result.share), district=ctx_.city.district_label)]
    if result.population_missing:
        parts.append(" " + _("There are no population figures per {district}: choose Totals to see the map.")
                     .format(district=ctx_.city.district_label))
    if any(t.get("name") == presenter.chart_labels()["projects"] for t in result.figure.get("data", [])):
        parts.append(" " + _("Green dots: funded participatory-budget projects of this year with a location."))
    return parts


def controls(ctx_, view: View) -> dbc.Row:
    years = presenter.years(ctx_)
    phases = presenter.phases_of(ctx_, view.year)
    district_options = [{"label": name, "value": code} for code, name in
                        sorted(ctx_.city.districts.items(), key=lambda kv: kv[1])]
    return dbc.Row([
        dbc.Col([dbc.Label(_("Year"), html_for=ids.year),
                 dcc.Dropdown(id=ids.year, options=[{"label": str(y), "value": y} for y in years], value=view.year,
                              clearable=False)], xs=6, md=2),
        dbc.Col([dbc.Label(_("Phase"), html_for=ids.phase),
                 dbc.RadioItems(id=ids.phase, options=phase_options(phases), value=view.phase, inline=True)],
                xs=6, md=2),
        dbc.Col([dbc.Label(_("Statement"), html_for=ids.statement),
                 dbc.RadioItems(id=ids.statement, inline=True, value=view.statement, options=[
                     {"label": _("Operating"), "value": "operating"},
                     {"label": _("Investment"), "value": "capital"}])], xs=6, md=2),
        dbc.Col([dbc.Label(_("Money"), html_for=ids.direction),
                 dbc.RadioItems(id=ids.direction, inline=True, value=view.direction, options=[
                     {"label": _("Spending"), "value": "expenditure"},
                     {"label": _("Revenue"), "value": "revenue"}])], xs=6, md=2),
        dbc.Col([dbc.Label(_("Show"), html_for=ids.measure),
                 dbc.RadioItems(id=ids.measure, inline=True, value=view.measure, options=[
                     {"label": _("Totals"), "value": "total"},
                     {"label": _("Per resident"), "value": "per_resident"}])], xs=6, md=2),
        dbc.Col([dbc.Label(ctx_.city.district_label, html_for=ids.district),
                 dcc.Dropdown(id=ids.district, options=district_options, value=view.district,
                              placeholder=_("Whole city"), clearable=True)], xs=6, md=2),
        dbc.Col(dbc.Switch(id=ids.participatory, value=view.participatory,
                           label=_("Participatory budget only: the projects residents chose and the city funded")),
                xs=12, className="mt-1"),
    ], className="g-2 mb-2 align-items-end", id="budget-controls")


def phase_options(phases: list[str]) -> list[dict]:
    order = ["approved", "executed", "proposed", "adjusted"]
    return [{"label": phase_label(p), "value": p} for p in sorted(phases, key=order.index)]


def table_columns(ctx_) -> list[dict]:
    language = ctx_.language
    return [
        {"name": _("Classification"), "id": "classification"},
        {"name": _("Type"), "id": "econ"},
        {"name": ctx_.city.district_label, "id": "district"},
        {"name": f"{_('Amount')} ({ctx_.city.currency})", "id": "amount", "type": "numeric",
         "format": Format(precision=2, scheme=Scheme.fixed, group=Group.yes,
                          group_delimiter={"de": ".", "it": ".", "nl": ".", "fi": " "}.get(language, ","),
                          decimal_delimiter="," if language in ("de", "it", "nl", "fi") else ".")},
        {"name": _("Source"), "id": "source"},
    ]


def download_href(view: View, search: str | None = None) -> str:
    from urllib.parse import urlencode

    query = view.query()
    if search:
        query += ("&" if query else "") + urlencode({"q": search})
    return "/budget/lines.csv" + ("?" + query if query else "")


def layout(**query):
    c = ctx()
    if not c.data.available:
        return html.Div([
            html.H1(_("The budget of {city}").format(city=c.city.name), className="h2"),
            dbc.Alert(_("No budget has been imported yet."), color="info", id="budget-empty"),
        ])
    view = c.view(query)
    result = presenter.drill(c, view)
    mapped = presenter.district_map(c, view)
    rows, pages = presenter.table_page(c, view, None, 0)
    officer = [dbc.Button(_("Import a budget"), href="/budget/import", color="secondary", outline=True, size="sm",
                          className="ms-2")] if is_allowed("officer") else []
    return html.Div([
        dcc.Store(id=ids.view, data=state(view, initial=True)),
        dcc.Store(id=ids.url_sync),
        html.Div([
            html.H1(_("The budget of {city}").format(city=c.city.name), className="h2 mb-1"),
            html.P(_("Click a box to see what it is made of; the path above the chart takes you back up. Every "
                     "view has its own address: copy it to share exactly what you see."), className="text-muted"),
        ]),
        controls(c, view),
        html.Div(headline(c, result), id=ids.headline, className="fs-5 mb-1", role="status"),
        html.Div(breadcrumb(result), id=ids.crumbs),
        named_graph(dcc.Loading(dcc.Graph(id=ids.treemap, figure=result.figure, config=graph_config(GRAPH_CONFIG),
                                          className="budget-treemap"), delay_show=400), "budget-treemap"),
        ShareEmbed("budget-treemap", view.query()),
        dbc.Row([
            dbc.Col(named_graph(dcc.Graph(id=ids.years, figure=presenter.years_figure(c, view),
                                          config=graph_config(GRAPH_CONFIG)), "budget-years"), md=6),
            dbc.Col(named_graph(dcc.Graph(id=ids.compare, figure=presenter.compare_figure(c, view),
                                          config=graph_config(GRAPH_CONFIG)), "budget-compare"), md=6),
        ], className="mt-3"),
        dbc.Row([  # the controls in a row of their own: a graph's column must hold the graph alone to size it
            dbc.Col(ShareEmbed("budget-years", view.query()), md=6),
            dbc.Col(ShareEmbed("budget-compare", view.query()), md=6),
        ]),
        html.H2(_("By {district}").format(district=c.city.district_label), className="h4 mt-4"),
        html.P(map_caption(c, mapped, view), id=ids.map_caption, className="text-muted small"),
        named_graph(dcc.Graph(id=ids.map, figure=mapped.figure, config=graph_config(GRAPH_CONFIG, scrollZoom=True)),
                    "budget-map"),
        ShareEmbed("budget-map", view.query()),
        html.P([_("How the votes compare with the city's spending: "),
                dcc.Link(_("priorities against spending"), href="/priorities")], className="small"),
        html.H2(_("The lines behind this view"), className="h4 mt-4"),
        dbc.Row([
            dbc.Col([dbc.Label(_("Search names and codes"), html_for=ids.search, className="visually-hidden"),
                     dbc.Input(id=ids.search, type="search", placeholder=_("Search names and codes"),
                               debounce=True)], md=6),
            dbc.Col([html.A(_("Download these lines (CSV)"), href=download_href(view), id=ids.download,
                            className="btn btn-outline-primary btn-sm"),
                     html.A(_("Whole budget as Fiscal Data Package"), href="/budget/datapackage.json",
                            className="btn btn-link btn-sm"), *officer], md=6, className="text-md-end"),
        ], className="mb-2 g-2"),
        dash_table.DataTable(
            id=ids.table, columns=table_columns(c), data=rows, page_action="custom", page_current=0, page_size=15,
            page_count=pages, style_table={"overflowX": "auto"}, style_as_list_view=True,
            style_cell={"textAlign": "left", "whiteSpace": "normal", "height": "auto", "fontSize": "0.9rem"},
            style_cell_conditional=[{"if": {"column_id": "amount"}, "textAlign": "right"}],
            style_header={"fontWeight": "600"},
        ),
    ], id="budget-page")

"""One dataset at /data/<slug>: its facts, a paged and filtered table, a chart builder and a map.

The table is paged, filtered and sorted on the server; the chart is aggregated on the server: the
browser never gets more than a page or an aggregate. The chart builder's state and the filter live
in the address, so a link reproduces the view.
"""

import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, clientside_callback, ctx, dash_table, dcc, html
from dash.exceptions import PreventUpdate

from portal.datasets import catalogue, frames, presenter, query
from portal.db import get_session
from portal.embeds.component import ShareEmbed, named_graph
from portal.i18n import _, _l, current_language, number
from portal.plotly_locale import graph_config
from portal.security import callback, register_page
from portal.web import city

GRAPH_CONFIG = {"displaylogo": False, "responsive": True}
PAGE_SIZE = 20


class ids:  # noqa: N801 - the Dash convention for a component's ids
    slug = "ds-slug"
    state = "ds-state"
    url_sync = "ds-url-sync"
    table = "ds-table"
    rows = "ds-rows"
    error = "ds-filter-error"
    download = "ds-download"
    kind = "ds-type"
    x = "ds-x"
    y = "ds-y"
    agg = "ds-agg"
    colour = "ds-colour"
    bucket = "ds-bucket"
    chart = "ds-chart"
    note = "ds-note"
    map = "ds-map"
    map_note = "ds-map-note"
    map_box = "ds-map-box"


def chart_text() -> dict:
    return presenter.chart_labels()


def _load(slug):
    session = get_session()
    info = catalogue.get(session, city(), slug) if isinstance(slug, str) else None
    if info is None:
        return None, None
    return info, frames.load(session, info)


def _options(columns):
    return [{"label": c, "value": c} for c in columns]


def _link(text, url):
    return html.A(text, href=url, target="_blank", rel="noopener noreferrer") if url else text


def layout(slug=None, **params):
    info, frame = _load(slug)
    if info is None:
        return dbc.Alert([html.H1(_("No such dataset"), className="h4"),
                          dcc.Link(_("Back to the catalogue"), href="/data")], color="warning", id="ds-missing")
    state = presenter.chart_state(info, frame, params)
    types = frames.column_types(frame)
    numeric = [c for c, t in types.items() if t in ("integer", "number")]
    data, pages, matching, error = presenter.table_page(frame, state.filter, 0, PAGE_SIZE, None)
    result = presenter.chart(city(), info, frame, state, language=current_language(), text=chart_text())
    agg_labels = {"sum": _("sum"), "mean": _("mean"), "median": _("median"), "min": _("minimum"),
                  "max": _("maximum"), "count": _("count of rows")}
    kind_labels = {"bar": _("bars"), "line": _("lines"), "area": _("areas"), "scatter": _("points"),
                   "box": _("boxes")}
    bucket_labels = {"day": _("day"), "week": _("week"), "month": _("month"), "quarter": _("quarter"),
                     "year": _("year")}
    columns_table = html.Table([
        html.Thead(html.Tr([html.Th(_("Column")), html.Th(_("Type")), html.Th(_("Description"))])),
        html.Tbody([html.Tr([html.Td(c), html.Td(t), html.Td(info.columns.get(c, {}).get("description", ""))])
                    for c, t in types.items()]),
    ], className="table table-sm small")
    return html.Div([
        dcc.Store(id=ids.slug, data=info.slug),
        dcc.Store(id=ids.state, data={"query": state.query(), "initial": True}),
        dcc.Store(id=ids.url_sync),
        dcc.Link("← " + _("All datasets"), href="/data", className="small"),
        html.H1(info.name, className="h2 mt-1"),
        html.P(info.description),
        html.Dl([
            html.Dt(_("Licence"), className="col-sm-2"), html.Dd(_link(info.licence, info.licence_url),
                                                                 className="col-sm-10"),
            html.Dt(_("Source"), className="col-sm-2"), html.Dd(_link(info.source, info.source_url),
                                                                className="col-sm-10"),
            html.Dt(_("Attribution"), className="col-sm-2"), html.Dd(info.attribution or info.licence,
                                                                     className="col-sm-10"),
            html.Dt(_("Last update"), className="col-sm-2"), html.Dd(
                f"{info.updated}" + (f" · {_('version')} {info.version}" if info.origin == "uploaded" else ""),
                className="col-sm-10"),
            html.Dt(_("Rows"), className="col-sm-2"), html.Dd(number(len(frame)), className="col-sm-10"),
        ], className="row small"),
        html.Details([html.Summary(_("Columns ({n})").format(n=len(types))), columns_table], className="mb-3"),
        html.H2(_("Chart"), className="h4"),
        dbc.Row([
            dbc.Col([dbc.Label(_("Chart type"), html_for=ids.kind),
                     dcc.Dropdown(id=ids.kind, options=[{"label": kind_labels[k], "value": k}
                                                        for k in query.CHART_TYPES],
                                  value=state.kind, clearable=False)], md=2),
            dbc.Col([dbc.Label(_("x axis"), html_for=ids.x),
                     dcc.Dropdown(id=ids.x, options=_options(frame.columns), value=state.x, clearable=False)], md=2),
            dbc.Col([dbc.Label(_("y axis"), html_for=ids.y),
                     dcc.Dropdown(id=ids.y, options=[{"label": _("(rows)"), "value": presenter.COUNT},
                                                     *_options(numeric)],
                                  value=state.y or presenter.COUNT, clearable=False)], md=2),
            dbc.Col([dbc.Label(_("Aggregation"), html_for=ids.agg),
                     dcc.Dropdown(id=ids.agg, options=[{"label": agg_labels[a], "value": a}
                                                       for a in query.AGGREGATIONS],
                                  value=state.agg, clearable=False)], md=2),
            dbc.Col([dbc.Label(_("Colour by"), html_for=ids.colour),
                     dcc.Dropdown(id=ids.colour, options=_options(frame.columns), value=state.colour,
                                  placeholder=_("none"))], md=2),
            dbc.Col([dbc.Label(_("Time step"), html_for=ids.bucket),
                     dcc.Dropdown(id=ids.bucket, options=[{"label": bucket_labels[b], "value": b}
                                                          for b in query.BUCKETS],
                                  value=state.bucket, placeholder=_("automatic"))], md=2),
        ], className="g-2 mb-2", id="ds-builder"),
        named_graph(dcc.Loading(dcc.Graph(id=ids.chart, figure=result.figure, config=graph_config(GRAPH_CONFIG)),
                                delay_show=400), "dataset-chart"),
        html.P(result.error or result.note or "", id=ids.note, className="small text-muted", role="status"),
        ShareEmbed("dataset-chart", share_query(info.slug, state.query())),
        html.Div([
            html.H2(_("Map"), className="h4"),
            html.P(result.map_note or "", id=ids.map_note, className="small text-muted"),
            named_graph(dcc.Graph(id=ids.map, figure=result.map_figure or {},
                                  config=graph_config(GRAPH_CONFIG, scrollZoom=True)), "dataset-map"),
            ShareEmbed("dataset-map", share_query(info.slug, state.query())),
        ], id=ids.map_box, style={} if result.map_figure else {"display": "none"}),
        html.H2(_("Rows"), className="h4 mt-3"),
        html.P([html.Span(_("{n} rows match").format(n=number(matching)), id=ids.rows), " · ",
                html.A(_("Download them (CSV)"), href=presenter.csv_href(info.slug, state.filter), id=ids.download)],
               className="small"),
        html.P(error or "", id=ids.error, className="small text-danger", role="alert"),
        dash_table.DataTable(
            id=ids.table, columns=presenter.table_columns(frame), data=data, page_action="custom", page_current=0,
            page_size=PAGE_SIZE, page_count=pages, filter_action="custom", filter_query=state.filter,
            sort_action="custom", sort_mode="multi", sort_by=[], style_table={"overflowX": "auto"},
            style_cell={"fontSize": "0.85rem", "maxWidth": "320px", "overflow": "hidden",
                        "textOverflow": "ellipsis"},
        ),
    ], id="dataset-page")


@callback(
    Output(ids.table, "data"),
    Output(ids.table, "page_count"),
    Output(ids.table, "page_current"),
    Output(ids.rows, "children"),
    Output(ids.error, "children"),
    Output(ids.download, "href"),
    Input(ids.table, "filter_query"),
    Input(ids.table, "page_current"),
    Input(ids.table, "sort_by"),
    State(ids.slug, "data"),
    prevent_initial_call=True,
    access="public",
)
def table(filter_query, page, sort_by, slug):
    """One page of the rows matching the filter, in the chosen order (a new filter goes back to page 1)."""
    info, frame = _load(slug)
    if info is None:
        raise PreventUpdate
    filter_query = filter_query if isinstance(filter_query, str) else ""
    page = int(page or 0) if f"{ids.table}.page_current" in (ctx.triggered_prop_ids or {}) else 0
    data, pages, matching, error = presenter.table_page(frame, filter_query, page, PAGE_SIZE,
                                                        sort_by if isinstance(sort_by, list) else None)
    return data, pages, min(page, pages - 1), _("{n} rows match").format(n=number(matching)), error or "", \
        presenter.csv_href(info.slug, filter_query)


@callback(
    Output(ids.chart, "figure"),
    Output(ids.note, "children"),
    Output(ids.state, "data"),
    Output(ids.map, "figure"),
    Output(ids.map_note, "children"),
    Output(ids.map_box, "style"),
    Input(ids.kind, "value"),
    Input(ids.x, "value"),
    Input(ids.y, "value"),
    Input(ids.agg, "value"),
    Input(ids.colour, "value"),
    Input(ids.bucket, "value"),
    Input(ids.table, "filter_query"),
    State(ids.slug, "data"),
    prevent_initial_call=True,
    access="public",
)
def chart(kind, x, y, agg, colour, bucket, filter_query, slug):
    info, frame = _load(slug)
    if info is None:
        raise PreventUpdate
    params = {"type": kind, "x": x, "y": y, "agg": agg, "colour": colour, "bucket": bucket,
              "filter": filter_query if isinstance(filter_query, str) else ""}
    state = presenter.chart_state(info, frame, params)
    result = presenter.chart(city(), info, frame, state, language=current_language(), text=chart_text())
    return (result.figure, result.error or result.note or "", {"query": state.query()}, result.map_figure or {},
            result.map_note or "", {} if result.map_figure else {"display": "none"})


def share_query(slug: str, state_query: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"slug": slug}) + ("&" + state_query if state_query else "")


@callback(
    Output(ShareEmbed.ids.store("dataset-chart"), "data"),
    Output(ShareEmbed.ids.store("dataset-map"), "data"),
    Input(ids.state, "data"),
    State(ids.slug, "data"),
    prevent_initial_call=True,
    access="public",
)
def share_state(state, slug):
    """The Share / Embed controls follow the chart builder's state."""
    if not isinstance(state, dict) or not isinstance(state.get("query"), str) or not isinstance(slug, str):
        raise PreventUpdate
    query = share_query(slug, state["query"])
    return {"kind": "dataset-chart", "query": query}, {"kind": "dataset-map", "query": query}


clientside_callback(
    ClientsideFunction(namespace="explorer", function_name="syncUrl"),
    Output(ids.url_sync, "data"),
    Input(ids.state, "data"),
)

register_page(__name__, path="/data/<slug>", path_template="/data/<slug>", layout=layout, title=_l("Dataset"),
              name="Dataset")

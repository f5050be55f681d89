"""The Share / Embed control every chart of the portal carries (a Dash All-in-One component).

`ShareEmbed(kind, query)` sits under a chart. Its panel, rendered on the server when opened, gives the
permalink of the page with the full state, the iframe snippet of `/embed/<kind>?<state>`, PNG and SVG
images, the CSV of the data behind the chart, and the citation line (source, licence, data version and
date). Officers also get "Freeze this chart". A page keeps the control in step with its chart by writing
`{"kind": ..., "query": ...}` into the component's store (`ShareEmbed.ids.store(aio_id)`). The chart's
summary sentence (its text alternative) is kept in a visually hidden paragraph, `ids.summary(aio_id)`, and the
data behind the chart is one click away under "Show as table" (`ids.table(aio_id)`, a disclosure button with
`aria-expanded` that opens with Enter or Space; the table is rendered only when opened). `named_graph` gives
the graph itself a name and points at the summary.

Callbacks are registered per app by `register()` (Dash takes callbacks from its global list when an app
is set up; `create_app` calls it).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import dash_bootstrap_components as dbc
import pandas as pd
from dash import MATCH, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import request
from markupsafe import escape

from portal.embeds.kinds import KINDS, Chart, ChartNotFound, build, column_label, embed_path, export_path
from portal.i18n import _, date
from portal.security import callback, is_allowed

COMPONENT = "ShareEmbed"


class ShareEmbed(html.Div):
    """A chart's Share / Embed control; `kind` names the chart (see `portal.embeds.kinds`), `query` its state."""

    class ids:  # noqa: N801 - the Dash convention for a component's ids
        @staticmethod
        def _id(sub: str, aio_id: str) -> dict:
            return {"component": COMPONENT, "subcomponent": sub, "aio_id": aio_id}

        @classmethod
        def store(cls, aio_id: str) -> dict:
            return cls._id("store", aio_id)

        @classmethod
        def toggle(cls, aio_id: str) -> dict:
            return cls._id("toggle", aio_id)

        @classmethod
        def collapse(cls, aio_id: str) -> dict:
            return cls._id("collapse", aio_id)

        @classmethod
        def panel(cls, aio_id: str) -> dict:
            return cls._id("panel", aio_id)

        @classmethod
        def summary(cls, aio_id: str) -> dict:
            return cls._id("summary", aio_id)

        @classmethod
        def table(cls, aio_id: str) -> dict:
            return cls._id("table", aio_id)

        @classmethod
        def table_toggle(cls, aio_id: str) -> dict:
            return cls._id("table-toggle", aio_id)

        @classmethod
        def table_collapse(cls, aio_id: str) -> dict:
            return cls._id("table-collapse", aio_id)

        @classmethod
        def freeze(cls, aio_id: str) -> dict:
            return cls._id("freeze", aio_id)

        @classmethod
        def frozen(cls, aio_id: str) -> dict:
            return cls._id("frozen", aio_id)

        @classmethod
        def field(cls, name: str, aio_id: str) -> str:
            return f"share-{aio_id}-{name}"  # plain ids: dcc.Clipboard targets them

    def __init__(self, kind: str, query: str = "", aio_id: str | None = None, summary: str = ""):
        aio_id = aio_id or kind
        super().__init__([
            html.Div(html.P(summary, id=self.ids.summary(aio_id), className="visually-hidden chart-summary"),
                     id=summary_id(aio_id)),
            html.Div([
                html.Button(_("Show as table"), id=self.ids.table_toggle(aio_id), n_clicks=0, type="button",
                            className="btn btn-link btn-sm px-0 chart-table-toggle",
                            **{"aria-expanded": "false", "aria-controls": f"table-{aio_id}-body"}),
                html.Div(dbc.Collapse(html.Div(id=self.ids.table(aio_id), className="chart-table"),
                                      id=self.ids.table_collapse(aio_id), is_open=False), id=f"table-{aio_id}-body"),
            ], className="chart-table-wrap", id=f"table-{aio_id}"),
            dbc.Button(_("Share / Embed"), id=self.ids.toggle(aio_id), n_clicks=0, color="secondary", outline=True,
                       size="sm", className="share-toggle mt-1"),
            dbc.Collapse(html.Div(id=self.ids.panel(aio_id), className="share-panel border rounded p-2 mt-1 small"),
                         id=self.ids.collapse(aio_id), is_open=False),
            dcc.Store(id=self.ids.store(aio_id), data={"kind": kind, "query": query}),
        ], className="share-embed-wrap mb-3", id=f"share-{aio_id}")


def summary_id(aio_id: str) -> str:
    return f"summary-{aio_id}"


def named_graph(graph, kind: str, aio_id: str | None = None) -> html.Div:
    """The graph inside a `figure` with a name (what the chart is) and a description (its summary sentence,
    kept up to date by the Share / Embed control of the same `aio_id`)."""
    label = KINDS[kind].label() if kind in KINDS else kind
    return html.Div(graph, role="figure", className="named-graph",
                    **{"aria-label": label, "aria-describedby": summary_id(aio_id or kind)})


def data_table(chart: Chart, limit: int = 200) -> list:
    """The chart's data as a plain HTML table (its text alternative beside the summary sentence)."""
    from portal.participation.components import scroll_box

    frame = chart.data if isinstance(chart.data, pd.DataFrame) else pd.DataFrame()
    if frame.empty:
        return [html.P(chart.summary or _("No data."), className="small mb-0")]
    shown = frame.head(limit)

    def cell(value):
        if isinstance(value, float):
            return f"{value:,.2f}".rstrip("0").rstrip(".") if value == value else "–"
        return "" if value is None else str(value)

    table = html.Table([
        html.Caption(chart.summary, className="caption-top small"),
        html.Thead(html.Tr([html.Th(column_label(c), scope="col") for c in shown.columns])),
        html.Tbody([html.Tr([html.Td(cell(v)) for v in row]) for row in shown.itertuples(index=False)]),
    ], className="table table-sm table-striped small mb-1")
    note = (html.P(_("The first {n} of {total} rows; the CSV has them all.").format(n=limit, total=len(frame)),
                   className="small text-muted mb-0") if len(frame) > limit else None)
    return [scroll_box(table, chart.title), note]


def _args(query: str) -> dict:
    return dict(parse_qsl(query or "", keep_blank_values=False))


def _absolute(path: str) -> str:
    return request.host_url.rstrip("/") + path


def snippet(chart: Chart) -> str:
    """The iframe a journalist pastes into an article."""
    src = _absolute(embed_path(chart.kind, chart.query))
    return (f'<iframe src="{escape(src)}" title="{escape(chart.title)}" width="100%" height="480" '
            f'style="border:0" loading="lazy"></iframe>')


def panel(chart: Chart, aio_id: str) -> list:
    """The panel's content for a built chart."""
    permalink = _absolute(chart.page_url)
    link_id, code_id = ShareEmbed.ids.field("link", aio_id), ShareEmbed.ids.field("code", aio_id)
    downloads = [
        html.A(_("PNG image"), href=export_path(chart.kind, chart.query, "png") + _and("download=1", chart.query),
               className="btn btn-link btn-sm", id=ShareEmbed.ids.field("png", aio_id)),
        html.A(_("SVG image"), href=export_path(chart.kind, chart.query, "svg") + _and("download=1", chart.query),
               className="btn btn-link btn-sm", id=ShareEmbed.ids.field("svg", aio_id)),
        html.A(_("Data (CSV)"), href=export_path(chart.kind, chart.query, "csv"), className="btn btn-link btn-sm",
               id=ShareEmbed.ids.field("csv", aio_id)),
        html.A(_("Open the embed"), href=embed_path(chart.kind, chart.query), target="_blank", rel="noopener",
               className="btn btn-link btn-sm", id=ShareEmbed.ids.field("embed", aio_id)),
    ]
    children = [
        html.P(html.Strong(chart.title), className="mb-1"),
        dbc.Label(_("Link to this view"), html_for=link_id, className="mb-0"),
        dbc.InputGroup([dbc.Input(id=link_id, value=permalink, readonly=True, size="sm"),
                        dbc.InputGroupText(dcc.Clipboard(target_id=link_id, title=_("Copy the link")))],
                       size="sm", className="mb-2"),
        dbc.Label(_("Embed code (iframe)"), html_for=code_id, className="mb-0"),
        html.Div([dbc.Textarea(id=code_id, value=snippet(chart), readOnly=True, rows=2, className="font-monospace",
                               size="sm"),
                  dcc.Clipboard(target_id=code_id, title=_("Copy the embed code"), className="ms-1")],
                 className="d-flex align-items-start mb-1"),
        html.Div(downloads, className="mb-1"),
        html.P(chart.citation.line(chart.title, permalink), className="text-muted mb-1",
               id=ShareEmbed.ids.field("citation", aio_id)),
    ]
    if is_allowed("officer"):
        children += [
            dbc.Button(_("Freeze this chart"), id=ShareEmbed.ids.freeze(aio_id), color="warning", outline=True,
                       size="sm", n_clicks=0),
            html.Span(_(" Keeps this chart with today's data for an article: the embed then says \"data as of\"."),
                      className="text-muted"),
            html.Div(id=ShareEmbed.ids.frozen(aio_id), role="status", className="mt-1"),
        ]
    return children


def _and(extra: str, query: str) -> str:
    return ("&" if query else "?") + extra


def register() -> None:
    """The control's callbacks (one per app): the panel and summary follow the chart; officers freeze it."""

    @callback(
        Output(ShareEmbed.ids.panel(MATCH), "children"),
        Output(ShareEmbed.ids.summary(MATCH), "children"),
        Output(ShareEmbed.ids.collapse(MATCH), "is_open"),
        Input(ShareEmbed.ids.store(MATCH), "data"),
        Input(ShareEmbed.ids.toggle(MATCH), "n_clicks"),
        State(ShareEmbed.ids.store(MATCH), "id"),
        access="public",
    )
    def share_panel(state, clicks, component_id):
        """The panel (when open) and the text alternative of the chart in its current state."""
        if not isinstance(state, dict) or state.get("kind") not in KINDS:
            raise PreventUpdate
        is_open = isinstance(clicks, int) and clicks % 2 == 1
        aio_id = (component_id or {}).get("aio_id") if isinstance(component_id, dict) else None
        aio_id = aio_id if isinstance(aio_id, str) and len(aio_id) <= 60 else state["kind"]
        query = state.get("query") if isinstance(state.get("query"), str) else ""
        try:
            chart = build(state["kind"], _args(query[:4000]))
        except ChartNotFound as exc:
            return html.P(str(exc), className="text-muted mb-0"), "", is_open
        return (panel(chart, aio_id) if is_open else no_update), chart.summary, is_open

    @callback(
        Output(ShareEmbed.ids.table(MATCH), "children"),
        Output(ShareEmbed.ids.table_collapse(MATCH), "is_open"),
        Output(ShareEmbed.ids.table_toggle(MATCH), "aria-expanded"),
        Input(ShareEmbed.ids.table_toggle(MATCH), "n_clicks"),
        Input(ShareEmbed.ids.store(MATCH), "data"),
        prevent_initial_call=True,
        access="public",
    )
    def chart_table(clicks, state):
        """"Show as table": the data behind the chart in its current state, rendered only while open."""
        if not isinstance(clicks, int) or clicks % 2 == 0:
            return [], False, "false"
        if not isinstance(state, dict) or state.get("kind") not in KINDS:
            raise PreventUpdate
        query = state.get("query") if isinstance(state.get("query"), str) else ""
        try:
            chart = build(state["kind"], _args(query[:4000]))
        except ChartNotFound as exc:
            return html.P(str(exc), className="small"), True, "true"
        return data_table(chart), True, "true"

    @callback(
        Output(ShareEmbed.ids.frozen(MATCH), "children"),
        Input(ShareEmbed.ids.freeze(MATCH), "n_clicks"),
        State(ShareEmbed.ids.store(MATCH), "data"),
        prevent_initial_call=True,
        access="officer",
    )
    def freeze_chart(clicks, state):
        """An officer freezes the chart as it is now: the embed of the copy keeps today's data."""
        if not clicks or not isinstance(state, dict) or state.get("kind") not in KINDS:
            raise PreventUpdate
        from portal.db import get_session
        from portal.embeds import frozen
        from portal.web import user

        session = get_session()
        query = state.get("query") if isinstance(state.get("query"), str) else ""
        try:
            row = frozen.freeze(session, user(), state["kind"], _args(query[:4000]))
        except ChartNotFound as exc:
            return dbc.Alert(str(exc), color="danger", className="mb-0 py-1")
        session.commit()
        src = _absolute(f"/embed/frozen/{row.id}")
        code = (f'<iframe src="{escape(src)}" title="{escape(row.title)}" width="100%" height="480" '
                f'style="border:0" loading="lazy"></iframe>')
        return dbc.Alert([
            html.Div(_("Frozen on {date}. Embed this copy:").format(date=date(row.frozen_at))),
            html.A(src, href=src, target="_blank", rel="noopener", className="d-block frozen-link"),
            html.Code(code, className="d-block small frozen-code"),
        ], color="success", className="mb-0 py-1")

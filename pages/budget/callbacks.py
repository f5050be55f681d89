"""Callbacks of the budget explorer; `register()` is called by the page module each time the app is built."""

from __future__ import annotations

from dash import ALL, ClientsideFunction, Input, Output, State, clientside_callback, ctx, no_update
from dash.exceptions import PreventUpdate

from pages.budget import layout as L
from portal.budget import presenter
from portal.budget.explorer import View
from portal.embeds.component import ShareEmbed
from portal.security import callback

ids = L.ids


def register() -> None:
    @callback(
        Output(ids.view, "data"),
        Output(ids.treemap, "figure"),
        Output(ids.crumbs, "children"),
        Output(ids.headline, "children"),
        Output(ids.phase, "options"),
        Output(ids.phase, "value"),
        Output(ids.treemap, "clickData"),
        Output(ids.participatory, "value"),
        Output(ids.year, "value"),
        Output(ids.statement, "value"),
        Output(ids.direction, "value"),
        Input(ids.treemap, "clickData"),
        Input({"type": ids.crumb, "depth": ALL}, "n_clicks"),
        Input(ids.year, "value"),
        Input(ids.phase, "value"),
        Input(ids.statement, "value"),
        Input(ids.direction, "value"),
        Input(ids.measure, "value"),
        Input(ids.district, "value"),
        Input(ids.participatory, "value"),
        State(ids.view, "data"),
        prevent_initial_call=True,
        access="public",
    )
    def drill_down(click, _crumbs, year, phase, statement, direction, measure, district, participatory, current):
        """Drill down (treemap click), go up (breadcrumb), or change a control: the new view, rendered."""
        c = L.ctx()
        if not c.data.available:
            raise PreventUpdate
        view = View.from_dict((current or {}).get("view"))
        view = c.view({**view.as_dict(), "path": "/".join(view.path)})
        trigger = ctx.triggered_id
        if isinstance(trigger, dict) and trigger.get("type") == ids.crumb:
            clicked = next((t["value"] for t in ctx.triggered if t.get("value")), None)
            if not clicked:
                raise PreventUpdate
            view = presenter.navigate(view, trigger="crumb", value=trigger.get("depth"),
                                      available=c.data.available, districts=c.city.districts)
        elif trigger == ids.treemap:
            point = ((click or {}).get("points") or [{}])[0]
            custom = point.get("customdata") or []
            suffix = custom[1] if isinstance(custom, list) and len(custom) > 1 else ""
            if not suffix or not isinstance(suffix, str):
                raise PreventUpdate
            view = presenter.navigate(view, trigger="treemap", value=suffix, available=c.data.available,
                                      districts=c.city.districts)
        else:
            changes = {ids.year: ("year", year), ids.phase: ("phase", phase), ids.statement: ("statement", statement),
                       ids.direction: ("direction", direction), ids.measure: ("measure", measure),
                       ids.district: ("district", district), ids.participatory: ("participatory", participatory)}
            if trigger in changes:
                name, value = changes[trigger]
                view = presenter.navigate(view, trigger=name, value=value, available=c.data.available,
                                          districts=c.city.districts,
                                          pb_available=presenter.pb_available(c) if name == "participatory" else None)
        def render():
            result = presenter.drill(c, view)
            return (result.figure, L.breadcrumb(result), L.headline(c, result),
                    L.phase_options(presenter.phases_of(c, view.year)))

        # the rendered parts depend on the view and the language only: memoised with the city's lines
        divisor = c.divisor(view)[0] if view.measure == "per_resident" else None
        figure, crumbs, headline, phases = c.data.remember(("drill-ui", view, c.language, divisor), render)
        return (L.state(view), figure, crumbs, headline, phases, view.phase, None, view.participatory, view.year,
                view.statement, view.direction)

    @callback(
        *[Output(ShareEmbed.ids.store(chart), "data") for chart in ids.charts],
        Input(ids.view, "data"),
        prevent_initial_call=True,
        access="public",
    )
    def share_state(state):
        """The Share / Embed controls of the four charts follow the view."""
        if not isinstance(state, dict) or not isinstance(state.get("query"), str):
            raise PreventUpdate
        return tuple({"kind": chart, "query": state["query"]} for chart in ids.charts)

    @callback(
        Output(ids.years, "figure"),
        Output(ids.compare, "figure"),
        Input(ids.view, "data"),
        prevent_initial_call=True,
        access="public",
    )
    def charts(state):
        c = L.ctx()
        if not state or not c.data.available:
            raise PreventUpdate
        view = c.view(_query(state))
        return presenter.years_figure(c, view), presenter.compare_figure(c, view)

    @callback(
        Output(ids.map, "figure"),
        Output(ids.map_caption, "children"),
        Input(ids.view, "data"),
        prevent_initial_call=True,
        access="public",
    )
    def district_map(state):
        c = L.ctx()
        if not state or not c.data.available:
            raise PreventUpdate
        view = c.view(_query(state))
        result = presenter.district_map(c, view)
        return result.figure, L.map_caption(c, result, view)

    @callback(
        Output(ids.district, "value"),
        Output(ids.map, "clickData"),
        Input(ids.map, "clickData"),
        State(ids.district, "value"),
        prevent_initial_call=True,
        access="public",
    )
    def pick_district(click, current):
        """A click on a district of the map selects it (a second click on it selects the whole city again)."""
        point = ((click or {}).get("points") or [{}])[0]
        custom = point.get("customdata")
        code = custom[0] if isinstance(custom, list) and custom else None
        if not isinstance(code, str):
            raise PreventUpdate
        return (None if code == current else code), None

    @callback(
        Output(ids.table, "data"),
        Output(ids.table, "page_count"),
        Output(ids.table, "page_current"),
        Output(ids.download, "href"),
        Input(ids.view, "data"),
        Input(ids.search, "value"),
        Input(ids.table, "page_current"),
        prevent_initial_call=True,
        access="public",
    )
    def table(state, search, page):
        c = L.ctx()
        if not state or not c.data.available:
            raise PreventUpdate
        view = c.view(_query(state))
        if ctx.triggered_id != ids.table:
            page = 0
        search = search if isinstance(search, str) else None
        rows, pages = presenter.table_page(c, view, search, int(page or 0))
        return rows, pages, int(page or 0), L.download_href(view, search)

    clientside_callback(
        ClientsideFunction(namespace="explorer", function_name="syncUrl"),
        Output(ids.url_sync, "data"),
        Input(ids.view, "data"),
    )


def _query(state: dict) -> dict:
    view = (state or {}).get("view") or {}
    return {**view, "path": "/".join(view.get("path") or [])}


__all__ = ["register", "no_update"]

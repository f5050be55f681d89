"""Budget figures: the drill-down treemap, the change over the years, plan vs actual."""

from __future__ import annotations

import pandas as pd

from portal.budget.explorer import OTHER, UNCLASSIFIED, Drilldown
from portal.charts import PHASE_STYLE, base_layout, empty, lighten
from portal.charts.palette import PARTICIPATORY

DEFAULT_TEXT = {
    "root": "Total", "other": "(other)", "unclassified": "(not further classified)", "empty": "No budget lines here",
    "share": "of this view", "per_resident": "per resident", "approved": "Plan", "executed": "Actual",
    "proposed": "Proposed", "adjusted": "Adjusted", "year": "Year", "years_title": "Over the years",
    "compare_title": "Plan and actual", "only_one_phase": "Only one phase for this year",
    "participatory": "participatory budget",
}


def _amount_format(per_resident: bool) -> str:
    return ",.2f" if per_resident else ",.0f"


def treemap(drill: Drilldown, *, currency: str, colours: dict, language: str = "en", divisor: float | None = None,
            text: dict | None = None) -> dict:
    """Children and grandchildren of the current node; `divisor` turns amounts into per-resident amounts.

    Box areas are the amounts clipped at zero (a treemap cannot draw a negative box); the labels and the
    hover show the exact, signed amounts. Clicking a box returns its `customdata[1]`: the path suffix to
    drill into ("" where there is nothing below).

    Boxes holding money of participatory-budgeting projects are outlined and hatched in the participatory
    colour (the hatching dense where the box is wholly participatory), and say how much of them it is.
    """
    t = {**DEFAULT_TEXT, **(text or {})}
    if not drill.nodes:
        return empty(t["empty"], language)
    scale = 100.0 * (divisor or 1.0)
    root_label = drill.crumbs[-1][0] or t["root"]
    children = [n for n in drill.nodes if n.depth == 1]
    grandchildren = [n for n in drill.nodes if n.depth == 2]
    clickable = {n.code: n.clickable for n in children}
    area: dict[str, float] = {}
    for n in grandchildren:
        area[n.parent] = area.get(n.parent, 0.0) + max(0, n.cents)
    ids, parents, labels, values = ["__root__"], [""], [root_label], [0.0]
    custom = [[drill.total / scale, "", drill.participatory / scale]]
    pb = [drill.participatory]
    whole = [drill.total]
    for n in children:
        ids.append(n.id)
        parents.append("__root__")
        labels.append(_label(n.code, n.label, t))
        values.append(float(area.get(n.code, max(0, n.cents))) / scale)
        custom.append([n.cents / scale, n.id if n.clickable else "", n.participatory / scale])
        pb.append(n.participatory)
        whole.append(n.cents)
    values[0] = float(sum(values[1:]))
    for n in grandchildren:
        ids.append(n.id)
        parents.append(n.parent)
        labels.append(_label(n.code, n.label, t))
        values.append(float(max(0, n.cents)) / scale)
        custom.append([n.cents / scale, n.parent if clickable.get(n.parent) else "", n.participatory / scale])
        pb.append(n.participatory)
        whole.append(n.cents)
    fmt = _amount_format(bool(divisor))
    unit = f" {currency}" + (f" {t['per_resident']}" if divisor else "")
    text = "<b>%{label}</b><br>%{customdata[0]:" + fmt + "}" + unit
    hover = text + "<br>%{percentRoot:.1%} " + t["share"]
    pb_line = "<br>" + t["participatory"] + ": %{customdata[2]:" + fmt + "}" + unit
    marker: dict = {"line": {"width": 1, "color": "#ffffff"}}
    trace = {
        "type": "treemap", "ids": ids, "parents": parents, "labels": labels, "values": values,
        "customdata": custom, "branchvalues": "total", "maxdepth": 3, "sort": True, "marker": marker,
        "texttemplate": text, "hovertemplate": hover + "<extra></extra>",
        "pathbar": {"visible": False}, "tiling": {"pad": 2}, "root": {"color": "#f4f4f4"},
    }
    if any(pb[1:]):
        colour = colours.get("participatory", PARTICIPATORY)
        has = [p != 0 for p in pb]
        whole_pb = [i > 0 and p != 0 and p >= w for i, (p, w) in enumerate(zip(pb, whole, strict=True))]
        depth = [0] + [1] * len(children) + [2] * len(grandchildren)
        # wholly participatory boxes are green (lighter inside); boxes with some participatory money get a
        # green outline; the others keep the treemap's colours (None: plotly's colourway)
        marker["colors"] = [(colour if d == 1 else lighten(colour, 0.35)) if w else None
                            for w, d in zip(whole_pb, depth, strict=True)]
        marker["line"] = {"width": [3 if h and not w else 1 for h, w in zip(has, whole_pb, strict=True)],
                          "color": [colour if h and not w else "#ffffff" for h, w in zip(has, whole_pb, strict=True)]}
        trace["texttemplate"] = [text + pb_line if h else text for h in has]
        trace["hovertemplate"] = [hover + (pb_line if h else "") + "<extra></extra>" for h in has]
    primary, secondary = colours.get("primary", "#1f3a60"), colours.get("secondary", "#b3001b")
    colorway = [lighten(c, share) for share in (0.0, 0.3, 0.5) for c in (primary, secondary)]
    return {"data": [trace], "layout": base_layout(language, margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=520,
                                                   treemapcolorway=colorway, extendtreemapcolors=True,
                                                   uirevision="/".join(drill.view.path) or "root")}


def _label(code: str, label: str, t: dict) -> str:
    if code == OTHER:
        return t["other"]
    if code == UNCLASSIFIED:
        return t["unclassified"]
    return label


def over_years(frame: pd.DataFrame, *, currency: str, colours: dict, language: str = "en",
               divisors: dict[int, float] | None = None, text: dict | None = None) -> dict:
    """One line per phase (plan, actual...) of the current node's total per year."""
    t = {**DEFAULT_TEXT, **(text or {})}
    if frame.empty:
        return empty(t["empty"], language)
    traces = []
    palette = {"approved": colours.get("primary", "#1f3a60"), "executed": colours.get("secondary", "#b3001b"),
               "proposed": "#6c757d", "adjusted": "#e0a800"}
    per_resident = divisors is not None
    for phase, group in frame.groupby("phase", sort=False):
        group = group.sort_values("fiscal_year")
        ys = []
        for year, cents in zip(group["fiscal_year"], group["cents"], strict=True):
            d = (divisors or {}).get(int(year)) if per_resident else 1
            ys.append(cents / 100 / d if d else None)
        style = PHASE_STYLE.get(phase, {})
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": t.get(phase, phase),
            "x": [int(y) for y in group["fiscal_year"]], "y": ys,
            "line": {"color": palette.get(phase, "#333"), "dash": style.get("dash", "solid"), "width": 3},
            "marker": {"symbol": style.get("symbol", "circle"), "size": 9},
            "hovertemplate": "%{x}: %{y:" + _amount_format(per_resident) + "} " + currency + "<extra>"
                             + t.get(phase, phase) + "</extra>",
        })
    layout = base_layout(language, height=300, title={"text": t["years_title"], "x": 0, "font": {"size": 15}},
                         xaxis={"dtick": 1, "title": {"text": t["year"]}},
                         yaxis={"title": {"text": currency + (" " + t["per_resident"] if per_resident else "")},
                                "rangemode": "tozero", "tickformat": "~s" if not per_resident else ",.0f"},
                         legend={"orientation": "h", "y": -0.3}, margin={"l": 60, "r": 10, "t": 40, "b": 40})
    return {"data": traces, "layout": layout}


def compare_phases(frame: pd.DataFrame, *, currency: str, colours: dict, language: str = "en", top: int = 12,
                   divisor: float | None = None, text: dict | None = None) -> dict:
    """Plan and actual side by side for the largest children of the current node in the selected year."""
    t = {**DEFAULT_TEXT, **(text or {})}
    if frame.empty:
        return empty(t["empty"], language)
    order = frame.groupby("code")["cents"].max().sort_values(ascending=False).index[:top].tolist()
    frame = frame[frame["code"].isin(order)]
    palette = {"approved": colours.get("primary", "#1f3a60"), "executed": colours.get("secondary", "#b3001b"),
               "proposed": "#6c757d", "adjusted": "#e0a800"}
    traces = []
    labels = {r.code: _label(r.code, r.label, t) for r in frame.itertuples(index=False)}
    for phase, group in frame.groupby("phase", sort=False):
        by_code = dict(zip(group["code"], group["cents"], strict=True))
        scale = 100 * (divisor or 1)
        traces.append({
            "type": "bar", "orientation": "h", "name": t.get(phase, phase),
            "y": [_short(labels[c]) for c in reversed(order)],
            "x": [by_code.get(c, 0) / scale for c in reversed(order)],
            "marker": {"color": palette.get(phase, "#333")},
            "hovertemplate": "%{y}: %{x:" + _amount_format(bool(divisor)) + "} " + currency + "<extra>"
                             + t.get(phase, phase) + "</extra>",
        })
    title = t["compare_title"] if len(traces) > 1 else t["only_one_phase"]
    layout = base_layout(language, barmode="group", height=max(260, 28 * len(order) + 90),
                         title={"text": title, "x": 0, "font": {"size": 15}},
                         xaxis={"tickformat": "~s" if not divisor else ",.0f", "title": {"text": currency}},
                         yaxis={"automargin": True}, legend={"orientation": "h", "y": -0.15},
                         margin={"l": 10, "r": 10, "t": 40, "b": 40})
    return {"data": traces, "layout": layout}


def _short(label: str, limit: int = 42) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"

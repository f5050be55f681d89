"""District maps drawn from the shipped boundaries only: filled shapes on hidden axes, no tiles.

One filled scatter trace per district shape (coloured from the value), one marker trace at the
district centres that carries the hover, the click (customdata = district code) and the colour bar,
and optionally points on top. Nothing in the figure makes plotly.js fetch anything.
"""

from __future__ import annotations

import math

import pandas as pd

from portal.charts import base_layout, colour_at, sequential_scale
from portal.geo import Boundaries

NO_DATA = "#e9ecef"


def choropleth(bounds: Boundaries, values: dict[str, float | None], *, colour: str, language: str = "en",
               value_format: str = ",.0f", unit: str = "", selected: str | None = None, title: str = "",
               no_data: str = "no figure", labels: bool = True, points: pd.DataFrame | None = None,
               point_colour: str = "#212529", height: int = 520, points_name: str = "points") -> dict:
    """A map of the city's districts coloured by `values` (district code -> number or None)."""
    scale = sequential_scale(colour)
    known = [v for v in values.values() if v is not None and not (isinstance(v, float) and math.isnan(v))]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    span = (high - low) or 1.0
    traces = []
    for district in bounds.districts:
        value = values.get(district.code)
        has = value is not None and not (isinstance(value, float) and math.isnan(value))
        fill = colour_at(scale, (value - low) / span) if has else NO_DATA
        is_selected = district.code == selected
        for rx, ry in district.rings:
            traces.append({
                "type": "scatter", "mode": "lines", "x": list(rx), "y": list(ry), "fill": "toself",
                "fillcolor": fill, "line": {"color": "#212529" if is_selected else "#ffffff",
                                            "width": 3 if is_selected else 1},
                "hoverinfo": "skip", "showlegend": False, "name": district.name,
                "meta": {"district": district.code},
            })
    centres_x = [d.centre[0] for d in bounds.districts]
    centres_y = [d.centre[1] for d in bounds.districts]
    shown = [values.get(d.code) for d in bounds.districts]
    custom = [[d.code, d.name, v if v is not None else None] for d, v in zip(bounds.districts, shown, strict=True)]
    marker = {"size": 14, "opacity": 0.01, "color": [v if v is not None else low for v in shown],
              "colorscale": scale, "cmin": low, "cmax": high}
    if known:
        marker["showscale"] = True
        marker["colorbar"] = {"title": {"text": unit}, "thickness": 12, "len": 0.7, "tickformat": "~s"}
    traces.append({
        "type": "scatter", "mode": "markers+text" if labels else "markers", "x": centres_x, "y": centres_y,
        "text": [d.name if labels else "" for d in bounds.districts], "textposition": "middle center",
        "textfont": {"size": 11, "color": "#212529"}, "customdata": custom, "marker": marker,
        "hovertemplate": "<b>%{customdata[1]}</b><br>%{customdata[2]:" + value_format + "} " + unit
                         + "<extra></extra>",
        "showlegend": False, "name": "districts",
    })
    if points is not None and len(points):
        px, py = bounds.project(points["lon"].to_numpy(), points["lat"].to_numpy())
        traces.append({
            "type": "scatter", "mode": "markers", "x": px.round(6).tolist(), "y": py.round(6).tolist(),
            "text": points["label"].tolist() if "label" in points else None,
            "marker": {"size": 7, "color": point_colour, "opacity": 0.75, "line": {"width": 0.5, "color": "#fff"}},
            "hovertemplate": "%{text}<extra></extra>", "showlegend": False, "name": points_name,
        })
    layout = base_layout(
        language, height=height, showlegend=False, hovermode="closest", dragmode="pan",
        xaxis={"visible": False, "fixedrange": False}, margin={"l": 0, "r": 0, "t": 30 if title else 0, "b": 0},
        yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1},
    )
    if title:
        layout["title"] = {"text": title, "x": 0, "font": {"size": 15}}
    if not known:
        layout["annotations"] = [{"text": no_data, "showarrow": False, "xref": "paper", "yref": "paper",
                                  "x": 0.5, "y": 0.02, "font": {"size": 13}}]
    return {"data": traces, "layout": layout}

"""The chart builder's figure: an aggregate of a dataset as bars, lines, areas, points or boxes.

Date axes get a range slider and range buttons (time series); the data is already aggregated on the
server (portal.datasets.query.chart_data), so the figure holds at most a few thousand values.
"""

from __future__ import annotations

from portal.charts import base_layout, empty
from portal.charts.palette import CATEGORICAL
from portal.datasets.query import ChartData

PALETTE = CATEGORICAL  # Okabe–Ito: told apart with the common colour-vision deficiencies


def dataset_chart(chart: ChartData, *, language: str = "en", title: str = "", empty_text: str = "No rows",
                  range_labels: dict | None = None, colours: list[str] | None = None) -> dict:
    frame = chart.frame
    if frame.empty:
        return empty(empty_text, language)
    kind = chart.request.kind
    palette = colours or PALETTE
    groups = list(frame.groupby("colour", sort=False)) if "colour" in frame.columns else [(None, frame)]
    traces = []
    for i, (name, group) in enumerate(groups):
        colour = palette[i % len(palette)]
        x = _axis_values(group["x"], chart.x_type)
        y = [None if v != v else float(v) for v in group["y"].tolist()]
        trace: dict = {"name": str(name) if name is not None else chart.y_label, "x": x, "y": y,
                       "showlegend": name is not None}
        if kind == "bar":
            trace.update(type="bar", marker={"color": colour})
        elif kind in ("line", "area"):
            trace.update(type="scatter", mode="lines" if len(x) > 60 else "lines+markers",
                         line={"color": colour, "width": 2})
            if kind == "area":
                trace.update(stackgroup="one")
        elif kind == "scatter":
            trace.update(type="scatter", mode="markers", marker={"color": colour, "size": 6, "opacity": 0.7})
        elif kind == "box":
            trace.update(type="box", marker={"color": colour}, boxpoints=False)
        traces.append(trace)
    xaxis: dict = {"title": {"text": chart.request.x}, "automargin": True}
    if chart.x_type == "date":
        labels = {"1y": "1y", "5y": "5y", "all": "all", **(range_labels or {})}
        xaxis.update(type="date", rangeslider={"visible": True, "thickness": 0.08}, rangeselector={"buttons": [
            {"count": 1, "label": labels["1y"], "step": "year", "stepmode": "backward"},
            {"count": 5, "label": labels["5y"], "step": "year", "stepmode": "backward"},
            {"step": "all", "label": labels["all"]}]})
    elif chart.x_type in ("integer", "number"):
        xaxis["type"] = "linear"
    else:
        xaxis["type"] = "category"
    layout = base_layout(language, height=440, barmode="group" if kind == "bar" else None, xaxis=xaxis,
                         yaxis={"title": {"text": chart.y_label}, "automargin": True},
                         legend={"orientation": "h", "x": 0, "y": 1.02, "xanchor": "left", "yanchor": "bottom"},
                         margin={"l": 10, "r": 10, "t": 70 if title else 40, "b": 10})
    layout = {k: v for k, v in layout.items() if v is not None}
    if title:
        layout["title"] = {"text": title, "x": 0, "font": {"size": 15}}
    return {"data": traces, "layout": layout}


def _axis_values(series, x_type: str) -> list:
    if x_type == "date":
        return [None if v != v else str(v)[:10] if len(str(v)) >= 10 else str(v) for v in
                series.dt.strftime("%Y-%m-%d").tolist()] if hasattr(series, "dt") else series.astype(str).tolist()
    if x_type in ("integer", "number"):
        return [None if v != v else float(v) for v in series.tolist()]
    return series.astype(str).tolist()

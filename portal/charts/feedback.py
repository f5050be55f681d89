"""Figures of results flowing back: priorities against spending, and the delivery of funded projects.

Pure functions (DataFrame in, plotly JSON dict out) like the explorer's figures; labels come in translated.
"""

from __future__ import annotations

import math

import pandas as pd

from portal.charts import base_layout, empty
from portal.charts.palette import PARTICIPATORY, STATUS

DEFAULT_TEXT = {
    "votes": "Share of votes", "funded": "Share of funded money", "spending": "Share of the city's spending",
    "empty": "No published results yet", "not_mapped": "(no functional area)", "funded_amount": "Funded",
    "spent": "Spent (reported)", "actual": "Spent (city accounts)", "progress": "progress",
    "statuses": {}, "amount": "Amount",
}
STATUS_COLOURS = STATUS


def _num(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def priorities(frame: pd.DataFrame, *, colours: dict | None = None, language: str = "en", title: str = "",
               text: dict | None = None) -> dict:
    """Grouped bars per category: its share of the votes, of the funded money, and the share of the city's
    spending that goes to the functional area it is mapped to (one cycle year)."""
    t = {**DEFAULT_TEXT, **(text or {})}
    if frame.empty:
        return empty(t["empty"], language)
    colours = colours or {}
    rows = frame.sort_values("votes_share", ascending=True)
    labels = [f"{c}<br><sub>{a if isinstance(a, str) and a else t['not_mapped']}</sub>"
              for c, a in zip(rows["category"], rows["area"], strict=True)]
    series = [("votes_share", t["votes"], colours.get("secondary", "#1f3a60")),
              ("funded_share", t["funded"], colours.get("participatory", PARTICIPATORY)),
              ("spending_share", t["spending"], "#adb5bd")]
    traces = []
    for column, name, colour in reversed(series):  # horizontal groups draw the first trace lowest
        traces.append({
            "type": "bar", "orientation": "h", "name": name, "y": labels,
            "x": [_num(v) for v in rows[column].tolist()], "marker": {"color": colour},
            "hovertemplate": "%{y}: %{x:.1%}<extra>" + name + "</extra>",
        })
    layout = base_layout(language, barmode="group", height=max(320, 70 * len(rows) + 110),
                         xaxis={"tickformat": ".0%", "rangemode": "tozero"}, yaxis={"automargin": True},
                         legend={"orientation": "h", "y": -0.12, "traceorder": "reversed"},
                         margin={"l": 10, "r": 10, "t": 40, "b": 40})
    if title:
        layout["title"] = {"text": title, "x": 0, "font": {"size": 15}}
    return {"data": traces, "layout": layout}


def delivery(frame: pd.DataFrame, *, currency: str, language: str = "en", title: str = "",
             text: dict | None = None) -> dict:
    """Per funded project: the funded amount, what officers report as spent and what the city's executed
    accounts show, with its status (colour) and progress."""
    t = {**DEFAULT_TEXT, **(text or {})}
    if frame.empty:
        return empty(t["empty"], language)
    rows = frame.iloc[::-1]
    names = [f"{title_} ({progress} %)" for title_, progress in zip(rows["title"], rows["progress"], strict=True)]
    statuses = t.get("statuses") or {}
    status_text = [statuses.get(s, s) for s in rows["status"]]
    traces = [
        {"type": "bar", "orientation": "h", "name": t["funded_amount"], "y": names,
         "x": [float(v) for v in rows["funded"]], "marker": {"color": "#dee2e6"},
         "hovertemplate": "%{y}: %{x:,.0f} " + currency + "<extra>" + t["funded_amount"] + "</extra>"},
        {"type": "bar", "orientation": "h", "name": t["spent"], "y": names,
         "x": [float(v) for v in rows["spent"]], "customdata": status_text, "width": 0.45,
         "marker": {"color": [STATUS_COLOURS.get(s, "#333") for s in rows["status"]]},
         "hovertemplate": "%{y}: %{x:,.0f} " + currency + " · %{customdata}<extra>" + t["spent"] + "</extra>"},
    ]
    actual = [_num(v) for v in rows["actual"].tolist()]
    if any(v is not None for v in actual):
        traces.append({"type": "scatter", "mode": "markers", "name": t["actual"], "y": names, "x": actual,
                       "marker": {"symbol": "line-ns-open", "size": 22, "color": "#212529", "line": {"width": 3}},
                       "hovertemplate": "%{y}: %{x:,.0f} " + currency + "<extra>" + t["actual"] + "</extra>"})
    layout = base_layout(language, barmode="overlay", height=max(300, 44 * len(rows) + 120),
                         xaxis={"tickformat": "~s", "title": {"text": currency}, "rangemode": "tozero"},
                         yaxis={"automargin": True},
                         legend={"orientation": "h", "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom"},
                         margin={"l": 10, "r": 10, "t": 70, "b": 40})
    if title:
        layout["title"] = {"text": title, "x": 0, "font": {"size": 15}}
    return {"data": traces, "layout": layout}

"""Charts of a cycle's results: money per district and per category, turnout per channel, rules compared.

Pure functions: a DataFrame in, a plotly Figure out; labels come in already translated.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from portal.charts.palette import CATEGORICAL, PARTICIPATORY

CHANNEL_COLOURS = CATEGORICAL[:4]


def _layout(fig: go.Figure, title: str, x_title: str = "", y_title: str = "", bars: int | None = None) -> go.Figure:
    height = 360 if bars is None else min(900, 140 + 36 * max(bars, 1))
    fig.update_layout(title={"text": title, "x": 0}, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      template="plotly_white", xaxis_title=x_title, yaxis_title=y_title,
                      legend={"orientation": "h", "y": -0.25}, height=height)
    return fig


def money_by_group(frame: pd.DataFrame, group: str, *, title: str, currency: str, amount_label: str) -> go.Figure:
    """Horizontal bars: the funded amount per group (district or category), largest on top."""
    data = frame.sort_values("amount", ascending=True) if not frame.empty else frame
    fig = go.Figure(go.Bar(
        x=data["amount"].astype(float) if not data.empty else [], y=data[group] if not data.empty else [],
        orientation="h", marker_color=PARTICIPATORY,
        hovertemplate="%{y}: %{x:,.0f} " + currency + "<extra></extra>",
    ))
    fig.update_xaxes(tickformat=",.0f", ticksuffix=f" {currency}")
    return _layout(fig, title, amount_label, bars=len(data))


def turnout_by_district(frame: pd.DataFrame, *, title: str, ballots_label: str) -> go.Figure:
    """Stacked bars: ballots per district, one colour per channel (online, paper, booth)."""
    fig = go.Figure()
    bars = 0
    if not frame.empty:
        pivot = frame.pivot_table(index="district", columns="channel", values="ballots", aggfunc="sum",
                                  fill_value=0)
        pivot = pivot.loc[pivot.sum(axis=1).sort_values().index]
        for i, channel in enumerate(pivot.columns):
            fig.add_trace(go.Bar(x=pivot[channel].astype(int), y=pivot.index, orientation="h", name=str(channel),
                                 marker_color=CHANNEL_COLOURS[i % len(CHANNEL_COLOURS)],
                                 hovertemplate="%{y}: %{x:,} <extra>" + str(channel) + "</extra>"))
        bars = len(pivot)
        if pivot.sum(axis=1).max() < 10:
            fig.update_xaxes(dtick=1)
    fig.update_layout(barmode="stack")
    return _layout(fig, title, ballots_label, bars=bars)


def rules_compared(frame: pd.DataFrame, *, title: str, share_label: str, voters_label: str) -> go.Figure:
    """Grouped bars per rule: share of the budget used and share of voters with a funded project."""
    fig = go.Figure()
    if not frame.empty:
        fig.add_trace(go.Bar(x=frame["rule"], y=frame["budget_used_share"].astype(float), name=share_label,
                             marker_color="#1f3a60", hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
        if "voters_share" in frame and frame["voters_share"].notna().any():
            fig.add_trace(go.Bar(x=frame["rule"], y=frame["voters_share"].astype(float), name=voters_label,
                                 marker_color=PARTICIPATORY, hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    fig.update_layout(barmode="group")
    return _layout(fig, title)

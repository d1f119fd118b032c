"""Plotly chart builders with one theme: big legible French labels, one message per chart."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from observatoire import formatting

FONT = "DejaVu Sans, Arial, sans-serif"
PALETTE = ["#1f5fa8", "#e07b00", "#2a9d8f", "#8e44ad", "#c0392b", "#7f8c8d", "#d4a017", "#16a085"]
STATUS_STYLE = {  # never colour alone: an icon and a word go with each status
    "atteint": ("✅", "#2e7d32"),
    "en bonne voie": ("🟢", "#1f5fa8"),
    "en retard": ("⚠️", "#c62828"),
}
NEUTRAL = "#b0b7c3"


def themed(fig: go.Figure, title: str = "", height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 20}},
        font={"family": FONT, "size": 15, "color": "#1b1f24"},
        separators=", ",  # decimal comma, space for thousands
        height=height, margin={"l": 10, "r": 10, "t": 60 if title else 20, "b": 10},
        plot_bgcolor="white", paper_bgcolor="white", colorway=PALETTE,
        legend={"orientation": "h", "y": -0.15, "x": 0},
        hoverlabel={"font": {"family": FONT, "size": 14}},
    )
    fig.update_xaxes(showgrid=False, linecolor="#888")
    fig.update_yaxes(gridcolor="#e6e6e6", zeroline=False)
    return fig


def sparkline(dates: list[dt.date], values: list[float], unit: str, target: float | None = None) -> go.Figure:
    fig = go.Figure(go.Scatter(
        x=dates, y=values, mode="lines+markers", line={"width": 2, "color": PALETTE[0]}, marker={"size": 4},
        hovertemplate="%{x|%d/%m/%Y} : %{y:,.1f}" + (" %" if unit == "%" else "") + "<extra></extra>"))
    if target is not None:
        fig.add_hline(y=target, line={"dash": "dot", "color": "#555", "width": 1})
    fig.update_layout(height=70, margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False,
                      plot_bgcolor="white", paper_bgcolor="white", separators=", ")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def time_series(frame: pd.DataFrame, x: str, y: str, title: str, unit: str, color: str | None = None,
                y_label: str = "", dash_from: dt.date | None = None) -> go.Figure:
    """Lines over time, one per `color` group; the part after `dash_from` (a projection) is dashed."""
    fig = go.Figure()
    groups = frame.groupby(color, sort=False) if color else [("", frame)]
    suffix = " %" if unit == "%" else ""
    for i, (name, group) in enumerate(groups):
        group = group.sort_values(x)
        style = {"width": 3, "color": PALETTE[i % len(PALETTE)]}
        past = group if dash_from is None else group[group[x] <= dash_from]
        fig.add_trace(go.Scatter(x=past[x], y=past[y], name=str(name) or y_label, mode="lines", line=style,
                                 hovertemplate=f"{name} %{{x|%d/%m/%Y}} : %{{y:,.1f}}{suffix}<extra></extra>"))
        if dash_from is not None:
            future = group[group[x] >= dash_from]
            fig.add_trace(go.Scatter(x=future[x], y=future[y], name=f"{name} (projection)".strip(), mode="lines",
                                     line={**style, "dash": "dash"}, showlegend=False,
                                     hovertemplate=f"Projection %{{x|%d/%m/%Y}} : %{{y:,.1f}}{suffix}<extra></extra>"))
    fig.update_yaxes(title=y_label, ticksuffix=suffix, rangemode="tozero")
    fig.update_xaxes(tickformat="%m/%Y")
    return themed(fig, title)


def ranked_bars(frame: pd.DataFrame, label: str, value: str, title: str, unit: str,
                reference: float | None = None, reference_label: str = "Référence",
                highlight: list[str] | None = None) -> go.Figure:
    frame = frame.sort_values(value, ascending=True)
    colors = [PALETTE[1] if highlight and lab in highlight else PALETTE[0] for lab in frame[label]]
    suffix = " %" if unit == "%" else ""
    fig = go.Figure(go.Bar(
        x=frame[value], y=frame[label], orientation="h", marker_color=colors,
        text=[formatting.value_with_unit(v, unit) for v in frame[value]], textposition="outside",
        hovertemplate="%{y} : %{x:,.1f}" + suffix + "<extra></extra>"))
    if reference is not None:
        fig.add_vline(x=reference, line={"dash": "dash", "color": "#333"},
                      annotation_text=f"{reference_label} : {formatting.value_with_unit(reference, unit)}",
                      annotation_position="top")
    fig.update_xaxes(ticksuffix=suffix)
    return themed(fig, title, height=max(300, 32 * len(frame) + 120))


def funnel(stages: list[str], values: list[float], title: str) -> go.Figure:
    fig = go.Figure(go.Funnel(y=stages, x=values, textinfo="value+percent initial",
                              marker={"color": PALETTE[:len(stages)]}))
    return themed(fig, title, height=320)


def progress(value: float, target: float, title: str) -> go.Figure:
    """Horizontal bar of achievement against a target (100 % = target met)."""
    share = 0 if not target else min(value / target, 1.5) * 100
    fig = go.Figure(go.Bar(x=[share], y=[""], orientation="h", marker_color=PALETTE[0],
                           text=[formatting.percent(share, 0)], textposition="inside"))
    fig.add_vline(x=100, line={"color": "#333", "width": 2}, annotation_text="Cible", annotation_position="top")
    fig.update_xaxes(range=[0, max(110, share + 5)], ticksuffix=" %")
    return themed(fig, title, height=160)


def timeline(frame: pd.DataFrame, date_col: str, label_col: str, kind_col: str, today: dt.date,
             title: str) -> go.Figure:
    """Milestones as markers on a time axis, the as-of date as a vertical line."""
    fig = go.Figure()
    kinds = list(dict.fromkeys(frame[kind_col]))
    for i, kind in enumerate(kinds):
        part = frame[frame[kind_col] == kind]
        fig.add_trace(go.Scatter(
            x=part[date_col], y=[kind] * len(part), mode="markers+text", name=kind,
            marker={"size": 16, "symbol": "diamond", "color": PALETTE[i % len(PALETTE)]},
            text=[formatting.date(d) for d in part[date_col]], textposition="top center",
            customdata=part[label_col], hovertemplate="%{customdata}<br>%{x|%d/%m/%Y}<extra></extra>"))
    fig.add_vline(x=pd.Timestamp(today).timestamp() * 1000, line={"dash": "dot", "color": "#c62828"},
                  annotation_text=f"Au {formatting.date(today)}")
    fig.update_layout(showlegend=False)
    fig.update_xaxes(tickformat="%m/%Y")
    return themed(fig, title, height=100 + 60 * len(kinds))

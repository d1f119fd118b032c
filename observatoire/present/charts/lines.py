"""Charts over time: series, trajectories against targets, small multiples, timelines, the séance's big chart."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import plotly.graph_objects as go

from observatoire.base import formatting
from observatoire.base.formatting import plotly_escape as esc  # every text from the data shown by plotly
from observatoire.domain.targets import target_due, trajectory_points
from observatoire.present.charts.theme import (
    AS_OF_COLOR,
    MEETING_COLOR,
    PALETTE,
    TARGET_COLOR,
    TRAJECTORY_COLOR,
    _suffix,
    memoised,
    text_width,
    themed,
    value_range,
)


@memoised
def time_series(frame: pd.DataFrame, x: str, y: str, title: str, unit: str, color: str | None = None,
                y_label: str = "", dash_from: dt.date | None = None) -> go.Figure:
    """Lines over time, one per `color` group; the part after `dash_from` (a projection) is dashed."""
    fig = go.Figure()
    groups = frame.groupby(color, sort=False) if color else [("", frame)]
    suffix = _suffix(unit)
    for i, (name, group) in enumerate(groups):
        group = group.sort_values(x)
        name = esc(name)
        style = {"width": 3, "color": PALETTE[i % len(PALETTE)]}
        past = group if dash_from is None else group[group[x] <= dash_from]
        fig.add_trace(go.Scatter(x=past[x], y=past[y], name=str(name) or y_label, mode="lines", line=style,
                                 hovertemplate=f"{name} %{{x|%d/%m/%Y}} : %{{y:,.1f}}{suffix}<extra></extra>"))
        if dash_from is not None:
            future = group[group[x] >= dash_from]
            fig.add_trace(go.Scatter(x=future[x], y=future[y], name=f"{name} (projection)".strip(), mode="lines",
                                     line={**style, "dash": "dash"}, showlegend=False,
                                     hovertemplate=f"Projection %{{x|%d/%m/%Y}} : %{{y:,.1f}}{suffix}<extra></extra>"))
    past_values = frame[y] if dash_from is None else frame.loc[frame[x] <= dash_from, y]
    future_values = [] if dash_from is None else frame.loc[frame[x] > dash_from, y]
    y_range = value_range(past_values, future_values, top=100 if unit == "%" else None)
    fig.update_yaxes(title=y_label, ticksuffix=suffix, rangemode="tozero", range=y_range)
    fig.update_xaxes(tickformat="%m/%Y")
    above = frame[frame[y] > y_range[1]] if y_range else frame.iloc[0:0]
    if len(above):  # say what runs off the top, and how high it goes
        several = bool(color) and frame[color].nunique() > 1
        names = ", ".join(str(n) for n in dict.fromkeys(above[color])) if several else ""
        fig.add_annotation(text=f"↑ hors échelle{' : ' + names if names else ''} (jusqu'à "
                                f"{formatting.value_with_unit(above[y].max(), unit)}"
                                f"{'' if unit == '%' else ' ' + unit})",
                           xref="paper", yref="paper", x=1, y=1, xanchor="right", yanchor="bottom",
                           showarrow=False, font={"size": 13, "color": "#666"})
    return themed(fig, title)


def _x(day) -> float:
    """A date as plotly's millisecond x position (vertical lines on date axes need numbers)."""
    return pd.Timestamp(day).timestamp() * 1000


# Milestone dates are written above their marker, on as many levels as needed so that two never overlap on the
# narrowest drawing (the bilan's page, a half-width column): a label is TIMELINE_LABEL_PX wide out of
# TIMELINE_NARROWEST_PX of time axis.
TIMELINE_FONT = 14
TIMELINE_LEVEL_PX = 20
TIMELINE_NARROWEST_PX = 780


def timeline_levels(days: list[pd.Timestamp], label_days: float) -> list[int]:
    """The level of each date's label (0 = just above the marker): the lowest level where it does not overlap
    the label before it. `days` in any order; labels are `label_days` wide, centred on their date."""
    levels = [0] * len(days)
    ends: list[pd.Timestamp] = []  # where the last label of each level ends
    for i in sorted(range(len(days)), key=lambda k: days[k]):
        start = days[i] - pd.Timedelta(days=label_days / 2)
        level = next((k for k, end in enumerate(ends) if end < start), len(ends))
        if level == len(ends):
            ends.append(start)
        ends[level] = days[i] + pd.Timedelta(days=label_days / 2)
        levels[i] = level
    return levels


@memoised
def timeline(frame: pd.DataFrame, date_col: str, label_col: str, kind_col: str, today: dt.date,
             title: str) -> go.Figure:
    """Milestones as markers on a time axis, one row per kind, each date written above its marker (stacked
    when dates are close); the as-of date as a vertical line labelled on the side with room."""
    fig = go.Figure()
    kinds = list(dict.fromkeys(frame[kind_col]))
    days = pd.to_datetime(pd.Series([*frame[date_col], today]))
    pad = max((days.max() - days.min()) * 0.06, pd.Timedelta(days=45))  # room for the first and last labels
    start, end = days.min() - pad, days.max() + pad
    label_px = text_width("00/00/0000", TIMELINE_FONT) + 12
    label_days = (end - start).days * label_px / TIMELINE_NARROWEST_PX
    annotations, most = [], 0
    for i, kind in enumerate(kinds):
        part = frame[frame[kind_col] == kind]
        fig.add_trace(go.Scatter(
            x=part[date_col], y=[i] * len(part), mode="markers", name=kind, cliponaxis=False,
            marker={"size": 16, "symbol": "diamond", "color": PALETTE[i % len(PALETTE)]},
            customdata=part[label_col].map(esc), hovertemplate="%{customdata}<br>%{x|%d/%m/%Y}<extra></extra>"))
        stamps = [pd.Timestamp(d) for d in part[date_col]]
        levels = timeline_levels(stamps, label_days)
        most = max([most, *(level + 1 for level in levels)])
        annotations += [{"x": day, "y": i, "text": formatting.date(day), "showarrow": False, "yanchor": "bottom",
                         "yshift": 12 + level * TIMELINE_LEVEL_PX, "font": {"size": TIMELINE_FONT}}
                        for day, level in zip(stamps, levels)]
    row_px = 44 + most * TIMELINE_LEVEL_PX  # the labels of a row stay below the markers of the next one
    late = pd.Timestamp(today) - start > (end - start) / 2
    fig.add_vline(x=_x(today), line={"dash": "dot", "color": AS_OF_COLOR},
                  annotation_text=f"Au {formatting.date(today)}", annotation_position="top left" if late else
                  "top right", annotation_font={"size": TIMELINE_FONT, "color": AS_OF_COLOR})
    fig.update_layout(showlegend=False, annotations=[*fig.layout.annotations, *annotations])
    fig.update_xaxes(tickformat="%m/%Y", range=[start, end])
    # Rows are numbers so that the top one keeps room for its labels inside the plot.
    top = len(kinds) - 1 + (12 + most * TIMELINE_LEVEL_PX + 8) / row_px
    fig.update_yaxes(tickvals=list(range(len(kinds))), ticktext=[esc(k) for k in kinds], range=[-0.6, top],
                     showgrid=True, zeroline=False)
    fig = themed(fig, title, height=round(110 + row_px * (top + 0.6)))
    fig.update_layout(margin={"t": 60})  # room for the as-of label above the plot and the toolbar
    return fig


# Type sizes of the trajectory chart; "large" is for the follow-up group's wall screen (no text under 24 px).
TRAJECTORY_SIZES = {
    False: {"font": 15, "title": 20, "small": 13, "line": 3, "marker": 8, "target": 14, "height": 440},
    True: {"font": 26, "title": 36, "small": 24, "line": 6, "marker": 14, "target": 26, "height": 760},
}


@memoised
def indicator_trajectory(series: pd.DataFrame, targets: pd.DataFrame, *, baseline: tuple[dt.date, float] | None,
                         meetings: list[dt.date], as_of: dt.date, title: str, unit: str, direction: str,
                         large: bool = False, baseline_label: str = "Référence") -> go.Figure:
    """One convention indicator since the signature, read against its targets.

    series: `day` (date) and `value` (float, NaN = masked or missing: a gap in the line); targets: `year` and
    `target`, drawn as marks at 31/12 of the year; the dashed straight trajectory runs from the baseline
    (date, value) to each target; follow-up meetings are dotted vertical lines, the as-of date a red one.
    `large=True` sizes every text for a wall screen (24 px and more)."""

    size = TRAJECTORY_SIZES[bool(large)]
    suffix = " %" if unit == "%" else ""
    fig = go.Figure()
    series = series.sort_values("day") if len(series) else series
    days = [pd.Timestamp(d) for d in series["day"]] if len(series) else []
    values = pd.to_numeric(series["value"], errors="coerce").astype(float).tolist() if len(series) else []
    fig.add_trace(go.Scatter(
        x=days, y=values, mode="lines+markers", name="Valeur observée", connectgaps=False,
        line={"width": size["line"], "color": PALETTE[0]}, marker={"size": size["marker"], "color": PALETTE[0]},
        hovertemplate="%{x|%d/%m/%Y} : %{y:,.1f}" + suffix + "<extra></extra>"))
    # (year, target, due date): 31/12 of the year, or a campaign's window end when `targets` has a `due` column.
    dues = targets["due"] if "due" in targets else pd.Series(None, index=targets.index, dtype=object)
    target_rows = sorted(target_due((y, float(t), d)) for y, t, d in zip(targets["year"], targets["target"], dues)
                         if not pd.isna(t)) if len(targets) else []
    path = trajectory_points(baseline, target_rows)
    if len(path) > 1:
        fig.add_trace(go.Scatter(
            x=[pd.Timestamp(d) for d, _ in path], y=[v for _, v in path], mode="lines", name="Trajectoire",
            line={"width": max(2, size["line"] - 1), "dash": "dash", "color": TRAJECTORY_COLOR},
            hovertemplate="Trajectoire %{x|%d/%m/%Y} : %{y:,.1f}" + suffix + "<extra></extra>"))
    if baseline is not None and baseline[1] is not None and not pd.isna(baseline[1]):
        fig.add_trace(go.Scatter(
            x=[pd.Timestamp(baseline[0])], y=[baseline[1]], mode="markers", name=baseline_label,
            marker={"size": size["target"], "symbol": "diamond", "color": TRAJECTORY_COLOR},
            hovertemplate=f"{baseline_label} au %{{x|%d/%m/%Y}} : %{{y:,.1f}}{suffix}<extra></extra>"))
    if target_rows:
        fig.add_trace(go.Scatter(
            x=[pd.Timestamp(due) for _, _, due in target_rows], y=[t for _, t, _ in target_rows],
            mode="markers+text", name="Cibles", cliponaxis=False,
            marker={"size": size["target"], "symbol": "star", "color": TARGET_COLOR,
                    "line": {"width": 1, "color": "white"}},
            text=[f"Cible {y} : {formatting.value_with_unit(t, unit)}" for y, t, _ in target_rows],
            # the last label ends at its star: centred, it would run past the right edge of a narrow image
            textposition=["top center"] * (len(target_rows) - 1) + ["top left"],
            textfont={"size": size["small"], "color": TARGET_COLOR},
            hovertemplate="%{text}<extra></extra>"))
    for day in meetings:
        fig.add_vline(x=_x(day), line={"dash": "dot", "color": MEETING_COLOR, "width": 2 if large else 1})
    if meetings:  # shapes get no legend entry of their own
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="Groupes de suivi", hoverinfo="skip",
                                 line={"dash": "dot", "color": MEETING_COLOR, "width": 2}))
    starts = [d for d in [*days, pd.Timestamp(baseline[0]) if baseline else None, pd.Timestamp(as_of)] if d is not None]
    ends = [pd.Timestamp(as_of), *(pd.Timestamp(due) for _, _, due in target_rows), *days]
    span = max(ends) - min(starts)
    # The as-of label goes on the side with room: right of the line in the first half of the axis.
    early = span.days == 0 or (pd.Timestamp(as_of) - min(starts)) < span / 2
    fig.add_vline(x=_x(as_of), line={"color": AS_OF_COLOR, "width": 3 if large else 2},
                  annotation_text=f"Au {formatting.date(as_of)}",
                  annotation_position="top right" if early else "top left",
                  annotation_font={"color": AS_OF_COLOR, "size": size["small"]})
    margin = max(span * 0.04, pd.Timedelta(days=10))
    right = max(span * 0.09, pd.Timedelta(days=30))  # room for the last target's label
    better = {"lower_is_better": " (plus bas = mieux)", "higher_is_better": " (plus haut = mieux)"}.get(direction, "")
    fig.update_xaxes(range=[min(starts) - margin, max(ends) + right], tickformat="%m/%Y",
                     tickfont={"size": size["small"]})
    fig.update_yaxes(ticksuffix=suffix, rangemode="tozero", tickfont={"size": size["small"]},
                     title={"text": f"{unit}{better}" if unit != "%" else f"En %{better}",
                            "font": {"size": size["small"]}})
    fig = themed(fig, title, height=size["height"])
    fig.update_layout(font={"size": size["font"]}, title={"font": {"size": size["title"]}},
                      legend={"font": {"size": size["small"]}, "orientation": "h", "y": -0.12 if not large else -0.16},
                      hoverlabel={"font": {"size": size["small"] if not large else size["font"]}},
                      margin={"t": 70 if not large else 110, "b": 20, "l": 10 if not large else 24, "r": 30})
    return fig


@memoised
def series_with_events(frame: pd.DataFrame, x: str, y: str, title: str, unit: str, color: str | None = None,
                       y_label: str = "", dash_from: dt.date | None = None,
                       bands: list[tuple[dt.date, dt.date]] = (), band_label: str = "",
                       markers: pd.DataFrame | None = None, marker_label: str = "",
                       annotations: list[tuple[dt.date, str]] = ()) -> go.Figure:
    """A time series with shaded periods (campaigns), markers on the time axis (designation waves) and
    dated vertical annotations (a signature); the part after `dash_from` is dashed."""
    fig = time_series.__wrapped__(frame, x, y, title, unit, color, y_label, dash_from)  # modified below
    band_color = "#f2c14e"
    for start, end in bands:
        fig.add_vrect(x0=pd.Timestamp(start), x1=pd.Timestamp(end), fillcolor=band_color, opacity=0.25,
                      line_width=0, layer="below")
    if bands:  # a legend entry for the bands, which shapes do not get
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=band_label, hoverinfo="skip",
                                 marker={"symbol": "square", "size": 14, "color": band_color, "opacity": 0.6}))
    if markers is not None and len(markers):
        fig.add_trace(go.Scatter(
            x=markers["month"], y=[0] * len(markers), mode="markers", name=marker_label, cliponaxis=False,
            marker={"symbol": "triangle-up", "size": 13, "color": "#555"}, customdata=markers["new_mandates"],
            hovertemplate="%{x|%m/%Y} : %{customdata:,} nouveaux mandats<extra></extra>"))
    for day, text in annotations:
        fig.add_vline(x=pd.Timestamp(day).timestamp() * 1000, line={"color": "#009E73", "width": 2},
                      annotation_text=text, annotation_position="top left",
                      annotation_font={"color": "#006e50", "size": 14})
    if dash_from is not None:
        fig.add_vline(x=pd.Timestamp(dash_from).timestamp() * 1000, line={"dash": "dot", "color": "#888", "width": 1},
                      annotation_text="Projection →", annotation_position="bottom right",
                      annotation_font={"color": "#666", "size": 13})
    return fig


@memoised
def small_multiples(frame: pd.DataFrame, x: str, y: str, facet: str, title: str, unit: str,
                    dash_from: dt.date | None = None, columns: int = 4, panel_height: int = 190) -> go.Figure:
    """One small line chart per territory (`facet` holds its name) on shared axes, for comparison."""
    from plotly.subplots import make_subplots

    names = list(dict.fromkeys(frame[facet]))
    rows = max(1, -(-len(names) // columns))
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[esc(n) for n in names], shared_xaxes=True,
                        shared_yaxes=True,
                        vertical_spacing=0.5 / max(rows * 2, 4), horizontal_spacing=0.03)
    suffix = _suffix(unit)
    for i, name in enumerate(names):
        group = frame[frame[facet] == name].sort_values(x)
        row, col = i // columns + 1, i % columns + 1
        past = group if dash_from is None else group[group[x] <= dash_from]
        fig.add_trace(go.Scatter(x=past[x], y=past[y], mode="lines", line={"width": 2, "color": PALETTE[0]},
                                 showlegend=False,
                                 hovertemplate=f"{esc(name)} %{{x|%m/%Y}} : %{{y:,.1f}}{suffix}<extra></extra>"),
                      row=row, col=col)
        if dash_from is not None:
            future = group[group[x] >= dash_from]
            fig.add_trace(go.Scatter(x=future[x], y=future[y], mode="lines", showlegend=False,
                                     line={"width": 2, "color": PALETTE[0], "dash": "dash"},
                                     hovertemplate=f"{esc(name)} projection %{{x|%m/%Y}} : %{{y:,.1f}}{suffix}"
                                                   "<extra></extra>"), row=row, col=col)
    fig = themed(fig, title, height=80 + panel_height * rows)
    # One y scale for every panel (not only along a row), so heights compare across the whole grid.
    past_values = frame[y] if dash_from is None else frame.loc[frame[x] <= dash_from, y]
    future_values = [] if dash_from is None else frame.loc[frame[x] > dash_from, y]
    fig.update_yaxes(ticksuffix=suffix, rangemode="tozero", nticks=4, matches="y",
                     range=value_range(past_values, future_values, top=100 if unit == "%" else None))
    years = (pd.Timestamp(frame[x].max()) - pd.Timestamp(frame[x].min())).days / 365.25 if len(frame) else 1
    fig.update_xaxes(tickformat="%Y", dtick=f"M{12 * max(1, math.ceil(years / 4))}")  # each year once, 4 or 5 ticks
    fig.update_annotations(font={"size": 14})
    return fig


@memoised
def session_calendar(frame: pd.DataFrame, date_col: str, module_col: str, state_col: str, today: dt.date,
                     title: str) -> go.Figure:
    """Sessions as markers on a time axis, one row per module: filled when past, hollow when planned."""
    fig = go.Figure()
    modules = list(dict.fromkeys(frame[module_col]))
    for state, symbol in (("passée", "circle"), ("à venir", "circle-open")):
        part = frame[frame[state_col] == state]
        fig.add_trace(go.Scatter(
            x=part[date_col], y=part[module_col], mode="markers", name=f"Session {state}",
            marker={"size": 12, "symbol": symbol, "color": PALETTE[0] if state == "passée" else PALETTE[1],
                    "line": {"width": 2}},
            customdata=part[["session", "department_code"]].astype(str).to_numpy() if len(part) else None,
            hovertemplate="%{y}<br>%{x|%d/%m/%Y} · session %{customdata[0]} · département %{customdata[1]}"
                          "<extra></extra>"))
    days = pd.to_datetime(pd.Series([*frame[date_col], today]))
    late = pd.Timestamp(today) - days.min() > (days.max() - days.min()) / 2
    fig.add_vline(x=_x(today), line={"dash": "dot", "color": "#c62828"}, annotation_text=f"Au {formatting.date(today)}",
                  annotation_position="top left" if late else "top right")  # on the side with room
    fig.update_xaxes(tickformat="%m/%Y")
    fig.update_yaxes(automargin=True, categoryorder="array", categoryarray=modules[::-1])
    return themed(fig, title, height=170 + 55 * len(modules))


@memoised
def seance_trajectory(series: pd.DataFrame, targets: pd.DataFrame, *, height: int, **options) -> go.Figure:
    """`indicator_trajectory` for the wall screen: large, high contrast, `height` pixels (a figure of its own:
    memoised figures are shared, never restyled in place)."""
    fig = indicator_trajectory.__wrapped__(series, targets, large=True, title="", **options)
    return high_contrast(fig.update_layout(height=height, margin={"t": 40}))


def high_contrast(fig: go.Figure, min_size: int = 24) -> go.Figure:
    """For a wall screen: black text everywhere (ticks and axis titles included), darker grid, no text under
    `min_size` pixels."""
    fig.update_layout(font={"color": "#000"}, legend={"font": {"color": "#000"}})
    for axis in ("xaxes", "yaxes"):
        getattr(fig, f"update_{axis}")(tickfont={"color": "#000", "size": max(min_size, 24)}, gridcolor="#c8c8c8",
                                       linecolor="#000", title_font={"color": "#000"})
    for annotation in fig.layout.annotations or []:
        annotation.font.size = max(annotation.font.size or 0, min_size)
    return fig

"""Plotly chart builders with one theme: big legible French labels, one message per chart."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
from collections import OrderedDict

import pandas as pd
import plotly.graph_objects as go

from observatoire.base import formatting
from observatoire.base.formatting import plotly_escape as esc  # every text from the data shown by plotly
from observatoire.domain.targets import trajectory_points
from observatoire.present import geo

FONT = "DejaVu Sans, Arial, sans-serif"
# Okabe-Ito: told apart by readers with any common colour-vision deficiency (yellow last: weak on white).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#F0E442"]
STATUS_STYLE = {  # never colour alone: an icon and a word go with each status
    "atteint": ("✔", "#009E73"),
    "en bonne voie": ("↗", "#0072B2"),
    "en retard": ("⚠", "#D55E00"),
    "non évaluable": ("○", "#6b7380"),
}
NEUTRAL = "#b0b7c3"
# Okabe-Ito tones (targets bluish green darkened for text contrast, meetings reddish purple, as-of vermillion).
TARGET_COLOR, TRAJECTORY_COLOR, MEETING_COLOR, AS_OF_COLOR = "#007a5a", "#6b7380", "#CC79A7", "#D55E00"
PERCENT_SUFFIX = formatting.NBSP + "%"  # « 95 % », with the narrow no-break space the tables use


def _suffix(unit: str) -> str:
    return PERCENT_SUFFIX if unit == "%" else ""


def value_range(past, future=(), top: float | None = None, headroom: float = 0.08) -> list[float] | None:
    """A y range from zero with room above the highest line, scaled on the history (`past`): a projection
    that climbs far above it (every seat vacant when nobody is renewed) runs off the top instead of
    flattening the measured years. `top` caps the range (100 for a rate). None when there is no value."""
    past = [float(v) for v in past if v is not None and not pd.isna(v)]
    future = [float(v) for v in future if v is not None and not pd.isna(v)]
    values = past or future
    if not values:
        return None
    high = max(values)
    typical = float(pd.Series(values).quantile(0.99))
    if high > 1.5 * typical:  # a brief spike (a body created before its first designation) runs off the top too
        high = typical
    if past and future and max(future) <= high * 1.5:
        high = max(high, max(future))  # a projection close to the history stays whole
    high = high * (1 + headroom) if high > 0 else 1.0
    if top is not None:
        high = min(high, top * (1 + headroom / 2))
    return [0.0, high]

# Building a Plotly figure validates every property through plotly's object tree: 0,1 to 1 s per chart, far
# more than hashing the small frames it draws. Builders are memoised on their arguments; the figure returned
# is shared, so callers must not modify it (Streamlit's st.plotly_chart only reads it).
FIGURE_CACHE_SIZE = 96
_figures: OrderedDict[str, go.Figure] = OrderedDict()
_figures_lock = threading.Lock()


def _fingerprint(value, digest) -> None:
    if isinstance(value, (pd.DataFrame, pd.Series)):
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        digest.update(repr((type(value).__name__, frame.shape, list(frame.columns),
                            [str(t) for t in frame.dtypes])).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__}[{len(value)}".encode())
        for item in value:
            _fingerprint(item, digest)
    elif isinstance(value, dict):
        digest.update(f"dict[{len(value)}".encode())
        for key, item in value.items():
            _fingerprint(key, digest)
            _fingerprint(item, digest)
    else:
        digest.update(repr((type(value).__name__, value)).encode())


def memoised(builder):
    """Return the figure built earlier for equal arguments (frames compared by content)."""
    @functools.wraps(builder)
    def cached(*args, **kwargs):
        digest = hashlib.blake2b(builder.__qualname__.encode(), digest_size=20)
        _fingerprint(args, digest)
        _fingerprint(sorted(kwargs.items()), digest)
        key = digest.hexdigest()
        with _figures_lock:
            if key in _figures:
                _figures.move_to_end(key)
                return _figures[key]
        figure = builder(*args, **kwargs)
        with _figures_lock:
            _figures[key] = figure
            while len(_figures) > FIGURE_CACHE_SIZE:
                _figures.popitem(last=False)
        return figure
    return cached


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


@memoised
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


@memoised
def ranked_bars(frame: pd.DataFrame, label: str, value: str, title: str, unit: str,
                reference: float | None = None, reference_label: str = "Référence",
                highlight: list[str] | None = None) -> go.Figure:
    frame = frame.sort_values(value, ascending=True)
    colors = [PALETTE[1] if highlight and lab in highlight else PALETTE[0] for lab in frame[label]]
    suffix = _suffix(unit)
    fig = go.Figure(go.Bar(
        x=frame[value], y=frame[label].map(esc), orientation="h", marker_color=colors,
        text=[formatting.value_with_unit(v, unit) for v in frame[value]], textposition="outside", cliponaxis=False,
        hovertemplate="%{y} : %{x:,.1f}" + suffix + "<extra></extra>"))
    if reference is not None:
        fig.add_vline(x=reference, line={"dash": "dash", "color": "#333"},
                      annotation_text=f"{reference_label} : {formatting.value_with_unit(reference, unit)}",
                      annotation_position="top")
    fig.update_xaxes(ticksuffix=suffix)
    return themed(fig, title, height=max(300, 32 * len(frame) + 120))


@memoised
def funnel(stages: list[str], values: list[float], title: str) -> go.Figure:
    """Stages from the first one; the share of the first is written by formatting.percent, the same rounding
    as every other figure of the page."""
    first = values[0] if values and values[0] else None
    text = [f"{formatting.number(v)}" + (f" ({formatting.percent(v / first * 100, 0)})" if first and i else "")
            for i, v in enumerate(values)]
    fig = go.Figure(go.Funnel(y=stages, x=values, text=text, textinfo="text",
                              marker={"color": PALETTE[:len(stages)]}))
    return themed(fig, title, height=320)


@memoised
def progress(share: float, title: str, target: float | None = None, target_label: str = "Cible") -> go.Figure:
    """Horizontal bar of a percentage (0–100 %), with the target as a vertical line when there is one."""
    share = 0.0 if share is None or pd.isna(share) else float(share)
    fig = go.Figure(go.Bar(x=[share], y=[""], orientation="h", marker_color=PALETTE[0],
                           text=[formatting.percent(share, 0)], textposition="inside",
                           hovertemplate=formatting.percent(share, 0) + "<extra></extra>"))
    if target is not None:
        fig.add_vline(x=target, line={"color": TARGET_COLOR, "width": 3},
                      annotation_text=f"{target_label} : {formatting.percent(target, 0)}",
                      annotation_position="top", annotation_font={"color": TARGET_COLOR})
    fig.update_xaxes(range=[0, max(100, share)], ticksuffix=PERCENT_SUFFIX)
    return themed(fig, title, height=170)


@memoised
def timeline(frame: pd.DataFrame, date_col: str, label_col: str, kind_col: str, today: dt.date,
             title: str) -> go.Figure:
    """Milestones as markers on a time axis, the as-of date as a vertical line."""
    fig = go.Figure()
    kinds = list(dict.fromkeys(frame[kind_col]))
    for i, kind in enumerate(kinds):
        part = frame[frame[kind_col] == kind]
        fig.add_trace(go.Scatter(
            x=part[date_col], y=[kind] * len(part), mode="markers+text", name=kind, cliponaxis=False,
            marker={"size": 16, "symbol": "diamond", "color": PALETTE[i % len(PALETTE)]},
            text=[formatting.date(d) for d in part[date_col]], textposition="top center",
            customdata=part[label_col].map(esc), hovertemplate="%{customdata}<br>%{x|%d/%m/%Y}<extra></extra>"))
    fig.add_vline(x=pd.Timestamp(today).timestamp() * 1000, line={"dash": "dot", "color": "#D55E00"},
                  annotation_text=f"Au {formatting.date(today)}")
    fig.update_layout(showlegend=False)
    dates = pd.to_datetime(pd.Series([*frame[date_col], today]))
    pad = max((dates.max() - dates.min()) * 0.06, pd.Timedelta(days=45))  # room for the first and last labels
    fig.update_xaxes(tickformat="%m/%Y", range=[dates.min() - pad, dates.max() + pad])
    fig = themed(fig, title, height=130 + 60 * len(kinds))
    fig.update_layout(margin={"t": 60})  # room for the date labels above the top row and the toolbar
    return fig


# Type sizes of the trajectory chart; "large" is for the follow-up group's wall screen (no text under 24 px).
TRAJECTORY_SIZES = {
    False: {"font": 15, "title": 20, "small": 13, "line": 3, "marker": 8, "target": 14, "height": 440},
    True: {"font": 26, "title": 36, "small": 24, "line": 6, "marker": 14, "target": 26, "height": 760},
}


def _x(day) -> float:
    """A date as plotly's millisecond x position (vertical lines on date axes need numbers)."""
    return pd.Timestamp(day).timestamp() * 1000


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
    target_rows = sorted((int(y), float(t)) for y, t in zip(targets["year"], targets["target"]) if not pd.isna(t)) \
        if len(targets) else []
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
            x=[pd.Timestamp(dt.date(y, 12, 31)) for y, _ in target_rows], y=[t for _, t in target_rows],
            mode="markers+text", name="Cibles", cliponaxis=False,
            marker={"size": size["target"], "symbol": "star", "color": TARGET_COLOR,
                    "line": {"width": 1, "color": "white"}},
            text=[f"Cible {y} : {formatting.value_with_unit(t, unit)}" for y, t in target_rows],
            textposition="top center", textfont={"size": size["small"], "color": TARGET_COLOR},
            hovertemplate="%{text}<extra></extra>"))
    for day in meetings:
        fig.add_vline(x=_x(day), line={"dash": "dot", "color": MEETING_COLOR, "width": 2 if large else 1})
    if meetings:  # shapes get no legend entry of their own
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="Groupes de suivi", hoverinfo="skip",
                                 line={"dash": "dot", "color": MEETING_COLOR, "width": 2}))
    starts = [d for d in [*days, pd.Timestamp(baseline[0]) if baseline else None, pd.Timestamp(as_of)] if d is not None]
    ends = [pd.Timestamp(as_of), *(pd.Timestamp(dt.date(y, 12, 31)) for y, _ in target_rows), *days]
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
    fig.update_xaxes(tickformat="%Y", nticks=6)
    fig.update_annotations(font={"size": 14})
    return fig


# --- maps (MapLibre via plotly `*map` traces; "white-bg" draws no tiles, so nothing is fetched) ------------

MAP_STYLE = "white-bg"
MASKED_COLOR = "#8c96a3"     # neutral grey: value hidden by statistical secrecy
NO_DATA_COLOR = "#ffffff"    # white with a grey outline: no value at all
FRAME_COLOR = "#9aa0a6"
# Maps are framed (centre, zoom) for a chart about this wide, what the main column gives on a 1280 px screen;
# wider screens add margin around France rather than cutting the insets off.
MAP_WIDTH = 780
COLORBAR_MARGIN = 180  # the colour bar sits in the right margin, never over the map
# Diverging scales read "favourable -> reference -> unfavourable" (blue -> pale -> orange, safe for colour blindness).
# The middle is a light sand, so a territory right on the reference never looks like one without data (white).
DIVERGING = [[0.0, "#1d4f91"], [0.25, "#6d9fd1"], [0.5, "#ece3c8"], [0.75, "#f2a45c"], [1.0, "#b35806"]]
CDU_STATE_STYLE = {  # colour, legend word, overlay dot size relative to the disc (ring = not complete)
    "complète": ("#0072B2", "CDU complète", 0.0),
    "partiellement vacante": ("#E69F00", "CDU partiellement vacante", 0.35),
    "vide": ("#D55E00", "CDU vide", 0.65),
}


def _slim_features(level: str, ids: set[str]) -> dict:
    """The display features drawn by one trace, without their properties (payload)."""
    features = [{"type": "Feature", "id": f["id"], "geometry": f["geometry"]}
                for f in geo.load_geojson(level, display=True)["features"] if f["id"] in ids]
    return {"type": "FeatureCollection", "features": features}


def _label_image(text: str, scale: int = 3) -> tuple[str, int, int]:
    """A PNG data URL of a grey label on a translucent white box. Map text would need web fonts (glyphs)
    MapLibre downloads; an image layer draws offline and stays in place when the map is panned or zoomed."""
    import base64
    import io

    from PIL import Image, ImageDraw, ImageFont
    size = 13 * scale
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        font = ImageFont.load_default(size=size)
    if len(text) > 14 and " " in text:  # two balanced lines for long labels
        words = text.split()
        cut = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))))
        text = " ".join(words[:cut]) + "\n" + " ".join(words[cut:])
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.multiline_textbbox((0, 0), text, font=font, spacing=scale)
    pad = 2 * scale
    width, height = right - left + 2 * pad, bottom - top + 2 * pad
    image = Image.new("RGBA", (width, height), (255, 255, 255, 215))
    ImageDraw.Draw(image).multiline_text((pad - left, pad - top), text, font=font, fill=(70, 75, 82, 255),
                                         spacing=scale)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"), width, height


def _frame_label_layer(text: str, lon: float, lat: float, max_width_deg: float, line_deg: float = 0.3) -> dict:
    """An image layer whose top-left corner is (lon, lat), one line of text `line_deg` of latitude tall
    (smaller when the label would be wider than `max_width_deg`)."""
    import math
    url, width, height = _label_image(text)
    height_deg = line_deg * height / _label_image("Ag")[2]
    stretch = 1 / math.cos(math.radians(lat))  # Mercator: one degree of latitude is longer on screen
    width_deg = height_deg * width / height * stretch
    if width_deg > max_width_deg:
        height_deg *= max_width_deg / width_deg
        width_deg = max_width_deg
    bottom = lat - height_deg
    return {"sourcetype": "image", "source": url,
            "coordinates": [[lon, lat], [lon + width_deg, lat], [lon + width_deg, bottom], [lon, bottom]]}


def _inset_frames(level: str, region: str | None) -> tuple[go.Scattermap | None, list[dict]]:
    """Thin grey rectangles around the insets drawn at this level (or this région's), and their labels."""
    lons, lats, layers = [], [], []
    for frame in geo.inset_frames(level)["features"]:
        props = frame["properties"]
        if region is not None and (props["inset"] != geo.OUTRE_MER or props.get("region_code") != region):
            continue
        coords = frame["geometry"]["coordinates"]
        lons += [c[0] for c in coords] + [None]
        lats += [c[1] for c in coords] + [None]
        xs = [c[0] for c in coords]
        layers.append(_frame_label_layer(props["label"], props["label_lon"], props["label_lat"],
                                         max_width_deg=(max(xs) - min(xs)) * 0.92))
    if not lons:
        return None, []
    trace = go.Scattermap(lon=lons, lat=lats, mode="lines", line={"color": FRAME_COLOR, "width": 1},
                          hoverinfo="skip", showlegend=False, name="Encarts")
    return trace, layers


def _hover_lines(row, label: str, unit: str, num_label: str, den_label: str, year: int,
                 reference_label: str) -> str:
    lines = [f"<b>{esc(row.territory_name)}</b> ({esc(row.territory_code)})"]
    if row.masked:
        lines.append("Valeur masquée : moins de 11 personnes")
    elif not row.has_value:
        lines.append("Aucune donnée à cette date")
    else:
        lines.append(f"{label} : <b>{formatting.value_with_unit(row.value, unit)}</b>")
        if den_label:
            lines.append(f"{num_label} : {formatting.number(row.numerator)}")
            lines.append(f"{den_label} : {formatting.number(row.denominator)}")
        lines.append(f"Rang : {row.rank} sur {row.ranked} (1 = situation la plus favorable)")
        if not pd.isna(row.gap_reference):
            lines.append(f"Écart à la {reference_label.lower()} : {formatting.gap(row.gap_reference, unit)}")
    if not pd.isna(row.target):
        gap = "" if pd.isna(row.gap_target) else f" (écart {formatting.gap(row.gap_target, unit)})"
        lines.append(f"Cible {year} : {formatting.value_with_unit(row.target, unit)}{gap}")
    return "<br>".join(lines)


@memoised
def choropleth_map(frame: pd.DataFrame, level: str, label: str, unit: str, direction: str, centre: float,
                   centre_label: str, region: str | None = None, num_label: str = "", den_label: str = "",
                   year: int | None = None, reference_label: str = "référence", height: int = 640,
                   width: int = MAP_WIDTH, outline: list[str] | tuple[str, ...] = ()) -> go.Figure:
    """All territories of `frame` (territorial.choropleth_frame) on one map: overseas insets, Paris zoom box.

    Colours diverge around `centre` (blue = more favourable than the centre, orange = less); masked values are
    grey, territories without value white. Every trace carries customdata [code, hover text], so a click
    gives the real territory code whichever copy (true place, inset, zoom box) was clicked. A map of one
    territory (an overseas région's only département) has nothing to compare on the map: it is drawn in a
    neutral colour with its value and `centre_label` (the national reference) written beside it. The
    territories of `outline` (the chosen one, the clicked one) get a dark outline.
    """
    feature_ids = geo.display_feature_ids(level)
    rows = []
    for row in frame.itertuples(index=False):
        for feature_id in feature_ids.get(row.territory_code, []):
            if region is not None and feature_id.startswith(geo.ZOOM):
                continue  # the Paris zoom box lies outside a région's view
            rows.append((feature_id, row))
    fig = go.Figure()
    suffix = _suffix(unit)
    shown = [(fid, r) for fid, r in rows if r.has_value]
    single = len(frame) == 1
    values = [r.value for _, r in shown]
    half = max([abs(v - centre) for v in values] + [1e-9])
    if half < 1e-6:
        half = max(abs(centre) * 0.1, 1.0)  # every value on the centre: keep a readable scale
    colorscale = DIVERGING if direction != "higher_is_better" else [[p, c] for p, c in
                                                                    zip([x[0] for x in DIVERGING],
                                                                        [x[1] for x in reversed(DIVERGING)])]

    def hover(r):
        return _hover_lines(r, label, unit, num_label, den_label, year, reference_label)

    groups = [
        ("valeur", shown if single else [], {"color": NEUTRAL, "line": "white"}),
        ("valeurs", [] if single else shown, {
            "z": values, "colorscale": colorscale, "zmin": centre - half, "zmax": centre + half, "showscale": True, "marker": {"line": {"color": "white", "width": 0.7}},
                            "colorbar": {"title": {"text": f"{_wrap(label)}{' (%)' if unit == '%' else ''}"
                                                            f"<br><sup>centre : {centre_label}</sup>",
                                                   "side": "top"},
                                         "ticksuffix": suffix, "thickness": 16, "len": 0.6, "x": 1.01,
                                         "xanchor": "left", "outlinewidth": 0,
                                         "title_font": {"size": 14}}}),
        ("masquées", [(fid, r) for fid, r in rows if r.masked], {"color": MASKED_COLOR, "line": "white"}),
        ("sans donnée", [(fid, r) for fid, r in rows if not r.masked and not r.has_value],
         {"color": NO_DATA_COLOR, "line": "#b0b7c3"}),
    ]
    for name, members, style in groups:
        if not members:
            continue
        ids = [fid for fid, _ in members]
        common = dict(geojson=_slim_features(level, set(ids)), locations=ids, name=name,
                      # a click must not wash the map out: the clicked territory is outlined instead
                      selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 1}},
                      customdata=[[r.territory_code, hover(r)] for _, r in members],
                      hovertemplate="%{customdata[1]}<extra></extra>")
        if "z" in style:
            fig.add_trace(go.Choroplethmap(**common, **style))
        else:
            fig.add_trace(go.Choroplethmap(
                **common, z=[0] * len(ids), colorscale=[[0, style["color"]], [1, style["color"]]], showscale=False,
                marker={"line": {"color": style["line"], "width": 0.7}}))
    # A région's view has no inset to frame (its own territories are drawn where they are): no label either.
    frames_trace, label_layers = _inset_frames(level, region) if region is None else (None, [])
    if frames_trace is not None:
        fig.add_trace(frames_trace)
    label_layers = [*label_layers, *_outline_layers(level, outline, feature_ids)]
    annotations = [_attribution()]
    if single:
        row = frame.iloc[0]
        value = (formatting.MASKED if row["masked"] else formatting.value_with_unit(row["value"], unit)
                 if row["has_value"] else "aucune donnée")
        annotations.append({"text": f"{_wrap(label)}<br><b>{value}</b><br><br>{_wrap(centre_label, 24)}",
                            "xref": "paper", "yref": "paper", "x": 1.01, "y": 0.8, "xanchor": "left",
                            "yanchor": "top", "align": "left", "showarrow": False, "font": {"size": 14}})
    center, zoom = geo.map_center_zoom(level, region, width_px=width - COLORBAR_MARGIN, height_px=height,
                                       padding=0.04)
    fig.update_layout(
        map={"style": MAP_STYLE, "center": center, "zoom": zoom, "layers": label_layers},
        font={"family": FONT, "size": 14, "color": "#1b1f24"}, separators=", ", height=height,
        margin={"l": 0, "r": COLORBAR_MARGIN, "t": 0, "b": 0}, paper_bgcolor="white", showlegend=False,
        hoverlabel={"font": {"family": FONT, "size": 14}, "bgcolor": "white"},
        uirevision=f"{level}-{region}", clickmode="event+select",
        annotations=annotations)
    return fig


OUTLINE_COLOR = "#111827"


def _outline_layers(level: str, codes, feature_ids: dict[str, list[str]]) -> list[dict]:
    """A dark line around every drawn copy (true place, inset, zoom box) of the territories `codes`."""
    wanted = {fid for code in codes if code for fid in feature_ids.get(code, [])}
    if not wanted:
        return []
    features = [{"type": "Feature", "id": f["id"], "geometry": f["geometry"]}
                for f in geo.load_geojson(level, display=True)["features"] if f["id"] in wanted]
    return [{"sourcetype": "geojson", "source": {"type": "FeatureCollection", "features": features},
             "type": "line", "color": OUTLINE_COLOR, "line": {"width": 3}}]


def _wrap(text: str, width: int = 20) -> str:
    """Break a colour bar title into short lines."""
    words, lines, line = text.split(" "), [], ""  # plain spaces only: « 25,1 % » stays whole
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(lines + [line])


def _attribution() -> dict:
    return {"text": geo.ATTRIBUTION, "xref": "paper", "yref": "paper", "x": 1, "y": 0, "xanchor": "right",
            "yanchor": "bottom", "showarrow": False, "font": {"size": 11, "color": "#5f6368"},
            "bgcolor": "rgba(255,255,255,0.8)"}


@memoised
def establishments_map(points: pd.DataFrame, department_code: str, height: int = 520,
                       width: int = MAP_WIDTH) -> go.Figure:
    """Establishments of one département (territorial.establishment_states) coloured by CDU state.

    Not colour alone: a complete CDU is a full disc, a partly vacant one a disc with a white dot, an empty
    one a ring; the legend and the hover name the state in words.
    """
    feature = next(f for f in geo.load_geojson("departement", display=True)["features"]
                   if f["id"] == department_code)
    fig = go.Figure()
    placed = points.dropna(subset=["lon", "lat"])
    lon, lat = geo.to_display_lonlat(placed["department_code"].fillna(department_code), placed["lon"],
                                     placed["lat"]) if len(placed) else ([], [])
    placed = placed.assign(x=list(lon), y=list(lat))
    size = 18
    for state, (color, word, dot) in CDU_STATE_STYLE.items():
        part = placed[placed["cdu_state"] == state]
        hover = [f"<b>{esc(r.name)}</b><br>FINESS {esc(r.finess)}<br>{word} : {r.filled} sur {r.seats} sièges pourvus"
                 f"<br>Sièges vacants : {r.vacant_titulaire} titulaire(s), {r.vacant_suppleant} suppléant(s)"
                 for r in part.itertuples(index=False)]
        fig.add_trace(go.Scattermap(
            lon=part["x"], lat=part["y"], mode="markers", name=f"{word} ({len(part)})",
            marker={"size": size, "color": color}, customdata=part["finess"], hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>"))
        if dot and len(part):
            fig.add_trace(go.Scattermap(lon=part["x"], lat=part["y"], mode="markers", hoverinfo="skip",
                                        showlegend=False, marker={"size": size * dot, "color": "white"}))
    center, zoom = geo.view_of_features([feature], width, height)
    fig.update_layout(
        map={"style": MAP_STYLE, "center": center, "zoom": zoom,
             "layers": [{"sourcetype": "geojson", "source": {"type": "FeatureCollection", "features": [
                 {"type": "Feature", "id": feature["id"], "geometry": feature["geometry"]}]},
                 "type": "fill", "color": "#f3f4f6", "below": "traces"},
                 {"sourcetype": "geojson", "source": {"type": "FeatureCollection", "features": [
                     {"type": "Feature", "id": feature["id"], "geometry": feature["geometry"]}]},
                  "type": "line", "color": "#6b7280", "line": {"width": 1.2}, "below": "traces"}]},
        font={"family": FONT, "size": 14, "color": "#1b1f24"}, height=height,
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, paper_bgcolor="white",
        legend={"orientation": "h", "y": 1, "x": 0, "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.8)"},
        hoverlabel={"font": {"family": FONT, "size": 14}, "bgcolor": "white"},
        uirevision=f"etab-{department_code}", annotations=[_attribution()])
    return fig


@memoised
def gap_bars(frame: pd.DataFrame, label: str, gap: str, title: str, unit: str, direction: str,
             reference_label: str) -> go.Figure:
    """Gaps to a reference as horizontal bars from zero, most unfavourable on top.

    Colour and words agree: « plus favorable » (blue) or « moins favorable » (orange) appear in the hover
    and the signed value is written at the end of each bar.
    """
    frame = frame.dropna(subset=[gap])
    favourable = [(g < 0) if direction == "lower_is_better" else (g > 0) for g in frame[gap]]
    order = frame.assign(_fav=favourable).sort_values(gap, ascending=direction != "lower_is_better")
    colors = [PALETTE[0] if f else PALETTE[1] for f in order["_fav"]]
    if direction == "neutral":
        colors = [NEUTRAL] * len(order)
    words = ["" if direction == "neutral" else ("plus favorable" if f else "moins favorable")
             for f in order["_fav"]]
    texts = [formatting.gap(g, unit) for g in order[gap]]
    fig = go.Figure(go.Bar(
        x=order[gap], y=order[label].map(esc), orientation="h", marker_color=colors, text=texts,
        textposition="outside",
        cliponaxis=False, customdata=list(zip(texts, words)),
        hovertemplate="%{y} : %{customdata[0]} %{customdata[1]}<extra></extra>"))
    fig.add_vline(x=0, line={"color": "#333", "width": 1.5})
    low, high = min([0.0, *order[gap]]), max([0.0, *order[gap]])
    room = (high - low) * 0.18 or 1.0  # space for the value written after each bar
    fig.update_xaxes(range=[low - (room if low < 0 else 0), high + (room if high > 0 else 0)])
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=f"Écart à la {reference_label.lower()}" + (" (points)" if unit == "%" else ""),
                     zeroline=False)
    fig = themed(fig, title, height=max(260, 28 * len(order) + 130))
    fig.update_layout(showlegend=False)
    return fig


# --- training, surveys and partnership projects pages ------------------------------------------------------

@memoised
def stacked_bars(frame: pd.DataFrame, x: str, series: dict[str, tuple[str, str]], title: str, y_label: str,
                 note_col: str | None = None) -> go.Figure:
    """Stacked vertical bars, one segment per `series` column (column -> (French label, colour)); a missing
    value (masked) leaves its segment out and `note_col`, when true, marks the bar with « * »."""
    fig = go.Figure()
    for column, (label, color) in series.items():
        fig.add_trace(go.Bar(
            x=frame[x], y=frame[column], name=label, marker_color=color,
            hovertemplate=f"{label} · %{{x}} : %{{y:,.0f}}<extra></extra>"))
    if note_col is not None:
        flagged = frame[frame[note_col].astype(bool)]
        totals = frame.loc[flagged.index, list(series)].sum(axis=1, min_count=1).fillna(0)
        fig.add_trace(go.Scatter(x=flagged[x], y=totals, mode="text", text=["*"] * len(flagged),
                                 textposition="top center", textfont={"size": 18}, showlegend=False,
                                 hoverinfo="skip"))
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    fig.update_yaxes(title=y_label, rangemode="tozero")
    fig.update_xaxes(type="category")
    return themed(fig, title, height=460)


@memoised
def share_bars(frame: pd.DataFrame, label: str, value: str, low: str, high: str, title: str,
               highlight: list[str] | None = None) -> go.Figure:
    """Percentages as horizontal bars with their 95 % confidence interval as a whisker (none when the base is
    unknown: the bar's label then says « base inconnue »)."""
    frame = frame.reset_index(drop=True)
    known = frame[low].notna() & frame[high].notna()
    colors = [PALETTE[1] if highlight and lab in highlight else PALETTE[0] for lab in frame[label]]
    texts = [formatting.percent(v, 0 if float(v).is_integer() else 1) for v in frame[value]]
    labels = [f"{lab} (base inconnue)" if not k else lab for lab, k in zip(frame[label], known)]
    fig = go.Figure(go.Bar(
        x=frame[value], y=labels, orientation="h", marker_color=colors, text=texts,
        textposition="inside", insidetextanchor="middle", textfont={"color": "white", "size": 16},
        error_x={"type": "data", "symmetric": False, "array": (frame[high] - frame[value]).where(known, 0),
                 "arrayminus": (frame[value] - frame[low]).where(known, 0), "color": "#333", "thickness": 1.5,
                 "width": 6},
        customdata=[[formatting.number(lo, 1) if k else "–", formatting.number(hi, 1) if k else "–"]
                    for lo, hi, k in zip(frame[low], frame[high], known)],
        hovertemplate="%{y} : %{x:,.1f} %<br>IC 95 % : %{customdata[0]} – %{customdata[1]} %<extra></extra>"))
    top = max([100.0 if frame[value].max() > 60 else 0.0, *(frame[high].where(known, frame[value]) + 5)])
    fig.update_xaxes(range=[0, min(top, 110)], ticksuffix=" %")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig = themed(fig, title, height=max(220, 46 * len(frame) + 110))
    fig.update_layout(showlegend=False)
    return fig


@memoised
def grouped_bars(frame: pd.DataFrame, x: str, y: str, color: str, title: str, y_label: str) -> go.Figure:
    """Vertical bars per `x` (a year), one colour per `color` group (a training module)."""
    fig = go.Figure()
    for i, (name, group) in enumerate(frame.groupby(color, sort=False)):
        fig.add_trace(go.Bar(x=group[x], y=group[y], name=str(name), marker_color=PALETTE[i % len(PALETTE)],
                             text=[formatting.number(v) if pd.notna(v) else "< 11" for v in group[y]],
                             textposition="outside", cliponaxis=False,
                             hovertemplate=f"{name} · %{{x}} : %{{y:,.0f}}<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title=y_label, rangemode="tozero")
    fig.update_xaxes(type="category")
    return themed(fig, title, height=440)


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
    fig.add_vline(x=pd.Timestamp(today).timestamp() * 1000, line={"dash": "dot", "color": "#c62828"},
                  annotation_text=f"Au {formatting.date(today)}")
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


STATUS_TINTS = {"atteint": "#d9f0e8", "en bonne voie": "#d6e6f3", "en retard": "#f8e0d0", "non évaluable": "#eceff1"}


def table_figure(shown: pd.DataFrame, title: str = "", status_column: str | None = None,
                 widths: list[float] | None = None, font_size: int = 15, row_height: int = 34) -> go.Figure:
    """A table of French strings (tables.display, convention.scorecard_display) as a figure, so it exports as an
    image like any chart. The status cell keeps its icon and word; its tint only repeats them."""
    header = [str(c) for c in shown.columns]
    cells = [["" if v is None else str(v) for v in shown[c]] for c in shown.columns]
    stripes = ["#ffffff" if i % 2 == 0 else "#f4f6f8" for i in range(len(shown))]
    fills = []
    for column in shown.columns:
        if column == status_column:
            fills.append([next((tint for word, tint in STATUS_TINTS.items() if str(v).endswith(word)), stripe)
                          for v, stripe in zip(shown[column], stripes)])
        else:
            fills.append(stripes)
    lines = [max([1] + [len(str(v)) // 38 + 1 for v in shown[c]]) for c in shown.columns]
    fig = go.Figure(go.Table(
        columnwidth=widths or [max([8, *(len(w) for w in h.split()), *(min(len(v), 26) for v in cells[i])])
                               for i, h in enumerate(header)],
        header={"values": [f"<b>{h}</b>" for h in header], "fill_color": "#1b1f24", "align": "left",
                "font": {"color": "white", "size": font_size, "family": FONT}, "height": row_height + 4},
        cells={"values": cells, "fill_color": fills, "align": "left", "height": row_height,
               "font": {"color": "#1b1f24", "size": font_size, "family": FONT}, "line_color": "#d0d4d9"}))
    height = 40 + (row_height + 4) + len(shown) * row_height * max(1, min(max(lines), 2)) + (60 if title else 10)
    fig = themed(fig, title, height=height)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 60 if title else 10, "b": 10})
    return fig

"""Bars: ranked, gaps to a reference, stacked, shares with intervals, grouped, the funnel, a table as an image."""
from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go

from observatoire.base import formatting
from observatoire.base.formatting import plotly_escape as esc  # every text from the data shown by plotly
from observatoire.present.charts.theme import (
    FONT,
    NEUTRAL,
    PALETTE,
    PERCENT_SUFFIX,
    STATUS_TINTS,
    TARGET_COLOR,
    _suffix,
    memoised,
    themed,
    wrap_to_width,
)
from observatoire.present.charts.theme import text_width as theme_width


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
                             text=[formatting.number(v) if pd.notna(v) else formatting.masked_count() for v in group[y]],
                             textposition="outside", cliponaxis=False,
                             hovertemplate=f"{name} · %{{x}} : %{{y:,.0f}}<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title=y_label, rangemode="tozero")
    fig.update_xaxes(type="category")
    return themed(fig, title, height=440)


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
            # « ✗ non atteint » ends with « atteint » too: the longest status word that ends the cell wins.
            words = sorted(STATUS_TINTS, key=len, reverse=True)
            fills.append([next((STATUS_TINTS[w] for w in words if str(v).endswith(w)), stripe)
                          for v, stripe in zip(shown[column], stripes)])
        else:
            fills.append(stripes)
    # Lines of each row (a cell over 38 characters wraps once), so that the figure is as tall as the table.
    row_lines = [max([1, *(min(len(str(v)) // 38 + 1, 2) for v in row)]) for row in shown.itertuples(index=False)]
    header_lines = max([1, *(min(len(h) // 12 + 1, 4) for h in header)])
    fig = go.Figure(go.Table(
        columnwidth=widths or [_column_weight(h, cells[i], font_size) for i, h in enumerate(header)],
        header={"values": [f"<b>{h}</b>" for h in header], "fill_color": "#1b1f24", "align": "left",
                "font": {"color": "white", "size": font_size, "family": FONT}, "height": row_height + 4},
        cells={"values": cells, "fill_color": fills, "align": "left", "height": row_height,
               "font": {"color": "#1b1f24", "size": font_size, "family": FONT}, "line_color": "#d0d4d9"}))
    line = font_size * 1.25
    height = round(40 + row_height + 4 + (header_lines - 1) * line
                   + sum(row_height + (n - 1) * line for n in row_lines) + (60 if title else 10))
    fig = themed(fig, title, height=height)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 60 if title else 10, "b": 10})
    return fig


def _column_weight(header: str, cells: list[str], font_size: int) -> float:
    """A column's share of a table's width, in pixels: room for its longest word (a word never wraps: narrower,
    it would be cut) and for its texts up to 26 characters."""
    words = [*(theme_width(w, font_size, True) for w in header.split()),
             *(theme_width(w, font_size) for v in cells for w in str(v).split())]
    texts = [theme_width(str(v)[:26], font_size) for v in cells]
    return max([8 * font_size * 0.6, *words, *texts]) + 16


def table_height(fig: go.Figure, width: float) -> float:
    """Pixels the table of `fig` takes when drawn `width` pixels wide: each cell's text wrapped to its column (as
    plotly wraps it, at spaces), each row as tall as its tallest cell."""
    table = next(t for t in fig.data if t.type == "table")
    values = [list(column) for column in table.cells["values"]]
    headers = [re.sub(r"<[^>]+>", "", str(h)) for h in table.header["values"]]
    weights = list(table.columnwidth or [1] * len(headers))
    columns = [width * w / sum(weights) - 24 for w in weights]  # minus the padding, and plotly wraps early
    size, header_size = table.cells.font.size or 15, table.header.font.size or 15

    def lines(text, column, bold=False, font=size):
        return max(1, len(wrap_to_width(str(text), font, column, bold)))

    def row_px(texts, base, bold=False, font=size):
        return base + (max(lines(t, c, bold, font) for t, c in zip(texts, columns)) - 1) * font * 1.25

    total = row_px(headers, table.header.height or 30, True, header_size)
    for row in zip(*values):
        total += row_px(row, table.cells.height or 30)
    return total

"""Plotly chart builders with one theme: big legible French labels, one message per chart.

theme (fonts, palette, status colours, memoised builders), lines (series over time), bars, maps. Every builder
returns a figure that the page shows and that exports.png renders the same way for the page, the bilan and the CLI.
"""
from observatoire.present.charts.bars import (
    funnel,
    gap_bars,
    grouped_bars,
    progress,
    ranked_bars,
    share_bars,
    stacked_bars,
    table_figure,
)
from observatoire.present.charts.lines import (
    high_contrast,
    indicator_trajectory,
    seance_trajectory,
    series_with_events,
    session_calendar,
    small_multiples,
    time_series,
    timeline,
)
from observatoire.present.charts.maps import (
    CDU_STATE_STYLE,
    DIVERGING,
    MASKED_COLOR,
    NO_DATA_COLOR,
    NO_DATA_SEQUENTIAL,
    SEQUENTIAL,
    choropleth_map,
    establishments_map,
    is_count,
)
from observatoire.present.charts.theme import (
    AS_OF_COLOR,
    FONT,
    MEETING_COLOR,
    NEUTRAL,
    PALETTE,
    PERCENT_SUFFIX,
    STATUS_STYLE,
    STATUS_TINTS,
    TARGET_COLOR,
    TRAJECTORY_COLOR,
    themed,
    value_range,
)

__all__ = [
    "AS_OF_COLOR", "CDU_STATE_STYLE", "DIVERGING", "FONT", "MASKED_COLOR", "MEETING_COLOR", "NEUTRAL",
    "NO_DATA_COLOR", "NO_DATA_SEQUENTIAL", "PALETTE", "PERCENT_SUFFIX", "SEQUENTIAL", "STATUS_STYLE",
    "STATUS_TINTS", "TARGET_COLOR", "TRAJECTORY_COLOR", "choropleth_map", "establishments_map", "funnel", "gap_bars", "grouped_bars",
    "high_contrast", "indicator_trajectory", "is_count", "progress", "ranked_bars", "seance_trajectory",
    "series_with_events", "session_calendar", "share_bars", "small_multiples", "stacked_bars",
    "table_figure", "themed", "time_series", "timeline", "value_range",
]

"""The charts' one theme: fonts, the Okabe-Ito palette, status colours, value ranges, memoised builders."""
from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict

import pandas as pd
import plotly.graph_objects as go

from observatoire.base import formatting

FONT = "DejaVu Sans, Arial, sans-serif"


# Okabe-Ito: told apart by readers with any common colour-vision deficiency (yellow last: weak on white).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#F0E442"]


STATUS_STYLE = {  # never colour alone: an icon and a word go with each status
    "atteint": ("✔", "#009E73"),
    "en bonne voie": ("↗", "#0072B2"),
    "en retard": ("⚠", "#D55E00"),
    "non atteint": ("✗", "#882255"),
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
# is shared, so callers must not modify it (Streamlit's st.plotly_chart only reads it). Being never modified, a
# shared figure carries what is derived from it once (its JSON for the screen: `shared`, figures.figure_json).
FIGURE_CACHE_SIZE = 96
SHARED = "_observatoire_shared"


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
        setattr(figure, SHARED, True)
        with _figures_lock:
            _figures[key] = figure
            while len(_figures) > FIGURE_CACHE_SIZE:
                _figures.popitem(last=False)
        return figure
    return cached


# A map layer of this name (the outline of the chosen territory) is drawn on screen by the chart element over
# the map it holds (observatoire/ui/figures.js), not by Plotly: outlining another territory then changes that
# layer alone instead of redrawing the whole map. Images (Kaleido) draw it with the rest of the figure.
OVERLAY = "observatoire-overlay"


def shared(fig) -> bool:
    """Whether `fig` came from a memoised builder (shared between reruns and sessions, never modified)."""
    return getattr(fig, SHARED, False) is True


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


STATUS_TINTS = {"atteint": "#d9f0e8", "en bonne voie": "#d6e6f3", "en retard": "#f8e0d0", "non atteint": "#f2d7e3",
                "non évaluable": "#eceff1"}


FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}  # what Chromium draws FONT with on the server


@functools.lru_cache(maxsize=64)
def _pil_font(size: int, bold: bool):
    from PIL import ImageFont
    try:
        return ImageFont.truetype(FONT_FILES[bold], size)
    except OSError:
        return None


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in pixels of one line of `text` in the charts' font at `size` px (to place labels before drawing)."""
    font = _pil_font(max(1, round(size)), bold)
    if font is None:  # no DejaVu on this machine: a generous estimate
        return 0.62 * size * len(text)
    return float(font.getlength(text))


def wrap_to_width(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    """`text` broken at spaces into lines no wider than `width` pixels (a single long word stays whole)."""
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if line and text_width(candidate, size, bold) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line or not lines else lines

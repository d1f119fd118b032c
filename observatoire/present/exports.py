"""Exports that leave the room: PNG of a chart (server-side, one warm Chromium), file names, decoration."""
from __future__ import annotations

import asyncio
import copy
import datetime as dt
import re
import shutil
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go

from observatoire.base import formatting
from observatoire.present.charts import bars, theme

CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1600, 900
RENDER_TIMEOUT_S = 30.0    # one image; a hung browser (plotly/Kaleido#441) is killed and restarted after this
START_TIMEOUT_S = 60.0
SOURCE = "Observatoire de la démocratie en santé"
CHROMIUM_MISSING_FR = ("Image PNG indisponible : le navigateur Chromium n'est pas installé sur le serveur "
                       "(« make run » l'installe quand il en a les droits ; sinon : apt-get install chromium "
                       "fonts-dejavu-core). Les données restent téléchargeables en CSV.")


class RenderError(RuntimeError):
    """A chart could not be rendered (no browser, crash, timeout)."""


def chromium_path() -> str | None:
    """The browser kaleido drives: Debian's chromium, else whatever is on the PATH."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


def available() -> bool:
    return chromium_path() is not None


# --- file names -----------------------------------------------------------------------------------------

def slug(text: str) -> str:
    """`Grand Est` -> `grand-est`, `Île-de-France` -> `ile-de-france`; identifiers keep their underscores."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9_]+", "-", text).strip("-")


def file_name(*parts, as_of: dt.date | None = None, ext: str = "png") -> str:
    """`file_name("taux_vacance", "départements", "Grand Est", as_of=date(2026, 3, 1))`
    -> `taux_vacance_departements_grand-est_2026-03-01.png`."""
    words = [slug(p) for p in parts if p not in (None, "")]
    if as_of is not None:
        words.append(as_of.isoformat())
    return "_".join(w for w in words if w) + f".{ext}"


# --- decoration -------------------------------------------------------------------------------------------

DEMO_MARK = "DONNÉES DE DÉMONSTRATION"
DEMO_NOTE = "Données de démonstration : personnes et mandats fictifs, à ne pas utiliser pour un bilan réel."


@dataclass(frozen=True)
class Caption:
    """What a pasted image must say by itself."""
    title: str
    territory: str = ""
    as_of: dt.date | None = None
    source: str = SOURCE
    extracted: str | None = None   # data extraction date (store manifest), ISO
    demo: bool = False             # the store holds demonstration data: every image says so

    @property
    def subtitle(self) -> str:
        parts = [self.territory] if self.territory else []
        if self.as_of is not None:
            parts.append(f"situation au {formatting.date(self.as_of)}")
        return " · ".join(parts)

    @property
    def footer(self) -> str:
        text = f"Source : {self.source}"
        if self.extracted:
            text += f" · données extraites le {formatting.date(self.extracted)}"
        if self.demo:
            text += " · données de démonstration (fictives)"
        return text


def caption_from_manifest(title: str, territory: str, as_of: dt.date | None, manifest: dict) -> Caption:
    return Caption(title, territory, as_of, extracted=(manifest.get("built_at") or "")[:10] or None,
                   demo=bool(manifest.get("demo")))


# An image is drawn the same way whatever process makes it: Streamlit, once imported, makes its own template
# plotly's default, and that one has no automatic margins (the page relies on Streamlit's front end for them).
# Every export replaces the template with this one: axes make room for their tick labels and titles.
EXPORT_TEMPLATE = go.layout.Template(layout={"xaxis": {"automargin": True}, "yaxis": {"automargin": True}})
LINE = 1.35  # line height of a text, in font sizes
TITLE_STANDOFF = 10  # pixels between an x axis's tick labels and its title


def decorate(fig: go.Figure, caption: Caption, width: int = WIDTH, height: int = HEIGHT,
             base_font: int = 18) -> go.Figure:
    """A copy of `fig` sized for a pasted image: title, subtitle (territory, as-of date), footer (source,
    extraction date), a corner mark on demonstration data. The on-screen title is replaced, never stacked;
    margins are computed for what the image holds, titles wrapped to its width, and every axis makes room for
    its labels: nothing is cut whatever the size."""
    out = go.Figure(copy.deepcopy(fig.to_dict()))
    out.layout.template = EXPORT_TEMPLATE
    layout = out.layout
    margin = layout.margin
    title_size, subtitle_size, legend_size, footer_size = base_font + 10, base_font + 2, base_font - 2, base_font - 3
    mark_width = theme.text_width(DEMO_MARK, footer_size, bold=True) + 24 if caption.demo else 0
    title_lines = theme.wrap_to_width(caption.title, title_size, width - 40 - mark_width, bold=True)
    subtitle_lines = theme.wrap_to_width(caption.subtitle, subtitle_size, width - 40) if caption.subtitle else []
    named = [t for t in out.data if getattr(t, "showlegend", False) is not False and getattr(t, "name", None)]
    has_legend = layout.showlegend is not False and len(named) > 1
    legend_rows = 0
    if has_legend:
        widths = [theme.text_width(_plain(t.name), legend_size) + 60 for t in named]
        legend_rows, row = 1, 0.0
        for item in widths:
            if row and row + item > width - 60:
                legend_rows, row = legend_rows + 1, 0.0
            row += item
    # Measured in Chromium: a title's first line takes 1,1 font size, each further line 1,3; the subtitle comes one
    # title size below; plotly lifts a title of several lines by 0,72 of its size, put back here.
    title_top = 12 + (0.72 * title_size if len(title_lines) > 1 else 0)
    top = (title_top + 1.1 * title_size + 1.3 * title_size * (len(title_lines) - 1)
           + (title_size + 1.3 * subtitle_size * len(subtitle_lines) if subtitle_lines else 0) + 16
           + legend_rows * legend_size * 1.9 + _above_plot(out, base_font))
    cartesian = [t for t in out.data if hasattr(t, "xaxis")]
    x_band = 0.0
    if cartesian and not all(t.type == "table" for t in cartesian):
        bottom_axes = [a for a in out.select_xaxes() if a.showticklabels is not False and a.visible is not False]
        if bottom_axes:
            x_band = legend_size * LINE + 12
            if any(_plain(a.title.text) for a in bottom_axes):
                x_band += base_font * LINE + TITLE_STANDOFF + 6
    # The footer ends at the plot's right edge (known before drawing, unlike its left edge, which moves with the
    # labels of the y axis), broken into lines that fit between that edge and the image's left margin.
    right_edge = max(margin.r or 0, 40)
    footer_lines = theme.wrap_to_width(caption.footer, footer_size, width - right_edge - 20)
    bottom = 14 + len(footer_lines) * footer_size * LINE + 10 + x_band
    if out.data and all(t.type == "table" for t in out.data):  # a table is as tall as its rows, never cut
        left, right = max(margin.l or 0, 20), max(margin.r or 0, 40)
        height = round(bars.table_height(out, width - left - right) + top + bottom + 16)
    out.update_layout(
        width=width, height=height,
        title={"text": "<br>".join(f"<b>{_escape(line)}</b>" for line in title_lines), "x": 0.01, "xanchor": "left",
               "y": 1 - title_top / height, "yanchor": "top", "yref": "container", "font": {"size": title_size},
               "subtitle": {"text": "<br>".join(_escape(line) for line in subtitle_lines),
                            "font": {"size": subtitle_size, "color": "#333"}}},
        margin={"t": round(top), "b": round(bottom), "l": max(margin.l or 0, 20), "r": max(margin.r or 0, 40),
                "autoexpand": True},
        font={"size": base_font},
    )
    if has_legend:  # under the subtitle, never over the footer
        out.update_layout(legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.01, "yanchor": "bottom",
                                  "font": {"size": legend_size}})
    for axis in [*out.select_xaxes(), *out.select_yaxes()]:  # ticks readable once pasted in a document
        axis.tickfont.size = max(axis.tickfont.size or 0, legend_size)
        axis.automargin = True
    for axis in out.select_xaxes():  # the first date never touches the lowest value of the y axis
        axis.ticklabelstandoff = max(axis.ticklabelstandoff or 0, 6)
        axis.title.standoff = TITLE_STANDOFF  # where the footer can start
    out.add_annotation(text="<br>".join(_escape(line) for line in footer_lines), xref="paper", yref="paper", x=1,
                       y=0, xanchor="right", yanchor="bottom", align="right", yshift=-(bottom - 12), showarrow=False,
                       font={"size": footer_size, "color": "#333"})
    if caption.demo:
        out.add_annotation(text=f"<b>{DEMO_MARK}</b>", xref="paper", yref="paper", x=1, y=1, xanchor="right",
                           yanchor="top", yshift=top - 10, showarrow=False, bgcolor="#fff3c4",
                           bordercolor="#b35806", borderwidth=1, borderpad=4,
                           font={"size": footer_size, "color": "#7a3d00"})
    return out


def _above_plot(fig: go.Figure, base_font: int) -> float:
    """Room for the texts a chart writes just above its plot area (subplot titles, the label of a vertical line)."""
    heights = [(a.font.size or base_font) * LINE + 6 for a in fig.layout.annotations or []
               if str(a.yref or "").endswith(("paper", "domain")) and (a.y or 0) >= 0.99
               and a.yanchor in (None, "bottom", "auto")]
    return max(heights, default=0.0)


def _escape(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _plain(text) -> str:
    return re.sub(r"<[^>]+>", "", str(text or "")).strip()


# --- rendering --------------------------------------------------------------------------------------------

class Renderer:
    """One warm Chromium per process. kaleido's own sync server is neither thread-safe (plotly/Kaleido#444)
    nor able to recover from a crashed browser (#441): calls here are serialised by a lock, each has a
    timeout, and a failing browser is killed and started again once."""

    def __init__(self, timeout: float = RENDER_TIMEOUT_S):
        self.timeout = timeout
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self.starts = 0

    def _start(self) -> None:
        import kaleido

        path = chromium_path()
        if path is None:
            raise RenderError(CHROMIUM_MISSING_FR)
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="kaleido-browser", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread

        async def open_browser():
            # mathjax=False: kaleido would otherwise load MathJax from a CDN (pio.defaults.mathjax is ignored).
            k = kaleido.Kaleido(n=1, timeout=self.timeout, mathjax=False, path=path)
            await k.open()
            return k

        try:
            self._kaleido = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(START_TIMEOUT_S)
        except Exception as exc:
            self._stop()
            raise RenderError(f"Chromium n'a pas démarré : {exc}") from exc
        self.starts += 1

    def _stop(self) -> None:
        k, loop, thread = self._kaleido, self._loop, self._thread
        self._kaleido = self._loop = self._thread = None
        if loop is None:
            return
        if k is not None:
            try:
                asyncio.run_coroutine_threadsafe(k.close(), loop).result(10)
            except Exception:  # noqa: BLE001 - a hung or dead browser: kill it below
                pass
            process = getattr(k, "subprocess", None)
            if process is not None and process.poll() is None:
                from choreographer.utils._kill import kill
                kill(process)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(5)

    def render(self, fig: go.Figure, width: int = WIDTH, height: int = HEIGHT, scale: float = 1,
               fmt: str = "png") -> bytes:
        spec = fig.to_dict()
        opts = {"format": fmt, "width": width, "height": height, "scale": scale}
        with self._lock:
            error: Exception | None = None
            for _attempt in range(2):
                if self._kaleido is None:
                    self._start()
                try:
                    future = asyncio.run_coroutine_threadsafe(self._kaleido.calc_fig(spec, opts=opts), self._loop)
                    return future.result(self.timeout + 5)
                except Exception as exc:  # noqa: BLE001 - timeout, crash: restart the browser and retry once
                    error = exc
                    self._stop()
            raise RenderError(f"Rendu de l'image impossible : {error!r}") from error

    def warm(self) -> None:
        """Start the browser now (in a background thread while other work goes on), so the first image is fast."""
        with self._lock:
            if self._kaleido is None:
                try:
                    self._start()
                except RenderError:
                    pass  # the first render reports it

    def close(self) -> None:
        with self._lock:
            self._stop()


_renderer: Renderer | None = None
_renderer_lock = threading.Lock()


def renderer() -> Renderer:
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            _renderer = Renderer()
            import atexit
            atexit.register(_renderer.close)
        return _renderer


def image(fig: go.Figure, caption: Caption | None = None, width: int = WIDTH, height: int = HEIGHT,
          scale: float = 1, fmt: str = "png") -> bytes:
    """The one export path of a chart (page buttons, bilan, CLI): decorated with `caption`, `width`×`height`
    pixels, rendered as `fmt` (png, or svg for tests that measure where each text lies)."""
    if fig.layout.height and fig.layout.height > height:  # a long ranking keeps its bars readable
        height = int(fig.layout.height) + 150
    if caption is not None:
        fig = decorate(fig, caption, width, height)
        height = int(fig.layout.height)  # a table's image is as tall as the table
    return renderer().render(fig, width, height, scale, fmt)


def png(fig: go.Figure, caption: Caption | None = None, width: int = WIDTH, height: int = HEIGHT,
        scale: float = 1) -> bytes:
    """The PNG of a chart as it should be pasted: decorated with `caption`, `width`×`height` pixels."""
    return image(fig, caption, width, height, scale, "png")


def svg(fig: go.Figure, caption: Caption | None = None, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The same image as `png`, as SVG: text stays text, so its place can be checked."""
    return image(fig, caption, width, height, 1, "svg")


def png_or_message(fig: go.Figure, caption: Caption | None = None, width: int = WIDTH,
                   height: int = HEIGHT) -> bytes:
    """For a download button: the PNG, or an image saying in French why there is none (a failed download
    would leave the user with a broken file and no explanation)."""
    try:
        return png(fig, caption, width, height)
    except RenderError as error:
        return message_png(str(error), width, height)


def message_png(text: str, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    import io
    import textwrap

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (width, height), "white")
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 28)
    except OSError:
        font = ImageFont.load_default(size=28)
    ImageDraw.Draw(image).multiline_text((60, 60), "\n".join(textwrap.wrap(text, 80)), font=font, fill="black",
                                         spacing=10)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def map_size(width: int = WIDTH, height: int = HEIGHT) -> dict:
    """A map is framed (centre, zoom) for the size it is drawn at: the exported one is built for the plot area
    of a `width`×`height` image (title and subtitle above, footer below)."""
    return {"width": width - 40, "height": height - 200}


MAP_SIZE = map_size()

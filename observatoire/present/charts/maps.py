"""Maps drawn offline: choropleths of départements and régions with overseas insets, establishments as dots."""
from __future__ import annotations

import functools
import re

import pandas as pd
import plotly.graph_objects as go

from observatoire.base import formatting
from observatoire.base.formatting import plotly_escape as esc  # every text from the data shown by plotly
from observatoire.present import geo
from observatoire.present.charts import theme
from observatoire.present.charts.theme import FONT, NEUTRAL, _suffix, memoised

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


# Counts (projects, survey respondents, seats) read "none -> many": a sequential scale from white at zero. A territory
# without any value is then light grey, apart from zero (white) and from a masked value (darker grey).
SEQUENTIAL = [[0.0, "#ffffff"], [0.15, "#dbe9f6"], [0.4, "#9cc3e4"], [0.7, "#4a8cc7"], [1.0, "#0b4f8c"]]


NO_DATA_SEQUENTIAL = "#e3e6ea"


RATE_UNITS = ("%", "ratio", "jours")  # compared with a reference (diverging); any other unit is a count


def is_count(unit: str) -> bool:
    return unit not in RATE_UNITS


LABEL_FONT = 14         # names and values written on a map drawn for an image
LABEL_ALL_UP_TO = 20    # a région's départements, the 18 régions: every territory named; beyond: the extremes
LABEL_EXTREMES = 3


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
        lines.append(f"Valeur masquée : {formatting.fewer_than()}, ou de quoi en retrouver un par différence")
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
                   width: int = MAP_WIDTH, outline: list[str] | tuple[str, ...] = (), scale: str | None = None,
                   annotated: bool = False, note: str = "") -> go.Figure:
    """All territories of `frame` (territorial.choropleth_frame) on one map: overseas insets, Paris zoom box.

    Colours diverge around `centre` (blue = more favourable than the centre, orange = less); masked values are
    grey, territories without value white. Every trace carries customdata [code, hover text], so a click
    gives the real territory code whichever copy (true place, inset, zoom box) was clicked. A map of one
    territory (an overseas région's only département) has nothing to compare on the map: it is drawn in a
    neutral colour with its value and `centre_label` (the national reference) written beside it. The
    territories of `outline` (the chosen one, the clicked one) get a dark outline.

    `scale` is "diverging" around `centre` (rates) or "sequential" from white at zero (counts: the default for a
    unit that is not a rate). `annotated=True` draws it for an image, which has no hover: every territory named
    with its value (or, beyond LABEL_ALL_UP_TO territories, the highest and lowest ones) and the neutral colours
    explained. `note` is written beside the map (why it is drawn at this level). When every value is masked the
    map says so over the territories.
    """
    scale = scale or ("sequential" if is_count(unit) else "diverging")
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
    if scale == "sequential":
        top = max([*values, 1.0])  # a little above the highest, so its tick label stays under the bar's title
        colorscale, zmin, zmax = SEQUENTIAL, 0.0, top + max(0.5, 0.04 * top)
        scale_note = _wrap(centre_label) if centre_label else ""
        no_data = NO_DATA_SEQUENTIAL
    else:
        half = max([abs(v - centre) for v in values] + [1e-9])
        if half < 1e-6:
            half = max(abs(centre) * 0.1, 1.0)  # every value on the centre: keep a readable scale
        colorscale = DIVERGING if direction != "higher_is_better" else [[p, c] for p, c in
                                                                        zip([x[0] for x in DIVERGING],
                                                                            [x[1] for x in reversed(DIVERGING)])]
        zmin, zmax = centre - half, centre + half
        scale_note = f"centre : {centre_label}"
        no_data = NO_DATA_COLOR
    explained = _neutral_legend(frame, scale, note, annotated) if (annotated or note) and not single else ""

    def hover(r):
        return _hover_lines(r, label, unit, num_label, den_label, year, reference_label)

    groups = [
        ("valeur", shown if single else [], {"color": NEUTRAL, "line": "white"}),
        ("valeurs", [] if single else shown, {
            "z": values, "colorscale": colorscale, "zmin": zmin, "zmax": zmax, "showscale": True,
            "marker": {"line": {"color": "#b0b7c3" if scale == "sequential" else "white", "width": 0.7}},
            "colorbar": {"title": {"text": f"{_wrap(label)}{' (%)' if unit == '%' else ''}"
                                           + (f"<br><sup>{scale_note}</sup>" if scale_note else ""),
                                   "side": "top"},
                         "ticksuffix": suffix, "thickness": 16, "len": 0.5 if explained else 0.6,
                         "y": 0.62 if explained else 0.5, "x": 1.01, "xanchor": "left", "outlinewidth": 0,
                         "title_font": {"size": 14}, **({"tickformat": ",d"} if scale == "sequential"
                                                        and zmax >= 5 else {})}}),
        ("masquées", [(fid, r) for fid, r in rows if r.masked], {"color": MASKED_COLOR, "line": "white"}),
        ("sans donnée", [(fid, r) for fid, r in rows if not r.masked and not r.has_value],
         {"color": no_data, "line": "#b0b7c3" if no_data == NO_DATA_COLOR else "white"}),
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
        annotations.append({"text": f"{_margin_text(label)}<br><b>{value}</b><br><br>{_margin_text(centre_label)}"
                                    + (f"<br><br>{_margin_text(esc(note))}" if note else ""),
                            "xref": "paper", "yref": "paper", "x": 1.01, "y": 0.8, "xanchor": "left",
                            "yanchor": "top", "align": "left", "showarrow": False, "font": {"size": 14}})
    center, zoom = geo.map_center_zoom(level, region, width_px=width - COLORBAR_MARGIN, height_px=height,
                                       padding=0.04)
    if explained:  # under the colour bar, in the right margin: never over a territory
        annotations.append({"text": explained, "xref": "paper", "yref": "paper", "x": 1.01, "y": 0.02,
                            "xanchor": "left", "yanchor": "bottom", "align": "left", "showarrow": False,
                            "font": {"size": 13, "color": "#1b1f24"}})
    if frame["masked"].any() and not frame["has_value"].any():
        annotations.append(_all_masked_message())
    if annotated:
        annotations += territory_labels(frame, level, region, unit, center, zoom, width - COLORBAR_MARGIN, height,
                                        obstacles=annotations)
    fig.update_layout(
        map={"style": MAP_STYLE, "center": center, "zoom": zoom, "layers": label_layers},
        font={"family": FONT, "size": 14, "color": "#1b1f24"}, separators=", ", height=height,
        margin={"l": 0, "r": COLORBAR_MARGIN, "t": 0, "b": 0}, paper_bgcolor="white", showlegend=False,
        hoverlabel={"font": {"family": FONT, "size": 14}, "bgcolor": "white"},
        uirevision=f"{level}-{region}", clickmode="event+select",
        annotations=annotations)
    return fig


def _neutral_legend(frame: pd.DataFrame, scale: str, note: str, annotated: bool) -> str:
    """What the neutral colours of this map mean (those present), which territories are named, and the caller's
    note: for the right margin, under the colour bar."""
    lines = []
    if frame["masked"].any():
        lines.append(f'<span style="color:{MASKED_COLOR}">■</span> valeur masquée :<br>{formatting.fewer_than()}'
                     '<br>(ou secret secondaire)')
    if (~frame["masked"] & ~frame["has_value"]).any():
        lines.append("□ aucune donnée" if scale != "sequential" else
                     f'<span style="color:{NO_DATA_SEQUENTIAL}">■</span> aucune donnée')
    if annotated and len(frame) > LABEL_ALL_UP_TO:
        lines.append(_margin_text(f"Noms : les {LABEL_EXTREMES} valeurs les plus hautes et les {LABEL_EXTREMES} "
                                  "plus basses", 13))
    if note:
        lines.append(_margin_text(esc(note), 13))
    return "<br>".join(lines)


def _margin_text(text: str, size: int = 14) -> str:
    """Text broken into lines that fit the right margin beside the map."""
    return "<br>".join(theme.wrap_to_width(text, size, COLORBAR_MARGIN - 16))


def all_masked_fr() -> str:
    return f"Toutes les valeurs sont masquées : {formatting.fewer_than()}<br>dans chaque territoire (secret statistique)"


def _all_masked_message() -> dict:
    return {"text": all_masked_fr(), "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "xanchor": "center",
            "yanchor": "middle", "showarrow": False, "align": "center", "font": {"size": 16, "color": "#1b1f24"},
            "bgcolor": "rgba(255,255,255,0.92)", "bordercolor": MASKED_COLOR, "borderwidth": 1, "borderpad": 8}


def _label_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The territories named on an image: all of them up to LABEL_ALL_UP_TO, else the highest and the lowest."""
    if len(frame) <= LABEL_ALL_UP_TO:
        return frame
    shown = frame[frame["has_value"]].sort_values(["value", "territory_code"])
    return pd.concat([shown.tail(LABEL_EXTREMES).iloc[::-1], shown.head(LABEL_EXTREMES)]).drop_duplicates(
        "territory_code")


def territory_labels(frame: pd.DataFrame, level: str, region: str | None, unit: str, center: dict, zoom: float,
                     plot_width: float, plot_height: float, obstacles: list[dict] = ()) -> list[dict]:
    """Annotations naming territories with their value on a map at (center, zoom), placed in pixels from the
    map's centre so that they stay on their territory whatever margins the image adds. A label that would cover
    another one (or leave the map) moves to a free place nearby, with a thin line to its territory."""
    feature_ids = geo.display_feature_ids(level)
    areas, points = geo.display_areas(level), geo.label_points(level)
    half_w, half_h = plot_width / 2 - 6, plot_height / 2 - 6
    taken = [_box_of(a, plot_width, plot_height) for a in obstacles]
    taken = [b for b in taken if b is not None]
    candidates = []
    for row in _label_rows(frame).itertuples(index=False):
        ids = [f for f in feature_ids.get(row.territory_code, []) if region is None or not f.startswith(geo.ZOOM)]
        if not ids:
            continue
        feature = max(ids, key=lambda f: areas.get(f, 0))
        dx, dy = geo.to_pixels(*points[feature], center, zoom)
        value = (formatting.MASKED if row.masked else formatting.value_with_unit(row.value, unit)
                 if row.has_value else "aucune donnée")
        # an overseas territory is drawn in an inset that already bears its name: its value is enough
        name = "" if region is None and _in_inset(feature, level) else str(row.territory_name)
        width = max(theme.text_width(name, LABEL_FONT, bold=True), theme.text_width(value, LABEL_FONT)) + 8
        height = (2 if name else 1) * LABEL_FONT * 1.3 + 6
        candidates.append((areas.get(feature, 0), name, value, dx, dy, width, height))
    labels = []
    for _, name, value, dx, dy, width, height in sorted(candidates):  # small territories choose first
        best = None
        for ox, oy in _offsets(width, height):
            box = (dx + ox - width / 2, dy + oy - height / 2, dx + ox + width / 2, dy + oy + height / 2)
            if box[0] < -half_w or box[2] > half_w or box[1] < -half_h or box[3] > half_h:
                continue
            cost = sum(_overlap(box, other) for other in taken)
            if best is None or cost < best[0]:
                best = (cost, ox, oy, box)
            if cost == 0:
                break
        if best is None:
            continue
        _, ox, oy, box = best
        taken.append(box)
        label = {"text": f"<b>{esc(name)}</b><br>{value}" if name else value, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                 "xshift": dx, "yshift": -dy, "align": "center", "font": {"size": LABEL_FONT, "color": "#1b1f24"},
                 "bgcolor": "rgba(255,255,255,0.85)", "borderpad": 2}
        if ox or oy:
            label.update(showarrow=True, ax=ox, ay=oy, axref="pixel", ayref="pixel", arrowhead=0, arrowwidth=1,
                         arrowcolor="#4b5563", standoff=2)
        else:
            label.update(showarrow=False, xanchor="center", yanchor="middle")
        labels.append(label)
    return labels


def _in_inset(feature_id: str, level: str) -> bool:
    """Is this display feature drawn in an overseas inset (whose frame is labelled with its name)?"""
    return feature_id in _overseas_features(level)


@functools.lru_cache(maxsize=2)
def _overseas_features(level: str) -> frozenset[str]:
    key = "departement_code" if level == "departement" else "region_code"  # « 01 » is Ain, or Guadeloupe
    return frozenset(frame["properties"][key] for frame in geo.inset_frames()["features"]
                     if frame["properties"]["inset"] == geo.OUTRE_MER)


def _offsets(width: float, height: float):
    """Where a label may go, from its territory's point outwards (pixels, y down)."""
    yield 0, 0
    for step in (0.6, 1, 1.4, 1.8, 2.3, 2.8, 3.4, 4.0):
        dy, dx = height * step, width * step * 0.7
        yield from ((0, -dy), (0, dy), (dx, 0), (-dx, 0), (dx, -dy), (-dx, -dy), (dx, dy), (-dx, dy),
                    (dx / 2, -dy), (-dx / 2, -dy), (dx / 2, dy), (-dx / 2, dy))


def _overlap(a, b) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _box_of(annotation: dict, plot_width: float, plot_height: float):
    """The pixel box (from the map's centre, y down) of an annotation anchored in paper coordinates inside the
    plot (the attribution, the all-masked message); None for one drawn in the margin."""
    x, y = annotation.get("x", 0.5), annotation.get("y", 0.5)
    if not (0 <= x <= 1 and 0 <= y <= 1):
        return None
    size = (annotation.get("font") or {}).get("size", 14)
    lines = str(annotation.get("text", "")).split("<br>")
    width = max(theme.text_width(re.sub(r"<[^>]+>", "", line), size) for line in lines) + 20
    height = len(lines) * size * 1.3 + 20
    left = (x - 0.5) * plot_width - {"left": 0, "right": width}.get(annotation.get("xanchor"), width / 2)
    top = (0.5 - y) * plot_height - {"top": 0, "bottom": height}.get(annotation.get("yanchor"), height / 2)
    return left, top, left + width, top + height


OUTLINE_COLOR = "#111827"


def _outline_layers(level: str, codes, feature_ids: dict[str, list[str]]) -> list[dict]:
    """A dark line around every drawn copy (true place, inset, zoom box) of the territories `codes`: on screen, a
    layer the chart element draws over the map (theme.OVERLAY), so that outlining another territory does not
    redraw the map."""
    wanted = {fid for code in codes if code for fid in feature_ids.get(code, [])}
    if not wanted:
        return []
    features = [{"type": "Feature", "id": f["id"], "geometry": f["geometry"]}
                for f in geo.load_geojson(level, display=True)["features"] if f["id"] in wanted]
    return [{"sourcetype": "geojson", "source": {"type": "FeatureCollection", "features": features},
             "type": "line", "color": OUTLINE_COLOR, "line": {"width": 3}, "name": theme.OVERLAY}]


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

"""Where one establishment is: a small offline map of its département with one marker."""
from __future__ import annotations

import plotly.graph_objects as go

from observatoire.base.formatting import plotly_escape as esc
from observatoire.present import geo
from observatoire.present.charts.maps import MAP_STYLE, _attribution
from observatoire.present.charts.theme import FONT, memoised

MARKER_COLOR = "#0072B2"


@memoised
def location_map(name: str, department_code: str, lon: float, lat: float, height: int = 320,
                 width: int = 480) -> go.Figure:
    """The département's outline and the establishment as one marker (overseas coordinates drawn where the maps of
    the app draw them); no tiles, nothing fetched."""
    feature = next(f for f in geo.load_geojson("departement", display=True)["features"]
                   if f["id"] == department_code)
    x, y = geo.to_display_lonlat(department_code, float(lon), float(lat))
    outline = {"type": "FeatureCollection", "features": [{"type": "Feature", "id": feature["id"],
                                                          "geometry": feature["geometry"]}]}
    fig = go.Figure(go.Scattermap(lon=[x], lat=[y], mode="markers", name=esc(name),
                                  marker={"size": 18, "color": MARKER_COLOR}, hovertext=[esc(name)],
                                  hovertemplate="%{hovertext}<extra></extra>"))
    center, zoom = geo.view_of_features([feature], width, height)
    fig.update_layout(
        map={"style": MAP_STYLE, "center": center, "zoom": zoom,
             "layers": [{"sourcetype": "geojson", "source": outline, "type": "fill", "color": "#f3f4f6",
                         "below": "traces"},
                        {"sourcetype": "geojson", "source": outline, "type": "line", "color": "#6b7280",
                         "line": {"width": 1.2}, "below": "traces"}]},
        font={"family": FONT, "size": 14, "color": "#1b1f24"}, height=height, showlegend=False,
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, paper_bgcolor="white", annotations=[_attribution()],
        hoverlabel={"font": {"family": FONT, "size": 14}, "bgcolor": "white"})
    return fig

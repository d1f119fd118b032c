"""A chart's text alternative: what it shows, in French words, read from the figure (RGAA criterion 1.3)."""
from __future__ import annotations

import re

# Plotly trace types and the words that say what they draw.
KIND_WORDS = {"bar": "barres", "funnel": "entonnoir", "indicator": "jauge", "pie": "secteurs",
              "choropleth": "carte", "choroplethmap": "carte", "choroplethmapbox": "carte",
              "scattermap": "carte de points", "scattermapbox": "carte de points", "scattergeo": "carte de points",
              "heatmap": "carte de chaleur", "table": "tableau", "box": "boîtes"}
TABLE_NOTE = "Les valeurs sont dans le tableau « Données du graphique » sous le graphique."
MAX_SERIES = 8


def plain(text) -> str:
    """Text of a plotly label without its HTML (<b>, <br>, <span style…>)."""
    text = re.sub(r"<br\s*/?>", " ", str(text or ""))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip()


def _kind(trace) -> str:
    if trace.type == "scatter":
        mode = trace.mode or "lines"
        return "courbes" if "lines" in mode else "points"
    if trace.type == "bar" and getattr(trace, "orientation", None) == "h":
        return "barres horizontales"
    return KIND_WORDS.get(trace.type, trace.type)


def text_alternative(fig, title: str | None = None, table: bool = True) -> str:
    """« Graphique (courbes) : Taux de vacance – Grand Est. Séries : … Axe horizontal : … » and, when the chart's
    data is on the page as a table (`table`), where to read the values."""
    traces = [t for t in fig.data if t.visible is not False]
    kinds = list(dict.fromkeys(_kind(t) for t in traces)) or ["vide"]
    maps = all(kind.startswith("carte") for kind in kinds)
    head = ("Carte" if maps else "Graphique") + ("" if maps and kinds == ["carte"] else f" ({', '.join(kinds)})")
    title = plain(fig.layout.title.text) or plain(title) or "sans titre"  # the figure's own title says most
    parts = [f"{head} : {title}."]
    names = list(dict.fromkeys(plain(t.name) for t in traces if t.name and plain(t.name)))
    if len(names) > 1 or (names and not maps):
        more = f" et {len(names) - MAX_SERIES} autres" if len(names) > MAX_SERIES else ""
        parts.append(f"Séries : {', '.join(names[:MAX_SERIES])}{more}.")
    axes = [(word, plain(axis.title.text)) for word, axis in (("horizontal", fig.layout.xaxis),
                                                              ("vertical", fig.layout.yaxis))
            if not maps and axis.title.text]
    if axes:
        text = " ; ".join(f"axe {word} : {label}" for word, label in axes)
        parts.append(text[:1].upper() + text[1:] + ".")
    if table:
        parts.append(TABLE_NOTE)
    return " ".join(parts)

"""What a page drew, read from a script run: every chart of observatoire.ui.figures with its key and figure."""
from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass
class DrawnChart:
    key: str          # the key the page gave the chart
    spec: str         # the figure as sent to the browser (JSON)
    config: str       # Plotly's configuration (JSON): the toolbar's buttons
    alt: str          # the text alternative given to screen readers

    @property
    def figure(self) -> dict:
        return json.loads(self.spec)


def drawn_charts(app) -> list[DrawnChart]:
    """The charts of the last run of `app` (an AppTest), in page order."""
    drawn = []
    for element in app.get("bidi_component"):
        data = json.loads(element.proto.bytes or b"{}")      # observatoire.ui.figures.payload
        if "figure" not in data:
            continue
        meta = data["meta"]
        drawn.append(DrawnChart(key=element.proto.id.split("-", 2)[-1], spec=json.dumps(data["figure"]),
                                config=json.dumps(meta.get("config") or {}), alt=meta.get("alt") or ""))
    return drawn

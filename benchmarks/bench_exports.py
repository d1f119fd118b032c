"""Benchmark: PNG of a chart with a cold and a warm Chromium, PNG of the département map, and the bilan pack of
one région's convention (target: under 60 s on 2 cores)."""
from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from observatoire import bilan
from observatoire.base.dates import month_starts
from observatoire.base.db import Scope, Store
from observatoire.domain import indicators, territorial
from observatoire.domain.measures import seat_series
from observatoire.present import charts, exports

AS_OF = dt.date(2026, 6, 15)
PACK_TARGET_S = 60


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(store_dir: Path) -> list[dict]:
    if not exports.available():
        return [{"name": f"exports : {exports.CHROMIUM_MISSING_FR}", "seconds": 0}]
    store = Store(store_dir)
    frame = seat_series(store, month_starts(dt.date(2016, 1, 1), AS_OF), Scope("region", "44"))
    frame["rate"] = frame["vacant"] / frame["seats"] * 100
    figure = charts.time_series(frame, "as_of", "rate", "Taux de vacance – Grand Est", "%")
    caption = exports.Caption("Taux de vacance des sièges", "Grand Est", AS_OF, extracted="2026-11-23")
    rows = []
    cold = exports.Renderer()
    try:
        rows.append({"name": "PNG 1600×900, Chromium froid (démarrage compris)",
                     "seconds": _timed(lambda: cold.render(exports.decorate(figure, caption)))})
    finally:
        cold.close()
    exports.png(figure, caption)  # warm the process's browser
    warm = [_timed(lambda: exports.png(figure, caption)) for _ in range(5)]
    rows.append({"name": "PNG 1600×900, Chromium chaud (médiane de 5)", "seconds": statistics.median(warm)})
    values = indicators.compute(store, "taux_vacance", Scope("departement"), AS_OF)
    map_frame = territorial.choropleth_frame(values, "departement", territorial.map_codes("departement", None),
                                             "lower_is_better", float(values["value"].median()))
    if len(map_frame):
        the_map = charts.choropleth_map(map_frame, "departement", "Taux de vacance", "%", "lower_is_better",
                                        float(map_frame["value"].median()), "médiane", **exports.MAP_SIZE)
        rows.append({"name": "PNG de la carte des départements, Chromium chaud",
                     "seconds": _timed(lambda: exports.png(the_map, caption))})
    conventions = store.df("SELECT convention_id FROM conventions ORDER BY convention_id")["convention_id"]
    for convention_id in conventions[:1]:
        with tempfile.TemporaryDirectory() as folder:
            seconds = _timed(lambda: bilan.build(store, convention_id, AS_OF, Path(folder)))
            files = sum(1 for p in Path(folder).rglob("*") if p.is_file())
        verdict = "OK" if seconds < PACK_TARGET_S else "AU-DESSUS DE LA CIBLE"
        rows.append({"name": f"dossier de bilan {convention_id} ({files} fichiers ; cible < {PACK_TARGET_S} s, "
                             f"{verdict})", "seconds": seconds})
    return rows

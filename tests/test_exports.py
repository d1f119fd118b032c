"""PNG exports: file names, decoration, and the warm Chromium (rendering, size, restart after a hang)."""
import asyncio
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from observatoire.base import formatting
from observatoire.present import charts, exports

needs_chromium = pytest.mark.skipif(not exports.available(), reason="Debian chromium absent (make test installs it)")


@pytest.mark.parametrize("parts, as_of, ext, expected", [
    (("taux_vacance", "départements", "Grand Est"), dt.date(2026, 3, 1), "png",
     "taux_vacance_departements_grand-est_2026-03-01.png"),
    (("taux_participation", "", "Île-de-France"), dt.date(2026, 6, 15), "csv",
     "taux_participation_ile-de-france_2026-06-15.csv"),
    (("campagne", "CDU Grand Est 2026 (n° 1)", None), None, "png", "campagne_cdu-grand-est-2026-n-1.png"),
    (("bilan", "GE-2026-2028", "Provence-Alpes-Côte d'Azur"), dt.date(2027, 11, 18), "pdf",
     "bilan_ge-2026-2028_provence-alpes-cote-d-azur_2027-11-18.pdf"),
])
def test_file_name(parts, as_of, ext, expected):
    assert exports.file_name(*parts, as_of=as_of, ext=ext) == expected


def _series_figure(title="Taux de vacance des sièges – Grand Est"):
    frame = pd.DataFrame({"as_of": pd.date_range("2024-01-01", periods=24, freq="MS"),
                          "rate": [30 - i * 0.5 for i in range(24)], "group": ["CDU"] * 12 + ["CVS"] * 12})
    return charts.time_series(frame, "as_of", "rate", title, "%", color="group", y_label="Sièges vacants (%)")


CAPTION = exports.Caption("Taux de vacance des sièges", "Grand Est", dt.date(2026, 3, 1), extracted="2026-11-23")


def test_decoration_says_what_a_pasted_image_needs():
    fig = exports.decorate(_series_figure(), CAPTION)
    assert fig.layout.title.text == "<b>Taux de vacance des sièges</b>"  # replaces the on-screen title
    assert fig.layout.title.subtitle.text == "Grand Est · situation au 01/03/2026"
    assert fig.layout.annotations[-1].text == ("Source : Observatoire de la démocratie en santé · données extraites "
                                               "le 23/11/2026")
    assert (fig.layout.width, fig.layout.height) == (1600, 900)
    assert fig.layout.legend.y > 1  # the legend sits under the subtitle, never over the footer
    assert exports.caption_from_manifest("T", "Bas-Rhin", None, {"built_at": "2026-11-23T07:35:59"}).footer \
        .endswith("données extraites le 23/11/2026")


def _image(data: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(data)).convert("RGB")


def _dark_share(image, box) -> float:
    return float((np.asarray(image.crop(box).convert("L")) < 100).mean())


@needs_chromium
@pytest.mark.browser
def test_png_has_the_requested_size_is_not_blank_and_carries_its_title():
    data = exports.png(_series_figure(), CAPTION)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = _image(data)
    assert image.size == (1600, 900)
    assert len(np.unique(np.asarray(image.resize((160, 90))).reshape(-1, 3), axis=0)) > 20  # not a blank page
    # The bold title is drawn in the top-left band, the footer at the bottom right; nothing on the empty right of the
    # title band.
    assert _dark_share(image, (10, 5, 500, 50)) > 0.04
    assert _dark_share(image, (1300, 5, 1590, 50)) == 0
    assert _dark_share(image, (900, 860, 1590, 898)) > 0.005
    untitled = _image(exports.png(_series_figure(), exports.Caption(" "), 800, 450))
    assert untitled.size == (800, 450) and _dark_share(untitled, (10, 5, 300, 30)) == 0


@needs_chromium
@pytest.mark.browser
def test_a_hung_render_restarts_the_browser_and_still_returns_the_image():
    renderer = exports.Renderer(timeout=3)
    try:
        first = renderer.render(_series_figure(), 400, 300)
        assert renderer.starts == 1 and _image(first).size == (400, 300)

        async def hang(*args, **kwargs):
            await asyncio.sleep(60)

        renderer._kaleido.calc_fig = hang  # the next call hangs like plotly/Kaleido#441
        again = renderer.render(_series_figure(), 400, 300)
        assert renderer.starts == 2 and _image(again).size == (400, 300)
        renderer._kaleido.subprocess.kill()  # a crashed browser
        renderer._kaleido.subprocess.wait()
        assert _image(renderer.render(_series_figure(), 400, 300)).size == (400, 300)
        assert renderer.starts == 3
    finally:
        renderer.close()


def test_without_chromium_the_message_is_french_and_the_download_still_an_image(monkeypatch):
    monkeypatch.setattr(exports, "chromium_path", lambda: None)
    assert not exports.available()
    renderer = exports.Renderer()
    with pytest.raises(exports.RenderError, match="Chromium n'est pas installé"):
        renderer.render(_series_figure(), 400, 300)
    data = exports.message_png(exports.CHROMIUM_MISSING_FR, 640, 360)
    assert _image(data).size == (640, 360)


# --- nothing clipped: every chart builder through the one export path ------------------------------------
# The page's process has imported Streamlit, whose plotly template (the default once imported) has no automatic
# margins; the bilan and the CLI run without it. Each builder is rendered as SVG in both settings and at both sizes,
# and every text element must lie inside the image, with no two labels drawn over each other.

D = dt.date


def _months(n, start="2023-01-01"):
    return pd.date_range(start, periods=n, freq="MS").date


def _map_frame(level, region=None, masked=(), missing=(), unit="%", seed=3):
    from observatoire.domain import territorial
    codes = territorial.map_codes(level, region)
    rng = np.random.default_rng(seed)
    values = pd.DataFrame({"territory_code": codes, "value": rng.uniform(8, 45, len(codes)).round(1),
                           "numerator": 10.0, "denominator": 40.0, "masked": False, "unit": unit})
    values.loc[values["territory_code"].isin(masked), ["value", "masked"]] = [None, True]
    values = values[~values["territory_code"].isin(missing)]
    return territorial.choropleth_frame(values, level, codes, "lower_is_better", 25.0, unit=unit)


def territorial_codes(region):
    from observatoire.domain import territorial
    return territorial.map_codes("departement", region)


def _milestones():
    return pd.DataFrame({
        "day": [D(2023, 7, 1), D(2023, 9, 4), D(2023, 12, 5), D(2024, 1, 21), D(2024, 6, 15), D(2024, 12, 2),
                D(2025, 6, 16), D(2025, 11, 20), D(2026, 6, 15), D(2026, 12, 7), D(2027, 11, 18), D(2028, 11, 23)],
        "label": ["Lancement", "Comité", "Groupe", "Signature", "Groupe", "Revue", "Groupe", "Revue", "Groupe",
                  "Revue", "Bilan intermédiaire", "Bilan final"],
        "kind": ["Groupe de suivi", "Groupe de suivi", "Groupe de suivi", "Signature", "Groupe de suivi",
                 "Revue stratégique", "Groupe de suivi", "Revue stratégique", "Groupe de suivi",
                 "Revue stratégique", "Bilan", "Bilan"]})


def _trajectory(large=False):
    series = pd.DataFrame({"day": _months(6, "2026-01-01"), "value": [38.0, 37.0, 36.4, 35.5, 44.0, 44.0]})
    targets = pd.DataFrame({"year": [2026, 2027, 2028], "target": [45.0, 55.0, 65.0]})
    return charts.indicator_trajectory(series, targets, baseline=(D(2026, 1, 21), 38.0),
                                       meetings=[D(2026, 6, 15), D(2026, 12, 7)], as_of=D(2026, 12, 5),
                                       title="CDU complètes – Grand Est", unit="%", direction="higher_is_better",
                                       large=large)


def _vacancy_series():
    months = _months(40, "2023-01-01")
    frame = pd.concat([pd.DataFrame({"as_of": months, "rate": np.linspace(31, 22, 40), "group": "CDU"}),
                       pd.DataFrame({"as_of": months, "rate": np.linspace(18, 26, 40), "group": "Autres instances"})])
    return frame


def _small_multiples():
    names = ["Ardennes", "Aube", "Marne", "Haute-Marne", "Meurthe-et-Moselle", "Meuse", "Moselle", "Bas-Rhin",
             "Haut-Rhin", "Vosges"]
    months = _months(30)
    frame = pd.concat([pd.DataFrame({"as_of": months, "rate": np.linspace(10 + i, 40 - i, 30), "name": n})
                       for i, n in enumerate(names)])
    return charts.small_multiples(frame, "as_of", "rate", "name", "Taux de vacance par département", "%",
                                  dash_from=months[24])


def _gaps():
    names = ["Meurthe-et-Moselle", "Haute-Marne", "Ardennes", "Bas-Rhin", "Haut-Rhin", "Vosges"]
    return pd.DataFrame({"name": names, "gap": [12.5, 8.0, 3.1, -2.2, -6.4, -11.9]})


def _cohorts():
    return pd.DataFrame({"label": ["T3 2025", "T4 2025", "T1 2026", "T2 2026"], "on_time": [40, 35, 12, None],
                         "late": [12, 14, None, None], "pending": [0, 3, 30, 44], "flag": [False, False, True, True]})


def _shares():
    return pd.DataFrame({"label": ["France 2023", "France 2022", "Île-de-France 2023 (base non publiée)"],
                         "value": [30.0, 32.0, 24.0], "low": [28.5, 29.8, None], "high": [31.5, 34.2, None]})


def _attendance():
    return pd.DataFrame({"year": ["2024", "2024", "2025", "2025", "2026", "2026"],
                         "attendees": [210, 35, 260, None, 140, 18],
                         "training": ["RU en Avant !", "RU et patients partenaires : agir ensemble"] * 3})


def _calendar():
    days = pd.date_range("2025-01-15", periods=14, freq="35D").date
    return pd.DataFrame({"session_date": days, "training": ["RU en Avant !", "RU et patients partenaires"] * 7,
                         "state": ["passée"] * 10 + ["à venir"] * 4, "session": [f"S{i}" for i in range(14)],
                         "department_code": "67"})


def _scorecard():
    return pd.DataFrame({
        "Indicateur": ["Taux de vacance des sièges", "CDU complètes", "Participation réelle des RU aux séances",
                       "Nouveaux RU formés dans les 6 mois"],
        "Territoire": ["Grand Est", "Grand Est", "Meurthe-et-Moselle", "Grand Est"],
        "Valeur": ["24,5 %", "44,0 %", "61,5 %", "masqué"], "Cible": ["20,0 % (2026)", "45,0 % (2026)",
                                                                   "70,0 % (2026)", "80,0 % (2026)"],
        "Écart à la cible": ["+4,5 pt", "−1,0 pt", "−8,5 pt", "–"],
        "Statut": ["↗ en bonne voie", "⚠ en retard", "✔ atteint", "○ non évaluable"]})


def _long_scorecard():
    names = ["Ardennes", "Aube", "Marne", "Haute-Marne", "Meurthe-et-Moselle", "Meuse", "Moselle", "Bas-Rhin",
             "Haut-Rhin", "Vosges"]
    rows = pd.concat([_scorecard()] * 3, ignore_index=True)
    rows = pd.concat([rows.head(8), rows.head(len(names)).assign(Territoire=[f"Département · {n}" for n in names])],
                     ignore_index=True)
    rows = rows.assign(**{"Écart à la cible": formatting.gap(10.3, "%"), "Référence": "0,0 % à l'ouverture (02/03/2026)",
                          "Depuis le dernier groupe de suivi": "–"})
    return rows[["Indicateur", "Territoire", "Valeur", "Cible", "Écart à la cible", "Référence",
                 "Depuis le dernier groupe de suivi", "Statut"]]


def _establishments():
    return pd.DataFrame({
        "finess": ["670000025", "670000033", "670000041"], "name": ["CH Strasbourg", "Clinique", "CH Haguenau"],
        "department_code": "67", "lon": [7.75, 7.70, 7.79], "lat": [48.58, 48.55, 48.81],
        "cdu_state": ["complète", "partiellement vacante", "vide"], "seats": 4, "filled": [4, 2, 0],
        "vacant_titulaire": [0, 1, 2], "vacant_suppleant": [0, 1, 2]})


CHART_CASES = {
    "lignes": lambda size: charts.time_series(_vacancy_series(), "as_of", "rate", "Taux de vacance – Grand Est", "%",
                                         color="group", y_label="Sièges vacants (%)"),
    "lignes_evenements": lambda size: charts.series_with_events(
        _vacancy_series(), "as_of", "rate", "Taux de vacance des sièges – Grand Est", "%", color="group",
        y_label="Sièges vacants (%)", dash_from=D(2025, 12, 1), bands=[(D(2024, 3, 2), D(2024, 5, 29))],
        band_label="Campagnes de nomination", annotations=[(D(2024, 1, 21), "Signature de la convention (21/01/2024)")]),
    "trajectoire": lambda size: _trajectory(),
    "trajectoire_grand_ecran": lambda size: _trajectory(large=True),
    "petits_multiples": lambda size: _small_multiples(),
    "jalons": lambda size: charts.timeline(_milestones(), "day", "label", "kind", D(2026, 12, 5), ""),
    "calendrier": lambda size: charts.session_calendar(_calendar(), "session_date", "training", "state", D(2026, 1, 10),
                                                  "Sessions passées et prévues"),
    "barres_classees": lambda size: charts.ranked_bars(
        pd.DataFrame({"form": ["Pair-aidance", "Éducation thérapeutique du patient",
                               "Patient partenaire / usager partenaire", "Recherche"], "n": [12, 30, 7, 1400]}),
        "form", "n", "Projets en cours par forme d'engagement", "projets", reference=20.0),
    "ecarts": lambda size: charts.gap_bars(_gaps(), "name", "gap", "Écart à la référence régionale", "%",
                                      "lower_is_better", "Référence régionale"),
    "barres_empilees": lambda size: charts.stacked_bars(
        _cohorts(), "label", {"on_time": ("Formés dans les 6 mois", "#009E73"), "late": ("Formés en retard", "#E69F00"),
                              "pending": ("Délai en cours", "#56B4E9")},
        "Nouveaux RU par trimestre de première désignation – état au 15/06/2026", "Personnes", note_col="flag"),
    "parts": lambda size: charts.share_bars(_shares(), "label", "value", "low", "high",
                                       "Connaissent l'existence des représentants des usagers"),
    "barres_groupees": lambda size: charts.grouped_bars(_attendance(), "year", "attendees", "training",
                                                   "Participations par module et par année", "Présents"),
    "entonnoir": lambda size: charts.funnel(["Sièges ouverts", "Candidatures", "Désignations"], [400, 380, 260],
                                       "De l'ouverture aux désignations – Grand Est · CDU"),
    "progression": lambda size: charts.progress(65.0, "Désignations : 65 % des sièges ouverts – Grand Est · CDU",
                                           target=80.0, target_label="Cible de la convention 2026"),
    "tableau_de_bord": lambda size: charts.table_figure(_scorecard(), status_column="Statut"),
    "tableau_de_bord_long": lambda size: charts.table_figure(_long_scorecard(), status_column="Statut"),
    "carte_departements": lambda size: charts.choropleth_map(
        _map_frame("departement", masked=["48"]), "departement", "Taux de vacance des sièges", "%", "lower_is_better",
        25.0, "référence nationale 25,0 %", annotated=True, **size),
    "carte_region": lambda size: charts.choropleth_map(
        _map_frame("departement", "44", masked=["55"], missing=["52"]), "departement", "Taux de vacance des sièges",
        "%", "lower_is_better", 25.0, "référence régionale 25,0 %", region="44", annotated=True, **size),
    "carte_regions": lambda size: charts.choropleth_map(
        _map_frame("region"), "region", "Taux de vacance des sièges", "%", "lower_is_better", 25.0,
        "référence nationale 25,0 %", annotated=True, **size),
    "carte_effectifs": lambda size: charts.choropleth_map(
        _map_frame("departement", "84", unit="projets").assign(value=lambda f: (f["value"] // 4).where(
            f["territory_code"] != "15", 0.0)), "departement", "Projets en cours", "projets", "higher_is_better",
        5.0, "de 0 à 11 projets", region="84", annotated=True, **size),
    "carte_toute_masquee": lambda size: charts.choropleth_map(
        _map_frame("departement", "44", masked=territorial_codes("44")), "departement",
        "Nouveaux RU formés dans les 6 mois", "%", "higher_is_better", 70.0, "référence nationale 70,0 %",
        region="44", annotated=True, **size),
    "carte_une_region": lambda size: charts.choropleth_map(
        _map_frame("region").query("territory_code == '44'"), "region", "Nouveaux RU formés dans les 6 mois", "%",
        "higher_is_better", 70.0, "Référence nationale : 70,0 %", region="44", annotated=True,
        note="Valeurs départementales toutes masquées (moins de 11 personnes) : valeur de la région.",
        **size),
    "carte_etablissements": lambda size: charts.establishments_map(_establishments(), "67", **size),
}

# Where an image is made: the page's button (Streamlit imported: its template is plotly's default), the bilan and
# the CLI (plotly's own template), at their sizes, on demonstration data (a corner mark, a longer footer) or real.
EXPORT_SETTINGS = {"page": ("streamlit", exports.WIDTH, exports.HEIGHT, True), "bilan": ("plotly", 1100, 560, True),
                   "cli_reelles": ("plotly", exports.WIDTH, exports.HEIGHT, False)}

# Every visible text with its box, and the box of the clip paths around it (a plot area, a table's column): a
# text may also be cut by its frame inside the image.
TEXT_BOXES_JS = """() => {
  const root = document.querySelector('svg').getBoundingClientRect();
  const rel = b => ({left: b.left - root.left, top: b.top - root.top, right: b.right - root.left,
                     bottom: b.bottom - root.top});
  function clipBox(element) {
    let box = null;
    for (let a = element; a && a.tagName !== 'svg'; a = a.parentElement) {
      const ref = a.getAttribute('clip-path') || '';
      const id = ref.match(/#([^)"']+)/);
      const rect = id && document.getElementById(id[1]) && document.getElementById(id[1]).querySelector('rect');
      if (!rect) continue;
      const m = a.getScreenCTM(), x = +rect.getAttribute('x') || 0, y = +rect.getAttribute('y') || 0;
      const p = new DOMPoint(x, y).matrixTransform(m);
      const q = new DOMPoint(x + (+rect.getAttribute('width')), y + (+rect.getAttribute('height'))).matrixTransform(m);
      const b = {left: Math.min(p.x, q.x), top: Math.min(p.y, q.y), right: Math.max(p.x, q.x), bottom: Math.max(p.y, q.y)};
      box = box ? {left: Math.max(box.left, b.left), top: Math.max(box.top, b.top), right: Math.min(box.right, b.right),
                   bottom: Math.min(box.bottom, b.bottom)} : b;
    }
    return box && rel(box);
  }
  return [...document.querySelectorAll('svg text')].filter(t => {
    const style = getComputedStyle(t);
    const box = t.getBoundingClientRect();
    return t.textContent.trim() && style.display !== 'none' && style.visibility !== 'hidden'
      && Number(style.opacity) > 0 && box.width > 0 && box.height > 0;
  }).map(t => ({text: t.textContent, clip: clipBox(t), ...rel(t.getBoundingClientRect())}));
}"""


@pytest.fixture(scope="module")
def svg_page():
    """Chromium showing one SVG at a time: text boxes measured by the browser that drew them."""
    from playwright.sync_api import sync_playwright

    from tests.browser_support import CHROMIUM, FLAGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        yield page
        browser.close()


def text_boxes(page, svg: bytes) -> tuple[list[dict], tuple[float, float]]:
    page.set_content("<html><body style='margin:0'>" + svg.decode("utf-8") + "</body></html>")
    size = page.evaluate("() => { const r = document.querySelector('svg').getBoundingClientRect();"
                         " return [r.width, r.height]; }")
    return page.evaluate(TEXT_BOXES_JS), tuple(size)


def outside(boxes, size, tolerance=0.5) -> list[str]:
    width, height = size
    return [f"« {b['text']} » ({b['left']:.0f}, {b['top']:.0f}, {b['right']:.0f}, {b['bottom']:.0f})"
            for b in boxes if b["left"] < -tolerance or b["top"] < -tolerance or b["right"] > width + tolerance
            or b["bottom"] > height + tolerance]


def cut_by_frame(boxes, tolerance=1.0) -> list[str]:
    """Texts that run out of the clip path around them (a label cut by the plot area, a table row that does not
    fit)."""
    return [f"« {b['text']} »" for b in boxes if b["clip"] is not None and (
        b["left"] < b["clip"]["left"] - tolerance or b["right"] > b["clip"]["right"] + tolerance
        or b["top"] < b["clip"]["top"] - tolerance or b["bottom"] > b["clip"]["bottom"] + tolerance)]


def overlapping(boxes, slack=1.0) -> list[str]:
    """Pairs of texts drawn over each other (a text and its own lines, tspans of one element, are one box)."""
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if (min(a["right"], b["right"]) - max(a["left"], b["left"]) > slack
                    and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > slack):
                found.append(f"« {a['text']} » over « {b['text']} »")
    return found


@needs_chromium
@pytest.mark.browser
@pytest.mark.parametrize("where", list(EXPORT_SETTINGS))
@pytest.mark.parametrize("case", list(CHART_CASES))
def test_every_exported_chart_shows_every_text_whole(case, where, svg_page):
    template, width, height, demo = EXPORT_SETTINGS[where]
    import plotly.io as pio

    from observatoire.present.charts import theme

    if template == "streamlit":
        import streamlit  # noqa: F401 - its template becomes plotly's default, as in the page's process
    before = pio.templates.default
    pio.templates.default = template
    theme._figures.clear()
    try:
        figure = CHART_CASES[case](exports.map_size(width, height))  # a map is framed for its image
        caption = exports.Caption(figure.layout.title.text or case.replace("_", " ").capitalize(), "Grand Est",
                                  D(2026, 6, 15), extracted="2026-06-14", demo=demo)
        svg = exports.svg(figure, caption, width, height)
    finally:
        pio.templates.default = before
        theme._figures.clear()
    boxes, size = text_boxes(svg_page, svg)
    assert boxes, "no text measured"
    cut, framed, over = outside(boxes, size), cut_by_frame(boxes), overlapping(boxes)
    assert not cut, f"{case} ({where}, {size[0]:.0f}×{size[1]:.0f}) cut at the edge: " + "; ".join(cut)
    assert not framed, f"{case} ({where}) cut by its frame: " + "; ".join(framed)
    assert not over, f"{case} ({where}): labels drawn over each other: " + "; ".join(over)

"""PNG exports: file names, decoration, and the warm Chromium (rendering, size, restart after a hang)."""
import asyncio
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

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
    # The bold title is drawn in the top-left band, the footer at the bottom; nothing on the empty right of the
    # title band.
    assert _dark_share(image, (10, 5, 500, 50)) > 0.04
    assert _dark_share(image, (1300, 5, 1590, 50)) == 0
    assert _dark_share(image, (80, 860, 700, 898)) > 0.005
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

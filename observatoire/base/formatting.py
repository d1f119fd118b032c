"""French number and date formats: 1 400, 24,5 %, 21/01/2026."""
from __future__ import annotations

import datetime as dt
import html
import math
import re
from decimal import ROUND_HALF_UP, Decimal

from observatoire.base import settings
from observatoire.base.dates import is_missing

NBSP = "\u202f"  # narrow no-break space, the French thousands separator
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre"]
MINUS = "\u2212"  # the typographic minus: one sign for every negative number shown
MASKED = "masqué"
# Unit words of the catalogue, singular (French plural from 2: « 1 mandat », « −1 mandat », « 2 mandats »).
SINGULAR = {"sièges": "siège", "mandats": "mandat", "personnes": "personne", "associations": "association",
            "candidatures": "candidature", "jours": "jour"}


# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all also defeats
# Streamlit's directives (:red[...], :material/icon:). GFM autolinks (http://, www., e-mail addresses) survive
# escapes: an invisible word joiner (U+2060) breaks them.
_MARKDOWN_SPECIAL = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
_AUTOLINK = re.compile(r"(?i)(://|www\.|@)")
WORD_JOINER = "\u2060"


def md_escape(value) -> str:
    """A value from the data, safe inside Markdown (st.markdown, captions, metric labels, radio options...):
    shown as typed, never as a link, an image, emphasis or a directive; on one line."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = _AUTOLINK.sub(lambda m: m.group(0)[0] + WORD_JOINER + m.group(0)[1:], " ".join(str(value).split()))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def plotly_escape(value) -> str:
    """A value from the data, safe inside plotly text (hover templates, tick labels, titles, legends), which
    interprets <b>, <a href>, <br>...: shown as typed."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=False)


def half_up(value, decimals: int = 0) -> Decimal:
    """Rounded half away from zero, as people round by hand (72,5 -> 73): the one rounding of every figure."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(value, decimals: int = 0) -> str:
    """Rounded half away from zero, as people round by hand (72,5 -> 73), everywhere the same."""
    if is_missing(value):
        return "–"
    rounded = half_up(value, decimals)
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


def percent(value, decimals: int = 1) -> str:
    return "–" if is_missing(value) else f"{number(value, decimals)}{NBSP}%"


def _sign(value) -> str:
    return "+" if value > 0 else (MINUS if value < 0 else "")


def points(value, decimals: int = 1) -> str:
    if is_missing(value):
        return "–"
    rounded = half_up(value, decimals)  # the sign of what is shown: no « −0,0 pt »
    return f"{_sign(rounded)}{number(abs(rounded), decimals)}{NBSP}pt"


def _decimals(unit: str) -> int:
    """Decimals of a gap or change in this unit: one for points, two for a ratio, none for counts."""
    return 1 if unit == "%" else 2 if unit == "ratio" else 0


def unit_word(count, unit: str) -> str:
    """The unit agreed with the count: « 1 mandat », « 2 mandats » (French plural from 2)."""
    return SINGULAR.get(unit, unit) if not is_missing(count) and abs(count) < 2 else unit


def gap(value, unit: str) -> str:
    """The one French format of a signed gap: +5,0 pt for a rate, −1 mandat, +12 sièges, +0,25 for a ratio."""
    if is_missing(value):
        return "–"
    if unit == "%":
        return points(value)
    decimals = _decimals(unit)
    rounded = half_up(value, decimals)
    text = f"{_sign(rounded)}{number(abs(rounded), decimals)}"
    if unit in ("ratio", ""):
        return text
    if unit == "jours":
        return f"{text}{NBSP}j"
    return f"{text} {unit_word(rounded, unit)}"


def masked_reason(threshold: int | None = None) -> str:
    """Why a value reads « masqué »: the help text shown beside it."""
    if threshold is None:
        threshold = settings.mask_threshold()
    return (f"Valeur masquée : moins de {threshold} personnes derrière ce chiffre, ou un chiffre qui permettrait "
            f"d'en retrouver un par différence avec un total affiché (secret statistique : aucun effectif de moins "
            f"de {threshold} personnes n'est publié).")


def metric_delta(change, unit: str, direction: str, suffix: str = "") -> dict:
    """Keyword arguments of st.metric for a change: the French text (typographic minus) and the arrow and
    colour set explicitly, since st.metric reads the direction only from an ASCII '-'."""
    if is_missing(change):
        return {"delta": None}
    text = gap(change, unit) + (f" {suffix}" if suffix else "")
    shown = half_up(change, _decimals(unit))
    if shown == 0:
        return {"delta": text, "delta_color": "gray", "delta_arrow": "off"}
    favourable = shown < 0 if direction == "lower_is_better" else shown > 0
    color = "gray" if direction not in ("lower_is_better", "higher_is_better") else ("green" if favourable else "red")
    return {"delta": text, "delta_color": color, "delta_arrow": "up" if shown > 0 else "down"}


def date(value) -> str:
    if is_missing(value) or value == "":
        return "–"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def month(value: dt.date) -> str:
    return f"{MONTHS_FR[value.month - 1]} {value.year}"


def value_with_unit(value, unit: str, masked: bool = False) -> str:
    """An indicator value as shown to users: percentages with one decimal, counts as integers."""
    if masked:
        return MASKED
    if unit == "%":
        return percent(value)
    if unit == "ratio":
        return number(value, 2)
    if unit == "jours":
        return "–" if is_missing(value) else f"{number(value)}{NBSP}j"
    return number(value)


def small_base_note(numerator, denominator, threshold: int) -> str:
    """« petit effectif : 2 sur 9 » for a rate on fewer than `threshold` units (people, seats, projects); "" else."""
    if is_missing(denominator) or not 0 < denominator < threshold or is_missing(numerator):
        return ""
    return f"petit effectif : {number(numerator)} sur {number(denominator)}"


def fewer_than() -> str:
    """« moins de 11 personnes »: the configured secrecy threshold, never a hard-coded 11."""
    return f"moins de {settings.mask_threshold()} personnes"


def masked_count() -> str:
    """« < 11 »: a masked count of people, with the configured threshold."""
    return f"< {settings.mask_threshold()}"

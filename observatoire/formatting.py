"""French number and date formats: 1 400, 24,5 %, 21/01/2026."""
from __future__ import annotations

import datetime as dt
import html
import math
import re
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u202f"  # narrow no-break space, the French thousands separator
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre"]
MASKED = "< 11"


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


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value, decimals: int = 0) -> str:
    """Rounded half away from zero, as people round by hand (72,5 -> 73), everywhere the same."""
    if _missing(value):
        return "–"
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


def percent(value, decimals: int = 1) -> str:
    return "–" if _missing(value) else f"{number(value, decimals)}{NBSP}%"


def points(value, decimals: int = 1) -> str:
    if _missing(value):
        return "–"
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{number(abs(value), decimals)}{NBSP}pt"


def date(value) -> str:
    if _missing(value) or value == "":
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
        return "–" if _missing(value) else f"{number(value)}{NBSP}j"
    return number(value)

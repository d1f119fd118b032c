"""What a follow-up group reads about one indicator: order of the slides and the one-line message."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from observatoire.base import formatting, vocabulary
from observatoire.base.dates import is_missing
from observatoire.present import charts

NBSP = formatting.NBSP


def ordered(card: pd.DataFrame) -> pd.DataFrame:
    """Scorecard rows in the convention's order of priority (1 first), the widest territory first, then by label."""
    if card.empty:
        return card
    rank = {"national": 0, "region": 1, "departement": 2}
    return (card.assign(_level=card["level"].map(rank).fillna(3), _priority=card["priority"].fillna(99))
            .sort_values(["_priority", "label", "_level", "territory_code"], kind="stable")
            .drop(columns=["_level", "_priority"]).reset_index(drop=True))


def change(value, since, unit: str) -> str:
    """−6,8 points (rates) or +12 sièges (counts): the change from `since` to `value`."""
    delta = value - since
    sign = "+" if delta > 0 else ("−" if delta < 0 else "")
    if unit == "%":
        return f"{sign}{formatting.number(abs(delta), 1)}{NBSP}point{'s' if abs(delta) >= 2 else ''}"
    return f"{sign}{formatting.value_with_unit(abs(delta), unit)} {unit}".strip()


def message(row, as_of: dt.date) -> str:
    """« Taux de vacance : 18,2 % au 01/06/2026, −6,8 points depuis la signature »."""
    value = formatting.value_with_unit(row["value"], row["unit"], bool(row.get("masked", False)))
    text = f"{row['label']} : {value} au {formatting.date(as_of)}"
    status = row.get("status")
    if status is None or (isinstance(status, float) and pd.isna(status)):
        reason = row.get("status_reason") or vocabulary.NOT_SIGNED_YET
        return f"{text} ({reason})"
    baseline = row.get("baseline")
    if status == vocabulary.STATUS_NOT_EVALUABLE or is_missing(row.get("value")) or is_missing(baseline):
        reason = row.get("status_reason")
        return f"{text}, non évaluable" + (f" : {reason}" if isinstance(reason, str) and reason else "")
    how = row.get("baseline_how")
    if how == vocabulary.BASELINE_AT_SIGNATURE:
        since = "depuis la signature"
    elif how == vocabulary.BASELINE_CAMPAIGN:
        since = "depuis l'ouverture de la campagne"
    else:
        since = f"depuis le {formatting.date(row['baseline_date'])}"
    return f"{text}, {change(row['value'], baseline, row['unit'])} {since}"


# --- the wall screen: 1920×1080, no text under 24 px, high contrast ------------------------------------------

CHART_HEIGHT = 730
STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
.stMainBlockContainer, .block-container { max-width: 100% !important; padding: 0.6rem 2.2rem 0 2.2rem !important; }
html, body, .stApp { font-size: 26px !important; color: #000 !important; background: #fff !important; }
.stApp p, .stApp span, .stApp div, .stApp button { font-size: 26px; }
.stButton button { font-size: 28px !important; font-weight: 700; min-height: 64px; border: 3px solid #000;
                   color: #000; background: #fff; }
.stButton button:disabled { color: #595959; border-color: #8a8a8a; }
.stButton button p, .stButton button kbd { font-size: 28px !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * { font-size: 24px !important;
  color: #1a1a1a !important; opacity: 1 !important; }
.seance-banner { background: #000; color: #fff; font-size: 26px; padding: 10px 22px; border-radius: 6px;
                 display: flex; justify-content: space-between; gap: 24px; }
.seance-banner b { color: #ffd166; }
.seance-heading { display: flex; align-items: center; justify-content: space-between; gap: 20px; }
.seance-heading h1 { font-size: 38px !important; line-height: 1.15; margin: 0; padding: 0; color: #000;
                     white-space: nowrap; }
.seance-heading h1.long { font-size: 32px !important; }
.seance-place { font-size: 28px; color: #1a1a1a; margin: 2px 0 0 0; white-space: nowrap; }
.seance-table { border-collapse: collapse; width: 100%; margin-top: 10px; }
.seance-table th, .seance-table td { font-size: 24px; padding: 3px 12px; border-bottom: 2px solid #c8c8c8;
                                     text-align: left; white-space: nowrap; color: #000; }
.seance-table th { border-bottom: 3px solid #000; }
.seance-table td.num { text-align: right; }
.seance-table .seance-status { font-size: 24px; padding: 0 8px; border-width: 2px; line-height: 1.3; }
.seance-table td { padding-top: 2px; padding-bottom: 2px; line-height: 1.3; }
.seance-position { font-size: 26px; color: #1a1a1a; white-space: nowrap; }
.seance-status { font-size: 30px; font-weight: 700; padding: 6px 16px; border-radius: 6px; border: 3px solid #000;
                 white-space: nowrap; }
.seance-message { font-size: 32px !important; font-weight: 600; margin: 4px 0 0 0; color: #000; }
</style>"""
STATUS_BACKGROUND = charts.STATUS_TINTS  # the scorecard image's tints: one colour per status everywhere


def escape(text: str) -> str:
    import html

    return html.escape(str(text), quote=True)


def banner(title: str, territory: str, as_of: dt.date) -> str:
    return (f'<div class="seance-banner"><span>{escape(title)} · {escape(territory)}</span>'
            f'<span>Situation figée au <b>{formatting.date(as_of)}</b></span></div>')


LONG_TITLE = 44  # characters: beyond, the title is set smaller so that it never wraps at 1 920 px


def heading(row, index: int, count: int) -> str:
    """The slide's title on one line (smaller when long), its territory on the line below, the status and the
    slide's position on the right."""
    place = f"{vocabulary.LEVEL_NAMES.get(row['level'], '')} · {row['territory_name']}"
    status = row.get("status")
    label = str(row["label"])
    size = ' class="long"' if len(label) > LONG_TITLE else ""
    return (f'<div class="seance-heading"><div><h1{size}>'
            f'{escape(label)}</h1><p class="seance-place">{escape(place)}</p></div>'
            f'{status_badge(status)}<span class="seance-position">{index + 1} / {count}</span></div>')


def status_badge(status) -> str:
    background = STATUS_BACKGROUND.get(status, "#ffffff") if isinstance(status, str) else "#ffffff"
    return (f'<span class="seance-status" style="background:{background}">'
            f'{escape(vocabulary.status_label(status))}</span>')


def plain_heading(title: str, subtitle: str, index: int, count: int) -> str:
    """The overview's and the roadmap's slide title (no status of their own)."""
    return (f'<div class="seance-heading"><div><h1>{escape(title)}</h1><p class="seance-place">{escape(subtitle)}'
            f'</p></div><span class="seance-position">{index + 1} / {count}</span></div>')


def overview(card: pd.DataFrame) -> str:
    """Every indicator and territory of the convention on one screen: value, target and status."""
    rows = []
    for _, r in card.iterrows():
        place = f"{vocabulary.LEVEL_NAMES.get(r['level'], '')} · {r['territory_name']}"
        value = formatting.value_with_unit(r["value"], r["unit"], bool(r.get("masked", False)))
        target = "–" if is_missing(r.get("target")) else \
            f"{formatting.value_with_unit(r['target'], r['unit'])} ({int(r['target_year'])})"
        rows.append(f"<tr><td>{escape(r['label'])}</td><td>{escape(place)}</td><td class='num'>{escape(value)}"
                    f"</td><td class='num'>{escape(target)}</td><td>{status_badge(r.get('status'))}</td></tr>")
    return ('<table class="seance-table"><thead><tr><th>Indicateur</th><th>Territoire</th><th>Valeur</th>'
            '<th>Cible</th><th>Statut</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>")


def late_actions(actions: pd.DataFrame, as_of: dt.date) -> str:
    """The roadmap's actions late on the date (present.convention.actions_frame), or a sentence when none is."""
    late = actions[actions["overdue"]] if len(actions) and "overdue" in actions else actions.iloc[0:0]
    if late.empty:
        return f'<p class="seance-message">Aucune action de la feuille de route en retard au {formatting.date(as_of)}.</p>'
    rows = [f"<tr><td>{escape(r['action_id'])}</td><td>{escape(r['label'])}</td>"
            f"<td>{escape(r.get('owner') or '–')}</td><td>{formatting.date(r['due_date'])}</td>"
            f"<td class='num'>{escape(r['lateness'])}</td></tr>" for _, r in late.iterrows()]
    return ('<table class="seance-table"><thead><tr><th>N°</th><th>Action</th><th>Pilote</th><th>Échéance</th>'
            '<th>Retard</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>")

"""The mode séance renders HTML: text coming from imported files is escaped, never interpreted."""
import datetime as dt

import pandas as pd

from observatoire.present import seance

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_banner_escapes_title_and_territory():
    out = seance.banner(HOSTILE, "Grand Est & <b>", dt.date(2026, 6, 15))
    assert "<script>" not in out and "<img" not in out and out.count("<b>") == 1  # only the date
    assert "&lt;script&gt;" in out and "Grand Est &amp; &lt;b&gt;" in out


def test_late_actions_escape_label_and_owner():
    actions = pd.DataFrame({
        "action_id": ["A1"], "label": [HOSTILE], "owner": ["<i>ARS</i>"],
        "due_date": [dt.date(2026, 3, 31)], "lateness": ["76 jours"], "overdue": [True],
    })
    out = seance.late_actions(actions, dt.date(2026, 6, 15))
    assert "<script>" not in out and "<i>ARS</i>" not in out
    assert "&lt;i&gt;ARS&lt;/i&gt;" in out and "76 jours" in out


def test_escape_quotes_attributes():
    assert seance.escape('" onmouseover="x') == "&quot; onmouseover=&quot;x"

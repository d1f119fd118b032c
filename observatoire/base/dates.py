"""Calendar helpers shared by every layer: months, quarters, the default 12-month period, dates and blanks."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd


def as_date(value):
    """A Timestamp or datetime read from the store as a date; a date (or a blank) unchanged."""
    return value.date() if isinstance(value, dt.datetime) else value


def is_missing(value) -> bool:
    """None, NaN, NaT or pandas' NA (a nullable column's blank)."""
    return (value is None or value is pd.NA or value is pd.NaT
            or (isinstance(value, (float, np.floating)) and math.isnan(value)))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` months later (earlier when negative), the month's last day when it is shorter."""
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30,
            31, 30, 31][month - 1]
    return dt.date(year, month, min(day.day, last))


def month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """The 1st of every month from `start` (included when it is a 1st) to `end`."""
    day, out = dt.date(start.year, start.month, 1), []
    if day < start:
        day = add_months(day, 1)
    while day <= end:
        out.append(day)
        day = add_months(day, 1)
    return out


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """The 1st of each quarter from the month of `start` to `end`, and `end` itself last."""
    day = quarter_start(start)
    out = []
    while day <= end:
        if day >= dt.date(start.year, start.month, 1):
            out.append(day)
        day = add_months(day, 3)
    return out + ([end] if not out or out[-1] != end else [])


def default_period(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """Period indicators without an explicit period cover the 12 months ending on the as-of date."""
    return add_months(as_of, -12) + dt.timedelta(days=1), as_of


def last_quarter_end(day: dt.date) -> dt.date:
    """The last day of the last quarter completed on `day` (`day` itself when it ends a quarter)."""
    following = day + dt.timedelta(days=1)
    return day if following.day == 1 and following.month in (1, 4, 7, 10) else quarter_start(day) - dt.timedelta(days=1)

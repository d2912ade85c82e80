"""Dates as day numbers, R date formats and AdhereR's ``add(date, n, unit)``.

The engine works on *day numbers* (days since 1970-01-01, as ``float``) so that a difference
of two dates is a plain subtraction, exactly as in AdhereR, and fractional dates (possible
with fractional durations) keep their fraction. Dates are only turned back into calendar
dates at the very end, dropping the fraction as R does when it prints a ``Date``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

__all__ = [
    "EPOCH",
    "FIXED_UNIT_DAYS",
    "TIME_UNITS",
    "add_interval",
    "day_number",
    "from_day_number",
    "r_round",
    "r_to_strptime",
]

EPOCH = dt.date(1970, 1, 1)

#: Units accepted for follow-up / observation windows (calendar arithmetic for months/years).
TIME_UNITS = ("days", "weeks", "months", "years")

#: Fixed conversion factors AdhereR uses for maximum permissible gaps and sliding windows.
FIXED_UNIT_DAYS = {"days": 1.0, "weeks": 7.0, "months": 30.0, "years": 365.0}

# R's strptime codes that chrono (Polars) reads the same way.
_R_CODES = set("YymdbBhejHMSIpAaz%")
_CODE = re.compile(r"%(.)")


def r_round(value: float) -> float:
    """R's ``round(x)``: half to even (IEC 60559), like Python's :func:`round`."""
    return float(round(value))


def r_to_strptime(date_format: str) -> str:
    """Translate an R ``as.Date`` format (``"%m/%d/%Y"``) to a Polars/chrono format.

    Raises
    ------
    ValueError
        If the format uses a code this engine does not read.
    """
    for code in _CODE.findall(date_format):
        if code not in _R_CODES:
            raise ValueError(f"date format code %{code} is not supported")
    return date_format.replace("%h", "%b")


def day_number(value: dt.date) -> int:
    """Days since 1970-01-01 of a calendar date."""
    return (value - EPOCH).days


def from_day_number(days: float) -> dt.date:
    """The calendar date of a (possibly fractional) day number, fraction dropped (floor)."""
    return EPOCH + dt.timedelta(days=int(days // 1))


def _add_months(value: dt.date, months: int) -> dt.date:
    total = value.year * 12 + (value.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if value.day <= last:
        return dt.date(year, month, value.day)
    # AdhereR (lubridate's default `%m+%` is not used): roll to the 1st of the next month.
    return dt.date(year, month, last) + dt.timedelta(days=1)


def add_interval(day: float, amount: float, unit: str) -> float:
    """AdhereR's ``add(date, n, unit)`` on a day number.

    ``days``: ``date + round(n)``; ``weeks``: ``date + round(7 n)``; ``months`` / ``years``:
    calendar add of ``round(n)`` months / years, a non-existent target day rolling forward to
    the 1st of the next month (2021-01-31 + 1 month = 2021-03-01). ``round`` is half to even.
    """
    if unit == "days":
        return day + r_round(amount)
    if unit == "weeks":
        return day + r_round(7.0 * amount)
    if unit not in ("months", "years"):
        raise ValueError(f"unknown time unit {unit!r}")
    months = int(r_round(amount)) * (12 if unit == "years" else 1)
    whole = int(day // 1)
    fraction = day - whole
    return day_number(_add_months(from_day_number(whole), months)) + fraction

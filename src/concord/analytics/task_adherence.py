"""Task adherence: how much of an agreed home activity (an exercise, a homework) was done.

Named ``task_adherence`` rather than ``tasks`` because the project also has background tasks
(jobs run by the worker); this module is only about the patient's agreed activities.

A *prescription* is one activity with a frequency: ``times_per_day`` on ``days_per_week``
days of the week, in force from ``start`` to ``end`` (inclusive). A home-exercise programme is
one prescription per exercise; a homework is one prescription. A *completion* is one logged
occurrence of a prescription on a day.

Weeks are ISO weeks (Monday to Sunday). For prescription *p* and week *w* let

* ``d(p, w)`` = the number of days of week *w* that lie in the period **and** in *p*'s span,
* ``e(p, w) = times_per_day(p) * days_per_week(p) * d(p, w) / 7`` (expected occurrences,
  pro-rated for partial weeks, so a week the prescription covers for 3 of its 7 days expects
  3/7 of the weekly amount),
* ``c(p, w)`` = completions of *p* dated on those days,
* ``k(p, w) = min(c(p, w), e(p, w))`` (credited: extra occurrences in a week are not
  counted, neither for another week nor for another exercise).

Then, per week and over the whole period::

    adherence(w) = sum_p k(p, w) / sum_p e(p, w)
    adherence    = sum_w sum_p k(p, w) / sum_w sum_p e(p, w)

Both lie in [0, 1]. A week (or period) in which nothing is expected has adherence ``None``
(undefined, never 0). Values are not rounded. See ``docs/analytics/task-adherence.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from concord.analytics.errors import AnalyticsInputError

DAYS_PER_WEEK = 7
MAX_TIMES_PER_DAY = 24


@dataclass(frozen=True)
class Prescription:
    """One agreed activity and how often it is to be done.

    Parameters
    ----------
    key
        Identifies the activity; completions name it.
    times_per_day
        How many times on a day it is done (>= 1).
    days_per_week
        On how many days of a week (1-7).
    start, end
        First and last day it is in force (``end`` ``None``: still in force).
    """

    key: Hashable
    times_per_day: int
    days_per_week: int
    start: date
    end: date | None = None


@dataclass(frozen=True)
class WeekAdherence:
    """One ISO week (Monday ``week_start`` to Sunday) of the period."""

    week_start: date
    days_in_period: int  # days of this week inside the period (7 except at its ends)
    expected: float  # sum of e(p, w)
    completed: int  # completions counted in this week (before the cap)
    credited: float  # sum of min(c(p, w), e(p, w))
    adherence: float | None  # credited / expected; None when nothing was expected


@dataclass(frozen=True)
class TaskAdherence:
    """Adherence over ``period_start`` .. ``period_end`` (inclusive)."""

    period_start: date
    period_end: date
    weeks: tuple[WeekAdherence, ...]
    expected: float
    completed: int
    credited: float
    adherence: float | None
    outside_schedule: int  # completions in the period on days their prescription was not in force


def week_start_of(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def _check(prescriptions: Sequence[Prescription], period_start: date, period_end: date) -> None:
    if period_end < period_start:
        raise AnalyticsInputError(
            f"the period ends ({period_end}) before it starts ({period_start})",
            column="period_end",
        )
    seen: set[Hashable] = set()
    for row, p in enumerate(prescriptions, start=1):
        if p.key in seen:
            raise AnalyticsInputError(f"the key {p.key!r} appears twice", row=row, column="key")
        seen.add(p.key)
        if (
            isinstance(p.times_per_day, bool)
            or not isinstance(p.times_per_day, int)
            or not 1 <= p.times_per_day <= MAX_TIMES_PER_DAY
        ):
            raise AnalyticsInputError(
                f"must be a whole number from 1 to {MAX_TIMES_PER_DAY}, not {p.times_per_day!r}",
                row=row,
                column="times_per_day",
            )
        if (
            isinstance(p.days_per_week, bool)
            or not isinstance(p.days_per_week, int)
            or not 1 <= p.days_per_week <= DAYS_PER_WEEK
        ):
            raise AnalyticsInputError(
                f"must be a whole number from 1 to 7, not {p.days_per_week!r}",
                row=row,
                column="days_per_week",
            )
        if p.end is not None and p.end < p.start:
            raise AnalyticsInputError(
                f"ends ({p.end}) before it starts ({p.start})", row=row, column="end"
            )


def _overlap(first: date, last: date, start: date, end: date | None) -> tuple[date, date] | None:
    lo = max(first, start)
    hi = last if end is None else min(last, end)
    return (lo, hi) if lo <= hi else None


def task_adherence(
    prescriptions: Sequence[Prescription],
    completions: Iterable[tuple[Hashable, date]],
    period_start: date,
    period_end: date,
) -> TaskAdherence:
    """Weekly and overall adherence to agreed activities (formula in the module docstring).

    Parameters
    ----------
    prescriptions
        The activities, each with its frequency and span.
    completions
        ``(key, day)`` pairs, one per logged occurrence. Days outside the period are left
        out; days in the period on which the prescription was not in force are counted in
        ``outside_schedule`` and credit nothing.
    period_start, period_end
        The period measured, both days included.

    Returns
    -------
    TaskAdherence
        One :class:`WeekAdherence` per ISO week overlapping the period, in order, and the
        totals.

    Raises
    ------
    AnalyticsInputError
        A frequency out of range, a span ending before it starts, a key given twice, a period
        ending before it starts, or a completion naming no prescription (``row`` is the
        1-based position of the bad prescription or completion).

    Examples
    --------
    Three times a week from Wednesday 2026-03-04; period Monday 2026-03-02 to Sunday
    2026-03-15; done on 03-04 and 03-05 and four times in the second week. Week 1: 5 of its
    days are in force, expected 1 * 3 * 5 / 7 = 15/7; credited min(2, 15/7) = 2. Week 2:
    expected 3, credited min(4, 3) = 3. Overall (2 + 3) / (15/7 + 3) = 35/36.
    """
    prescriptions = list(prescriptions)
    _check(prescriptions, period_start, period_end)
    by_key = {p.key: p for p in prescriptions}
    counts: Counter[tuple[Hashable, date]] = Counter()
    outside = 0
    for row, (key, day) in enumerate(completions, start=1):
        if key not in by_key:
            raise AnalyticsInputError(
                f"names no prescription: {key!r}", row=row, column="completion key"
            )
        if not period_start <= day <= period_end:
            continue
        p = by_key[key]
        if day < p.start or (p.end is not None and day > p.end):
            outside += 1
            continue
        counts[(key, week_start_of(day))] += 1

    weeks: list[WeekAdherence] = []
    monday = week_start_of(period_start)
    while monday <= period_end:
        sunday = monday + timedelta(days=DAYS_PER_WEEK - 1)
        first, last = max(monday, period_start), min(sunday, period_end)
        expected = credited = 0.0
        completed = 0
        for p in prescriptions:
            span = _overlap(first, last, p.start, p.end)
            if span is None:
                continue
            days = (span[1] - span[0]).days + 1
            e = p.times_per_day * p.days_per_week * days / DAYS_PER_WEEK
            c = counts.get((p.key, monday), 0)
            expected += e
            completed += c
            credited += min(float(c), e)
        weeks.append(
            WeekAdherence(
                week_start=monday,
                days_in_period=(last - first).days + 1,
                expected=expected,
                completed=completed,
                credited=credited,
                adherence=credited / expected if expected > 0 else None,
            )
        )
        monday += timedelta(days=DAYS_PER_WEEK)
    total_expected = sum(w.expected for w in weeks)
    total_credited = sum(w.credited for w in weeks)
    return TaskAdherence(
        period_start=period_start,
        period_end=period_end,
        weeks=tuple(weeks),
        expected=total_expected,
        completed=sum(w.completed for w in weeks),
        credited=total_credited,
        adherence=total_credited / total_expected if total_expected > 0 else None,
        outside_schedule=outside,
    )

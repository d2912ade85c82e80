"""Dose-level adherence from dose confirmations or electronic monitoring events.

Implementation metrics of the ABC taxonomy (Vrijens et al. 2012), for one patient and one
regimen of ``k`` doses a day at fixed local times with a dosing window of ``± w`` minutes:

* **taking adherence** = scheduled doses taken / scheduled doses prescribed;
* **timing adherence** = scheduled doses taken inside their window / scheduled doses;
* **correct-dosing days** = days with exactly ``k`` doses / days evaluated;
* **drug holidays** = runs of at least ``N`` consecutive days without any dose (default 3).

Matching. Every confirmation is attributed to the *nearest* scheduled dose (a tie goes to the
earlier one); schedules are laid out from the day before the period to the day after it so a
late dose of the previous evening is not mistaken for this morning's. A scheduled dose counts
as taken if at least one confirmation is attributed to it (so it is matched at most once;
further confirmations are *extra doses*), and as on time if the nearest of them lies within
``[scheduled - w, scheduled + w]``.

Clock and time zone are arguments: scheduled times are wall-clock times in ``tz`` (a dose at
08:00 stays at 08:00 across daylight-saving changes); timestamps without a zone are read as
wall-clock times in ``tz``. With ``now``, only scheduled doses whose window has closed
(``scheduled + w <= now``) and days that have ended are evaluated, so a running period is not
penalised for doses not yet due.

References
----------
Vrijens B, De Geest S, Hughes DA, et al. A new taxonomy for describing and defining adherence
to medications. *Br J Clin Pharmacol.* 2012;73(5):691-705.

Urquhart J. The electronic medication event monitor: lessons for pharmacotherapy.
*Clin Pharmacokinet.* 1997;32(5):345-356 (taking, timing, correct-dosing and drug holidays).

There is no equivalent in AdhereR, which works on refill and prescription events.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from concord.analytics.adherence.errors import AdherenceInputError

__all__ = [
    "DoseTimingResult",
    "DosingRegimen",
    "DrugHoliday",
    "ScheduledDose",
    "dose_timing_adherence",
    "parse_dose_times",
]


@dataclass(frozen=True)
class DosingRegimen:
    """Doses a day at fixed local times, with a dosing window of ± ``window_minutes``.

    ``times`` are sorted and must be distinct; ``len(times)`` is the number of doses a day.
    """

    times: tuple[time, ...]
    window_minutes: float = 60.0

    def __post_init__(self) -> None:
        if not self.times:
            raise AdherenceInputError("a regimen needs at least one dose time", column="times")
        if any(t.tzinfo is not None for t in self.times):
            raise AdherenceInputError(
                "dose times are wall-clock times; give the zone as tz", column="times"
            )
        ordered = tuple(sorted(self.times))
        if len(set(ordered)) != len(ordered):
            raise AdherenceInputError("dose times must be distinct", column="times")
        if not self.window_minutes >= 0:
            raise AdherenceInputError("the dosing window must be >= 0", column="window_minutes")
        object.__setattr__(self, "times", ordered)

    @property
    def doses_per_day(self) -> int:
        return len(self.times)


@dataclass(frozen=True)
class ScheduledDose:
    """One evaluated scheduled dose; ``taken_at`` is the nearest attributed confirmation."""

    scheduled_at: datetime
    taken_at: datetime | None
    on_time: bool


@dataclass(frozen=True)
class DrugHoliday:
    """A run of consecutive local days without any dose (``first_day``..``last_day``)."""

    first_day: date
    last_day: date
    days: int


@dataclass(frozen=True)
class DoseTimingResult:
    """Taking, timing and correct-dosing adherence and drug holidays of one patient.

    Ratios are ``None`` when their denominator is 0. Nothing is rounded.
    """

    period_start: date
    period_end: date
    doses_prescribed: int
    doses_taken: int
    doses_on_time: int
    extra_doses: int
    taking_adherence: float | None
    timing_adherence: float | None
    days_evaluated: int
    correct_dosing_days: int
    correct_dosing: float | None
    drug_holidays: tuple[DrugHoliday, ...]
    doses: tuple[ScheduledDose, ...] = field(repr=False)


def dose_timing_adherence(
    taken_at: Sequence[datetime],
    regimen: DosingRegimen,
    *,
    period_start: date,
    period_end: date,
    tz: tzinfo | str,
    now: datetime | None = None,
    holiday_min_days: int = 3,
) -> DoseTimingResult:
    """Taking and timing adherence of dose confirmations against a regimen.

    ``taking = taken / prescribed``, ``timing = on_time / prescribed``,
    ``correct_dosing = days with exactly k doses / days evaluated``, where ``prescribed`` is
    the number of scheduled doses in ``[period_start, period_end]`` (local dates) whose
    window has closed at ``now``. See the module docstring for the matching rule.

    Parameters
    ----------
    taken_at : sequence of datetime
        Confirmation or monitor-opening times of one patient, in any order. Naive values
        are wall-clock times in ``tz``.
    regimen : DosingRegimen
    period_start, period_end : date
        First and last local day of the period (inclusive).
    tz : tzinfo or str
        The patient's time zone (an IANA name such as ``"Europe/Berlin"``).
    now : datetime, optional
        The clock (timezone-aware). Without it the whole period is evaluated.
    holiday_min_days : int
        Minimum run of days without a dose that counts as a drug holiday.

    Returns
    -------
    DoseTimingResult

    Raises
    ------
    AdherenceInputError
        Missing or non-datetime confirmation (names the 1-based position as row, column
        ``"taken_at"``), unknown time zone, naive ``now``, period end before start.

    Examples
    --------
    >>> from datetime import date, datetime, time
    >>> regimen = DosingRegimen((time(8), time(20)), window_minutes=60)
    >>> result = dose_timing_adherence(
    ...     [datetime(2024, 1, 1, 8, 5), datetime(2024, 1, 1, 22, 0)], regimen,
    ...     period_start=date(2024, 1, 1), period_end=date(2024, 1, 1), tz="UTC")
    >>> result.taking_adherence, result.timing_adherence
    (1.0, 0.5)
    """
    zone = _zone(tz)
    if period_end < period_start:
        raise AdherenceInputError("period_end is before period_start", column="period_end")
    if holiday_min_days < 1:
        raise AdherenceInputError("holiday_min_days must be >= 1", column="holiday_min_days")
    if now is not None and now.utcoffset() is None:
        raise AdherenceInputError("now must be timezone-aware", column="now")
    window = timedelta(minutes=regimen.window_minutes)
    confirmations = sorted(_as_utc(taken_at, zone))
    if now is not None:
        confirmations = [c for c in confirmations if c <= now]

    # Scheduled doses from the day before to the day after the period, in UTC.
    slots = [
        datetime.combine(period_start + timedelta(days=offset), clock, tzinfo=zone).astimezone(UTC)
        for offset in range(-1, (period_end - period_start).days + 2)
        for clock in regimen.times
    ]
    attributed: list[list[datetime]] = [[] for _ in slots]
    for moment in confirmations:
        attributed[_nearest(slots, moment)].append(moment)

    doses: list[ScheduledDose] = []
    extra = 0
    for slot, near in zip(slots, attributed, strict=True):
        local_day = slot.astimezone(zone).date()
        if not period_start <= local_day <= period_end:
            continue
        if now is not None and slot + window > now:
            continue
        best = min(near, key=lambda m: (abs(m - slot), m), default=None)
        on_time = best is not None and abs(best - slot) <= window
        doses.append(ScheduledDose(slot.astimezone(zone), _local(best, zone), on_time))
        extra += max(0, len(near) - 1)

    days = _complete_days(period_start, period_end, zone, now)
    per_day = Counter(c.astimezone(zone).date() for c in confirmations)
    correct = sum(1 for d in days if per_day[d] == regimen.doses_per_day)
    taken = sum(1 for d in doses if d.taken_at is not None)
    on_time_count = sum(1 for d in doses if d.on_time)
    return DoseTimingResult(
        period_start=period_start,
        period_end=period_end,
        doses_prescribed=len(doses),
        doses_taken=taken,
        doses_on_time=on_time_count,
        extra_doses=extra,
        taking_adherence=_ratio(taken, len(doses)),
        timing_adherence=_ratio(on_time_count, len(doses)),
        days_evaluated=len(days),
        correct_dosing_days=correct,
        correct_dosing=_ratio(correct, len(days)),
        drug_holidays=tuple(_holidays(days, per_day, holiday_min_days)),
        doses=tuple(doses),
    )


def parse_dose_times(values: Iterable[str | datetime | None], *, column: str) -> list[datetime]:
    """Parse ISO 8601 timestamps from a monitor export; bad values name their 1-based rows.

    Parameters
    ----------
    values : iterable of str or datetime
        One value per exported event (e.g. ``frame[column].to_list()``).
    column : str
        Column name, for the error message.

    Raises
    ------
    AdherenceInputError
        Missing or unparseable timestamps, with every bad row listed.
    """
    parsed: list[datetime] = []
    bad: list[int] = []
    for row, value in enumerate(values, start=1):
        if isinstance(value, datetime):
            parsed.append(value)
            continue
        try:
            parsed.append(datetime.fromisoformat(str(value).strip()) if value else _missing())
        except ValueError:
            bad.append(row)
    if bad:
        raise AdherenceInputError(
            f"column {column!r}: missing or unparseable timestamp", column=column, rows=bad
        )
    return parsed


def _missing() -> datetime:
    raise ValueError("missing")


def _zone(tz: tzinfo | str) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AdherenceInputError(f"unknown time zone {tz!r}", column="tz") from exc


def _as_utc(values: Sequence[datetime], zone: tzinfo) -> list[datetime]:
    out: list[datetime] = []
    bad: list[int] = []
    for row, value in enumerate(values, start=1):
        if not isinstance(value, datetime):
            bad.append(row)
            continue
        if value.utcoffset() is None:
            value = value.replace(tzinfo=zone)
        out.append(value.astimezone(UTC))
    if bad:
        raise AdherenceInputError(
            "taken_at: missing or not a datetime", column="taken_at", rows=bad
        )
    return out


def _nearest(slots: list[datetime], moment: datetime) -> int:
    """Index of the slot nearest to ``moment``; a tie goes to the earlier slot."""
    right = bisect.bisect_left(slots, moment)
    if right == 0:
        return 0
    if right == len(slots):
        return len(slots) - 1
    left = right - 1
    return left if moment - slots[left] <= slots[right] - moment else right


def _local(moment: datetime | None, zone: tzinfo) -> datetime | None:
    return None if moment is None else moment.astimezone(zone)


def _complete_days(start: date, end: date, zone: tzinfo, now: datetime | None) -> list[date]:
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    if now is None:
        return days
    return [d for d in days if datetime.combine(d + timedelta(days=1), time(), tzinfo=zone) <= now]


def _holidays(days: list[date], per_day: Counter[date], minimum: int) -> list[DrugHoliday]:
    holidays: list[DrugHoliday] = []
    run: list[date] = []
    for d in [*days, None]:
        if d is not None and per_day[d] == 0 and (not run or d - run[-1] == timedelta(days=1)):
            run.append(d)
            continue
        if len(run) >= minimum:
            holidays.append(DrugHoliday(run[0], run[-1], len(run)))
        run = [d] if d is not None and per_day[d] == 0 else []
    return holidays


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None

"""Taking, timing and correct-dosing adherence and drug holidays, hand-computed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from concord.analytics.adherence.dose_timing import (
    DosingRegimen,
    DrugHoliday,
    dose_timing_adherence,
    parse_dose_times,
)
from concord.analytics.adherence.errors import AdherenceInputError

BERLIN = ZoneInfo("Europe/Berlin")
TWICE_DAILY = DosingRegimen((time(20), time(8)), window_minutes=60)


def local(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BERLIN)


def test_twice_daily_taking_timing_and_correct_dosing() -> None:
    # Period 4-6 March 2024, 08:00 and 20:00, window ±60 min -> 3 days x 2 = 6 doses.
    #   4 Mar 08:10 -> 08:00 dose, 10 min late: taken, on time
    #   4 Mar 21:30 -> 20:00 dose, 90 min late: taken, late
    #   5 Mar 07:05 -> 08:00 dose, 55 min early: taken, on time
    #   5 Mar 07:30 -> nearest is also 08:00 on 5 Mar (30 min early, the nearer of the two,
    #                  so it is the one recorded): an extra dose, not a second match
    #   5 Mar 20:00 and both doses of 6 Mar: missed
    # taking = 3/6 = 0.5; timing = 2/6 = 0.333...; extra doses 1
    # per day: 4 Mar 2 doses (correct), 5 Mar 2 (correct, although both in the morning),
    # 6 Mar 0 -> correct dosing 2/3
    taken = [local(2024, 3, 5, 7, 30), local(2024, 3, 4, 8, 10), local(2024, 3, 4, 21, 30),
             local(2024, 3, 5, 7, 5)]  # fmt: skip
    result = dose_timing_adherence(
        taken, TWICE_DAILY, period_start=date(2024, 3, 4), period_end=date(2024, 3, 6), tz=BERLIN
    )
    assert result.doses_prescribed == 6
    assert result.doses_taken == 3
    assert result.doses_on_time == 2
    assert result.extra_doses == 1
    assert result.taking_adherence == 0.5
    assert result.timing_adherence == pytest.approx(2 / 6, rel=1e-15)
    assert result.days_evaluated == 3
    assert result.correct_dosing_days == 2
    assert result.correct_dosing == pytest.approx(2 / 3, rel=1e-15)
    assert result.drug_holidays == ()
    assert [(d.scheduled_at.hour, d.on_time) for d in result.doses] == [
        (8, True), (20, False), (8, True), (20, False), (8, False), (20, False)
    ]  # fmt: skip
    assert result.doses[2].taken_at == local(2024, 3, 5, 7, 30)  # 30 min beats 55 min
    assert result.doses[3].taken_at is None


def test_window_edges_are_inclusive() -> None:
    # Exactly 60 min late and exactly 60 min early are inside a ±60 min window;
    # 61 min is outside. Doses 08:00 and 20:00 on 1 Jan: 09:00 (on time), 18:59 (late: 61 min).
    regimen = DosingRegimen((time(8), time(20)), window_minutes=60)
    result = dose_timing_adherence(
        [local(2024, 1, 1, 9), local(2024, 1, 1, 18, 59)],
        regimen,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 1, 1),
        tz=BERLIN,
    )
    assert [d.on_time for d in result.doses] == [True, False]
    assert result.taking_adherence == 1.0
    assert result.timing_adherence == 0.5


def test_tie_between_two_doses_goes_to_the_earlier() -> None:
    # 14:00 is 6 h from both 08:00 and 20:00 -> attributed to 08:00 (late); 20:00 missed.
    result = dose_timing_adherence(
        [local(2024, 1, 1, 14)],
        TWICE_DAILY,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 1, 1),
        tz=BERLIN,
    )
    assert [d.taken_at is not None for d in result.doses] == [True, False]
    assert result.doses_on_time == 0


def test_evening_dose_before_the_period_is_not_counted_for_the_first_morning() -> None:
    # Once daily 08:00. 31 Dec 20:00 is 12 h after the 31 Dec dose and 12 h before 1 Jan
    # 08:00: a tie -> 31 Dec, outside the period. 1 Jan missed, 2 Jan taken -> taking 1/2.
    once = DosingRegimen((time(8),), window_minutes=30)
    result = dose_timing_adherence(
        [local(2023, 12, 31, 20), local(2024, 1, 2, 8)],
        once,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 1, 2),
        tz=BERLIN,
    )
    assert result.doses_prescribed == 2
    assert result.taking_adherence == 0.5
    # The 31 Dec confirmation is outside the evaluated days: 1 Jan has 0 doses, 2 Jan 1.
    assert result.correct_dosing_days == 1
    # One minute later (20:01 is 11 h 59 min before 1 Jan 08:00) it is the 1 Jan dose, late.
    later = dose_timing_adherence(
        [local(2023, 12, 31, 20, 1), local(2024, 1, 2, 8)],
        once,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 1, 2),
        tz=BERLIN,
    )
    assert (later.taking_adherence, later.timing_adherence) == (1.0, 0.5)


def test_dosing_times_are_local_wall_clock_across_daylight_saving() -> None:
    # Berlin switches to summer time (UTC+2) on 31 Mar 2024. The 08:00 dose is 07:00 UTC on
    # 30 Mar and 06:00 UTC on 31 Mar. Confirmations come in UTC: 07:20Z on 30 Mar and 06:20Z
    # on 31 Mar are both 08:20 local -> 20 min late, inside ±30 min. (Reading 31 Mar with the
    # winter offset would put it at 07:20, 40 min early, outside the window.)
    once = DosingRegimen((time(8),), window_minutes=30)
    result = dose_timing_adherence(
        [datetime(2024, 3, 30, 7, 20, tzinfo=UTC), datetime(2024, 3, 31, 6, 20, tzinfo=UTC)],
        once,
        period_start=date(2024, 3, 30),
        period_end=date(2024, 3, 31),
        tz="Europe/Berlin",
    )
    assert [d.scheduled_at.utcoffset() for d in result.doses] == [
        timedelta(hours=1),
        timedelta(hours=2),
    ]
    assert result.timing_adherence == 1.0


def test_naive_timestamps_are_read_in_the_patient_zone() -> None:
    # Naive 08:20 read in Berlin (UTC+1 in January) is on time; the same instant given as
    # 08:20 UTC is 09:20 Berlin, 80 min late.
    once = DosingRegimen((time(8),), window_minutes=30)
    args: dict[str, Any] = {
        "period_start": date(2024, 1, 1),
        "period_end": date(2024, 1, 1),
        "tz": BERLIN,
    }
    naive = dose_timing_adherence([datetime(2024, 1, 1, 8, 20)], once, **args)
    aware = dose_timing_adherence(
        [datetime(2024, 1, 1, 8, 20, tzinfo=UTC)],
        once,
        **args,
    )
    assert naive.timing_adherence == 1.0
    assert aware.timing_adherence == 0.0
    assert aware.taking_adherence == 1.0


def test_now_limits_the_evaluation_to_doses_already_due() -> None:
    # Period 1-10 Jan, now = 3 Jan 12:00. Windows closed: 1 Jan 08/20, 2 Jan 08/20 and
    # 3 Jan 08:00 (closes 09:00) -> 5 doses; 3 Jan 20:00 not yet due. All 5 taken on time
    # -> 5/5. Complete days: 1 and 2 Jan (3 Jan not over) -> 2 of 2 correct.
    taken = [local(2024, 1, d, h) for d in (1, 2) for h in (8, 20)] + [local(2024, 1, 3, 8)]
    result = dose_timing_adherence(
        taken,
        TWICE_DAILY,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 1, 10),
        tz=BERLIN,
        now=local(2024, 1, 3, 12),
    )
    assert result.doses_prescribed == 5
    assert result.taking_adherence == 1.0
    assert result.timing_adherence == 1.0
    assert result.days_evaluated == 2
    assert result.correct_dosing == 1.0


def test_confirmations_after_now_are_ignored() -> None:
    result = dose_timing_adherence(
        [local(2024, 1, 1, 8), local(2024, 1, 1, 20)],
        TWICE_DAILY,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 1, 1),
        tz=BERLIN,
        now=local(2024, 1, 1, 12),
    )
    # Only the 08:00 dose is due and taken; the 20:00 confirmation lies in the future.
    assert (result.doses_prescribed, result.doses_taken) == (1, 1)


def test_a_dose_counts_once_its_window_has_closed() -> None:
    # 08:00 dose, window ±60 min -> closes 09:00. At 08:30 (taken at 08:10) it is not yet
    # counted; at 09:00 it is: 1 of 1, on time.
    args: dict[str, Any] = {
        "period_start": date(2024, 1, 1),
        "period_end": date(2024, 1, 1),
        "tz": BERLIN,
    }
    taken = [local(2024, 1, 1, 8, 10)]
    early = dose_timing_adherence(taken, TWICE_DAILY, now=local(2024, 1, 1, 8, 30), **args)
    assert (early.doses_prescribed, early.taking_adherence) == (0, None)
    closed = dose_timing_adherence(taken, TWICE_DAILY, now=local(2024, 1, 1, 9), **args)
    assert (closed.doses_prescribed, closed.timing_adherence) == (1, 1.0)


def test_nothing_due_gives_no_ratios() -> None:
    result = dose_timing_adherence(
        [],
        TWICE_DAILY,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 1, 5),
        tz=BERLIN,
        now=local(2023, 12, 31, 23),
    )
    assert result.doses_prescribed == 0
    assert result.taking_adherence is None
    assert result.timing_adherence is None
    assert result.correct_dosing is None


def test_drug_holidays_of_three_or_more_days() -> None:
    # Once daily 09:00, 1-10 Jan, doses on 1, 2, 6 and 10 Jan.
    # Days without a dose: 3-5 Jan (3 days) and 7-9 Jan (3 days) -> 2 holidays with N = 3,
    # none with N = 4. taking = 4/10; correct-dosing days 4/10.
    once = DosingRegimen((time(9),), window_minutes=60)
    taken = [local(2024, 1, d, 9) for d in (1, 2, 6, 10)]
    args: dict[str, Any] = {
        "period_start": date(2024, 1, 1),
        "period_end": date(2024, 1, 10),
        "tz": BERLIN,
    }
    result = dose_timing_adherence(taken, once, **args)
    assert result.drug_holidays == (
        DrugHoliday(date(2024, 1, 3), date(2024, 1, 5), 3),
        DrugHoliday(date(2024, 1, 7), date(2024, 1, 9), 3),
    )
    assert result.taking_adherence == 0.4
    assert result.correct_dosing == 0.4
    longer = dose_timing_adherence(taken, once, holiday_min_days=4, **args)
    assert longer.drug_holidays == ()


def test_holiday_running_to_the_period_end() -> None:
    # Doses on 1 and 2 Jan only, period 1-6 Jan -> holiday 3-6 Jan (4 days).
    once = DosingRegimen((time(9),))
    result = dose_timing_adherence(
        [local(2024, 1, 1, 9), local(2024, 1, 2, 9)],
        once,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 1, 6),
        tz=BERLIN,
    )
    assert result.drug_holidays == (DrugHoliday(date(2024, 1, 3), date(2024, 1, 6), 4),)


def test_regimen_sorts_times_and_validates() -> None:
    assert TWICE_DAILY.times == (time(8), time(20))
    assert TWICE_DAILY.doses_per_day == 2
    with pytest.raises(AdherenceInputError) as info:
        DosingRegimen(())
    assert info.value.column == "times"
    with pytest.raises(AdherenceInputError):
        DosingRegimen((time(8), time(8)))
    with pytest.raises(AdherenceInputError) as info:
        DosingRegimen((time(8),), window_minutes=-1)
    assert info.value.column == "window_minutes"


def test_bad_confirmation_names_its_position() -> None:
    with pytest.raises(AdherenceInputError) as info:
        dose_timing_adherence(
            [local(2024, 1, 1, 8), None, local(2024, 1, 1, 20)],  # type: ignore[list-item]
            TWICE_DAILY,
            period_start=date(2024, 1, 1),
            period_end=date(2024, 1, 1),
            tz=BERLIN,
        )
    assert (info.value.column, info.value.rows) == ("taken_at", (2,))


def test_unknown_zone_and_naive_clock_are_refused() -> None:
    args: dict[str, Any] = {"period_start": date(2024, 1, 1), "period_end": date(2024, 1, 1)}
    with pytest.raises(AdherenceInputError) as info:
        dose_timing_adherence([], TWICE_DAILY, tz="Mars/Olympus", **args)
    assert info.value.column == "tz"
    with pytest.raises(AdherenceInputError) as info:
        dose_timing_adherence(
            [],
            TWICE_DAILY,
            tz=BERLIN,
            now=datetime(2024, 1, 2),
            **args,
        )
    assert info.value.column == "now"
    with pytest.raises(AdherenceInputError) as info:
        dose_timing_adherence(
            [], TWICE_DAILY, tz=BERLIN, period_start=date(2024, 1, 2), period_end=date(2024, 1, 1)
        )
    assert info.value.column == "period_end"


def test_parse_dose_times_names_bad_rows() -> None:
    values = ["2024-01-01T08:00:00+01:00", "yesterday", "", "2024-01-02 08:00"]
    with pytest.raises(AdherenceInputError) as info:
        parse_dose_times(values, column="opened_at")
    assert (info.value.column, info.value.rows) == ("opened_at", (2, 3))
    parsed = parse_dose_times([values[0], values[3]], column="opened_at")
    assert parsed == [local(2024, 1, 1, 8), datetime(2024, 1, 2, 8)]

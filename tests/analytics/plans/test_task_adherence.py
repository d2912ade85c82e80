"""Task adherence (concord.analytics.task_adherence): hand-computed cases, arithmetic in the
comments. Weeks are ISO weeks; 2026-03-02 and 2026-03-09 are Mondays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from concord.analytics.errors import AnalyticsInputError
from concord.analytics.task_adherence import Prescription, task_adherence, week_start_of

MON = date(2026, 3, 2)


def day(offset: int) -> date:
    return MON + timedelta(days=offset)


def test_partial_first_week_is_pro_rated_and_extra_occurrences_are_capped() -> None:
    # 3 days a week from Wednesday (offset 2). Week 1: in force Wed-Sun = 5 days,
    # expected 1 * 3 * 5/7 = 15/7; done twice -> credited min(2, 15/7) = 2, 2 / (15/7) = 14/15.
    # Week 2: expected 3, done 4 times -> credited 3, adherence 1.
    # Overall (2 + 3) / (15/7 + 3) = 5 / (36/7) = 35/36.
    homework = Prescription("hw", times_per_day=1, days_per_week=3, start=day(2))
    done = [("hw", day(2)), ("hw", day(3)), *[("hw", day(7 + i)) for i in range(4)]]
    result = task_adherence([homework], done, day(0), day(13))
    first, second = result.weeks
    assert (first.week_start, first.days_in_period) == (day(0), 7)
    assert first.expected == pytest.approx(15 / 7)
    assert (first.completed, first.credited) == (2, 2.0)
    assert first.adherence == pytest.approx(14 / 15)
    assert (second.expected, second.completed, second.credited, second.adherence) == (
        3.0,
        4,
        3.0,
        1.0,
    )
    assert result.expected == pytest.approx(36 / 7)
    assert (result.completed, result.credited) == (6, 5.0)
    assert result.adherence == pytest.approx(35 / 36)
    assert result.outside_schedule == 0


def test_one_exercise_does_not_make_up_for_another() -> None:
    # Exercise A twice a day every day (expected 14 a week), B once a day 3 days (3).
    # Done: A 10 times, B 5 times. Credited min(10, 14) + min(5, 3) = 13 of 17.
    # (Without the per-exercise cap it would be 15/17.)
    a = Prescription("a", times_per_day=2, days_per_week=7, start=day(0))
    b = Prescription("b", times_per_day=1, days_per_week=3, start=day(0))
    done = [("a", day(i % 7)) for i in range(10)] + [("b", day(i)) for i in range(5)]
    result = task_adherence([a, b], done, day(0), day(6))
    [week] = result.weeks
    assert (week.expected, week.completed, week.credited) == (17.0, 15, 13.0)
    assert result.adherence == pytest.approx(13 / 17)


def test_a_week_cut_by_the_end_of_the_period_is_pro_rated() -> None:
    # Period Monday to Wednesday (3 days, "this week so far").
    # Daily exercise: expected 1 * 7 * 3/7 = 3, done twice: 2/3.
    # 3 days a week: expected 3 * 3/7 = 9/7, done once: 1 / (9/7) = 7/9.
    daily = Prescription("d", times_per_day=1, days_per_week=7, start=day(-30))
    three = Prescription("t", times_per_day=1, days_per_week=3, start=day(-30))
    result = task_adherence([daily], [("d", day(0)), ("d", day(1))], day(0), day(2))
    [week] = result.weeks
    assert (week.days_in_period, week.expected, week.adherence) == (3, 3.0, pytest.approx(2 / 3))
    result = task_adherence([three], [("t", day(1))], day(0), day(2))
    assert result.weeks[0].expected == pytest.approx(9 / 7)
    assert result.adherence == pytest.approx(7 / 9)


def test_a_period_starting_mid_week_starts_a_partial_week() -> None:
    # Period from Saturday (offset 5) to the next Sunday: week 1 has 2 days in the period,
    # expected 1 * 7 * 2/7 = 2; done on Friday (offset 4: before the period, not counted) and
    # Saturday: credited 1 of 2. Week 2 expected 7, done 7: overall (1 + 7) / (2 + 7) = 8/9.
    daily = Prescription("d", times_per_day=1, days_per_week=7, start=day(-10))
    done = [("d", day(4)), ("d", day(5))] + [("d", day(7 + i)) for i in range(7)]
    result = task_adherence([daily], done, day(5), day(13))
    assert [(w.week_start, w.days_in_period, w.expected, w.credited) for w in result.weeks] == [
        (day(0), 2, 2.0, 1.0),
        (day(7), 7, 7.0, 7.0),
    ]
    assert result.adherence == pytest.approx(8 / 9)


def test_revised_programme_ended_prescriptions_and_off_schedule_completions() -> None:
    # Version 1 (key v1) daily until Tuesday of week 2 (offset 8); version 2 (v2) three days a
    # week from Wednesday (offset 9).
    # Week 1: v1 expected 7, done 7 -> 7.
    # Week 2: v1 in force Mon-Tue: expected 2, done 1 (Mon) -> 1; a v1 completion on Thursday
    #   (offset 10) is off schedule: not credited, counted in outside_schedule.
    #   v2 in force Wed-Sun: expected 3 * 5/7 = 15/7, done 3 times -> min(3, 15/7) = 15/7.
    #   Week 2 adherence (1 + 15/7) / (2 + 15/7) = (22/7) / (29/7) = 22/29.
    # Overall (7 + 22/7) / (7 + 29/7) = (71/7) / (78/7) = 71/78.
    v1 = Prescription("v1", times_per_day=1, days_per_week=7, start=day(0), end=day(8))
    v2 = Prescription("v2", times_per_day=1, days_per_week=3, start=day(9))
    done = (
        [("v1", day(i)) for i in range(7)]
        + [("v1", day(7)), ("v1", day(10))]
        + [("v2", day(9)), ("v2", day(11)), ("v2", day(13))]
    )
    result = task_adherence([v1, v2], done, day(0), day(13))
    assert result.weeks[1].expected == pytest.approx(29 / 7)
    assert result.weeks[1].adherence == pytest.approx(22 / 29)
    assert result.adherence == pytest.approx(71 / 78)
    assert result.outside_schedule == 1
    assert result.completed == 7 + 1 + 3  # the off-schedule completion is not counted


def test_weeks_with_nothing_expected_are_undefined_not_zero() -> None:
    # The prescription starts in week 2: week 1 expects nothing (None); no prescription at all:
    # every week and the period are None.
    later = Prescription("x", times_per_day=1, days_per_week=7, start=day(7))
    result = task_adherence([later], [("x", day(8))], day(0), day(13))
    assert [w.adherence for w in result.weeks] == [None, pytest.approx(1 / 7)]
    assert result.adherence == pytest.approx(1 / 7)
    empty = task_adherence([], [], day(0), day(13))
    assert [w.adherence for w in empty.weeks] == [None, None]
    assert (empty.expected, empty.adherence) == (0.0, None)


def test_week_start_is_monday() -> None:
    assert week_start_of(date(2026, 3, 8)) == MON  # a Sunday
    assert week_start_of(MON) == MON


@pytest.mark.parametrize(
    ("prescription", "column", "row"),
    [
        (Prescription("a", 1, 8, day(0)), "days_per_week", 1),
        (Prescription("a", 1, 0, day(0)), "days_per_week", 1),
        (Prescription("a", 0, 3, day(0)), "times_per_day", 1),
        (Prescription("a", True, 3, day(0)), "times_per_day", 1),  # type: ignore[arg-type]
        (Prescription("a", 1.5, 3, day(0)), "times_per_day", 1),  # type: ignore[arg-type]
        (Prescription("a", 1, 3, day(5), end=day(4)), "end", 1),
    ],
)
def test_bad_prescriptions_are_named(prescription: Prescription, column: str, row: int) -> None:
    with pytest.raises(AnalyticsInputError) as error:
        task_adherence([prescription], [], day(0), day(6))
    assert (error.value.column, error.value.row) == (column, row)


def test_bad_keys_and_periods_are_named() -> None:
    a = Prescription("a", 1, 3, day(0))
    with pytest.raises(AnalyticsInputError) as error:
        task_adherence([a, Prescription("a", 1, 2, day(0))], [], day(0), day(6))
    assert (error.value.column, error.value.row) == ("key", 2)
    with pytest.raises(AnalyticsInputError) as error:
        task_adherence([a], [("a", day(1)), ("zz", day(2))], day(0), day(6))
    assert (error.value.column, error.value.row) == ("completion key", 2)
    with pytest.raises(AnalyticsInputError) as error:
        task_adherence([a], [], day(6), day(0))
    assert error.value.column == "period_end"

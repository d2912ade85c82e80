"""Non-adherence signals: every value below is computed by hand in the comments."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from concord.analytics.risk.adherence_signals import (
    AdherenceBelowThreshold,
    AdherenceDrop,
    AdherenceSignalSettings,
    BarsBelowThreshold,
    MissedDoseConfirmations,
    SupplyExhausted,
    adherence_below_threshold,
    adherence_drops,
    adherence_signals,
    bars_below_threshold,
    missed_dose_confirmations,
    supply_exhausted,
)
from concord.analytics.risk.errors import RiskInputError

D = dt.date
AS_OF = D(2024, 6, 30)


def windows() -> pl.DataFrame:
    # 90-day windows stepping 30 days; the latest window of each patient ends 2024-06-29
    return pl.DataFrame(
        {
            "patient": ["a", "a", "a", "b", "b", "c", "c", "d", "d"],
            "window_start": [
                "2024-01-31", "2024-03-01", "2024-03-31",
                "2024-03-01", "2024-03-31",
                "2024-03-01", "2024-03-31",
                "2024-01-01", "2024-02-01",
            ],
            "window_end": [
                "2024-04-30", "2024-05-30", "2024-06-29",
                "2024-05-30", "2024-06-29",
                "2024-05-30", "2024-06-29",
                "2024-03-31", "2024-05-01",
            ],
            "value": [0.95, 0.90, 0.62, 1.30, 0.85, 0.81, 0.79, 0.10, 0.20],
        }
    )  # fmt: skip


def test_below_threshold_uses_the_latest_recent_window():
    events = adherence_below_threshold(windows(), AS_OF)
    # a: 0.62 < 0.80; b: 0.85 no; c: 0.79 < 0.80; d: latest window ended 2024-05-01,
    # 60 days before as_of (> 31 recent days), so not judged
    assert [(e.patient, e.value) for e in events] == [("a", 0.62), ("c", 0.79)]
    assert events[0] == AdherenceBelowThreshold(
        patient="a",
        measure="CMA",
        window_start=D(2024, 3, 31),
        window_end=D(2024, 6, 29),
        value=0.62,
        threshold=0.8,
    )
    assert events[0].rule == "adherence_below_threshold"


def test_below_threshold_ignores_windows_after_as_of():
    # as of 2024-06-01 the latest windows end 2024-05-30: a 0.90, b 1.30, c 0.81, d 0.20
    # (2024-05-01 is 31 days before: still recent)
    events = adherence_below_threshold(windows(), D(2024, 6, 1))
    assert [(e.patient, e.value) for e in events] == [("d", 0.20)]


def test_drop_compares_capped_values_with_the_previous_window():
    events = adherence_drops(windows(), AS_OF)
    # a: 0.90 - 0.62 = 0.28 >= 0.20 -> drop; b: min(1.30, 1) - 0.85 = 0.15 -> no
    # (0.45 uncapped); c: 0.02 -> no
    assert len(events) == 1
    (drop,) = events
    assert isinstance(drop, AdherenceDrop)
    assert (drop.patient, drop.earlier_value, drop.value) == ("a", 0.90, 0.62)
    assert drop.drop == pytest.approx(0.28)
    assert drop.earlier_window_end == D(2024, 5, 30)
    # lag 2: a 0.95 - 0.62 = 0.33; b, c have no window two steps back
    lagged = adherence_drops(windows(), AS_OF, AdherenceSignalSettings(lag=2))
    assert [(e.patient, round(e.drop, 10)) for e in lagged] == [("a", 0.33)]
    # b's uncapped drop (0.45) is not a drop once oversupply is capped
    looser = adherence_drops(windows(), AS_OF, AdherenceSignalSettings(min_drop=0.16))
    assert [e.patient for e in looser] == ["a"]


def test_supply_exhausted_shifts_stockpiled_supply_forward():
    fills = pl.DataFrame(
        {
            "patient": ["p", "p", "q", "r"],
            "date": ["2024-05-01", "2024-05-20", "2024-06-01", "2024-07-05"],
            "days_supply": [30, 30, 30, 30],
        }
    )
    # p: 2024-05-01 + 30 -> covered to 05-30; the 05-20 fill is shifted to start 05-31,
    # covered to 06-29, first uncovered day 06-30 -> 1 day without supply (not > 7)
    # q: covered 06-01..06-30 -> 0 days; r: fill after as_of is ignored -> no fills
    assert supply_exhausted(fills, AS_OF) == ()
    # as of 2024-07-08: p has 07-08 - 06-30 + 1 = 9 days > 7; q: first uncovered 07-01
    # -> 8 days > 7; r's fill (07-05) covers 07-08
    events = supply_exhausted(fills, D(2024, 7, 8))
    assert events == (
        SupplyExhausted(
            patient="p",
            medication=None,
            last_fill_date=D(2024, 5, 20),
            supply_end=D(2024, 6, 30),
            as_of=D(2024, 7, 8),
            days_without_supply=9,
            grace_days=7,
        ),
        SupplyExhausted(
            patient="q",
            medication=None,
            last_fill_date=D(2024, 6, 1),
            supply_end=D(2024, 7, 1),
            as_of=D(2024, 7, 8),
            days_without_supply=8,
            grace_days=7,
        ),
    )
    # grace 8 days keeps q (8 is not > 8) quiet
    later = supply_exhausted(fills, D(2024, 7, 8), AdherenceSignalSettings(grace_days=8))
    assert [e.patient for e in later] == ["p"]


def test_supply_exhausted_per_medication():
    fills = pl.DataFrame(
        {
            "patient": [1, 1],
            "medication": ["sertraline", "quetiapine"],
            "date": [D(2024, 5, 1), D(2024, 6, 15)],
            "days_supply": [30.0, 30.0],
        }
    )
    # sertraline covered to 05-30 -> first uncovered 05-31 -> 31 days to 06-30;
    # quetiapine still on hand. Without the medication column both count as one drug:
    # 06-15 fill covers to 07-14 -> nothing.
    (event,) = supply_exhausted(fills, AS_OF, medication="medication")
    assert (event.medication, event.days_without_supply) == ("sertraline", 31)
    assert supply_exhausted(fills, AS_OF) == ()


def test_missed_dose_confirmations_needs_count_and_share():
    days = [D(2024, 6, 17) + dt.timedelta(days=i) for i in range(14)]  # 06-17 .. 06-30
    confirmations = pl.DataFrame(
        {
            "patient": ["x"] * 14 + ["y"] * 14 + ["z"] * 2,
            "scheduled": days + days + [D(2024, 6, 16), D(2024, 6, 30)],
            # x misses 3 of 14 (21 %) -> flag; y misses 2 -> no;
            # z: the 06-16 dose is outside the 14-day window; 1 of 1 missed < 3 -> no
            "confirmed": [False] * 3 + [True] * 11 + [False] * 2 + [True] * 12 + [False, False],
        }
    )
    events = missed_dose_confirmations(confirmations, AS_OF)
    assert events == (
        MissedDoseConfirmations(
            patient="x",
            window_start=D(2024, 6, 17),
            window_end=AS_OF,
            due=14,
            confirmed=11,
            missed=3,
            missed_share=3 / 14,
            min_missed=3,
            min_missed_share=0.2,
        ),
    )
    # share rule: 3 of 14 = 0.214 < 0.25
    stricter = AdherenceSignalSettings(min_missed_share=0.25)
    assert missed_dose_confirmations(confirmations, AS_OF, stricter) == ()
    looser = AdherenceSignalSettings(min_missed=1, min_missed_share=0.1)
    assert [e.patient for e in missed_dose_confirmations(confirmations, AS_OF, looser)] == [
        "x",
        "y",
        "z",
    ]


def test_bars_below_70_uses_the_latest_estimate():
    bars = pl.DataFrame(
        {
            "patient": ["a", "a", "b", "c", "c"],
            "date": ["2024-05-01", "2024-06-01", "2024-06-10", "2024-06-01", "2024-07-01"],
            "score": [50.0, 80.0, 69.5, 70.0, 10.0],
        }
    )
    # a latest 80 -> no; b 69.5 < 70 -> flag; c: 70 is not < 70 (07-01 is after as_of)
    assert bars_below_threshold(bars, AS_OF) == (
        BarsBelowThreshold(patient="b", date=D(2024, 6, 10), score=69.5, threshold=70.0),
    )
    assert [e.patient for e in bars_below_threshold(bars, "2024-07-01")] == ["b", "c"]


def test_bars_out_of_range_names_row_and_column():
    bars = pl.DataFrame({"patient": ["a", "b"], "date": ["2024-06-01"] * 2, "score": [50, 120]})
    with pytest.raises(RiskInputError) as caught:
        bars_below_threshold(bars, AS_OF)
    assert (caught.value.row, caught.value.column) == (2, "score")


def test_bad_date_names_row_and_column():
    fills = pl.DataFrame(
        {"patient": ["p", "p"], "date": ["2024-05-01", "01/06/2024"], "days_supply": [30, 30]}
    )
    with pytest.raises(RiskInputError, match="row 2, column 'date'"):
        supply_exhausted(fills, AS_OF)


def test_non_positive_supply_names_row():
    fills = pl.DataFrame({"patient": ["p"], "date": ["2024-05-01"], "days_supply": [0]})
    with pytest.raises(RiskInputError) as caught:
        supply_exhausted(fills, AS_OF)
    assert (caught.value.row, caught.value.column) == (1, "days_supply")


def test_all_signals_together():
    events = adherence_signals(
        AS_OF,
        windows=windows(),
        bars=pl.DataFrame({"patient": ["a"], "date": ["2024-06-01"], "score": [40]}),
    )
    assert [(e.rule, e.patient) for e in events] == [
        ("adherence_below_threshold", "a"),
        ("adherence_below_threshold", "c"),
        ("adherence_drop", "a"),
        ("bars_below_threshold", "a"),
    ]


@pytest.mark.parametrize(
    "kwargs", [{"threshold": 0.0}, {"min_drop": 1.5}, {"lag": 0}, {"grace_days": -1}]
)
def test_settings_are_checked(kwargs):
    with pytest.raises(RiskInputError):
        AdherenceSignalSettings(**kwargs)


def test_undefined_windows_are_skipped_and_text_values_parsed():
    table = windows().with_columns(pl.col("value").cast(pl.String))
    # a's latest window undefined (AdhereR NA): its latest defined window ends 05-30
    # (31 days before as_of: recent) with 0.90 -> no signal; c: 0.79 -> signal
    table = table.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit("NA"))
        .otherwise(pl.col("value"))
        .alias("value")
    )
    events = adherence_below_threshold(table, AS_OF)
    assert [(e.patient, e.value) for e in events] == [("c", 0.79)]
    bad = table.with_columns(
        pl.when(pl.int_range(pl.len()) == 4)
        .then(pl.lit("high"))
        .otherwise(pl.col("value"))
        .alias("value")
    )
    with pytest.raises(RiskInputError) as caught:
        adherence_drops(bad, AS_OF)
    assert (caught.value.row, caught.value.column) == (5, "value")

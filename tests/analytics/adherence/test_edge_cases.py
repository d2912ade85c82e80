"""Hand-computed cases: the specification's worked examples and the edge patients E01-E17.

Day numbers count from each patient's first event (day 0). Unless said otherwise the windows
are those of the edge-case reference runs: follow-up 0-730, observation 100-300.
"""

from __future__ import annotations

import math

import polars as pl
import pytest
from _adherer_helpers import MED_EVENTS_COLUMNS, WITH_DOSE_AND_CLASS, edge_events, med_events

from concord.analytics.adherence import (
    cma_per_episode,
    cma_sliding_window,
    compute_cma,
    event_intervals_and_gaps,
    treatment_episodes,
)

EDGE_WINDOWS = {
    "followup_window_duration": 730,
    "observation_window_start": 100,
    "observation_window_duration": 200,
}

# Spec 4.4: one patient, FUW 365 days from 2020-01-01 (day 0), OW days 10-150.
EXAMPLE = pl.DataFrame(
    {
        "id": [1, 1, 1, 1],
        "date": ["2020-01-01", "2020-01-21", "2020-03-11", "2020-05-10"],  # days 0, 20, 70, 130
        "dur": [30, 30, 30, 60],
        "dose": [1, 2, 1, 1],
        "cls": ["A", "A", "B", "B"],
    }
)
EXAMPLE_COLUMNS = {
    "id_colname": "id",
    "event_date_colname": "date",
    "event_duration_colname": "dur",
    "event_daily_dose_colname": "dose",
    "medication_class_colname": "cls",
    "date_format": "%Y-%m-%d",
}
EXAMPLE_WINDOWS = {
    "followup_window_duration": 365,
    "observation_window_start": 10,
    "observation_window_duration": 140,
}


def _example(measure: str, **options: object) -> float:
    result = compute_cma(measure, EXAMPLE, **EXAMPLE_COLUMNS, **EXAMPLE_WINDOWS, **options)
    value = result.cma.get_column("CMA")[0]
    assert value is not None
    return float(value)


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        ("CMA1", (30 + 30) / (130 - 20)),  # OW events e2..e4; all but the last over d_l - d_f
        ("CMA2", (30 + 30 + 60) / (150 - 20)),  # all OW supply over oe - d_f
        ("CMA3", (30 + 30) / (130 - 20)),  # min(1, CMA1)
        ("CMA4", (30 + 30 + 60) / (150 - 20)),  # min(1, CMA2)
        ("CMA5", 1 - (20 + 30) / 110),  # gaps without carry-in: e2 50-30=20, e3 60-30=30
        ("CMA6", 1 - (20 + 30 + 0) / 130),  # e4's gap runs to oe: 20-60 < 0 -> 0
        ("CMA7", 1 - (10 + 30 + 0 + 0) / 140),  # e1 carries 10 into e2; G0 = min(0, 20-10)
        ("CMA8", 1 - (30 + 0 + 10) / 120),  # e1 ends day 30 > 10: OW' 30-150, G0 = min(10, 40)
        # OW := FUW: ratios 1, 0.8, 0.5, 60/235; overlaps with 10-150: 10, 50, 60, 20
        ("CMA9", (10 * 1 + 50 * 0.8 + 60 * 0.5 + 20 * 60 / 235) / 140),
    ],
)
def test_worked_example_spec_4_4(measure: str, expected: float) -> None:
    assert _example(measure) == pytest.approx(expected, rel=1e-12)


def test_worked_example_cma7_same_medication_and_dosage_change() -> None:
    # e1 -> e2 same class, dose 1 -> 2: carry 10 becomes 10 * 1/2 = 5; e2's gap 50-30-5 = 15
    value = _example("CMA7", carry_only_for_same_medication=True, consider_dosage_change=True)
    assert value == pytest.approx(1 - (15 + 30 + 0 + 0) / 140, rel=1e-12)


def test_worked_example_treatment_episodes_spec_7() -> None:
    # Gaps to the FUW end: 0, 10, 30, 175. Marks: e2 (A -> B), e3 (30 > 20), e4 (last).
    result = treatment_episodes(
        EXAMPLE,
        **EXAMPLE_COLUMNS,
        followup_window_duration=365,
        carry_only_for_same_medication=False,
        consider_dosage_change=False,
        maximum_permissible_gap=20,
    )
    table = result.episodes
    assert table.get_column("episode.ID").to_list() == [1, 2, 3]
    assert table.get_column("end.episode.gap.days").to_list() == [10, 30, 175]
    # 70-0-10, 130-70-30, (365-130)-175
    assert table.get_column("episode.duration").to_list() == [60, 30, 60]
    assert [d.isoformat() for d in table.get_column("episode.start")] == [
        "2020-01-01",
        "2020-03-11",
        "2020-05-10",
    ]


def test_worked_example_sliding_window_spec_9() -> None:
    # span = 140 - 60 = 80, k = 80/25 + 1 = 4.2 -> 4 windows starting days 10, 35, 60, 85
    result = cma_sliding_window(
        EXAMPLE,
        cma_to_apply="CMA9",
        **EXAMPLE_COLUMNS,
        **EXAMPLE_WINDOWS,
        sliding_window_duration=60,
        sliding_window_step_duration=25,
    )
    table = result.cma
    assert table.get_column("window.ID").to_list() == [1, 2, 3, 4]
    assert [d.isoformat() for d in table.get_column("window.start")] == [
        "2020-01-11",
        "2020-02-05",
        "2020-03-01",
        "2020-03-26",
    ]
    # window 1 (10-70): e1 covers 10 days at ratio 1, e2 50 days at 0.8
    assert table.get_column("CMA")[0] == pytest.approx((10 * 1 + 50 * 0.8) / 60, rel=1e-12)


def _edge(measure: str) -> dict[str, float | None]:
    result = compute_cma(measure, edge_events(), **WITH_DOSE_AND_CLASS, **EDGE_WINDOWS)
    return dict(zip(result.cma["PATIENT_ID"].to_list(), result.cma["CMA"].to_list(), strict=True))


def test_edge_e02_single_long_supply_cma7_is_1_but_cma8_is_0() -> None:
    # E02: one 1000-day supply on day 0. CMA7: interval to oe 300, gap max(0, 300-1000) = 0,
    # no OW event -> 1 - 0/200 = 1. CMA8 quirk: os' = 0+1000 > oe, L < 0 -> 0.
    assert _edge("CMA7")["E02"] == 1.0
    assert _edge("CMA8")["E02"] == 0.0
    assert _edge("CMA9")["E02"] == 1.0  # ratio 1 over the whole OW
    assert _edge("CMA1")["E02"] is None


def test_edge_e05_event_on_ow_end_gives_inf_and_nan() -> None:
    # E05: days 0 and 300 (= oe). CMA2 = 30 / (300 - 300) = Inf, CMA4 caps it to 1,
    # CMA6 = 1 - 0/0 = NaN, CMA7: G0 = min(300-30, 300-100) = 200 -> 1 - 200/200 = 0,
    # CMA9: e1 ratio 30/300 over 200 OW days -> 20/200.
    assert _edge("CMA2")["E05"] == math.inf
    assert _edge("CMA4")["E05"] == 1.0
    cma6 = _edge("CMA6")["E05"]
    assert cma6 is not None and math.isnan(cma6)
    assert _edge("CMA7")["E05"] == 0.0
    assert _edge("CMA9")["E05"] == pytest.approx(0.1, rel=1e-12)
    assert _edge("CMA1")["E05"] is None


def test_edge_e16_same_day_supplies_cma7_04_cma8_0() -> None:
    # E16: 30, 60, 90 days all on day 0: carry 30, then 90; last gap 300-90-90 = 120;
    # CMA7 = 1 - 120/200 = 0.4. CMA8: e3 ends 0+90+90 = 180 > 100 -> OW' 180-300, L = 120,
    # G_b = 120 <= 120 -> 1 - 1 = 0.
    assert _edge("CMA7")["E16"] == pytest.approx(0.4, rel=1e-12)
    assert _edge("CMA8")["E16"] == 0.0


def test_edge_e04_same_day_tie_keeps_input_order() -> None:
    # E04: days 0, 120 (A 30), 120 (B 60), 250 (A 30). CMA1: last = day-250 event; both
    # day-120 rows count: (30+60)/(250-120). CMA2: (30+60+30)/(300-120).
    assert _edge("CMA1")["E04"] == pytest.approx(90 / 130, rel=1e-12)
    assert _edge("CMA2")["E04"] == pytest.approx(120 / 180, rel=1e-12)


def test_edge_e07_fractional_durations() -> None:
    # E07: OW events on days 150 (60.125), 210 (33.333333), 290 (90.75):
    # CMA1 = (60.125 + 33.333333000000003) / (290 - 150)
    assert _edge("CMA1")["E07"] == pytest.approx((60.125 + 33.333333000000003) / 140, rel=1e-12)


def test_edge_e08_no_event_in_ow() -> None:
    # E08: days 0, 350, 400; nothing in 100-300: CMA1-6 NA; CMA7 from e1's gap:
    # interval 300-0, gap 270 > L=200 -> 0.
    assert _edge("CMA6")["E08"] is None
    assert _edge("CMA7")["E08"] == 0.0


def test_edge_e10_gap_of_exactly_the_permissible_gap_does_not_split() -> None:
    # E10: days 0, 210, 240, 451, 30 days each. Gaps: 180 (not > 180), 0, 181 (> 180), and
    # the last 730-451-30 = 249. Episodes: [0, 240] with end gap 181 -> 451-0-181 = 270;
    # [451, ...] final: (730-451) - 249 = 30.
    result = treatment_episodes(
        edge_events().filter(pl.col("PATIENT_ID") == "E10"),
        **WITH_DOSE_AND_CLASS,
        carry_only_for_same_medication=False,
        consider_dosage_change=False,
        maximum_permissible_gap=180,
    )
    assert result.episodes.get_column("end.episode.gap.days").to_list() == [181, 249]
    assert result.episodes.get_column("episode.duration").to_list() == [270, 30]


def test_edge_e01_append_single_episode_quirk_negative_duration() -> None:
    # E01: one 30-day event, FUW 730: gap 700. Single episode with append: the MPG is
    # subtracted: 730 - (700 + 60) = -30, so the episode ends before it starts.
    result = treatment_episodes(
        edge_events().filter(pl.col("PATIENT_ID") == "E01"),
        **WITH_DOSE_AND_CLASS,
        maximum_permissible_gap=60,
        maximum_permissible_gap_append_to_episode=True,
    )
    assert result.episodes.get_column("episode.duration").to_list() == [-30]
    assert [d.isoformat() for d in result.episodes.get_column("episode.end")] == ["2019-12-02"]


def test_edge_e17_event_on_fuw_end_is_its_own_zero_length_episode() -> None:
    # E17: days 0, 365, 730 (= fe). The last event is marked and starts nothing, but the
    # previous one is marked (gap 335 > 180) so the day-730 event is a 0-day episode.
    result = treatment_episodes(
        edge_events().filter(pl.col("PATIENT_ID") == "E17"),
        **WITH_DOSE_AND_CLASS,
        maximum_permissible_gap=180,
    )
    assert result.episodes.get_column("episode.duration").to_list() == [30, 30, 0]


def test_calendar_units_roll_to_first_of_next_month() -> None:
    # E15 starts 2021-01-31: + 1 month -> 2021-03-01 (no 31 February); E14 starts 2020-02-29:
    # + 1 year -> 2021-03-01.
    result = event_intervals_and_gaps(
        edge_events().filter(pl.col("PATIENT_ID").is_in(["E14", "E15"])),
        **WITH_DOSE_AND_CLASS,
        followup_window_duration=1,
        followup_window_duration_unit="years",
        observation_window_start=1,
        observation_window_start_unit="months",
        observation_window_duration=2,
        observation_window_duration_unit="weeks",
        keep_window_start_end_dates=True,
    )
    first = result.events.group_by("PATIENT_ID", maintain_order=True).first()
    assert [d.isoformat() for d in first[".FU.END.DATE"]] == ["2021-03-01", "2022-01-31"]
    assert [d.isoformat() for d in first[".OBS.START.DATE"]] == ["2020-03-29", "2021-03-01"]
    assert [d.isoformat() for d in first[".OBS.END.DATE"]] == ["2020-04-12", "2021-03-15"]


@pytest.mark.parametrize(("offset", "expected"), [(2.5, 2), (3.5, 4), (0.5 * 7, 4)])
def test_window_offsets_round_half_to_even(offset: float, expected: int) -> None:
    result = event_intervals_and_gaps(
        EXAMPLE,
        **EXAMPLE_COLUMNS,
        observation_window_start=offset,
        observation_window_duration=30,
        keep_window_start_end_dates=True,
    )
    start = result.events[".OBS.START.DATE"][0]
    assert (start - result.events[".FU.START.DATE"][0]).days == expected


def test_per_episode_boundary_leakage_quirk_med_events_patient_2() -> None:
    # Patient 2, episode 1 ends on 2036-08-01, where the next episode's medB event is dated:
    # it becomes the "last" event, so the medA event of that day counts: CMA1 = 150/194.
    result = cma_per_episode(
        med_events().filter(pl.col("PATIENT_ID") == 2),
        cma_to_apply="CMA1",
        **WITH_DOSE_AND_CLASS,
        maximum_permissible_gap=180,
    )
    first = result.cma.row(0, named=True)
    assert first["episode.ID"] == 1
    assert first["CMA"] == pytest.approx(150 / 194, rel=1e-12)


def test_cma1_to_4_ignore_carry_over_options_like_adherer() -> None:
    plain = compute_cma("CMA1", med_events(), **MED_EVENTS_COLUMNS).cma
    with_options = compute_cma(
        "CMA1",
        med_events(),
        **WITH_DOSE_AND_CLASS,
        carry_only_for_same_medication=True,
        consider_dosage_change=True,
    ).cma
    assert plain.equals(with_options)


@pytest.mark.parametrize(
    "windows",
    [
        {"sliding_window_duration": 60, "sliding_window_step_duration": 25},
        {"sliding_window_duration": 2, "sliding_window_duration_unit": "months",
         "sliding_window_no_steps": 7},
        {"sliding_window_duration": 1, "sliding_window_duration_unit": "weeks",
         "sliding_window_step_duration": 0.5, "sliding_window_step_unit": "weeks",
         "sliding_window_start": 1, "sliding_window_start_unit": "months"},
    ],
)  # fmt: skip
def test_sliding_cma9_shortcut_equals_the_generic_per_window_cma9(
    windows: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    # CMA9 in sliding windows pairs each event only with the windows it can overlap; the
    # generic path computes a full CMA9 per window. Both must agree on every edge patient.
    import concord.analytics.adherence.sliding as sliding

    options = {**WITH_DOSE_AND_CLASS, **EDGE_WINDOWS, **windows}
    fast = cma_sliding_window(edge_events(), cma_to_apply="CMA9", **options).cma
    monkeypatch.setattr(
        sliding,
        "_add_cma9_shared_gaps",
        lambda q, units, same, dose: sliding.add_cma(q, 9, units),
    )
    generic = cma_sliding_window(edge_events(), cma_to_apply="CMA9", **options).cma
    assert fast.height == generic.height > 17
    for ours, theirs in zip(fast["CMA"].to_list(), generic["CMA"].to_list(), strict=True):
        if theirs is None:
            assert ours is None
        else:
            assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"carryover_within_obs_window": False},
        {"consider_dosage_change": True},
        {"medication_change_means_new_treatment_episode": False},
        {"maximum_permissible_gap": 50, "maximum_permissible_gap_unit": "percent"},
        {"maximum_permissible_gap_append_to_episode": True, "maximum_permissible_gap": 30},
    ],
)
def test_episodes_from_starts_equal_episodes_numbered_event_by_event(
    options: dict[str, object],
) -> None:
    # Without the event mapping, episodes are found from their first events only; with it,
    # every event is numbered. Both must give the same episodes (med.events + edge cases).
    data = pl.concat(
        [
            med_events().with_columns(pl.col("PATIENT_ID").cast(pl.String)),
            edge_events().with_columns(pl.col("PERDAY").cast(pl.Int64)),
        ],
        how="vertical_relaxed",
    )
    settings = {
        **WITH_DOSE_AND_CLASS,
        "carry_only_for_same_medication": False,
        "maximum_permissible_gap": 60,
        **options,
    }
    fast = treatment_episodes(data, **settings).episodes  # type: ignore[arg-type]
    mapped = treatment_episodes(data, **settings, return_mapping_events_episodes=True)  # type: ignore[arg-type]
    assert fast.height > 200
    assert fast.equals(mapped.episodes)


def test_unsorted_input_is_sorted_stably_by_patient_and_date() -> None:
    # Patients in descending order and each patient's events reversed, except that events of
    # the same day keep their relative order: the result must still be AdhereR's.
    from _adherer_helpers import DEFAULT_WINDOWS, assert_matches_reference

    shuffled = (
        med_events()
        .with_row_index("input_row")
        .sort(["PATIENT_ID", "DATE", "input_row"], descending=[True, True, False])
        .drop("input_row")
    )
    result = compute_cma("CMA7", shuffled, **WITH_DOSE_AND_CLASS, **DEFAULT_WINDOWS)
    assert_matches_reference(result.cma, "cma7_default.csv")


def test_window_starts_and_durations_from_numeric_columns() -> None:
    # Per-patient numeric columns, read on each patient's first row (other rows ignored):
    # FUW start 0 days, OW start 182 days after it, OW duration 365 days -> the reference.
    from _adherer_helpers import assert_matches_reference

    data = med_events().with_columns(
        pl.lit(0).alias("FUW_OFFSET"),
        pl.when(pl.int_range(pl.len()).over("PATIENT_ID") == 0)
        .then(182)
        .otherwise(999)
        .alias("OW_OFFSET"),
        pl.lit(365.0).alias("OW_DAYS"),
    )
    result = compute_cma(
        "CMA7",
        data,
        **WITH_DOSE_AND_CLASS,
        followup_window_start="FUW_OFFSET",
        followup_window_duration=730,
        observation_window_start="OW_OFFSET",
        observation_window_duration="OW_DAYS",
    )
    assert_matches_reference(result.cma, "cma7_default.csv")


@pytest.mark.parametrize("id_name", ["key", "uid", "cma", "seq", "start"])
@pytest.mark.parametrize(
    "run",
    [
        lambda data, cols: compute_cma("CMA9", data, **cols).cma,
        lambda data, cols: cma_sliding_window(data, cma_to_apply="CMA9", **cols).cma,
        lambda data, cols: cma_per_episode(data, cma_to_apply="CMA9", **cols).cma,
        lambda data, cols: treatment_episodes(data, **cols).episodes,
    ],
    ids=["cma9", "sliding-window", "per-episode", "episodes"],
)
def test_an_id_column_named_like_an_internal_column_changes_nothing(id_name: str, run) -> None:
    # The engine's own columns (key, uid, cma, seq, start …) once collided with an ID column
    # of the same name: "key" failed and "cma" silently put the CMA in the ID column.
    data = med_events()
    expected = run(data, WITH_DOSE_AND_CLASS)
    renamed = run(
        data.rename({"PATIENT_ID": id_name}), {**WITH_DOSE_AND_CLASS, "id_colname": id_name}
    )
    assert renamed.rename({id_name: "PATIENT_ID"}).equals(expected)

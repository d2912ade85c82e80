"""Concord against AdhereR 0.8.1: one test per reference file (calls in data/reference/PARAMS.md).

Every test runs the AdhereR call of ``PARAMS.md`` through Concord's DuckDB engine and checks
the same columns, the same rows in the same order, the same missing values and the values to
a relative tolerance of 1e-9.
"""

from __future__ import annotations

import pytest
from _adherer_helpers import (
    DEFAULT_WINDOWS,
    MED_EVENTS_COLUMNS,
    WITH_DOSE_AND_CLASS,
    assert_matches_reference,
    med_events,
)

from concord.analytics.adherence import (
    cma_per_episode,
    cma_sliding_window,
    compute_cma,
    event_intervals_and_gaps,
    treatment_episodes,
)

NO_OPTIONS = {"carry_only_for_same_medication": False, "consider_dosage_change": False}


def _simple(measure: str) -> None:
    columns = (
        MED_EVENTS_COLUMNS
        if measure in ("CMA1", "CMA2", "CMA3", "CMA4")
        else {
            **WITH_DOSE_AND_CLASS,
            **NO_OPTIONS,
        }
    )
    result = compute_cma(measure, med_events(), **columns, **DEFAULT_WINDOWS)
    assert result.measure == measure
    assert_matches_reference(result.cma, f"{measure.lower()}_default.csv")


def test_cma1_against_adherer_cma1_default() -> None:
    _simple("CMA1")


def test_cma2_against_adherer_cma2_default() -> None:
    _simple("CMA2")


def test_cma3_against_adherer_cma3_default() -> None:
    _simple("CMA3")


def test_cma4_against_adherer_cma4_default() -> None:
    _simple("CMA4")


def test_cma5_against_adherer_cma5_default() -> None:
    _simple("CMA5")


def test_cma6_against_adherer_cma6_default() -> None:
    _simple("CMA6")


def test_cma7_against_adherer_cma7_default() -> None:
    _simple("CMA7")


def test_cma8_against_adherer_cma8_default() -> None:
    _simple("CMA8")


def test_cma9_against_adherer_cma9_default() -> None:
    _simple("CMA9")


def test_event_info_against_adherer_cma9_default_eventinfo() -> None:
    result = compute_cma(
        "CMA9",
        med_events(),
        **WITH_DOSE_AND_CLASS,
        **NO_OPTIONS,
        **DEFAULT_WINDOWS,
        event_info=True,
    )
    assert result.event_info is not None
    assert_matches_reference(result.event_info, "cma9_default_eventinfo.csv")


def test_episodes_against_adherer_te_default() -> None:
    result = treatment_episodes(
        med_events(),
        **WITH_DOSE_AND_CLASS,
        followup_window_start=0,
        followup_window_duration=730,
        carryover_within_obs_window=True,
        carry_only_for_same_medication=True,
        consider_dosage_change=True,
        medication_change_means_new_treatment_episode=True,
        dosage_change_means_new_treatment_episode=False,
        maximum_permissible_gap=180,
        maximum_permissible_gap_unit="days",
        maximum_permissible_gap_append_to_episode=False,
    )
    assert result.mapping is None
    assert_matches_reference(result.episodes, "te_default.csv")


def test_episode_mapping_against_adherer_te_default_mapping() -> None:
    result = treatment_episodes(
        med_events(),
        **WITH_DOSE_AND_CLASS,
        followup_window_start=0,
        followup_window_duration=730,
        maximum_permissible_gap=180,
        return_mapping_events_episodes=True,
    )
    assert result.mapping is not None
    assert_matches_reference(result.mapping, "te_default_mapping.csv")


def test_per_episode_against_adherer_cma9_per_episode() -> None:
    result = cma_per_episode(
        med_events(),
        cma_to_apply="CMA9",
        **WITH_DOSE_AND_CLASS,
        **NO_OPTIONS,
        medication_change_means_new_treatment_episode=True,
        maximum_permissible_gap=180,
        followup_window_start=0,
        followup_window_duration=730,
        observation_window_start=0,
        observation_window_duration=730,
    )
    assert_matches_reference(result.cma, "cma9_per_episode.csv")


@pytest.mark.parametrize("measure", ["CMA9"])
def test_sliding_window_against_adherer_cma9_sliding_90_30(measure: str) -> None:
    result = cma_sliding_window(
        med_events(),
        cma_to_apply=measure,
        **WITH_DOSE_AND_CLASS,
        **NO_OPTIONS,
        followup_window_start=0,
        followup_window_duration=730,
        observation_window_start=0,
        observation_window_duration=730,
        sliding_window_start=0,
        sliding_window_duration=90,
        sliding_window_step_duration=30,
    )
    assert_matches_reference(result.cma, "cma9_sliding_90_30.csv")


def test_event_gaps_against_adherer_event_int_gaps_default() -> None:
    result = event_intervals_and_gaps(
        med_events(),
        **WITH_DOSE_AND_CLASS,
        carryover_within_obs_window=True,
        carryover_into_obs_window=True,
        carry_only_for_same_medication=False,
        consider_dosage_change=False,
        followup_window_start=0,
        followup_window_duration=730,
        observation_window_start=182,
        observation_window_duration=365,
        keep_window_start_end_dates=True,
    )
    assert_matches_reference(result.events, "event_int_gaps_default.csv")

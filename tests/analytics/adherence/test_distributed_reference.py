"""The distributed path (Spark end to end) against AdhereR 0.8.1: one test per reference file.

Each test reads ``med_events.csv`` with Spark itself (dates parsed by Spark from
``"%Y-%m-%d"``), runs the AdhereR call of ``data/reference/PARAMS.md`` through the
``*_distributed`` function and checks the reference file (same columns, rows, order and
missing values; values to 1e-9) and, value by value, the DuckDB path's result (same dtypes;
values to 1e-12). Skipped with a reason without PySpark or Java.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from _adherer_helpers import (
    DATA,
    DEFAULT_WINDOWS,
    MED_EVENTS_COLUMNS,
    WITH_DOSE_AND_CLASS,
    assert_matches_reference,
    assert_same_as_duckdb,
    med_events,
)

from concord.analytics.adherence import (
    cma_per_episode,
    cma_per_episode_distributed,
    cma_sliding_window,
    cma_sliding_window_distributed,
    compute_cma,
    compute_cma_distributed,
    event_intervals_and_gaps,
    event_intervals_and_gaps_distributed,
    treatment_episodes,
    treatment_episodes_distributed,
)
from concord.analytics.adherence.distributed import read_spark_events
from concord.analytics.adherence.distributed_results import spark_to_polars

pytestmark = pytest.mark.spark

NO_OPTIONS = {"carry_only_for_same_medication": False, "consider_dosage_change": False}
EPISODES = {
    **WITH_DOSE_AND_CLASS,
    "followup_window_start": 0,
    "followup_window_duration": 730,
    "carryover_within_obs_window": True,
    "carry_only_for_same_medication": True,
    "consider_dosage_change": True,
    "medication_change_means_new_treatment_episode": True,
    "maximum_permissible_gap": 180,
    "maximum_permissible_gap_unit": "days",
    "return_mapping_events_episodes": True,
}


@pytest.fixture(scope="module")
def events(spark: Any) -> Any:
    return read_spark_events(DATA / "med_events.csv", spark)


def _simple(measure: str) -> dict[str, Any]:
    columns = MED_EVENTS_COLUMNS if measure <= "CMA4" else {**WITH_DOSE_AND_CLASS, **NO_OPTIONS}
    return {**columns, **DEFAULT_WINDOWS}


@pytest.mark.parametrize("reference", [f"cma{i}_default.csv" for i in range(1, 9)])
def test_distributed_simple_cma_against_adherer(reference: str, events: Any) -> None:
    measure = reference.split("_")[0].upper()
    result = compute_cma_distributed(measure, events, **_simple(measure))
    assert result.measure == measure and result.event_info is None
    mine = result.to_polars()
    assert_matches_reference(mine, reference)
    assert_same_as_duckdb(mine, compute_cma(measure, med_events(), **_simple(measure)).cma)


@pytest.fixture(scope="module")
def cma9(events: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    result = compute_cma_distributed("CMA9", events, **_simple("CMA9"), event_info=True)
    return result.to_polars(), spark_to_polars(result.event_info)


def test_distributed_cma9_against_adherer_cma9_default(
    cma9: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    assert_matches_reference(cma9[0], "cma9_default.csv")
    assert_same_as_duckdb(cma9[0], compute_cma("CMA9", med_events(), **_simple("CMA9")).cma)


def test_distributed_event_info_against_adherer_cma9_default_eventinfo(
    cma9: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    info = cma9[1]
    assert_matches_reference(info, "cma9_default_eventinfo.csv")
    duck = compute_cma("CMA9", med_events(), **_simple("CMA9"), event_info=True).event_info
    assert duck is not None
    # ..ORIGINAL.ROW.ORDER.. included: Spark numbered the file's rows as Polars does
    assert_same_as_duckdb(info, duck)


@pytest.fixture(scope="module")
def episodes(events: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    result = treatment_episodes_distributed(events, **EPISODES)
    return result.to_polars(), spark_to_polars(result.mapping)


def test_distributed_episodes_against_adherer_te_default(
    episodes: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    assert_matches_reference(episodes[0], "te_default.csv")
    assert_same_as_duckdb(episodes[0], treatment_episodes(med_events(), **EPISODES).episodes)


def test_distributed_episode_mapping_against_adherer_te_default_mapping(
    episodes: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    assert_matches_reference(episodes[1], "te_default_mapping.csv")
    duck = treatment_episodes(med_events(), **EPISODES).mapping
    assert duck is not None
    assert_same_as_duckdb(episodes[1], duck)


def test_distributed_event_gaps_against_adherer_event_int_gaps_default(events: Any) -> None:
    options: dict[str, Any] = {
        **WITH_DOSE_AND_CLASS,
        **NO_OPTIONS,
        **DEFAULT_WINDOWS,
        "carryover_within_obs_window": True,
        "carryover_into_obs_window": True,
        "keep_window_start_end_dates": True,
    }
    mine = event_intervals_and_gaps_distributed(events, **options).to_polars()
    assert_matches_reference(mine, "event_int_gaps_default.csv")
    assert_same_as_duckdb(mine, event_intervals_and_gaps(med_events(), **options).events)


def test_distributed_per_episode_against_adherer_cma9_per_episode(events: Any) -> None:
    options: dict[str, Any] = {
        **WITH_DOSE_AND_CLASS,
        **NO_OPTIONS,
        "medication_change_means_new_treatment_episode": True,
        "maximum_permissible_gap": 180,
        "observation_window_duration": 730,
    }
    mine = cma_per_episode_distributed(events, cma_to_apply="CMA9", **options).to_polars()
    assert_matches_reference(mine, "cma9_per_episode.csv")
    assert_same_as_duckdb(mine, cma_per_episode(med_events(), cma_to_apply="CMA9", **options).cma)


def test_distributed_sliding_window_against_adherer_cma9_sliding_90_30(events: Any) -> None:
    options: dict[str, Any] = {
        **WITH_DOSE_AND_CLASS,
        **NO_OPTIONS,
        "observation_window_duration": 730,
        "sliding_window_duration": 90,
        "sliding_window_step_duration": 30,
    }
    mine = cma_sliding_window_distributed(events, cma_to_apply="CMA9", **options).to_polars()
    assert_matches_reference(mine, "cma9_sliding_90_30.csv")
    duck = cma_sliding_window(med_events(), cma_to_apply="CMA9", **options).cma
    assert_same_as_duckdb(mine, duck)


@pytest.mark.parametrize(
    ("r_format", "text"),
    [
        ("%m/%d/%Y", "unpadded"),  # AdhereR's default, "4/6/2033"
        ("%Y%m%d", "compact"),  # "20330406": adjacent numbers must be padded
    ],
)
def test_distributed_cma9_default_with_other_date_formats(
    r_format: str, text: str, spark: Any
) -> None:
    dates = pl.col("DATE").str.to_date("%Y-%m-%d")
    written = (
        pl.format("{}/{}/{}", dates.dt.month(), dates.dt.day(), dates.dt.year())
        if text == "unpadded"
        else dates.dt.strftime("%Y%m%d")
    )
    frame = med_events().with_columns(written.alias("DATE"))
    options = {**_simple("CMA9"), "date_format": r_format}
    result = compute_cma_distributed("CMA9", spark.createDataFrame(frame.to_pandas()), **options)
    assert_matches_reference(result.to_polars(), "cma9_default.csv")

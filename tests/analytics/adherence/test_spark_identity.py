"""``engine="spark"``: the relational plan on Spark SQL gives DuckDB's and AdhereR's results.

(The input is prepared in Polars; the distributed path, Spark end to end, is tested in
``test_distributed_*.py``.) Skipped with a reason when PySpark (optional group ``spark``) or
Java is missing; one local session serves the whole run (``conftest.spark``).

DuckDB and Spark may add a patient's terms in a different order, so floating-point values
are compared at a relative tolerance of 1e-12 (observed differences: one unit in the last
place); missing values, NaN and Inf must be identical.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from _adherer_helpers import (
    DEFAULT_WINDOWS,
    WITH_DOSE_AND_CLASS,
    assert_matches_reference,
    assert_same_as_duckdb,
    edge_events,
    med_events,
)

from concord.analytics.adherence import (
    SparkEngine,
    cma_per_episode,
    cma_sliding_window,
    compute_cma,
    treatment_episodes,
)

pytestmark = pytest.mark.spark


@pytest.fixture
def spark_engine(spark: Any) -> SparkEngine:
    return SparkEngine(spark)


def test_spark_reproduces_adherer_reference_files(spark_engine: SparkEngine) -> None:
    options: dict[str, Any] = {**WITH_DOSE_AND_CLASS, **DEFAULT_WINDOWS, "engine": spark_engine}
    result = compute_cma("CMA9", med_events(), **options, event_info=True)
    assert_matches_reference(result.cma, "cma9_default.csv")
    assert result.event_info is not None
    assert_matches_reference(result.event_info, "cma9_default_eventinfo.csv")
    sliding = cma_sliding_window(
        med_events(),
        cma_to_apply="CMA9",
        **WITH_DOSE_AND_CLASS,
        observation_window_duration=730,
        sliding_window_duration=90,
        sliding_window_step_duration=30,
        engine=spark_engine,
    )
    assert_matches_reference(sliding.cma, "cma9_sliding_90_30.csv")
    episodes = treatment_episodes(
        med_events(),
        **WITH_DOSE_AND_CLASS,
        maximum_permissible_gap=180,
        return_mapping_events_episodes=True,
        engine=spark_engine,
    )
    assert_matches_reference(episodes.episodes, "te_default.csv")
    assert episodes.mapping is not None
    assert_matches_reference(episodes.mapping, "te_default_mapping.csv")
    per_episode = cma_per_episode(
        med_events(),
        cma_to_apply="CMA9",
        **WITH_DOSE_AND_CLASS,
        maximum_permissible_gap=180,
        engine=spark_engine,
    )
    assert_matches_reference(per_episode.cma, "cma9_per_episode.csv")


def test_spark_equals_duckdb_on_edge_cases_with_every_option(spark_engine: SparkEngine) -> None:
    # Calendar units, carry-over for the same medication only, dosage change, NaN / Inf
    # (E05), CMA8's lagged window (E02, E16), fractional durations (E07).
    options: dict[str, Any] = {
        **WITH_DOSE_AND_CLASS,
        "followup_window_duration": 2,
        "followup_window_duration_unit": "years",
        "observation_window_start": 3,
        "observation_window_start_unit": "months",
        "observation_window_duration": 200,
        "carry_only_for_same_medication": True,
        "consider_dosage_change": True,
    }
    edge_windows: dict[str, Any] = {
        **WITH_DOSE_AND_CLASS,
        "followup_window_duration": 730,
        "observation_window_start": 100,
        "observation_window_duration": 200,
        "carry_only_for_same_medication": True,
        "consider_dosage_change": True,
    }
    special = []
    for measure in ("CMA2", "CMA6", "CMA8"):  # Inf (E05), NaN (E05), lagged OW with SM + DC
        duck = compute_cma(measure, edge_events(), **edge_windows).cma
        spark = compute_cma(measure, edge_events(), **edge_windows, engine=spark_engine).cma
        assert_same_as_duckdb(spark, duck)
        special += [v for v in duck["CMA"].to_list() if v is not None and not math.isfinite(v)]
    assert [str(v) for v in special] == ["inf", "nan"]
    windows = {
        "sliding_window_duration": 2,
        "sliding_window_duration_unit": "months",
        "sliding_window_no_steps": 5,
    }
    duck = cma_sliding_window(edge_events(), cma_to_apply="CMA7", **options, **windows).cma
    spark = cma_sliding_window(
        edge_events(), cma_to_apply="CMA7", **options, **windows, engine=spark_engine
    ).cma
    assert_same_as_duckdb(spark, duck)
    assert duck.height > 0

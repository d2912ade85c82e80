"""The same relational plan on Spark SQL (local mode) gives DuckDB's and AdhereR's results.

Skipped with a reason when PySpark (optional group ``spark``) or Java is missing. One
session-scoped local[2] session keeps the JVM start-up to once per run.

DuckDB and Spark may add a patient's terms in a different order, so floating-point values
are compared at a relative tolerance of 1e-12 (observed differences: one unit in the last
place); missing values, NaN and Inf must be identical.
"""

from __future__ import annotations

import logging
import math
import shutil
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from _adherer_helpers import (
    DATA,
    DEFAULT_WINDOWS,
    MED_EVENTS_COLUMNS,
    WITH_DOSE_AND_CLASS,
    assert_matches_reference,
    edge_events,
    med_events,
)

from concord.analytics.adherence import (
    AdherenceInputError,
    SparkEngine,
    cma_per_episode,
    cma_sliding_window,
    compute_cma,
    treatment_episodes,
)
from concord.analytics.adherence.distributed import (
    cma_per_episode_distributed,
    cma_sliding_window_distributed,
    compute_cma_distributed,
    read_spark_events,
)

pytestmark = pytest.mark.spark


@pytest.fixture(scope="session")
def spark_engine() -> Iterator[SparkEngine]:
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="PySpark is not installed")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed (PySpark needs a JVM)")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("concord-adherence-tests")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    # py4j logs "Closing down clientserver connection" from __del__ at interpreter exit,
    # after pytest has closed its streams.
    logging.getLogger("py4j").setLevel(logging.ERROR)
    yield SparkEngine(session)
    session.stop()


def _assert_same(spark: pl.DataFrame, duck: pl.DataFrame) -> None:
    assert spark.columns == duck.columns
    assert spark.height == duck.height
    for column in duck.columns:
        for ours, theirs in zip(spark[column].to_list(), duck[column].to_list(), strict=True):
            if isinstance(theirs, float) and ours is not None:
                if math.isnan(theirs) or math.isinf(theirs):
                    assert str(ours) == str(theirs), column
                else:
                    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15), column
            else:
                assert ours == theirs, column


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
        _assert_same(spark, duck)
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
    _assert_same(spark, duck)
    assert duck.height > 0


# --- the distributed path: validation, dates, numbering and running sums in Spark ---------

SIMPLE = tuple(f"CMA{i}" for i in range(1, 10))
SPECIAL = ("CMA2", "CMA6", "CMA8")  # Inf (E05), NaN (E05), lagged OW with SM + DC


def test_distributed_spark_reproduces_every_simple_cma_reference_file(
    spark_engine: SparkEngine,
) -> None:
    # The reference CSV read by Spark itself (dates parsed by Spark from "%Y-%m-%d").
    events = read_spark_events(DATA / "med_events.csv", spark_engine.session)
    for measure in SIMPLE:
        columns = MED_EVENTS_COLUMNS if measure <= "CMA4" else WITH_DOSE_AND_CLASS
        result = compute_cma_distributed(measure, events, **columns, **DEFAULT_WINDOWS)
        assert result.measure == measure
        mine = result.to_polars()
        assert_matches_reference(mine, f"{measure.lower()}_default.csv")
        duck = compute_cma(measure, med_events(), **columns, **DEFAULT_WINDOWS).cma
        _assert_same(mine, duck)
    per_episode = cma_per_episode_distributed(
        events,
        cma_to_apply="CMA9",
        **WITH_DOSE_AND_CLASS,
        maximum_permissible_gap=180,
    )
    assert_matches_reference(per_episode.to_polars(), "cma9_per_episode.csv")
    sliding = cma_sliding_window_distributed(
        events,
        cma_to_apply="CMA9",
        **WITH_DOSE_AND_CLASS,
        observation_window_duration=730,
        sliding_window_duration=90,
        sliding_window_step_duration=30,
    )
    assert_matches_reference(sliding.to_polars(), "cma9_sliding_90_30.csv")
    # AdhereR's default format, unpadded ("4/6/2033"), and a compact one ("20330406")
    dates = pl.col("DATE").str.to_date("%Y-%m-%d")
    for r_format, text in (
        ("%m/%d/%Y", pl.format("{}/{}/{}", dates.dt.month(), dates.dt.day(), dates.dt.year())),
        ("%Y%m%d", dates.dt.strftime("%Y%m%d")),
    ):
        frame = med_events().with_columns(text.alias("DATE"))
        options = {**WITH_DOSE_AND_CLASS, **DEFAULT_WINDOWS, "date_format": r_format}
        spark = compute_cma_distributed(
            "CMA9", spark_engine.session.createDataFrame(frame.to_pandas()), **options
        ).to_polars()
        assert_matches_reference(spark, "cma9_default.csv")


def test_distributed_spark_equals_duckdb_with_every_option(spark_engine: SparkEngine) -> None:
    # Edge cases (NaN / Inf, CMA8's lagged window, fractional durations) from a Spark
    # DataFrame, with calendar units, carry-over for the same medication and dosage change.
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
    events = spark_engine.session.createDataFrame(edge_events().to_pandas())
    runs = [(options, m) for m in ("CMA7", "CMA9")] + [(edge_windows, m) for m in SPECIAL]
    values = []
    for arguments, measure in runs:
        duck = compute_cma(measure, edge_events(), **arguments).cma
        spark = compute_cma_distributed(measure, events, **arguments).to_polars()
        _assert_same(spark, duck)
        values += duck["CMA"].to_list()
    assert [str(v) for v in values if v is not None and not math.isfinite(v)] == ["inf", "nan"]
    episodes = {"maximum_permissible_gap": 30, "maximum_permissible_gap_unit": "percent"}
    duck = cma_per_episode(edge_events(), cma_to_apply="CMA7", **options, **episodes).cma
    spark_episodes = cma_per_episode_distributed(
        events, cma_to_apply="CMA7", **options, **episodes
    ).to_polars()
    _assert_same(spark_episodes, duck)
    assert duck.height > edge_events()["PATIENT_ID"].n_unique()
    windows = {"sliding_window_duration": 2, "sliding_window_duration_unit": "months"}
    duck = cma_sliding_window(
        edge_events(), cma_to_apply="CMA5", **options, **windows, sliding_window_no_steps=5
    ).cma
    spark_windows = cma_sliding_window_distributed(
        events, cma_to_apply="CMA5", **options, **windows, sliding_window_no_steps=5
    ).to_polars()
    _assert_same(spark_windows, duck)
    assert duck.height > 0
    assert len(values) == len(runs) * edge_events()["PATIENT_ID"].n_unique()


def _bad_events() -> pl.DataFrame:
    frame = med_events().with_columns(pl.col("DATE").cast(pl.String))
    dates = frame["DATE"].to_list()
    dates[1], dates[40] = "2033-02-30", "26/04/2033"  # rows 2 and 41
    return frame.with_columns(pl.Series("DATE", dates))


def test_distributed_spark_names_the_same_bad_rows_as_duckdb(spark_engine: SparkEngine) -> None:
    session = spark_engine.session
    bad = _bad_events()
    with pytest.raises(AdherenceInputError) as duck:
        compute_cma("CMA9", bad, **WITH_DOSE_AND_CLASS, **DEFAULT_WINDOWS)
    with pytest.raises(AdherenceInputError) as spark:
        compute_cma_distributed(
            "CMA9", session.createDataFrame(bad.to_pandas()), **WITH_DOSE_AND_CLASS
        )
    assert duck.value.rows == spark.value.rows == (2, 41)
    assert spark.value.column == "DATE"
    assert str(spark.value) == str(duck.value)
    # a supplied row-number column is what the error names
    numbered = bad.with_columns((pl.int_range(pl.len()) * 10 + 100).alias("LINE"))
    with pytest.raises(AdherenceInputError) as caught:
        compute_cma_distributed(
            "CMA1",
            session.createDataFrame(numbered.to_pandas()),
            **MED_EVENTS_COLUMNS,
            row_number_colname="LINE",
        )
    assert caught.value.rows == (110, 500)
    # a window that does not fit names each failing patient's first row
    options: dict[str, Any] = {
        **MED_EVENTS_COLUMNS,
        "followup_window_duration": 100,
        "observation_window_start": 50,
        "observation_window_duration": 100,
    }
    with pytest.raises(AdherenceInputError) as duck:
        compute_cma("CMA1", med_events(), **options)
    with pytest.raises(AdherenceInputError) as spark:
        events = read_spark_events(DATA / "med_events.csv", session)
        compute_cma_distributed("CMA1", events, **options)
    assert spark.value.rows == duck.value.rows
    assert len(spark.value.rows) == med_events()["PATIENT_ID"].n_unique()
    assert str(spark.value) == str(duck.value)

"""The distributed path (Spark end to end) equals the DuckDB path with every option.

Edge patients E01-E17 (NaN / Inf, CMA8's lagged window, fractional durations) with calendar
units, carry-over for the same medication and dosage change; event gaps and treatment
episodes with their own options; medication groups on ``med_events_ATC`` (AdhereR's
``med.groups``, a group column, windows per group, per-episode and sliding windows); and bad
input, which must name the same rows and column. Values to 1e-12, dtypes, missing values,
NaN and Inf identical (``assert_same_as_duckdb``). Skipped without PySpark or Java.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest
from _adherer_helpers import (
    DATA,
    MED_EVENTS_COLUMNS,
    WITH_DOSE_AND_CLASS,
    assert_same_as_duckdb,
    edge_events,
    med_events,
)

from concord.analytics.adherence import (
    AdherenceInputError,
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

EVERY_OPTION: dict[str, Any] = {
    **WITH_DOSE_AND_CLASS,
    "followup_window_duration": 2,
    "followup_window_duration_unit": "years",
    "observation_window_start": 3,
    "observation_window_start_unit": "months",
    "observation_window_duration": 200,
    "carry_only_for_same_medication": True,
    "consider_dosage_change": True,
}
EDGE_WINDOWS: dict[str, Any] = {
    **WITH_DOSE_AND_CLASS,
    "followup_window_duration": 730,
    "observation_window_start": 100,
    "observation_window_duration": 200,
    "carry_only_for_same_medication": True,
    "consider_dosage_change": True,
}


@pytest.fixture(scope="module")
def edge(spark: Any) -> Any:
    return spark.createDataFrame(edge_events().to_pandas())


def test_distributed_cmas_equal_duckdb_on_edge_cases(edge: Any) -> None:
    runs = [(EVERY_OPTION, m) for m in ("CMA7", "CMA9")]
    runs += [(EDGE_WINDOWS, m) for m in ("CMA2", "CMA6", "CMA8")]  # Inf, NaN, lagged OW
    values = []
    for arguments, measure in runs:
        duck = compute_cma(measure, edge_events(), **arguments).cma
        assert_same_as_duckdb(compute_cma_distributed(measure, edge, **arguments).to_polars(), duck)
        values += duck["CMA"].to_list()
    assert [str(v) for v in values if v is not None and not math.isfinite(v)] == ["inf", "nan"]
    assert len(values) == len(runs) * edge_events()["PATIENT_ID"].n_unique()


def test_distributed_per_episode_and_sliding_windows_equal_duckdb_on_edge_cases(
    edge: Any,
) -> None:
    episodes = {"maximum_permissible_gap": 30, "maximum_permissible_gap_unit": "percent"}
    duck = cma_per_episode(edge_events(), cma_to_apply="CMA7", **EVERY_OPTION, **episodes).cma
    spark = cma_per_episode_distributed(edge, cma_to_apply="CMA7", **EVERY_OPTION, **episodes)
    assert_same_as_duckdb(spark.to_polars(), duck)
    assert duck.height > edge_events()["PATIENT_ID"].n_unique()
    windows = {
        "sliding_window_duration": 2,
        "sliding_window_duration_unit": "months",
        "sliding_window_no_steps": 5,
    }
    duck = cma_sliding_window(edge_events(), cma_to_apply="CMA5", **EVERY_OPTION, **windows).cma
    spark = cma_sliding_window_distributed(edge, cma_to_apply="CMA5", **EVERY_OPTION, **windows)
    assert_same_as_duckdb(spark.to_polars(), duck)
    assert duck.height > 0


def test_distributed_event_gaps_equal_duckdb_with_every_option(edge: Any) -> None:
    # carry-over for the same medication with dosage change, calendar windows, every event
    # kept (also those outside the FUW) with its interval, and the window columns
    options: dict[str, Any] = {
        **EVERY_OPTION,
        "carryover_within_obs_window": True,
        "carryover_into_obs_window": True,
        "keep_window_start_end_dates": True,
        "remove_events_outside_followup_window": False,
        "keep_event_interval_for_all_events": True,
    }
    duck = event_intervals_and_gaps(edge_events(), **options).events
    assert_same_as_duckdb(event_intervals_and_gaps_distributed(edge, **options).to_polars(), duck)
    assert duck.height == edge_events().height
    assert duck["gap.days"].null_count() < duck.height


def test_distributed_episodes_equal_duckdb_with_appended_gaps_in_percent(edge: Any) -> None:
    options: dict[str, Any] = {
        **WITH_DOSE_AND_CLASS,
        "followup_window_duration": 2,
        "followup_window_duration_unit": "years",
        "maximum_permissible_gap": 50,
        "maximum_permissible_gap_unit": "percent",
        "maximum_permissible_gap_append_to_episode": True,
        "return_mapping_events_episodes": True,
    }
    duck = treatment_episodes(edge_events(), **options)
    spark = treatment_episodes_distributed(edge, **options)
    assert_same_as_duckdb(spark.to_polars(), duck.episodes)
    assert duck.mapping is not None
    assert_same_as_duckdb(spark_to_polars(spark.mapping), duck.mapping)
    # gaps over half an event's duration split the patients' histories into episodes
    assert duck.episodes.height > edge_events()["PATIENT_ID"].n_unique()


# --- medication groups ------------------------------------------------------------------

ATC_COLUMNS = {**WITH_DOSE_AND_CLASS}


def _atc() -> pl.DataFrame:
    return pl.read_csv(DATA / "med_events_ATC.csv")


def _atc_groups() -> dict[str, str]:
    table = pl.read_csv(DATA / "med_groups.csv")
    return dict(zip(table["name"].to_list(), table["definition"].to_list(), strict=True))


@pytest.fixture(scope="module")
def atc(spark: Any) -> Any:
    return read_spark_events(DATA / "med_events_ATC.csv", spark)


@pytest.mark.parametrize(
    ("measure", "groups", "per_group"),
    [
        ("CMA7", "med_groups", False),
        ("CMA9", "med_groups", False),
        ("CMA2", "med_groups", True),  # windows from each group's own first event
        ("CMA5", "CATEGORY_L1", False),  # one group per value of a column
    ],
)
def test_distributed_medication_groups_equal_duckdb_on_med_events_atc(
    measure: str, groups: str, per_group: bool, atc: Any
) -> None:
    definition: str | dict[str, str] = _atc_groups() if groups == "med_groups" else groups
    options: dict[str, Any] = {
        **ATC_COLUMNS,
        "medication_groups": definition,
        "followup_window_start_per_medication_group": per_group,
    }
    duck = compute_cma(measure, _atc(), **options).cma
    assert_same_as_duckdb(compute_cma_distributed(measure, atc, **options).to_polars(), duck)
    # every one of the 16 patients in every non-empty group, groups in definition order
    names = duck[".MED_GROUP_ID"].unique(maintain_order=True).to_list()
    assert duck.height == 16 * len(names)
    if groups == "med_groups":
        assert names == [n for n in _atc_groups() if n in names]
        assert "__ALL_OTHERS__" not in names  # Vitamins | NotVita covers every row


def test_distributed_medication_groups_per_episode_and_sliding_windows(atc: Any) -> None:
    options: dict[str, Any] = {**ATC_COLUMNS, "medication_groups": _atc_groups()}
    gap = {"maximum_permissible_gap": 60}
    duck = cma_per_episode(_atc(), cma_to_apply="CMA9", **options, **gap).cma
    spark = cma_per_episode_distributed(atc, cma_to_apply="CMA9", **options, **gap)
    assert_same_as_duckdb(spark.to_polars(), duck)
    windows = {"sliding_window_duration": 120, "sliding_window_step_duration": 60}
    duck = cma_sliding_window(_atc(), cma_to_apply="CMA7", **options, **windows).cma
    spark = cma_sliding_window_distributed(atc, cma_to_apply="CMA7", **options, **windows)
    assert_same_as_duckdb(spark.to_polars(), duck)


def test_group_expressions_select_the_same_rows_on_spark_and_polars(spark: Any) -> None:
    # R semantics at the edges: x / 0 is Inf (so "> 5" selects it), %% and %/% round
    # towards minus infinity, round() is half to even, log(0) is -Inf, and NA %in% c(...)
    # is FALSE (so its negation selects the row).
    from concord.analytics.adherence.distributed_groups import group_definitions
    from concord.analytics.adherence.medgroups import evaluate_groups

    frame = pl.DataFrame(
        {
            "A": [-7, 7, 7, 5, None, 0],
            "B": [3, -3, 0, 2, 1, 4],
            "F": [2.5, -2.5, 0.5, 3.5, None, 0.0],
            "C": ["x", "y", None, "x", "y", "z"],
        }
    )
    definitions = {
        "mod": "A %% B == 2",  # -7 %% 3 = 2; 7 %% -3 = -2
        "idiv": "A %/% B == -3",  # -7 %/% 3 = -3; 7 %/% -3 = -3
        "div": "A / B > 5",  # 7 / 0 = Inf
        "round": "round(F) == 2 | round(F) == 4",  # 2.5 -> 2, 3.5 -> 4
        "log": "log(F) < -100",  # log(0) = -Inf
        "notin": "!(C %in% c('x'))",  # NA %in% ... is FALSE
        "nested": "{mod} | (abs(-A) >= 7 & !is.na(F))",
    }
    polars_groups = evaluate_groups(frame, definitions)
    masks = dict(zip(polars_groups.names, polars_groups.masks, strict=True))
    assert masks["mod"].to_list() == [True, False, False, False, False, False]
    assert masks["idiv"].to_list() == [True, True, False, False, False, False]
    assert masks["div"].to_list() == [False, False, True, False, False, False]
    assert masks["round"].to_list() == [True, False, False, True, False, False]
    assert masks["log"].to_list() == [False, False, False, False, False, True]
    assert masks["notin"].to_list() == [False, True, True, False, True, True]
    data = spark.createDataFrame(frame.rows(), "A long, B long, F double, C string")
    schema = {f.name: f.dataType for f in data.schema.fields}
    selections = group_definitions(data, definitions, schema)
    rows = data.select(*[s.alias(n) for n, s in selections]).collect()
    for name, _ in selections:
        assert [r[name] for r in rows] == masks[name].to_list(), name


def test_distributed_bad_input_names_the_same_rows_as_duckdb(spark: Any) -> None:
    frame = med_events().with_columns(pl.col("DATE").cast(pl.String))
    dates = frame["DATE"].to_list()
    dates[1], dates[40] = "2033-02-30", "26/04/2033"  # rows 2 and 41
    bad = frame.with_columns(pl.Series("DATE", dates))
    events = spark.createDataFrame(bad.to_pandas())
    calls = [
        (compute_cma, compute_cma_distributed, ("CMA9",), {"medication_groups": "CATEGORY"}),
        (treatment_episodes, treatment_episodes_distributed, (), {}),
        (
            event_intervals_and_gaps,
            event_intervals_and_gaps_distributed,
            (),
            {"carryover_within_obs_window": True},
        ),
    ]
    for on_duckdb, on_spark, args, extra in calls:
        with pytest.raises(AdherenceInputError) as duck:
            on_duckdb(*args, bad, **WITH_DOSE_AND_CLASS, **extra)
        with pytest.raises(AdherenceInputError) as caught:
            on_spark(*args, events, **WITH_DOSE_AND_CLASS, **extra)
        assert duck.value.rows == caught.value.rows == (2, 41)
        assert caught.value.column == "DATE"
        assert str(caught.value) == str(duck.value)
    # a supplied row-number column is what the error names
    numbered = bad.with_columns((pl.int_range(pl.len()) * 10 + 100).alias("LINE"))
    with pytest.raises(AdherenceInputError) as caught:
        compute_cma_distributed(
            "CMA1",
            spark.createDataFrame(numbered.to_pandas()),
            **MED_EVENTS_COLUMNS,
            row_number_colname="LINE",
        )
    assert caught.value.rows == (110, 500)
    # unreadable group expressions are refused before Spark computes anything
    with pytest.raises(AdherenceInputError, match="not allowed"):
        compute_cma_distributed(
            "CMA1", events, **WITH_DOSE_AND_CLASS, medication_groups={"G": "system('ls')"}
        )


@pytest.mark.parametrize("per_group", [False, True])
def test_distributed_window_that_does_not_fit_names_each_patients_first_row(
    per_group: bool, spark: Any
) -> None:
    # OW 50 + 100 days inside a 100-day FUW: fails for every patient (also per group)
    options: dict[str, Any] = {
        **MED_EVENTS_COLUMNS,
        "followup_window_duration": 100,
        "observation_window_start": 50,
        "observation_window_duration": 100,
    }
    if per_group:
        options |= {
            "event_daily_dose_colname": "PERDAY",
            "medication_class_colname": "CATEGORY",
            "medication_groups": "CATEGORY",
            "followup_window_start_per_medication_group": True,
        }
    with pytest.raises(AdherenceInputError) as duck:
        compute_cma("CMA1", med_events(), **options)
    with pytest.raises(AdherenceInputError) as caught:
        events = read_spark_events(DATA / "med_events.csv", spark)
        compute_cma_distributed("CMA1", events, **options)
    assert caught.value.rows == duck.value.rows
    assert len(caught.value.rows) == med_events()["PATIENT_ID"].n_unique()
    assert str(caught.value) == str(duck.value)


def test_distributed_group_cma1_hand_computed(spark: Any) -> None:
    # Patient 1: X on days 0, 40, 60 (10 days each), Y on day 20 (5 days); patient 2: Y on
    # days 0 and 14 (7 days each). Groups: Xs = CATEGORY == 'X'; Short = DURATION <= 7 and
    # not Xs. Xs: patient 1 (10 + 10) / (60 - 0) = 1/3, patient 2 no X event -> NA (still
    # listed); Short: patient 1 has one event -> NA, patient 2 7 / (14 - 0) = 0.5;
    # __ALL_OTHERS__ selects nothing and is left out.
    rows = [
        (1, "2020-01-01", 10, 1, "X"),
        (1, "2020-01-21", 5, 1, "Y"),
        (1, "2020-02-10", 10, 1, "X"),
        (1, "2020-03-01", 10, 1, "X"),
        (2, "2020-01-01", 7, 1, "Y"),
        (2, "2020-01-15", 7, 1, "Y"),
    ]
    events = spark.createDataFrame(
        rows, "PATIENT_ID long, DATE string, DURATION long, PERDAY long, CATEGORY string"
    )
    groups = {"Xs": "CATEGORY == 'X'", "Short": "(DURATION <= 7) & !{Xs}"}
    result = compute_cma_distributed(
        "CMA1", events, **WITH_DOSE_AND_CLASS, medication_groups=groups
    ).to_polars()
    assert result.columns == ["PATIENT_ID", "CMA", ".MED_GROUP_ID"]
    assert result.rows() == [
        (1, 20 / 60, "Xs"),
        (2, None, "Xs"),
        (1, None, "Short"),
        (2, 0.5, "Short"),
    ]

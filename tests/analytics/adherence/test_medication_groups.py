"""Medication groups: the safe R-expression reader, hand-computed group CMAs, and
med_events_ATC with AdhereR's med_groups checked against independent per-group runs."""

from __future__ import annotations

import polars as pl
import pytest
from _adherer_helpers import DATA

from concord.analytics.adherence import AdherenceInputError, compute_cma
from concord.analytics.adherence.medgroups import evaluate_groups

COLUMNS = {
    "id_colname": "PATIENT_ID",
    "event_date_colname": "DATE",
    "event_duration_colname": "DURATION",
    "event_daily_dose_colname": "PERDAY",
    "medication_class_colname": "CATEGORY",
    "date_format": "%Y-%m-%d",
}

# Patient 1: X on days 0, 40, 60 (10 days each), Y on day 20 (5 days);
# patient 2: Y on days 0 and 14 (7 days each).
SMALL = pl.DataFrame(
    {
        "PATIENT_ID": [1, 1, 1, 1, 2, 2],
        "DATE": [
            "2020-01-01",
            "2020-01-21",
            "2020-02-10",
            "2020-03-01",
            "2020-01-01",
            "2020-01-15",
        ],
        "DURATION": [10, 5, 10, 10, 7, 7],
        "PERDAY": [1, 1, 1, 1, 1, 1],
        "CATEGORY": ["X", "Y", "X", "X", "Y", "Y"],
    }
)
SMALL_GROUPS = {"Xs": "CATEGORY == 'X'", "Short": "(DURATION <= 7) & !{Xs}"}


def test_group_cma1_hand_computed_in_definition_order() -> None:
    # Xs: patient 1 (10+10)/(60-0); patient 2 has no X event -> NA but still listed.
    # Short: patient 1 has one event -> NA; patient 2: 7/(14-0). __ALL_OTHERS__ is empty and
    # therefore omitted.
    result = compute_cma("CMA1", SMALL, **COLUMNS, medication_groups=SMALL_GROUPS).cma
    assert result.columns == ["PATIENT_ID", "CMA", ".MED_GROUP_ID"]
    assert result.get_column(".MED_GROUP_ID").to_list() == ["Xs", "Xs", "Short", "Short"]
    assert result.get_column("PATIENT_ID").to_list() == [1, 2, 1, 2]
    values = result.get_column("CMA").to_list()
    assert values[0] == pytest.approx(20 / 60, rel=1e-12)
    assert values[1] is None and values[2] is None
    assert values[3] == pytest.approx(0.5, rel=1e-12)


def test_group_windows_come_from_all_events_unless_per_group() -> None:
    # Short, patient 1: its only event is day 20. Windows from all events: oe = 0 + 730,
    # CMA2 = 5 / (730 - 20). Per group: the windows start at day 20, CMA2 = 5 / 730.
    shared = compute_cma("CMA2", SMALL, **COLUMNS, medication_groups=SMALL_GROUPS).cma
    own = compute_cma(
        "CMA2",
        SMALL,
        **COLUMNS,
        medication_groups=SMALL_GROUPS,
        followup_window_start_per_medication_group=True,
    ).cma
    assert shared.get_column("CMA")[2] == pytest.approx(5 / 710, rel=1e-12)
    assert own.get_column("CMA")[2] == pytest.approx(5 / 730, rel=1e-12)
    assert own.get_column("CMA")[1] is None  # patient 2 has no X event: listed with NA


def test_groups_from_a_column_one_group_per_value() -> None:
    result = compute_cma("CMA1", SMALL, **COLUMNS, medication_groups="CATEGORY").cma
    assert result.get_column(".MED_GROUP_ID").to_list() == ["X", "X", "Y", "Y"]
    assert result.get_column("CMA")[0] == pytest.approx(20 / 60, rel=1e-12)


def _atc() -> pl.DataFrame:
    return pl.read_csv(DATA / "med_events_ATC.csv")


def _atc_groups() -> dict[str, str]:
    table = pl.read_csv(DATA / "med_groups.csv")
    return dict(zip(table["name"].to_list(), table["definition"].to_list(), strict=True))


def test_med_groups_selections_on_med_events_atc() -> None:
    data = _atc()
    groups = evaluate_groups(data, _atc_groups())
    vitamins = pl.col("CATEGORY_L2") == "VITAMINS"
    expected = {
        "Vitamins": vitamins,
        "VitaResp": vitamins | (pl.col("CATEGORY_L1") == "RESPIRATORY SYSTEM"),
        "VitaShort": vitamins & (pl.col("DURATION") <= 30),
        "VitELow": (pl.col("CATEGORY") == "A11HA03") & (pl.col("PERDAY") <= 500),
        "NotVita": ~vitamins,
    }
    masks = dict(zip(groups.names, groups.masks, strict=True))
    for name, expr in expected.items():
        if name in masks:
            assert masks[name].to_list() == data.select(expr).to_series().to_list(), name
        else:  # an empty group is omitted
            assert not data.select(expr).to_series().any(), name
    assert "__ALL_OTHERS__" not in masks  # Vitamins | NotVita covers every row


@pytest.mark.parametrize("measure", ["CMA1", "CMA7", "CMA9"])
def test_med_groups_on_med_events_atc_equal_per_group_runs(measure: str) -> None:
    # Each group is the CMA on the group's rows with FUW and OW starting at the patient's
    # first event over *all* rows (a Date column read on the first row) -- spec section 5.
    data = _atc().with_columns(
        pl.col("DATE").str.to_date().min().over("PATIENT_ID").alias("FIRST_EVENT")
    )
    grouped = compute_cma(measure, data, **COLUMNS, medication_groups=_atc_groups()).cma
    groups = evaluate_groups(data, _atc_groups())
    assert grouped.height == len(groups.names) * data["PATIENT_ID"].n_unique()
    for name, mask in zip(groups.names, groups.masks, strict=True):
        alone = compute_cma(
            measure,
            data.filter(mask.to_list()),
            **COLUMNS,
            followup_window_start="FIRST_EVENT",
            observation_window_start="FIRST_EVENT",
        ).cma
        ours = grouped.filter(pl.col(".MED_GROUP_ID") == name).join(
            alone, on="PATIENT_ID", how="left", suffix="_alone"
        )
        for mine, theirs in ours.select("CMA", "CMA_alone").iter_rows():
            if theirs is None:
                assert mine is None
            else:
                assert mine == pytest.approx(theirs, rel=1e-9)


@pytest.mark.parametrize(
    "expression",
    [
        "system('rm -rf /')",  # function not allowed
        "__import__('os')",
        "CATEGORY == 'X' ; 1",
        "NOSUCH == 1",  # unknown column
        "{Missing}",
        "DURATION[1] > 2",
    ],
)
def test_unsafe_or_invalid_group_expressions_are_rejected(expression: str) -> None:
    with pytest.raises(AdherenceInputError):
        compute_cma("CMA1", SMALL, **COLUMNS, medication_groups={"G": expression})


def test_group_expression_arithmetic_and_in() -> None:
    groups = evaluate_groups(
        SMALL,
        {
            "A": "DURATION %% 2 == 0 & !(CATEGORY %in% c('Y'))",
            "B": "DURATION^2 >= 49 && abs(-PERDAY) == 1",
        },
    )
    masks = dict(zip(groups.names, groups.masks, strict=True))
    assert masks["A"].to_list() == [True, False, True, True, False, False]
    assert masks["B"].to_list() == [True, False, True, True, True, True]


def test_med_groups_per_episode_and_sliding_windows_equal_per_group_runs() -> None:
    from concord.analytics.adherence import cma_per_episode, cma_sliding_window

    data = _atc().with_columns(
        pl.col("DATE").str.to_date().min().over("PATIENT_ID").alias("FIRST_EVENT")
    )
    groups = evaluate_groups(data, _atc_groups())
    name, mask = groups.names[0], groups.masks[0]  # Vitamins
    subset = data.filter(mask.to_list())
    fixed = {"followup_window_start": "FIRST_EVENT", "observation_window_start": "FIRST_EVENT"}
    for function, extra in (
        (cma_per_episode, {"maximum_permissible_gap": 60}),
        (cma_sliding_window, {"sliding_window_duration": 120, "sliding_window_step_duration": 60}),
    ):
        grouped = function(  # type: ignore[operator]
            data, cma_to_apply="CMA9", **COLUMNS, **extra, medication_groups=_atc_groups()
        ).cma
        alone = function(subset, cma_to_apply="CMA9", **COLUMNS, **extra, **fixed).cma  # type: ignore[operator]
        # patients without events in the group are listed with NA; compare the others
        present = subset.get_column("PATIENT_ID").unique().to_list()
        ours = grouped.filter(
            (pl.col(".MED_GROUP_ID") == name) & pl.col("PATIENT_ID").is_in(present)
        ).drop(".MED_GROUP_ID")
        absent = grouped.filter(
            (pl.col(".MED_GROUP_ID") == name) & ~pl.col("PATIENT_ID").is_in(present)
        )
        assert absent.get_column("CMA").null_count() == absent.height
        assert ours.height == alone.height > 0
        for mine, theirs in zip(ours.iter_rows(), alone.iter_rows(), strict=True):
            assert mine[:-1] == theirs[:-1]
            assert (mine[-1] is None and theirs[-1] is None) or mine[-1] == pytest.approx(
                theirs[-1], rel=1e-9
            )

"""Hand-computed sudden-gain edge cases (data/edgecases_wide.csv, synthetic).

Scores are listed as x_s1 .. x_s12 unless a test says otherwise; "n" is the
pre-gain session. Criterion 3 arithmetic is written out where it decides.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from concord.analytics.trajectories import (
    NoSuddenChangesError,
    TrajectoryInputError,
    identify_sudden_gains,
    identify_sudden_losses,
    sudden_gains_by_gain,
    sudden_gains_by_person,
)
from concord.analytics.trajectories.criteria import CriteriaSettings, evaluate_intervals

DATA = Path(__file__).parent / "data"
S1_12 = [f"x_s{i}" for i in range(1, 13)]
S0_12 = [f"x_s{i}" for i in range(0, 13)]


@pytest.fixture(scope="module")
def edges() -> pl.DataFrame:
    return pl.read_csv(DATA / "edgecases_wide.csv", null_values="NA")


def flags(table: pl.DataFrame, person: int, prefix: str = "sg") -> dict[str, int | None]:
    row = table.filter(pl.col("id") == person)
    return {c: row[c][0] for c in table.columns if c.startswith(f"{prefix}_") and "to" in c}


def gains_of(table: pl.DataFrame, person: int, prefix: str = "sg") -> list[str]:
    return [c for c, v in flags(table, person, prefix).items() if v == 1]


def bysg(data: pl.DataFrame, **kwargs: object) -> pl.DataFrame:
    args: dict[str, object] = {
        "id_var_name": "id",
        "sg_var_list": S1_12,
        "tx_start_var_name": "x_s1",
        "tx_end_var_name": "x_s12",
        "sg_measure_name": "x",
        "sg_crit1_cutoff": 7,
    }
    args.update(kwargs)
    return sudden_gains_by_gain(data, **args)  # type: ignore[arg-type]


def test_clean_gain_id1(edges: pl.DataFrame) -> None:
    # s4 -> s5: 30 -> 15, d = 15 >= 7 and 15 >= 0.25 * 30 = 7.5
    # pre (31, 30, 30): mean 30.333, var ((2/3)^2 + 2 (1/3)^2) / 2 = 1/3
    # post (15, 14, 16): mean 15, var (0 + 1 + 1) / 2 = 1
    # S_pool = sqrt((2 * 1/3 + 2 * 1) / 4) = 0.8165; 2.776 * 0.8165 = 2.267 < 15.333
    table = identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=7)
    assert gains_of(table, 1) == ["sg_4to5"]
    row = bysg(edges).filter(pl.col("id") == 1)
    assert row["id_sg"][0] == "1_sg_4"
    assert row["sg_magnitude"][0] == 15.0
    assert row["sg_reversal_value"][0] == 22.5  # (30 + 15) / 2
    assert row["sg_reversal"][0] == 0  # nothing after s5 exceeds 22.5
    assert row["sg_change_proportion"][0] == 1.0  # 15 / (30 - 15)


@pytest.mark.parametrize(
    ("compat", "identify_sg_1to2", "expected"),
    [
        # compat, default labels: search starts at x_{n+3} = s7, skipping s6 = 25
        ("suddengains", False, 0),
        # compat with identify_sg_1to2: the package starts at x_{n+2}
        ("suddengains", True, 1),
        # default mode: any later session, from x_{n+2} = s6 = 25 > 22.5
        (None, False, 1),
    ],
)
def test_reversal_window_id2(
    edges: pl.DataFrame, compat: str | None, identify_sg_1to2: bool, expected: int
) -> None:
    # gain s4 -> s5 (30 -> 15), midpoint 22.5; only s6 = 25 lies above it.
    # crit 3: post (15, 25, 14) mean 18, var (9 + 49 + 16) / 2 = 37;
    # S_pool = sqrt((2/3 + 74) / 4) = 4.3205; 2.776 * 4.3205 = 11.99 < 30.333 - 18 = 12.33
    columns = S0_12 if identify_sg_1to2 else S1_12
    table = bysg(
        edges, sg_var_list=columns, compat=compat, identify_sg_1to2=identify_sg_1to2
    ).filter(pl.col("id") == 2)
    assert table["sg_session_n"].to_list() == [4]
    assert table["sg_reversal_value"][0] == 22.5
    assert table["sg_reversal"][0] == expected


@pytest.mark.parametrize("compat", ["suddengains", None])
def test_reversal_two_sessions_later_id3(edges: pl.DataFrame, compat: str | None) -> None:
    # s7 = 25 > 22.5: reversed in both modes
    row = bysg(edges, compat=compat).filter(pl.col("id") == 3)
    assert row["sg_reversal"][0] == 1


def test_adjacent_gains_are_both_kept_id4(edges: pl.DataFrame) -> None:
    # 40, 40, 40, 30, 20, 20, ...: s3->s4 (40->30) and s4->s5 (30->20), both d = 10
    # s3->s4: pre (40, 40, 40) var 0, post (30, 20, 20) var 33.33; S_pool = sqrt(66.67/4) = 4.08;
    #         2.776 * 4.08 = 11.33 < 40 - 23.33 = 16.67
    # s4->s5: pre (40, 40, 30) var 33.33, post (20, 20, 20) var 0; same S_pool; 16.67 > 11.33
    table = identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=7)
    assert gains_of(table, 4) == ["sg_3to4", "sg_4to5"]
    rows = bysg(edges).filter(pl.col("id") == 4)
    assert rows["sg_freq_byperson"].to_list() == [2, 2]


def test_exact_boundaries_and_zero_variance_id5(edges: pl.DataFrame) -> None:
    # 28 -> 21: d = 7 >= 7 (inclusive), 7 >= 0.25 * 28 = 7 (inclusive);
    # both windows constant: S_pool = 0, 28 - 21 = 7 > 2.776 * 0 -> passes
    table = identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=7, crit123_details=True)
    row = table.filter(pl.col("id") == 5)
    assert row["sg_crit1_4to5"][0] is True
    assert row["sg_crit2_4to5"][0] is True
    assert row["sg_crit3_4to5"][0] is True
    assert row["sg_4to5"][0] == 1
    # with a cut-off of 7.5 criterion 1 fails: 7 < 7.5
    stricter = identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=7.5)
    assert gains_of(stricter, 5) == []


def test_just_under_cutoff_id6(edges: pl.DataFrame) -> None:
    # 28 -> 22: d = 6 < 7
    table = identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=7)
    assert gains_of(table, 6) == []
    # switching criterion 1 off: 6 >= 0.25 * 28 = 7? no -> still no gain
    no_c1 = identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=None)
    assert gains_of(no_c1, 6) == []
    # switching criteria 1 and 2 off: crit 3 alone, 28 - 22 = 6 > 0 -> gain
    only_c3 = identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=None, sg_crit2_pct=None)
    assert gains_of(only_c3, 6) == ["sg_4to5"]


def test_adjusted_versus_fixed_critical_value_id7(edges: pl.DataFrame) -> None:
    # 35, NA, 34, 26, 17, 21, 19, ...: s4 -> s5 (26 -> 17), d = 9 >= 7, 9 >= 6.5
    # pre (NA, 34, 26): n = 2, mean 30, var 32; post (17, 21, 19): mean 19, var 4
    # S_pool = sqrt((1 * 32 + 2 * 4) / 3) = 3.651; shift 30 - 19 = 11
    # adjusted (df 3): 3.182 * 3.651 = 11.62 > 11 -> no gain
    # fixed 2.776: 2.776 * 3.651 = 10.14 < 11 -> gain
    adjusted = identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=7)
    fixed = identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=7, sg_crit3_adjust=False)
    assert flags(adjusted, 7)["sg_4to5"] == 0
    assert flags(fixed, 7)["sg_4to5"] == 1
    # the first interval s2 -> s3 involves the missing s2: NA in both
    assert flags(adjusted, 7)["sg_2to3"] is None
    # alpha = .01 with adjustment is stricter still (5.841 * 3.651 = 21.3)
    strict = identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=7, sg_crit3_alpha=0.01)
    assert flags(strict, 7)["sg_4to5"] == 0


def test_first_last_and_never_examined_intervals_ids_8_9_10(edges: pl.DataFrame) -> None:
    table = identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=7)
    # first examined interval s2 -> s3; pre window only (s1, s2): df = 3
    assert gains_of(table, 8) == ["sg_2to3"]
    # last examined interval s10 -> s11; post window only (s11, s12)
    assert gains_of(table, 9) == ["sg_10to11"]
    # s11 -> s12 is never examined: no column and no gain
    assert "sg_11to12" not in table.columns
    assert gains_of(table, 10) == []
    rows = bysg(edges).filter(pl.col("id").is_in([8, 9]))
    # id 8: sg_x_2n is session 0, outside s1..s12 -> null
    assert rows["sg_x_2n"].to_list() == [None, 31.0]
    # id 9: sg_x_n3 is session 13 -> null
    assert rows["sg_x_n3"].to_list() == [15.0, None]


def test_missing_pre_gain_session_gives_na_id11(edges: pl.DataFrame) -> None:
    # s4 missing next to the 30 -> 15 drop: s3->s4 and s4->s5 are NA, never a gain across it
    table = identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=7)
    assert flags(table, 11)["sg_3to4"] is None
    assert flags(table, 11)["sg_4to5"] is None
    assert gains_of(table, 11) == []


@pytest.mark.parametrize(
    ("compat", "pct", "expected"),
    [
        # suddengains: a - b <= p * a; with p = +0.25, -8 <= 10 holds for any increase
        ("suddengains", 0.25, [12, 13, 17, 20, 21]),
        # suddengains with p = -0.25: -8 <= -7.5 (id 12) passes, -8 <= -10 (id 13) fails
        ("suddengains", -0.25, [12, 17, 20, 21]),
        # default mode ignores the sign: rise >= 0.25 * pre-loss score
        (None, 0.25, [12, 17, 20, 21]),
        (None, -0.25, [12, 17, 20, 21]),
    ],
)
def test_sudden_loss_criterion2_sign_ids_12_13(
    edges: pl.DataFrame, compat: str | None, pct: float, expected: list[int]
) -> None:
    table = identify_sudden_losses(
        edges, "id", S1_12, sg_crit1_cutoff=-7, sg_crit2_pct=pct, compat=compat
    )
    persons = [p for p in table["id"].to_list() if gains_of(table, p, "sl")]
    assert persons == expected


@pytest.mark.parametrize(
    ("select", "expected_14", "expected_15"),
    [
        ("first", "14_sg_3", "15_sg_3"),
        ("last", "14_sg_7", "15_sg_7"),
        # 10 vs 20: smallest 10 (s3); equal sizes (id 14) -> earliest
        ("smallest", "14_sg_3", "15_sg_3"),
        ("largest", "14_sg_3", "15_sg_7"),
    ],
)
def test_multiple_gain_selection_ids_14_15(
    edges: pl.DataFrame, select: str, expected_14: str, expected_15: str
) -> None:
    for compat in ("suddengains", None):
        table = sudden_gains_by_person(
            edges,
            id_var_name="id",
            sg_var_list=S1_12,
            tx_start_var_name="x_s1",
            tx_end_var_name="x_s12",
            sg_measure_name="x",
            sg_crit1_cutoff=7,
            multiple_sg_select=select,  # type: ignore[arg-type]
            compat=compat,
        )
        chosen = dict(zip(table["id"].to_list(), table["id_sg"].to_list(), strict=True))
        assert chosen[14] == expected_14
        assert chosen[15] == expected_15
        # persons without a gain keep a row with sg_crit123 = 0 and freq 0
        no_gain = table.filter(pl.col("id") == 6)
        assert no_gain["sg_crit123"][0] == 0
        assert no_gain["sg_freq_byperson"][0] == 0
        assert no_gain["id_sg"][0] is None
        assert table.height == 21


@pytest.mark.parametrize(
    ("compat", "select", "expected"),
    [
        # losses +10 (s3) and +20 (s7): magnitudes -10 and -20.
        # compat compares signed magnitudes: largest = max(-10, -20) = -10 -> the SMALLER loss
        ("suddengains", "largest", "21_sg_3"),
        ("suddengains", "smallest", "21_sg_7"),
        # default compares absolute sizes
        (None, "largest", "21_sg_7"),
        (None, "smallest", "21_sg_3"),
    ],
)
def test_loss_size_selection_quirk_id21(
    edges: pl.DataFrame, compat: str | None, select: str, expected: str
) -> None:
    table = sudden_gains_by_person(
        edges,
        id_var_name="id",
        sg_var_list=S1_12,
        tx_start_var_name="x_s1",
        tx_end_var_name="x_s12",
        sg_measure_name="x",
        sg_crit1_cutoff=-7,
        identify="sl",
        multiple_sg_select=select,  # type: ignore[arg-type]
        compat=compat,
    )
    assert table.filter(pl.col("id") == 21)["id_sg"][0] == expected


def test_almost_all_missing_id16(edges: pl.DataFrame) -> None:
    table = identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=7)
    assert all(v is None for v in flags(table, 16).values())


def test_v_shape_change_proportion_infinity_id17(edges: pl.DataFrame) -> None:
    # gain s4->s5 (30 -> 15), back to 30 at s8; tx change 30 - 30 = 0
    compat = bysg(edges, compat="suddengains").filter(pl.col("id") == 17)
    default = bysg(edges).filter(pl.col("id") == 17)
    # 15 / 0 = +Inf is kept by suddengains (only -Inf becomes NA); the default mode nulls it
    assert compat["sg_change_proportion"][0] == float("inf")
    assert default["sg_change_proportion"][0] is None
    assert compat["sg_reversal"][0] == 1
    assert default["sg_reversal"][0] == 1


def test_alternating_swings_fail_criterion3_id18(edges: pl.DataFrame) -> None:
    # s2 -> s3: 35 -> 15, d = 20, crit 1 and 2 pass;
    # pre (20, 35): mean 27.5, var 112.5; post (15, 36, 20): mean 23.67, var 120.33
    # S_pool = sqrt((112.5 + 240.67) / 3) = 10.85; 3.182 * 10.85 = 34.5 > 3.83 -> fails
    table = identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=7, crit123_details=True)
    row = table.filter(pl.col("id") == 18)
    assert row["sg_crit1_2to3"][0] is True
    assert row["sg_crit2_2to3"][0] is True
    assert row["sg_crit3_2to3"][0] is False
    assert row["sg_2to3"][0] == 0


def test_later_value_equal_to_midpoint_is_not_a_reversal_id19(edges: pl.DataFrame) -> None:
    # 30 -> 14: midpoint 22; s9 = 22 is not strictly above it
    for compat in ("suddengains", None):
        row = bysg(edges, compat=compat).filter(pl.col("id") == 19)
        assert row["sg_reversal_value"][0] == 22.0
        assert row["sg_reversal"][0] == 0


def test_loss_reversal_below_midpoint_id20(edges: pl.DataFrame) -> None:
    # rise 30 -> 40 (s4 -> s5), midpoint 35; s9 = 34 < 35 -> loss reversed
    row = bysg(edges, sg_crit1_cutoff=-7, identify="sl").filter(pl.col("id") == 20)
    assert row["sg_magnitude"][0] == -10.0
    assert row["sg_reversal_value"][0] == 35.0
    assert row["sg_reversal"][0] == 1


def test_loss_change_proportion_sign(edges: pl.DataFrame) -> None:
    # id 21: magnitude -20 (s7), tx change 10 - 40 = -30
    compat = bysg(edges, sg_crit1_cutoff=-7, identify="sl", compat="suddengains")
    default = bysg(edges, sg_crit1_cutoff=-7, identify="sl")
    # suddengains: |-20| / -30 = -0.667; default: -20 / -30 = 0.667 (share of the worsening)
    pick = pl.col("id_sg") == "21_sg_7"
    assert compat.filter(pick)["sg_change_proportion"][0] == pytest.approx(-2 / 3)
    assert default.filter(pick)["sg_change_proportion"][0] == pytest.approx(2 / 3)


def test_baseline_variant_shifts_labels(edges: pl.DataFrame) -> None:
    # with x_s0 .. x_s12 and identify_sg_1to2 the first column is "session 0";
    # intervals s1 -> s2 .. s10 -> s11 are labelled sg_1to2 .. sg_10to11
    table = identify_sudden_gains(edges, "id", S0_12, sg_crit1_cutoff=7, identify_sg_1to2=True)
    labels = [c for c in table.columns if c.startswith("sg_")]
    assert labels[0] == "sg_1to2"
    assert labels[-1] == "sg_10to11"
    assert len(labels) == 10
    # id 8's s2 -> s3 gain keeps its session label; s0 now joins its pre window
    assert gains_of(table, 8) == ["sg_2to3"]
    rows = bysg(edges, sg_var_list=S0_12, identify_sg_1to2=True).filter(pl.col("id") == 8)
    # n = 2: sessions 0 .. 5 are 30, 30, 30, 15, 14, 15
    around = ["sg_x_2n", "sg_x_1n", "sg_x_n", "sg_x_n1", "sg_x_n2", "sg_x_n3"]
    assert rows.select(around).row(0) == (30.0, 30.0, 30.0, 15.0, 14.0, 15.0)


def test_higher_is_better_matches_reflected_package_losses() -> None:
    """A gain on a higher-is-better scale is suddengains' identify_sl with C1 < 0, p < 0."""
    reflected = pl.read_csv(DATA / "sgdata_bdi_reflected.csv", null_values="NA")
    columns = [f"bdirev_s{i}" for i in range(1, 13)]
    ours = identify_sudden_gains(
        reflected, "id", columns, sg_crit1_cutoff=7, direction="higher_is_better"
    )
    package = identify_sudden_losses(
        reflected, "id", columns, sg_crit1_cutoff=-7, sg_crit2_pct=-0.25, compat="suddengains"
    )
    ours_flags = ours.select(pl.col("^sg_.*$")).to_numpy()
    package_flags = package.select(pl.col("^sl_.*$")).to_numpy()
    assert np.array_equal(np.isnan(ours_flags), np.isnan(package_flags))
    assert np.nansum(ours_flags) == np.nansum(package_flags)
    assert np.array_equal(np.nan_to_num(ours_flags), np.nan_to_num(package_flags))
    assert np.nansum(ours_flags) > 0


def test_criteria_1_and_3_invariant_under_reflection() -> None:
    """Without criterion 2, BDI gains and reflected-BDI (higher is better) gains coincide."""
    sgdata = pl.read_csv(DATA / "sgdata.csv", null_values="NA")
    reflected = pl.read_csv(DATA / "sgdata_bdi_reflected.csv", null_values="NA")
    bdi = identify_sudden_gains(
        sgdata, "id", [f"bdi_s{i}" for i in range(1, 13)], sg_crit1_cutoff=7, sg_crit2_pct=None
    )
    rev = identify_sudden_gains(
        reflected,
        "id",
        [f"bdirev_s{i}" for i in range(1, 13)],
        sg_crit1_cutoff=7,
        sg_crit2_pct=None,
        direction="higher_is_better",
    )
    assert bdi.select(pl.col("^sg_.*$")).equals(rev.select(pl.col("^sg_.*$")))
    assert int(bdi.select(pl.col("^sg_.*$")).sum().sum_horizontal()[0]) >= 24


def test_higher_is_better_bysg_signs() -> None:
    data = pl.DataFrame(
        {"id": [1], **{f"a{i}": [v] for i, v in enumerate([20, 21, 20, 21, 32, 33, 32, 33], 1)}}
    )
    columns = [f"a{i}" for i in range(1, 9)]
    # rise 21 -> 32 at a4 -> a5: improvement 11 on a higher-is-better scale;
    # crit 2 on (score - 10): 11 >= 0.25 * (21 - 10) = 2.75
    table = sudden_gains_by_gain(
        data,
        id_var_name="id",
        sg_var_list=columns,
        tx_start_var_name="a1",
        tx_end_var_name="a8",
        sg_measure_name="srs",
        sg_crit1_cutoff=5,
        direction="higher_is_better",
        crit2_scale_minimum=10,
    )
    assert table["sg_session_n"].to_list() == [4]
    assert table["sg_magnitude"][0] == 11.0  # 32 - 21
    assert table["sg_srs_tx_change"][0] == 13.0  # 33 - 20
    assert table["sg_change_proportion"][0] == pytest.approx(11 / 13)
    assert table["sg_reversal_value"][0] == 26.5
    assert table["sg_reversal"][0] == 0


def test_no_gain_compat_raises_default_returns_empty(edges: pl.DataFrame) -> None:
    only6 = edges.filter(pl.col("id") == 6)
    with pytest.raises(NoSuddenChangesError, match="No sudden gains were identified"):
        bysg(only6, compat="suddengains")
    empty = bysg(only6)
    assert empty.height == 0
    assert "sg_reversal" in empty.columns
    people = sudden_gains_by_person(
        only6,
        id_var_name="id",
        sg_var_list=S1_12,
        tx_start_var_name="x_s1",
        tx_end_var_name="x_s12",
        sg_measure_name="x",
        sg_crit1_cutoff=7,
    )
    assert people.select("id", "sg_crit123", "sg_freq_byperson", "id_sg").rows() == [
        (6, 0, 0, None)
    ]


def test_invalid_arguments_name_the_problem(edges: pl.DataFrame) -> None:
    with pytest.raises(TrajectoryInputError, match="zero or positive"):
        identify_sudden_gains(edges, "id", S1_12, sg_crit1_cutoff=-7)
    with pytest.raises(TrajectoryInputError, match="zero or negative"):
        identify_sudden_losses(edges, "id", S1_12, sg_crit1_cutoff=7)
    with pytest.raises(TrajectoryInputError, match="at least one of the three"):
        identify_sudden_gains(
            edges, "id", S1_12, sg_crit1_cutoff=None, sg_crit2_pct=None, sg_crit3=False
        )
    with pytest.raises(TrajectoryInputError, match="'x_s99'"):
        identify_sudden_gains(edges, "id", [*S1_12[:-1], "x_s99"], sg_crit1_cutoff=7)
    with pytest.raises(TrajectoryInputError, match="direction"):
        identify_sudden_gains(
            edges,
            "id",
            S1_12,
            sg_crit1_cutoff=7,
            direction="higher_is_better",
            compat="suddengains",
        )
    with pytest.raises(TrajectoryInputError, match="at least 4"):
        identify_sudden_gains(edges, "id", S1_12[:3], sg_crit1_cutoff=7)


def test_bad_cells_name_row_and_column() -> None:
    text = pl.DataFrame(
        {"id": ["1", "2"], **{f"s{i}": ["10", "11"] for i in range(1, 6)}}
    ).with_columns(pl.Series("s3", ["12", "twelve"]))
    with pytest.raises(TrajectoryInputError, match=r"row 2, column 's3': 'twelve'"):
        identify_sudden_gains(text, "id", [f"s{i}" for i in range(1, 6)], sg_crit1_cutoff=7)
    duplicated = pl.DataFrame({"id": [1, 1], **{f"s{i}": [1.0, 2.0] for i in range(1, 6)}})
    with pytest.raises(TrajectoryInputError, match="row 2, column 'id'"):
        identify_sudden_gains(duplicated, "id", [f"s{i}" for i in range(1, 6)], sg_crit1_cutoff=7)


def test_criterion3_only_na_when_a_window_has_fewer_than_two_values() -> None:
    # one person, 6 occasions; occasion 2 and 4 missing (0-based 1 and 3)
    scores = np.array([[20.0, np.nan, 19.0, np.nan, 10.0, 9.0]])
    settings = CriteriaSettings(kind="decrease", crit1_cutoff=None, crit2_pct=None)
    result = evaluate_intervals(scores, settings, keep_statistics=True)
    # intervals (0-based post) 2, 3, 4: pre windows [20, NA] / [20, NA, 19] / [NA, 19, NA]
    assert result.n_pre is not None and result.n_post is not None
    assert result.n_pre.tolist() == [[1, 2, 1]]
    assert result.n_post.tolist() == [[2, 2, 2]]
    assert result.crit123_available.tolist() == [[False, True, False]]
    # interval 3: pre (20, 19) mean 19.5, post (NA, 10, 9) mean 9.5, df 2, t = 4.303;
    # S_pool = sqrt((0.5 + 0.5) / 2) = 0.7071; 4.303 * 0.7071 = 3.04 < 10 -> met
    assert result.crit123_met.tolist() == [[False, True, False]]

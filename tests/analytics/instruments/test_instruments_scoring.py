"""Hand-computed scoring cases (arithmetic in the comments) and table scoring."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from concord.analytics.instruments import (
    InvalidResponseError,
    TableScoringError,
    get_instrument,
    score_response,
    score_table,
)

PHQ9 = get_instrument("phq9")


def phq(*values: float | None) -> dict[str, float | None]:
    return {f"q{i}": v for i, v in enumerate(values, start=1)}


def test_phq9_total_band_and_safety_item() -> None:
    # 3 + 2 + 1 + 0 + 1 + 2 + 3 + 0 + 1 = 13 -> moderate (10-14); item 9 = 1 > 0 -> safety
    result = score_response(PHQ9, phq(3, 2, 1, 0, 1, 2, 3, 0, 1))
    total = result.scale("total")
    assert (total.value, total.status, total.band) == (13.0, "complete", "moderate")
    assert result.flags == ("safety_item9",)
    assert result.safety_alert is True
    assert (result.instrument, result.version, result.rater) == ("phq9", "1.0", "patient")


def test_phq9_item9_zero_raises_no_safety_flag() -> None:
    result = score_response(PHQ9, phq(3, 3, 3, 3, 3, 3, 3, 3, 0))
    # 8 x 3 = 24 -> severe
    assert (result.scale("total").value, result.scale("total").band) == (24.0, "severe")
    assert result.safety_alert is False and result.flags == ()


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_boundaries_kroenke_2001(total: int, band: str) -> None:
    # spread the total over the items: as many 3s as fit, then the remainder
    values = [3] * (total // 3) + ([total % 3] if total % 3 else [])
    values += [0] * (9 - len(values))
    assert score_response(PHQ9, phq(*values)).scale("total").band == band


def test_phq9_prorated_with_two_missing_items() -> None:
    # answered: 3 + 2 + 1 + 0 + 1 + 2 + 3 = 12 over 7 items -> 12 x 9 / 7 = 15.428571
    total = score_response(PHQ9, phq(3, 2, 1, 0, 1, 2, 3, None, None)).scale("total")
    assert total.value == pytest.approx(108 / 7)
    assert (total.status, total.n_missing, total.band) == ("prorated", 2, "moderately_severe")


def test_phq9_not_scorable_with_three_missing_items() -> None:
    total = score_response(PHQ9, phq(3, 2, 1, 0, 1, 2, None, None, None)).scale("total")
    assert (total.value, total.status, total.reason, total.band) == (
        None,
        "not_scorable",
        "too_many_missing",
        None,
    )
    empty = score_response(PHQ9, {}).scale("total")
    assert empty.reason == "no_answers"


def test_phq9_difficulty_item_is_not_scored() -> None:
    # items 1-9 all 1 = 9; item 10 = 3 does not count
    result = score_response(PHQ9, {**phq(1, 1, 1, 1, 1, 1, 1, 1, 1), "q10": 3})
    assert result.scale("total").value == 9.0


def test_gad7_total_and_band_spitzer_2006() -> None:
    # 2 + 2 + 1 + 1 + 2 + 1 + 1 = 10 -> moderate (10-14)
    gad = get_instrument("GAD-7")
    values = dict(zip([f"q{i}" for i in range(1, 8)], [2, 2, 1, 1, 2, 1, 1], strict=True))
    assert score_response(gad, values).scale("total").band == "moderate"
    assert score_response(gad, values).scale("total").value == 10.0


def test_waisr_subscale_means_hatcher_gillaspy_2006() -> None:
    # Task q1 q2 q10 q12 = 5 4 4 3 -> 16 / 4 = 4.0
    # Goal q4 q6 q8 q11 = 2 3 3 4 -> 12 / 4 = 3.0
    # Bond q3 q5 q7 q9 = 5 5 4 5 -> 19 / 4 = 4.75; total 47 / 12 = 3.916667
    answers = {
        "q1": 5,
        "q2": 4,
        "q10": 4,
        "q12": 3,
        "q4": 2,
        "q6": 3,
        "q8": 3,
        "q11": 4,
        "q3": 5,
        "q5": 5,
        "q7": 4,
        "q9": 5,
    }
    result = score_response(get_instrument("WAI-SR"), answers)
    assert result.scale("task").value == 4.0
    assert result.scale("goal").value == 3.0
    assert result.scale("bond").value == 4.75
    assert result.scale("total").value == pytest.approx(47 / 12)
    # without q1: task = (4 + 4 + 3) / 3 = 3.6667 (prorated); total = 42 / 11
    del answers["q1"]
    result = score_response(get_instrument("WAI-SR"), answers)
    assert result.scale("task").value == pytest.approx(11 / 3)
    assert result.scale("task").status == "prorated"
    assert result.scale("total").value == pytest.approx(42 / 11)


def test_arms_item12_reversed_kripalani_2009() -> None:
    # all answers 1: item 12 scores 5 - 1 = 4; taking 8 x 1 = 8; refill 1 + 1 + 1 + 4 = 7;
    # total 11 + 4 = 15
    result = score_response(get_instrument("arms"), {f"q{i}": 1 for i in range(1, 13)})
    assert result.scale("taking").value == 8.0
    assert result.scale("refill").value == 7.0
    assert result.scale("total").value == 15.0


def test_bmq_necessity_concerns_differential() -> None:
    # necessity 5 x 4 = 20; concerns 5 x 2 = 10; differential 20 - 10 = 10
    answers = {
        **{f"n{i}": 4 for i in range(1, 6)},
        **{f"c{i}": 2 for i in range(1, 6)},
        **{f"o{i}": 3 for i in range(1, 5)},
        **{f"h{i}": 1 for i in range(1, 5)},
    }
    result = score_response(get_instrument("bmq"), answers)
    assert result.differences == {"necessity_concerns_differential": 10.0}
    assert result.scale("general_overuse").value == 12.0
    assert result.scale("general_harm").value == 4.0


def test_bars_non_adherence_below_70_byerly_2008() -> None:
    bars = get_instrument("bars")
    low = score_response(bars, {"q1": 2, "q2": 5, "q3": 4, "q4": 65})
    assert low.scale("adherence_estimate").value == 65.0
    assert low.flags == ("non_adherence",)
    assert score_response(bars, {"q4": 70}).flags == ()
    assert score_response(bars, {"q1": 2}).scale("adherence_estimate").status == "not_scorable"


def test_srs_concern_below_36_and_ors_clinical_below_25() -> None:
    # SRS 9.1 + 9.0 + 8.5 + 9.2 = 35.8 < 36 -> alliance_concern; 4 x 9 = 36 -> none
    srs = get_instrument("srs")
    ids = [item.id for item in srs.items]
    low = score_response(srs, dict(zip(ids, [9.1, 9.0, 8.5, 9.2], strict=True)))
    assert low.scale("total").value == pytest.approx(35.8)
    assert low.flags == ("alliance_concern",)
    assert score_response(srs, dict.fromkeys(ids, 9)).flags == ()
    # ORS 6.2 + 6.0 + 6.5 + 6.2 = 24.9 < 25 -> clinical band and flag
    ors = get_instrument("ors")
    result = score_response(ors, dict(zip(ors.item_ids, [6.2, 6.0, 6.5, 6.2], strict=True)))
    assert result.scale("total").band == "clinical"
    assert result.flags == ("clinical_range",)


@pytest.mark.parametrize(
    ("code", "item", "value", "reason"),
    [
        ("phq9", "q1", 4, "not_permitted"),
        ("phq9", "q1", 1.5, "not_permitted"),
        ("phq9", "q1", -1, "not_permitted"),
        ("phq9", "q1", "often", "not_numeric"),
        ("phq9", "q1", True, "not_numeric"),
        ("phq9", "q11", 1, "unknown_item"),
        ("srs", "overall", 10.5, "out_of_range"),
        ("bars", "q1", 2.5, "not_integer"),
        ("waios", "task1", 0, "not_permitted"),
    ],
)
def test_out_of_range_answers_are_rejected_naming_the_item(
    code: str, item: str, value: object, reason: str
) -> None:
    with pytest.raises(InvalidResponseError) as caught:
        score_response(get_instrument(code), {item: value})
    assert (caught.value.item, caught.value.reason) == (item, reason)
    assert item in str(caught.value)


def test_numeric_strings_are_accepted() -> None:
    assert (
        score_response(PHQ9, phq("1", "2", "0", "0", "0", "0", "0", "0", "0")).scale("total").value
        == 3.0
    )


def test_score_table_matches_single_scoring_and_keeps_columns() -> None:
    table = pl.DataFrame(
        {
            "administration": ["a", "b", "c"],
            **{f"q{i}": [3, 1, None] for i in range(1, 10)},
            "q10": [0, 1, 2],
        }
    )
    # a: 9 x 3 = 27 severe, item 9 = 3 -> flag; b: 9 x 1 = 9 mild; c: nothing answered
    scores = score_table(PHQ9, table, keep=["administration"])
    assert scores.columns == [
        "administration",
        "total",
        "total_status",
        "total_reason",
        "total_band",
        "flag_safety_item9",
    ]
    assert scores["total"].to_list() == [27.0, 9.0, None]
    assert scores["total_status"].to_list() == ["complete", "complete", "not_scorable"]
    assert scores["total_band"].to_list() == ["severe", "mild", None]
    assert scores["total_reason"].to_list() == [None, None, "no_answers"]
    assert scores["flag_safety_item9"].to_list() == [True, True, False]


def test_score_table_equals_score_response_on_random_waisr_with_gaps() -> None:
    wai = get_instrument("waisr")
    rng = np.random.default_rng(11)
    data = rng.integers(1, 6, size=(300, 12)).astype(float)
    data[rng.random((300, 12)) < 0.1] = np.nan
    table = pl.DataFrame({item: data[:, j] for j, item in enumerate(wai.item_ids)}).fill_nan(None)
    scores = score_table(wai, table)
    for row in range(300):
        single = score_response(wai, {k: table[k][row] for k in wai.item_ids})
        for scale in wai.scales:
            expected = single.scale(scale.code)
            assert scores[scale.code][row] == (
                None if expected.value is None else pytest.approx(expected.value)
            )
            assert scores[f"{scale.code}_status"][row] == expected.status
            assert scores[f"{scale.code}_reason"][row] == expected.reason


def test_score_table_errors_name_row_and_column() -> None:
    table = pl.DataFrame({f"q{i}": [0, 1, 2] for i in range(1, 11)})
    bad = table.with_columns(pl.Series("q2", [0, 1, 7]))
    with pytest.raises(TableScoringError, match=r"row 3, column 'q2'") as caught:
        score_table(PHQ9, bad)
    assert (caught.value.row, caught.value.column) == (3, "q2")
    text = table.with_columns(pl.Series("q5", ["0", "x", "1"]))
    with pytest.raises(TableScoringError, match=r"row 2, column 'q5'.*not a number"):
        score_table(PHQ9, text)
    with pytest.raises(TableScoringError, match=r"column 'q9'.*missing"):
        score_table(PHQ9, table.drop("q9"))

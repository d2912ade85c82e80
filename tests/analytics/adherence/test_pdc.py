"""PQA proportion of days covered and medication possession ratio, hand-computed.

Day numbers in the comments count from 2023-01-01 (day 0); 2023 has 365 days, so the
2023 measurement period ends on day 364 and a patient indexed on day d has 365 - d days.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.mpr import medication_possession_ratio
from concord.analytics.adherence.pdc import (
    ISO8601,
    Fill,
    antiretroviral_classes,
    is_antiretroviral_atc,
    pdc_for_patient,
    proportion_of_days_covered,
)

Y0 = date(2023, 1, 1)
PERIOD: dict[str, Any] = {"period_start": "2023-01-01", "period_end": "2023-12-31"}
COLS: dict[str, Any] = {"id_col": "id", "date_col": "date", "duration_col": "days"}


def day(n: int) -> date:
    return Y0 + timedelta(days=n)


def fills_frame(rows: Sequence[tuple[Any, ...]], with_class: bool = False) -> pl.DataFrame:
    names = ["id", "date", "days", "cls"] if with_class else ["id", "date", "days"]
    data = {name: [r[i] for r in rows] for i, name in enumerate(names)}
    data["date"] = [d.isoformat() if isinstance(d, date) else d for d in data["date"]]
    return pl.DataFrame(data, strict=False)


def pdc_rows(rows: Sequence[tuple[Any, ...]], **kwargs: Any) -> list[dict[str, Any]]:
    with_class = "class_col" in kwargs
    options = {**COLS, **PERIOD, **kwargs}
    return proportion_of_days_covered(fills_frame(rows, with_class), **options).to_dicts()  # type: ignore[arg-type]


def test_pqa_worked_example_overlap_shifted_forward() -> None:
    # day 0 30 days -> [0, 30); day 25 30 days overlaps 5 days -> shifted to [30, 60);
    # day 100 30 days -> [100, 130). Covered 30 + 30 + 30 = 90; period 365 days.
    # PDC = 90 / 365 = 0.2465753...
    (row,) = pdc_rows([(1, day(0), 30), (1, day(25), 30), (1, day(100), 30)])
    assert row["status"] == "eligible"
    assert row["index_date"] == day(0)
    assert row["period_end"] == date(2023, 12, 31)
    assert row["days_in_period"] == 365
    assert row["days_covered"] == 90.0
    assert row["pdc"] == pytest.approx(90 / 365, rel=1e-12)
    assert row["adherent"] is False


def test_regular_monthly_fills_are_adherent() -> None:
    # 12 fills of 30 days on days 0, 30, ..., 330 cover [0, 360) -> 360 / 365 = 0.98630...
    (row,) = pdc_rows([(7, day(30 * k), 30) for k in range(12)])
    assert row["days_covered"] == 360.0
    assert row["pdc"] == pytest.approx(360 / 365, rel=1e-12)
    assert row["adherent"] is True


def test_pdc_exactly_at_the_threshold_is_adherent() -> None:
    # [0, 200) + [250, 342) = 292 days; 292 / 365 = 0.8 exactly -> PDC >= 0.80 is adherent.
    (row,) = pdc_rows([(1, day(0), 200), (1, day(250), 92)])
    assert row["pdc"] == 0.8
    assert row["adherent"] is True
    # One day less: 291 / 365 = 0.797... -> not adherent.
    (below,) = pdc_rows([(1, day(0), 200), (1, day(250), 91)])
    assert below["adherent"] is False


def test_supply_beyond_period_end_is_truncated() -> None:
    # [0, 90) + [300, 390) truncated at day 365 -> 90 + 65 = 155 -> 155 / 365
    (row,) = pdc_rows([(1, day(0), 90), (1, day(300), 90)])
    assert row["days_covered"] == 155.0
    assert row["pdc"] == pytest.approx(155 / 365, rel=1e-12)


def test_shifted_supply_is_truncated_and_pdc_never_exceeds_one() -> None:
    # Three 180-day fills on days 0, 10, 20 shift to [0,180), [180,360), [360,540);
    # truncated at 365 -> 180 + 180 + 5 = 365 covered -> PDC exactly 1 (MPR would be 540/365).
    (row,) = pdc_rows([(1, day(0), 180), (1, day(10), 180), (1, day(20), 180)])
    assert row["days_covered"] == 365.0
    assert row["pdc"] == 1.0


def test_period_runs_from_index_date_not_period_start() -> None:
    # Index 2023-07-01 = day 181 -> 365 - 181 = 184 days in period.
    # [181, 271) + [271, 361) + day 361 onwards truncated to [361, 365) -> 90 + 90 + 4 = 184
    (row,) = pdc_rows([(1, day(181), 90), (1, day(271), 90), (1, day(361), 30)])
    assert row["index_date"] == date(2023, 7, 1)
    assert row["days_in_period"] == 184
    assert row["days_covered"] == 184.0
    assert row["pdc"] == 1.0
    assert row["adherent"] is True


def test_single_fill_is_ineligible() -> None:
    (row,) = pdc_rows([(1, day(0), 30)])
    assert row["status"] == "fewer_than_two_fills"
    assert row["index_date"] == day(0)
    assert row["pdc"] is None
    assert row["days_covered"] is None
    assert row["adherent"] is None


def test_two_fills_on_the_same_day_are_not_two_distinct_dates() -> None:
    (row,) = pdc_rows([(1, day(0), 30), (1, day(0), 30)])
    assert row["status"] == "fewer_than_two_fills"


def test_same_day_fills_stack_when_another_date_makes_the_patient_eligible() -> None:
    # Two 30-day fills on day 0 -> [0, 30) and [30, 60); day 59 fill shifted to [60, 90).
    # Covered 90 -> 90 / 365.
    (row,) = pdc_rows([(1, day(0), 30), (1, day(0), 30), (1, day(59), 30)])
    assert row["status"] == "eligible"
    assert row["days_covered"] == 90.0


def test_fills_outside_the_period_are_ignored() -> None:
    # The 2022-12-15 fill (before the period) and 2024-01-05 fill (after) do not count;
    # index is 2023-01-01; covered [0, 30) + [151, 181) = 60 -> 60 / 365.
    rows = [
        (1, date(2022, 12, 15), 30),
        (1, day(0), 30),
        (1, day(151), 30),
        (1, date(2024, 1, 5), 30),
    ]
    (row,) = pdc_rows(rows)
    assert row["index_date"] == day(0)
    assert row["days_covered"] == 60.0
    assert row["pdc"] == pytest.approx(60 / 365, rel=1e-12)


def test_patient_with_fills_only_after_the_period_is_reported() -> None:
    rows = [(1, day(0), 30), (1, day(40), 30), (2, date(2024, 2, 1), 30)]
    out = pdc_rows(rows)
    assert [r["id"] for r in out] == [1, 2]
    assert out[1]["status"] == "no_fills_in_period"
    assert out[1]["index_date"] is None
    assert out[1]["days_in_period"] is None


def test_index_date_must_be_at_least_91_days_before_period_end() -> None:
    # Period end 2023-12-31 = day 364. 2023-10-01 = day 273: 364 - 273 = 91 -> eligible,
    # 92 days in period. 2023-10-02 = day 274: 364 - 274 = 90 -> index_too_late.
    rows = [
        (1, date(2023, 10, 1), 30),
        (1, date(2023, 10, 31), 30),
        (2, date(2023, 10, 2), 30),
        (2, date(2023, 11, 1), 30),
    ]
    first, second = pdc_rows(rows)
    assert first["status"] == "eligible"
    assert first["days_in_period"] == 92
    # [273, 303) + [303, 333) -> 60 / 92
    assert first["pdc"] == pytest.approx(60 / 92, rel=1e-12)
    assert second["status"] == "index_too_late"
    assert second["pdc"] is None


def test_given_period_end_shortens_the_period() -> None:
    # Period 2023-01-01..2023-06-30 (day 180): fills [0, 90) and day 100 -> [100, 190)
    # truncated to [100, 181). Covered 90 + 81 = 171 of 181 days.
    out = proportion_of_days_covered(
        fills_frame([(1, day(0), 90), (1, day(100), 90)]),
        **COLS,
        period_start=date(2023, 1, 1),
        period_end=date(2023, 6, 30),
    )
    assert out["days_in_period"].to_list() == [181]
    assert out["days_covered"].to_list() == [171.0]


def test_antiretroviral_class_uses_the_090_threshold() -> None:
    # Same fills in two classes: [0, 180) + [200, 330) -> 310 / 365 = 0.8493...
    # C10AA05 (statin) >= 0.80 -> adherent; J05AR03 (ARV) < 0.90 -> not adherent.
    rows = [
        (1, day(0), 180, "C10AA05"),
        (1, day(200), 130, "C10AA05"),
        (1, day(0), 180, "J05AR03"),
        (1, day(200), 130, "J05AR03"),
    ]
    arv = antiretroviral_classes(["C10AA05", "J05AR03"])
    assert arv == frozenset({"J05AR03"})
    out = pdc_rows(rows, class_col="cls", antiretroviral=arv)
    assert [(r["cls"], r["threshold"], r["adherent"]) for r in out] == [
        ("C10AA05", 0.80, True),
        ("J05AR03", 0.90, False),
    ]
    assert out[0]["pdc"] == pytest.approx(310 / 365, rel=1e-12)
    assert out[1]["pdc"] == pytest.approx(310 / 365, rel=1e-12)


def test_antiretroviral_atc_prefixes() -> None:
    assert is_antiretroviral_atc("J05AE08")
    assert is_antiretroviral_atc("j05ax12")
    assert not is_antiretroviral_atc("J05AB01")  # aciclovir, not an antiretroviral
    assert not is_antiretroviral_atc("C10AA05")


def test_antiretroviral_without_class_column_is_refused() -> None:
    with pytest.raises(AdherenceInputError) as info:
        pdc_rows([(1, day(0), 30), (1, day(30), 30)], antiretroviral={"J05AR03"})
    assert info.value.column == "antiretroviral"


def test_per_class_rows_are_computed_independently() -> None:
    # Class A: [0, 30) + [30, 60) (day 20 shifted) = 60. Class B: single fill -> ineligible.
    rows = [(1, day(0), 30, "A"), (1, day(20), 30, "A"), (1, day(5), 90, "B")]
    a, b = pdc_rows(rows, class_col="cls")
    assert (a["cls"], a["days_covered"], a["status"]) == ("A", 60.0, "eligible")
    assert (b["cls"], b["status"]) == ("B", "fewer_than_two_fills")


def test_different_drugs_in_a_class_are_not_shifted() -> None:
    # PQA: metformin [0, 90), glipizide [0, 90) on the same day, metformin day 90 [90, 180).
    # With drug_col: union [0, 180) = 180 days. Without it every fill is "the same drug":
    # [0, 90), [90, 180), [180, 270) = 270 days.
    frame = pl.DataFrame(
        {
            "id": [1, 1, 1],
            "date": [day(0), day(0), day(90)],
            "days": [90, 90, 90],
            "drug": ["metformin", "glipizide", "metformin"],
        }
    )
    by_drug = proportion_of_days_covered(frame, **COLS, drug_col="drug", **PERIOD)
    pooled = proportion_of_days_covered(frame, **COLS, **PERIOD)
    assert by_drug["days_covered"].to_list() == [180.0]
    assert pooled["days_covered"].to_list() == [270.0]


def test_date_and_datetime_columns_and_arrow_and_csv_inputs_agree(tmp_path) -> None:
    rows = [(1, day(0), 30), (1, day(25), 30), (2, day(10), 60), (2, day(100), 30)]
    text = fills_frame(rows)
    dates = text.with_columns(pl.col("date").str.to_date())
    stamps = dates.with_columns(pl.col("date").cast(pl.Datetime))
    csv = tmp_path / "fills.csv"
    text.write_csv(csv)
    parquet = tmp_path / "fills.parquet"
    dates.write_parquet(parquet)
    sources = (text, dates, stamps, dates.to_arrow(), csv, str(csv), dates.lazy(), parquet)
    results = [proportion_of_days_covered(source, **COLS, **PERIOD) for source in sources]
    # Patient 1: 60 / 365; patient 2: [10, 70) + [100, 130) = 90 of 355 days.
    assert results[0]["days_covered"].to_list() == [60.0, 90.0]
    assert results[0]["days_in_period"].to_list() == [365, 355]
    for other in results[1:]:
        assert other.equals(results[0])


@pytest.mark.parametrize(
    "supplies",
    [
        [7, 14, 28, 30, 90],  # whole days: the exact Int64 path
        [7, 14, 28, 30, 90, 0.5, 12.25, 0.1],  # fractional days: the Float64 path
    ],
)
def test_vectorised_matches_step_by_step_reference_on_random_patients(
    supplies: list[float],
) -> None:
    rng = random.Random(20231)
    drugs = ["a", "b", "c"]
    rows = []
    for pid in range(400):
        for _ in range(rng.randint(1, 9)):
            rows.append(
                (
                    pid,
                    day(rng.randint(-60, 400)),
                    rng.choice(supplies),
                    rng.choice(drugs),
                    rng.choice(["class x", "class y"]),
                )
            )
    frame = pl.DataFrame(
        {
            "id": [f"p{r[0]:03d}" for r in rows],
            "date": [r[1] for r in rows],
            "days": [float(r[2]) for r in rows],
            "drug": [r[3] for r in rows],
            "cls": [r[4] for r in rows],
        }
    )
    for drug_col, class_col in ((None, None), ("drug", None), (None, "cls"), ("drug", "cls")):
        fast = proportion_of_days_covered(
            frame, **COLS, drug_col=drug_col, class_col=class_col, **PERIOD
        )
        groups = {(f"p{r[0]:03d}", r[4] if class_col else None) for r in rows}
        assert fast.height == len(groups)
        assert fast["id"].to_list() == sorted(fast["id"].to_list())
        statuses = set()
        for row in fast.iter_rows(named=True):
            fills = [
                Fill(r[1], float(r[2]), r[3] if drug_col else None)
                for r in rows
                if f"p{r[0]:03d}" == row["id"] and (class_col is None or r[4] == row["cls"])
            ]
            ref = pdc_for_patient(fills, **PERIOD)
            statuses.add(ref.status)
            assert row["status"] == ref.status
            assert row["index_date"] == ref.index_date
            assert row["days_in_period"] == ref.days_in_period
            assert row["adherent"] == ref.adherent
            if ref.pdc is None:
                assert row["pdc"] is None
            else:
                assert row["pdc"] == pytest.approx(ref.pdc, rel=1e-12, abs=1e-12)
        # the random data must exercise every branch for the comparison to mean something
        assert statuses == {
            "eligible",
            "fewer_than_two_fills",
            "index_too_late",
            "no_fills_in_period",
        }


def test_reference_worked_example() -> None:
    result = pdc_for_patient([Fill(day(0), 30), Fill(day(25), 30), Fill(day(100), 30)], **PERIOD)
    assert result.status == "eligible"
    assert result.days_covered == 90.0
    assert result.pdc == pytest.approx(90 / 365, rel=1e-12)


# ----------------------------------------------------------------------- bad input


def test_missing_id_names_row_and_column() -> None:
    frame = pl.DataFrame({"id": ["p1", None, "p1"], "date": ["2023-01-01"] * 3, "days": [30] * 3})
    with pytest.raises(AdherenceInputError, match=r"'id'.*row 2\)") as info:
        proportion_of_days_covered(frame, **COLS, **PERIOD)
    assert info.value.column == "id"
    assert info.value.rows == (2,)
    assert isinstance(info.value, ValueError)


def test_unparseable_date_names_rows_and_column() -> None:
    frame = pl.DataFrame(
        {
            "id": [1, 1, 1, 1],
            "date": ["2023-01-01", "2023-02-30", "2023-03-01", "soon"],
            "days": [30] * 4,
        }
    )
    with pytest.raises(AdherenceInputError, match="unparseable date") as info:
        proportion_of_days_covered(frame, **COLS, **PERIOD)
    assert (info.value.column, info.value.rows) == ("date", (2, 4))


def test_non_positive_duration_names_rows() -> None:
    frame = pl.DataFrame({"id": [1, 1, 1, 1], "date": ["2023-01-01"] * 4, "days": [0, 30, 30, -5]})
    with pytest.raises(AdherenceInputError, match="non-positive duration") as info:
        medication_possession_ratio(frame, **COLS, **PERIOD)
    assert (info.value.column, info.value.rows) == ("days", (1, 4))


def test_non_numeric_duration_in_csv_names_row(tmp_path) -> None:
    csv = tmp_path / "fills.csv"
    csv.write_text("id,date,days\n1,2023-01-01,30\n1,2023-02-01,thirty\n")
    with pytest.raises(AdherenceInputError, match="non-numeric duration") as info:
        proportion_of_days_covered(csv, **COLS, **PERIOD)
    assert (info.value.column, info.value.rows) == ("days", (2,))


def test_unknown_column_is_named() -> None:
    frame = pl.DataFrame({"id": [1], "date": ["2023-01-01"], "days": [30]})
    with pytest.raises(AdherenceInputError, match="unknown column 'supply'") as info:
        proportion_of_days_covered(
            frame, id_col="id", date_col="date", duration_col="supply", **PERIOD
        )
    assert info.value.column == "supply"
    assert info.value.rows == ()


def test_period_end_before_start_is_refused() -> None:
    frame = pl.DataFrame({"id": [1], "date": ["2023-01-01"], "days": [30]})
    with pytest.raises(AdherenceInputError) as info:
        proportion_of_days_covered(
            frame, **COLS, period_start="2023-12-31", period_end="2023-01-01"
        )
    assert info.value.column == "period_end"


def test_error_message_lists_first_ten_rows() -> None:
    frame = pl.DataFrame({"id": list(range(12)), "date": ["x"] * 12, "days": [1] * 12})
    with pytest.raises(AdherenceInputError) as info:
        proportion_of_days_covered(frame, **COLS, **PERIOD)
    assert info.value.rows == tuple(range(1, 13))
    assert str(info.value).endswith("(rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more)")


# ----------------------------------------------------------------------- MPR


def test_mpr_counts_overlaps_twice_and_can_exceed_one() -> None:
    # Three 180-day fills on days 0, 10, 20: 540 days' supply / 365 days = 1.4794...
    frame = fills_frame([(1, day(0), 180), (1, day(10), 180), (1, day(20), 180)])
    (row,) = medication_possession_ratio(frame, **COLS, **PERIOD).to_dicts()
    assert row["total_days_supply"] == 540.0
    assert row["days_in_period"] == 365
    assert row["mpr"] == pytest.approx(540 / 365, rel=1e-12)
    (capped,) = medication_possession_ratio(frame, **COLS, **PERIOD, cap=True).to_dicts()
    assert capped["mpr"] == 1.0


def test_mpr_denominator_from_index_date_or_period_start() -> None:
    # Fills on day 181 (2023-07-01) and day 271, 90 days each: 180 days' supply.
    # From the index date: 180 / 184 = 0.97826...; from the period start: 180 / 365.
    frame = fills_frame([(1, day(181), 90), (1, day(271), 90), (2, date(2022, 5, 1), 30)])
    by_index = medication_possession_ratio(frame, **COLS, **PERIOD).to_dicts()
    by_start = medication_possession_ratio(
        frame, **COLS, **PERIOD, denominator="period_start"
    ).to_dicts()
    assert by_index[0]["mpr"] == pytest.approx(180 / 184, rel=1e-12)
    assert by_start[0]["mpr"] == pytest.approx(180 / 365, rel=1e-12)
    assert by_index[1]["status"] == "no_fills_in_period"
    assert by_index[1]["mpr"] is None


def test_mpr_per_class() -> None:
    # A: 30 + 30 = 60 / 365 (index day 0); B: 90 / (365 - 100) = 90 / 265
    frame = fills_frame(
        [(1, day(0), 30, "A"), (1, day(50), 30, "A"), (1, day(100), 90, "B")], with_class=True
    )
    out = medication_possession_ratio(frame, **COLS, class_col="cls", **PERIOD)
    assert out["cls"].to_list() == ["A", "B"]
    assert out["mpr"].to_list() == pytest.approx([60 / 365, 90 / 265], rel=1e-12)


def test_mpr_rejects_unknown_denominator() -> None:
    frame = fills_frame([(1, day(0), 30)])
    with pytest.raises(AdherenceInputError):
        medication_possession_ratio(frame, **COLS, **PERIOD, denominator="year")  # type: ignore[arg-type]


def test_datetime_period_bounds_are_taken_as_dates() -> None:
    frame = fills_frame([(1, day(0), 30), (1, day(30), 30)])
    out = proportion_of_days_covered(
        frame, **COLS, period_start=datetime(2023, 1, 1, 8), period_end=datetime(2023, 12, 31, 23)
    )
    assert out["days_covered"].to_list() == [60.0]


# ----------------------------------------------------------------------- ISO 8601 / FHIR

FHIR_DISPENSES = Path(__file__).parent / "data" / "fhir_r4_medicationdispense_summary.csv"


def test_iso8601_date_format_takes_the_written_calendar_date() -> None:
    # 2023-01-31T23:30:00-05:00 is 1 Feb in UTC, but the dispense happened on 31 Jan where
    # it was recorded. Fills: day 30 (31 Jan) 30 days -> [30, 60); day 59 (1 Mar) 30 days
    # overlaps one day -> shifted to [60, 90). Index day 30 -> 365 - 30 = 335 days; covered 60.
    frame = pl.DataFrame(
        {"id": [1, 1], "date": ["2023-01-31T23:30:00-05:00", "2023-03-01"], "days": [30, 30]}
    )
    out = proportion_of_days_covered(frame, **COLS, **PERIOD, date_format=ISO8601)
    assert out["index_date"].to_list() == [date(2023, 1, 31)]
    assert out["days_in_period"].to_list() == [335]
    assert out["days_covered"].to_list() == [60.0]
    bad = pl.DataFrame({"id": [1, 1], "date": ["2023-01-31", "31/01/2023"], "days": [30, 30]})
    with pytest.raises(AdherenceInputError) as info:
        proportion_of_days_covered(bad, **COLS, **PERIOD, date_format=ISO8601)
    assert info.value.rows == (2,)


def test_fhir_r4_example_dispenses_completed_and_handed_over() -> None:
    # HL7 FHIR R4 examples (CC0), Patient/pat1, status completed with whenHandedOver and
    # daysSupply: 11 dispenses. By handed-over date:
    #   2015-01-15: 30, 10, 10, 30, 10 (= 90) -> [Jan 15, Apr 15)
    #   2015-01-18: 30 -> shifted to [Apr 15, May 15)
    #   2015-03-17: 5, 1 -> [May 15, May 21)
    #   2015-06-26: 1, 30, 1 -> [Jun 26, Jul 28)
    # covered 90 + 30 + 6 + 32 = 158; Jan 15..Dec 31 = 365 - 14 = 351 days -> 158 / 351.
    # MPR: total supply 158 (nothing overlaps the period end) / 351, the same here.
    frame = pl.read_csv(FHIR_DISPENSES, infer_schema=False).filter(
        (pl.col("status") == "completed")
        & pl.col("whenHandedOver").is_not_null()
        & pl.col("daysSupply").is_not_null()
    )
    assert frame.height == 11
    options: dict[str, Any] = {
        "id_col": "subject",
        "date_col": "whenHandedOver",
        "duration_col": "daysSupply",
        "period_start": "2015-01-01",
        "period_end": "2015-12-31",
        "date_format": ISO8601,
    }
    (row,) = proportion_of_days_covered(frame, **options).to_dicts()
    assert row["subject"] == "Patient/pat1"
    assert row["index_date"] == date(2015, 1, 15)
    assert row["days_in_period"] == 351
    assert row["days_covered"] == 158.0
    assert row["pdc"] == pytest.approx(158 / 351, rel=1e-12)
    (mpr,) = medication_possession_ratio(frame, **options).to_dicts()
    assert mpr["mpr"] == pytest.approx(158 / 351, rel=1e-12)


def test_empty_input_gives_an_empty_table_with_the_result_columns() -> None:
    frame = pl.DataFrame(
        {"id": [], "date": [], "days": []},
        schema={"id": pl.Int64, "date": pl.String, "days": pl.Int64},
    )
    out = proportion_of_days_covered(frame, **COLS, **PERIOD)
    assert out.height == 0
    assert out.columns == [
        "id",
        "index_date",
        "period_end",
        "days_in_period",
        "days_covered",
        "pdc",
        "threshold",
        "adherent",
        "status",
    ]


def test_pdc_equals_adherer_cma7_and_mpr_equals_cma2_on_the_patient_period() -> None:
    # The AdhereR equivalences stated in the docstrings, checked against Concord's
    # AdhereR-exact engine: per patient, FUW = OW = [index date, index date + n days] with n
    # the days in the period; CMA7 (carry-over within and into the window) = PDC and
    # CMA2 (sum of supplies / (OW end - first event)) = MPR.
    from concord.analytics.adherence.cma import cma2, cma7

    rng = random.Random(5)
    rows = [
        (pid, day(rng.randint(0, 250)), rng.choice([7, 30, 60, 90]))
        for pid in range(1, 101)
        for _ in range(rng.randint(2, 10))
    ]
    frame = pl.DataFrame(
        {"id": [r[0] for r in rows], "date": [r[1] for r in rows], "days": [r[2] for r in rows]}
    )
    pdc = proportion_of_days_covered(frame, **COLS, **PERIOD)
    assert set(pdc["status"]) == {"eligible"}
    mpr = medication_possession_ratio(frame, **COLS, **PERIOD)
    windows = frame.join(pdc.select("id", "index_date", "days_in_period"), on="id")
    adherer: dict[str, Any] = {
        "id_colname": "id",
        "event_date_colname": "date",
        "event_duration_colname": "days",
        "followup_window_start": "index_date",
        "followup_window_duration": "days_in_period",
        "observation_window_start": 0,
        "observation_window_duration": "days_in_period",
    }
    c7 = cma7(windows, **adherer).cma
    c2 = cma2(windows, **adherer).cma
    assert c7["id"].to_list() == pdc["id"].to_list() == list(range(1, 101))
    assert c7["CMA"].to_list() == pytest.approx(pdc["pdc"].to_list(), rel=1e-12)
    assert c2["CMA"].to_list() == pytest.approx(mpr["mpr"].to_list(), rel=1e-12)

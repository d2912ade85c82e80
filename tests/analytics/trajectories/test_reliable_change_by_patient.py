"""Reliable / clinically significant change per patient from long session data."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from concord.analytics.psychometrics import clinical_significance_cutoffs
from concord.analytics.trajectories import TrajectoryInputError
from concord.analytics.trajectories.reliable_change import reliable_change_by_patient

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def claus() -> pl.DataFrame:
    return pl.read_csv(DATA / "clinicalsignificance_claus_2020.csv", null_values="NA")


def counts(table: pl.DataFrame, column: str) -> dict[str, int]:
    return dict(table[column].value_counts().iter_rows())


def test_reliable_change_against_clinicalsignificance_claus_2020(claus: pl.DataFrame) -> None:
    table = reliable_change_by_patient(
        claus, reliability=0.801, patient="id", session="time", score="bdi",
        pre_session=1, post_session=4,
    )  # fmt: skip
    assert table.height == 43
    # SD of the 40 complete pre scores
    assert table["sd_pre"][0] == pytest.approx(8.158643363848034, rel=1e-12)
    # S_diff = sqrt(2) * 8.1586 * sqrt(1 - .801) = 5.147
    assert table["standard_error_difference"][0] == pytest.approx(
        math.sqrt(2) * 8.158643363848034 * math.sqrt(0.199)
    )
    assert counts(table, "category") == {"improved": 18, "unchanged": 22, "missing": 3}


@pytest.mark.parametrize("which", ["a", "c"])
def test_clinical_significance_against_clinicalsignificance_claus_2020(
    claus: pl.DataFrame, which: str
) -> None:
    pre = claus.filter(pl.col("time") == 1).join(
        claus.filter((pl.col("time") == 4) & pl.col("bdi").is_not_null()).select("id"), on="id"
    )["bdi"]
    cutoffs = clinical_significance_cutoffs(float(pre.mean()), float(pre.std()), 7.69, 7.52)  # type: ignore[arg-type]
    assert cutoffs.a == pytest.approx(19.16, abs=0.005)
    assert cutoffs.c == pytest.approx(21.02, abs=0.005)
    table = reliable_change_by_patient(
        claus, reliability=0.801, patient="id", session="time", score="bdi",
        pre_session=1, post_session=4, cutoff=cutoffs.get(which),
    )  # fmt: skip
    assert counts(table, "clinical_category") == {
        "recovered": 10,
        "improved": 8,
        "unchanged": 22,
        "missing": 3,
    }


def test_first_and_last_rated_session_by_default() -> None:
    # p: sessions 1..4 = 20, NA, 14, NA -> pre s1 = 20, post s3 = 14, change -6
    # q: one rating only -> no change ("missing")
    # r: 10 -> 22 on a lower-is-better scale
    data = pl.DataFrame(
        {
            "patient": ["p", "p", "p", "p", "q", "r", "r"],
            "session": [1, 2, 3, 4, 1, 1, 2],
            "score": [20.0, None, 14.0, None, 12.0, 10.0, 22.0],
        }
    )
    # S_diff = sqrt(2) * 4 * sqrt(1 - 0.75) = 2.828; RCI p = -6 / 2.828 = -2.12 (improved),
    # r = 12 / 2.828 = 4.24 (deteriorated)
    table = reliable_change_by_patient(data, reliability=0.75, sd_pre=4.0)
    rows = {r["patient"]: r for r in table.iter_rows(named=True)}
    assert (rows["p"]["pre_session"], rows["p"]["post_session"]) == (1, 3)
    assert rows["p"]["rci"] == pytest.approx(-6 / (math.sqrt(2) * 4 * 0.5))
    assert rows["p"]["category"] == "improved"
    assert rows["q"]["post_session"] is None
    assert rows["q"]["category"] == "missing"
    assert rows["r"]["category"] == "deteriorated"
    flipped = reliable_change_by_patient(data, reliability=0.75, sd_pre=4.0, higher_is_better=True)
    assert dict(zip(flipped["patient"], flipped["category"], strict=True)) == {
        "p": "deteriorated",
        "q": "missing",
        "r": "improved",
    }


def test_reliable_change_errors() -> None:
    data = pl.DataFrame({"patient": ["p", "p"], "session": [1, 2], "score": [1.0, 2.0]})
    with pytest.raises(TrajectoryInputError, match="at least two patients"):
        reliable_change_by_patient(data, reliability=0.8)
    with pytest.raises(TrajectoryInputError, match="reliability"):
        reliable_change_by_patient(data, reliability=1.5, sd_pre=3.0)

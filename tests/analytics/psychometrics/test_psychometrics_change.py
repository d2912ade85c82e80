"""Reliable change and clinically significant change (Jacobson & Truax 1991)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from concord.analytics.psychometrics import (
    PsychometricsInputError,
    clinical_significance_cutoffs,
    clinically_significant_change,
    reliable_change_criterion,
    reliable_change_index,
)

DATA = Path(__file__).parent / "data"


def claus_bdi_pre_post() -> tuple[np.ndarray, np.ndarray]:
    """BDI at time 1 and 4 for the 40 complete pairs of claus_2020."""
    long = pl.read_csv(DATA / "clinicalsignificance_claus_2020.csv", null_values="NA")
    wide = (
        long.filter(pl.col("time").is_in([1, 4]))
        .pivot(on="time", index="id", values="bdi")
        .drop_nulls()
        .sort("id")
    )
    return wide["1"].to_numpy().astype(float), wide["4"].to_numpy().astype(float)


def test_reliable_change_criterion_matches_suddengains_define_crit1_cutoff() -> None:
    with (DATA / "define_crit1_cutoff.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    for row in rows:
        result = reliable_change_criterion(float(row["sd"]), float(row["reliability"]))
        sem = float(row["standard_error_measurement"])
        assert result.standard_error_measurement == pytest.approx(sem, rel=1e-12)
        sdiff = float(row["standard_error_difference"])
        assert result.standard_error_difference == pytest.approx(sdiff, rel=1e-12)
        rcv = float(row["reliable_change_value"])
        assert result.reliable_change_value == pytest.approx(rcv, rel=1e-12)


def test_rci_claus_2020_bdi_jacobson_truax_counts_trajectories_spec_2() -> None:
    # SD_pre 8.16 (40 pairs), r .801 -> S_diff 5.15, reliable change threshold 10.1 points;
    # RCI only: 18 improved, 22 unchanged, 0 deteriorated.
    pre, post = claus_bdi_pre_post()
    assert len(pre) == 40
    sd = pre.std(ddof=1)
    assert sd == pytest.approx(8.16, abs=0.005)
    criterion = reliable_change_criterion(sd, 0.801)
    assert criterion.standard_error_difference == pytest.approx(5.15, abs=0.005)
    assert criterion.reliable_change_value == pytest.approx(10.1, abs=0.05)
    result = reliable_change_index(pre, post, sd_pre=sd, reliability=0.801)
    assert result.counts() == {"improved": 18, "unchanged": 22, "deteriorated": 0, "missing": 0}


def test_cutoffs_claus_2020_bdi_jacobson_truax_trajectories_spec_3() -> None:
    # M_dys 35.5, SD_dys 8.16, M_func 7.69, SD_func 7.52:
    # a = 35.475 - 2 * 8.1586 = 19.16; b = 7.69 + 2 * 7.52 = 22.73;
    # c = (8.1586 * 7.69 + 7.52 * 35.475) / (8.1586 + 7.52) = 21.02
    pre, post = claus_bdi_pre_post()
    sd = pre.std(ddof=1)
    cutoffs = clinical_significance_cutoffs(pre.mean(), sd, 7.69, 7.52)
    assert cutoffs.a == pytest.approx(19.16, abs=0.005)
    assert cutoffs.b == pytest.approx(22.73, abs=0.005)
    assert cutoffs.c == pytest.approx(21.02, abs=0.005)
    for name in ("a", "c"):
        result = clinically_significant_change(
            pre, post, sd_pre=sd, reliability=0.801, cutoff=cutoffs.get(name)
        )
        counts = result.counts()
        assert (counts["recovered"], counts["improved"], counts["unchanged"]) == (10, 8, 22)
        assert counts["deteriorated"] + counts["harmed"] + counts["missing"] == 0


def test_cutoff_b_with_clinical_sd_reproduces_clinicalsignificance_3_0_0_deviation() -> None:
    # The R package computes b = M_func + 2 * SD_clinical = 7.69 + 2 * 8.1586 = 24.01 and finds
    # 14 recovered; our b (functional SD) is 22.73 and must differ.
    pre, post = claus_bdi_pre_post()
    sd = pre.std(ddof=1)
    package_b = 7.69 + 2 * sd
    assert package_b == pytest.approx(24.01, abs=0.005)
    result = clinically_significant_change(
        pre, post, sd_pre=sd, reliability=0.801, cutoff=package_b
    )
    assert result.counts()["recovered"] == 14
    assert clinical_significance_cutoffs(pre.mean(), sd, 7.69, 7.52).b != pytest.approx(package_b)


def test_rci_hand_computed_both_directions() -> None:
    # S_diff = sqrt(2) * 5 * sqrt(1 - .8) = 3.16228; RCI = (10 - 20) / 3.16228 = -3.16228
    lower_better = reliable_change_index(20, 10, sd_pre=5, reliability=0.8)
    assert float(lower_better.rci) == pytest.approx(-3.16228, abs=1e-5)
    assert str(lower_better.category) == "improved"
    higher_better = reliable_change_index(20, 10, sd_pre=5, reliability=0.8, higher_is_better=True)
    assert str(higher_better.category) == "deteriorated"
    # 6 points: |6 / 3.16228| = 1.897 < 1.96 -> unchanged
    assert str(reliable_change_index(20, 14, sd_pre=5, reliability=0.8).category) == "unchanged"


def test_rci_is_vectorised_with_missing_values_and_per_person_sd() -> None:
    result = reliable_change_index(
        np.array([20.0, 20.0, np.nan]),
        np.array([10.0, 30.0, 5.0]),
        sd_pre=np.array([5.0, 10.0, 5.0]),
        reliability=0.8,
    )
    # person 2: S_diff = 6.32456, RCI = 10 / 6.32456 = 1.581 -> unchanged
    assert result.rci[1] == pytest.approx(1.58114, abs=1e-5)
    assert list(result.category) == ["improved", "unchanged", "missing"]
    assert result.reliable.tolist() == [True, False, False]


def test_clinically_significant_change_harmed_and_higher_is_better() -> None:
    # lower is better, cut-off 21: 15 -> 30 is reliable worsening crossing the cut-off -> harmed
    # 25 -> 35 reliable worsening, already dysfunctional -> deteriorated
    result = clinically_significant_change(
        [15.0, 25.0], [30.0, 35.0], sd_pre=5, reliability=0.8, cutoff=21
    )
    assert list(result.category) == ["harmed", "deteriorated"]
    # higher is better (e.g. WHO-5), cut-off 13: 8 -> 18 recovered, 14 -> 22 improved
    up = clinically_significant_change(
        [8.0, 14.0], [18.0, 22.0], sd_pre=4, reliability=0.8, cutoff=13, higher_is_better=True
    )
    assert list(up.category) == ["recovered", "improved"]


def test_change_functions_reject_bad_parameters() -> None:
    with pytest.raises(PsychometricsInputError, match="reliability"):
        reliable_change_index(1, 2, sd_pre=1, reliability=1.0)
    with pytest.raises(PsychometricsInputError, match="sd_pre"):
        reliable_change_index(1, 2, sd_pre=0, reliability=0.5)
    with pytest.raises(PsychometricsInputError, match="both"):
        clinical_significance_cutoffs(30, 8, mean_functional=7)
    with pytest.raises(PsychometricsInputError, match="cutoff"):
        clinically_significant_change(1, 2, sd_pre=1, reliability=0.5, cutoff=float("nan"))
    cutoffs = clinical_significance_cutoffs(30, 8, higher_is_better=True)
    assert cutoffs.a == 46 and np.isnan(cutoffs.b)

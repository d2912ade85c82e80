"""Engagement and drop-out risk: hand-computed scores and the evaluation on a simulated clinic."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy.stats import mannwhitneyu

from concord.analytics.engagement import attendance_rate
from concord.analytics.risk.alliance_trend import falling_alliance_from_ratings
from concord.analytics.risk.engagement import (
    EngagementRisk,
    EngagementRiskSettings,
    engagement_risk,
    engagement_risk_table,
)
from concord.analytics.risk.errors import RiskInputError
from concord.analytics.risk.simulation import simulate_clinic
from concord.analytics.trajectories import AllianceSignalSettings

AS_OF = dt.date(2024, 6, 30)


def sessions() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "patient": ["a"] * 7 + ["b"] * 3 + ["c"],
            "date": [
                "2024-05-01", "2024-05-08", "2024-05-15", "2024-05-22",
                "2024-05-29", "2024-06-05", "2024-07-03",
                "2024-06-01", "2024-06-08", "2024-06-15",
                "2024-06-20",
            ],
            "status": [
                "no_show", "attended", "no_show", "cancelled_by_clinic",
                "no_show", "cancelled_by_patient", "scheduled",
                "attended", "attended", "no_show",
                "scheduled",
            ],
        }
    )  # fmt: skip


def measures() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "patient": ["a", "a", "b", "b", "b", "b"],
            # window of 28 days: 2024-06-03 .. 2024-06-30
            "due": [
                "2024-06-10",
                "2024-06-02",
                "2024-06-05",
                "2024-06-12",
                "2024-06-19",
                "2024-07-01",
            ],
            "returned": [False, False, False, False, False, False],
        }
    )


def test_scores_by_hand():
    table = engagement_risk_table(
        sessions(), AS_OF, measures=measures(), alliance_falling=["b"]
    ).sort("patient")
    # a: last 4 due sessions (clinic cancellation and the future session left out):
    #    05-08 attended, 05-15 no-show, 05-29 no-show, 06-05 patient cancellation
    #    -> 2 no-shows x 2 + 1 cancellation x 1 = 5; unreturned in window: 06-10 only -> +1
    #    (06-02 is before the 28-day window) -> 6 -> high
    # b: 3 due: 1 no-show -> 2; alliance falling -> +2; 3 unreturned, capped at 2 -> +2 -> 6
    # c: nothing due -> 0, attendance rate undefined
    assert table["score"].to_list() == [6, 6, 0]
    assert table["level"].to_list() == ["high", "high", "low"]
    assert table["no_shows"].to_list() == [2, 1, 0]
    assert table["unreturned_measures"].to_list() == [1, 3, 0]
    assert table["attendance_rate"].to_list() == [0.25, 2 / 3, None]
    assert table["alliance_falling"].to_list() == [False, True, False]


def test_levels_follow_the_cut_offs():
    # a without measures: 5 -> high; with high_from 6: moderate
    table = engagement_risk_table(sessions(), AS_OF).sort("patient")
    assert table["score"].to_list() == [5, 2, 0]
    assert table["level"].to_list() == ["high", "low", "low"]
    stricter = EngagementRiskSettings(high_from=6)
    assert engagement_risk_table(sessions(), AS_OF, stricter).sort("patient")["level"][0] == (
        "moderate"
    )


def test_events_carry_the_evidence_and_attendance_rate():
    events = engagement_risk(sessions(), AS_OF, measures=measures(), alliance_falling=["b"])
    assert [e.patient for e in events] == ["a", "b"]
    assert events[0] == EngagementRisk(
        patient="a",
        as_of=AS_OF,
        due_sessions=4,
        attended=1,
        no_shows=2,
        patient_cancellations=1,
        attendance_rate=attendance_rate(1, 2, 1),
        alliance_falling=False,
        measures_due=1,  # 06-10 only; 06-02 is outside the window
        unreturned_measures=1,
        score=6,
        level="high",
    )
    assert events[0].rule == "engagement_risk"


def test_unknown_status_names_row_and_column():
    bad = sessions().with_columns(
        pl.when(pl.int_range(pl.len()) == 4)
        .then(pl.lit("late"))
        .otherwise(pl.col("status"))
        .alias("status")
    )
    with pytest.raises(RiskInputError) as caught:
        engagement_risk_table(bad, AS_OF)
    assert (caught.value.row, caught.value.column) == (5, "status")


def test_falling_alliance_rules():
    ratings = pl.DataFrame(
        {
            "patient": ["drop"] * 6 + ["stable"] * 6 + ["repaired"] * 6 + ["old"] * 6,
            "session": list(range(1, 7)) * 4,
            "score": [
                36.0,
                36.0,
                36.0,
                36.0,
                37.0,
                33.0,  # drop of 4 at the last session
                36.0,
                36.5,
                36.0,
                36.5,
                36.0,
                36.5,  # changes of 0.5 only
                36.0,
                36.0,
                36.0,
                36.0,
                20.0,
                36.0,  # strict rupture at 5, repaired at 6
                36.0,
                30.0,
                36.0,
                36.0,
                36.0,
                36.0,  # drop at session 2, long ago
            ],
        }
    )
    falling = falling_alliance_from_ratings(ratings, AllianceSignalSettings(min_drop=3))
    # drop: 37 -> 33 at session 6 (in the last 3 rated sessions 4-6), and the mean is
    # 35.67 with SD 1.37: 33 is below mean - 1.37 (lenient) but not below mean - 2.75
    # (strict), so the evidence is the drop only
    assert [f.patient for f in falling] == ["drop", "repaired"]
    assert [e.rule for e in falling[0].evidence] == ["alliance_drop"]
    # repaired: 36 -> 20 is a drop of 16 at session 5 (recent); the rupture was repaired
    # at 6 so it is not evidence
    assert [e.rule for e in falling[1].evidence] == ["alliance_drop"]
    assert (falling[0].last_session, falling[0].recent_from_session) == (6, 4)


def test_unrepaired_strict_rupture_is_falling():
    ratings = pl.DataFrame(
        {"patient": ["p"] * 6, "session": list(range(1, 7)), "score": [36.0] * 5 + [20.0]}
    )
    (falling,) = falling_alliance_from_ratings(ratings, AllianceSignalSettings(min_drop=None))
    assert [(e.rule, e.criterion, e.repaired) for e in falling.evidence] == [
        ("rupture_repair", "strict", False)
    ]


@pytest.fixture(scope="module")
def evaluated() -> pl.DataFrame:
    clinic = simulate_clinic(2000, seed=42)
    falling = falling_alliance_from_ratings(
        clinic.alliance, AllianceSignalSettings(concern_threshold=36, min_drop=3)
    )
    table = engagement_risk_table(
        clinic.sessions,
        clinic.as_of,
        measures=clinic.measures,
        alliance_falling=[f.patient for f in falling],
    )
    return table.join(clinic.truth, on="patient")


def test_simulated_clinic_figures(evaluated):
    """Figures quoted in docs/analytics/risk.md (2 000 simulated patients, seed 42)."""
    dropout = evaluated["dropout"].to_numpy()
    score = evaluated["score"].to_numpy()
    auc = mannwhitneyu(score[dropout], score[~dropout]).statistic / (
        dropout.sum() * (~dropout).sum()
    )
    assert auc == pytest.approx(0.747, abs=0.001)
    high = evaluated["level"].eq("high").to_numpy()
    assert high[dropout].mean() == pytest.approx(0.439, abs=0.001)  # sensitivity
    assert 1 - high[~dropout].mean() == pytest.approx(0.908, abs=0.001)  # specificity
    assert dropout[high].mean() == pytest.approx(0.519, abs=0.001)  # PPV (base rate 0.18)
    raised = evaluated["level"].is_in(["high", "moderate"]).to_numpy()
    assert raised[dropout].mean() == pytest.approx(0.664, abs=0.001)
    assert 1 - raised[~dropout].mean() == pytest.approx(0.750, abs=0.001)
    fell = evaluated["alliance_fell"].to_numpy()
    falling = evaluated["alliance_falling"].to_numpy()
    assert falling[fell].mean() == pytest.approx(0.947, abs=0.001)
    assert 1 - falling[~fell].mean() == pytest.approx(0.935, abs=0.001)


def test_score_separates_disengaging_patients(evaluated):
    disengaging = evaluated["disengaging"].to_numpy()
    score = evaluated["score"].to_numpy()
    assert np.mean(score[disengaging]) > np.mean(score[~disengaging]) + 2

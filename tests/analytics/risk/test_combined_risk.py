"""Combined risk: each combination rule on hand-made signals, and the triage order."""

from __future__ import annotations

import datetime as dt

import pytest

from concord.analytics.risk.adherence_signals import AdherenceDrop, BarsBelowThreshold
from concord.analytics.risk.alliance_trend import AllianceFalling
from concord.analytics.risk.combined import (
    COMBINATION_RULES,
    RiskPriority,
    combined_risk,
    priorities_table,
)
from concord.analytics.risk.engagement import EngagementRisk
from concord.analytics.trajectories.not_on_track import OutcomeNotOnTrack

D = dt.date(2024, 6, 30)


def falling(patient: str) -> AllianceFalling:
    return AllianceFalling(patient=patient, last_session=8, recent_from_session=6, evidence=())


def drop(patient: str) -> AdherenceDrop:
    return AdherenceDrop(
        patient=patient,
        measure="CMA7",
        earlier_window_start=dt.date(2024, 3, 1),
        earlier_window_end=dt.date(2024, 5, 30),
        earlier_value=0.9,
        window_start=dt.date(2024, 3, 31),
        window_end=dt.date(2024, 6, 29),
        value=0.6,
        drop=0.3,
        min_drop=0.2,
        lag=1,
    )


def bars(patient: str) -> BarsBelowThreshold:
    return BarsBelowThreshold(patient=patient, date=D, score=60.0, threshold=70.0)


def off_track(patient: str) -> OutcomeNotOnTrack:
    return OutcomeNotOnTrack(
        patient=patient,
        session=8,
        sessions_since_baseline=7,
        baseline_session=1,
        baseline_score=18.0,
        score=19.0,
        expected=11.0,
        prediction_sd=4.0,
        boundary=16.1,
        z=2.0,
        percentile_of_score=97.7,
        threshold_percentile=90.0,
        direction="lower_is_better",
    )


def engagement(patient: str, level: str) -> EngagementRisk:
    return EngagementRisk(
        patient=patient,
        as_of=D,
        due_sessions=4,
        attended=2,
        no_shows=2,
        patient_cancellations=0,
        attendance_rate=0.5,
        alliance_falling=False,
        measures_due=0,
        unreturned_measures=0,
        score={"high": 5, "moderate": 3, "low": 0}[level],
        level=level,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("signals", "priority", "rules"),
    [
        (
            [falling("p"), drop("p")],
            "highest",
            ("alliance_falling_with_nonadherence", "alliance_falling", "nonadherence"),
        ),
        (
            [falling("p"), off_track("p")],
            "highest",
            ("alliance_falling_with_not_on_track", "not_on_track", "alliance_falling"),
        ),
        (
            [bars("p"), off_track("p")],
            "high",
            ("nonadherence_with_not_on_track", "not_on_track", "nonadherence"),
        ),
        ([off_track("p")], "high", ("not_on_track",)),
        ([engagement("p", "high")], "high", ("engagement_high",)),
        ([falling("p")], "moderate", ("alliance_falling",)),
        ([drop("p"), bars("p")], "moderate", ("nonadherence",)),
        ([engagement("p", "moderate")], "low", ("engagement_moderate",)),
    ],
)
def test_each_combination_rule(signals, priority, rules):
    (result,) = combined_risk(signals)
    assert (result.priority, result.rules) == (priority, rules)
    assert result.rank == COMBINATION_RULES[rules[0]][1]
    assert result.evidence == tuple(signals)


def test_low_engagement_is_not_a_signal():
    assert combined_risk([engagement("p", "low")]) == ()


def test_signals_of_one_patient_combine_across_groups_and_triage_order():
    result = combined_risk(
        [falling("b"), falling("c"), falling("e")],
        [drop("c"), bars("a")],
        [off_track("b"), off_track("d"), off_track("c")],
        [engagement("a", "moderate"), engagement("e", "high")],
    )
    # c: falling + non-adherence + off track -> highest with 6 rules; b: falling + off
    # track -> highest with 3 rules; d: off track (high, 1 rule); e: engagement high +
    # falling (high, 2 rules) before d; a: bars + engagement moderate -> moderate
    assert [(p.patient, p.priority) for p in result] == [
        ("c", "highest"),
        ("b", "highest"),
        ("e", "high"),
        ("d", "high"),
        ("a", "moderate"),
    ]
    assert result[0].rules == (
        "alliance_falling_with_nonadherence",
        "alliance_falling_with_not_on_track",
        "nonadherence_with_not_on_track",
        "not_on_track",
        "alliance_falling",
        "nonadherence",
    )
    table = priorities_table(result)
    assert table.columns == ["patient", "priority", "rank", "rules", "signals"]
    assert table["rank"].to_list() == [1, 1, 2, 2, 3]
    assert table["signals"][0] == "alliance_falling,adherence_drop,outcome_not_on_track"
    assert isinstance(result[0], RiskPriority) and result[0].rule == "combined_risk"


def test_every_rule_has_a_priority_code_not_text():
    assert {priority for priority, _ in COMBINATION_RULES.values()} == {
        "highest",
        "high",
        "moderate",
        "low",
    }

"""Hand-computed tests for every alliance rule and its edge cases.

SD means the sample SD (n - 1). Arithmetic is written next to each case.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl
import pytest

from concord.analytics.trajectories import TrajectoryInputError
from concord.analytics.trajectories.alliance import (
    AllianceSignalSettings,
    alliance_events_table,
    detect_alliance_signals,
    session_changes_table,
)
from concord.analytics.trajectories.alliance_events import (
    AllianceDrop,
    AllianceSignals,
    DetectionGuard,
    LowAlliance,
    RuptureCriterion,
    RuptureRepairEpisode,
    SuddenAllianceChange,
)

NO_DROP = AllianceSignalSettings(min_drop=None)


def ratings(*series: tuple[str, Sequence[float | None]], first_session: int = 1) -> pl.DataFrame:
    rows = [
        (patient, first_session + i, score)
        for patient, scores in series
        for i, score in enumerate(scores)
    ]
    return pl.DataFrame(
        rows, schema={"patient": pl.String, "session": pl.Int64, "score": pl.Float64}, orient="row"
    )


def episodes(signals: AllianceSignals, criterion: RuptureCriterion) -> list[RuptureRepairEpisode]:
    return list(signals.ruptures(criterion))


def guards(signals: AllianceSignals) -> list[str]:
    return [e.code for e in signals.guards()]


# ------------------------------------------------------------------ level


def test_level_below_threshold_exclusive_and_inclusive() -> None:
    data = ratings(("p", [36, 35.9, 40]))
    exclusive = detect_alliance_signals(data, AllianceSignalSettings(concern_threshold=36))
    low = exclusive.low_levels()
    # 36 < 36 is false; 35.9 < 36 is true
    assert [(e.session, e.score) for e in low] == [(2, 35.9)]
    assert isinstance(low[0], LowAlliance)
    assert low[0].threshold == 36.0
    inclusive = detect_alliance_signals(
        data, AllianceSignalSettings(concern_threshold=36, threshold_inclusive=True)
    )
    assert [e.session for e in inclusive.low_levels()] == [1, 2]


def test_level_rule_off_without_threshold() -> None:
    data = ratings(("p", [10, 10, 10]))
    assert detect_alliance_signals(data, AllianceSignalSettings()).low_levels() == ()


# ------------------------------------------------------------------ drop


def test_drop_of_one_point_from_previous_session() -> None:
    # 38 -> 37: -1 (exactly one point, flagged); 37 -> 37.5: +0.5; 37.5 -> 36.4: -1.1;
    # 2.3 -> 1.3 is -0.9999999999999998 in binary floating point and must still count
    data = ratings(("p", [38, 37, 37.5, 36.4]), ("q", [2.3, 1.3]))
    drops = detect_alliance_signals(data, AllianceSignalSettings()).drops()
    assert [(e.patient, e.session) for e in drops] == [("p", 2), ("p", 4), ("q", 2)]
    first = drops[0]
    assert isinstance(first, AllianceDrop)
    assert (first.previous_session, first.previous_score, first.change) == (1, 38.0, -1.0)
    assert first.basis == "post_to_post"
    assert drops[1].change == pytest.approx(-1.1)


def test_drop_compares_with_previous_rated_session_across_a_missing_one() -> None:
    # session 2 unrated: 38 (s1) -> 36 (s3) = -2, reported against session 1
    data = ratings(("p", [38, None, 36]))
    (drop,) = detect_alliance_signals(data, AllianceSignalSettings()).drops()
    assert isinstance(drop, AllianceDrop)
    assert (drop.session, drop.previous_session, drop.change) == (3, 1, -2.0)


def test_single_session_has_no_drop_and_a_guard() -> None:
    signals = detect_alliance_signals(ratings(("p", [20])), AllianceSignalSettings())
    assert signals.drops() == ()
    assert guards(signals) == ["single_session"]


def test_within_versus_between_session_change() -> None:
    # session: pre -> post    within     between (pre_t - post_{t-1})
    #    1      30 -> 36       +6         -
    #    2      33 -> 37       +4         33 - 36 = -3  (normal dip, no alarm)
    #    3      35 -> 34       -1         35 - 37 = -2  (alarm: fell within the session)
    #    4       - -> 30       -          -             (no pre: falls back to 34 -> 30 = -4)
    data = pl.DataFrame(
        {
            "patient": ["p"] * 4,
            "session": [1, 2, 3, 4],
            "pre": [30.0, 33.0, 35.0, None],
            "post": [36.0, 37.0, 34.0, 30.0],
        }
    )
    signals = detect_alliance_signals(data, AllianceSignalSettings(), score="post", pre_score="pre")
    drops = signals.drops()
    assert [(e.session, e.basis, e.change, e.between_change) for e in drops] == [
        (3, "within_session", -1.0, -2.0),
        (4, "post_to_post", -4.0, None),
    ]
    table = session_changes_table(signals)
    assert table["within_change"].to_list() == [6.0, 4.0, -1.0, None]
    assert table["between_change"].to_list() == [None, -3.0, -2.0, None]


# ------------------------------------------------------------------ ruptures


def test_v_episode_lenient_but_not_strict() -> None:
    # 35, 37, 33, 36, 31, 36, 34, 38: mean 280 / 8 = 35
    # squared deviations 0 + 4 + 4 + 1 + 16 + 1 + 1 + 9 = 36; SD = sqrt(36 / 7) = 2.268
    # lenient cut 35 - 2.268 = 32.73: 33 (s3) is above it, 31 (s5) is below;
    # s6 = 36 >= 35 -> repaired at session 6; depth 35 - 31 = 4
    # strict cut 35 - 4.536 = 30.46: 31 is above it -> no strict episode
    signals = detect_alliance_signals(ratings(("p", [35, 37, 33, 36, 31, 36, 34, 38])), NO_DROP)
    (lenient,) = episodes(signals, "lenient")
    assert episodes(signals, "strict") == []
    assert lenient.reference_level == 35.0
    assert lenient.sd == pytest.approx(math.sqrt(36 / 7))
    assert lenient.sd_source == "person"
    assert lenient.cut_off == pytest.approx(35 - math.sqrt(36 / 7))
    assert (lenient.start_session, lenient.end_session, lenient.lowest_session) == (5, 5, 5)
    assert lenient.depth == 4.0
    assert (lenient.rated_sessions, lenient.session_span) == (1, 1)
    assert (lenient.repaired, lenient.repair_session, lenient.repair_score) == (True, 6, 36.0)


def test_multi_session_episode_repaired_late() -> None:
    # 38 x 4, 30, 33, 34, 38: mean 287 / 8 = 35.875
    # squared deviations 5 * 2.125^2 + 5.875^2 + 2.875^2 + 1.875^2 = 68.875; SD = sqrt(68.875/7)
    # = 3.137; lenient cut 32.74: 30 (s5) starts; 33 and 34 stay below 35.875; 38 (s8) repairs
    # strict cut 35.875 - 6.274 = 29.60: 30 is above -> none
    signals = detect_alliance_signals(ratings(("p", [38, 38, 38, 38, 30, 33, 34, 38])), NO_DROP)
    (episode,) = episodes(signals, "lenient")
    assert episodes(signals, "strict") == []
    assert (episode.start_session, episode.end_session) == (5, 7)
    assert episode.rated_sessions == 3
    assert episode.lowest_score == 30.0
    assert episode.depth == pytest.approx(5.875)
    assert episode.sd == pytest.approx(math.sqrt(68.875 / 7))
    assert (episode.repaired, episode.repair_session) == (True, 8)


def test_unrepaired_episode_at_the_end() -> None:
    # 38 x 4, 30, 31: mean 213 / 6 = 35.5; squared deviations 4 * 6.25 + 30.25 + 20.25 = 75.5;
    # SD = sqrt(75.5 / 5) = 3.886; lenient cut 31.61: 30 (s5) starts, 31 (s6) still below 35.5
    # and nothing follows -> not repaired
    signals = detect_alliance_signals(ratings(("p", [38, 38, 38, 38, 30, 31])), NO_DROP)
    (episode,) = episodes(signals, "lenient")
    assert (episode.start_session, episode.end_session, episode.rated_sessions) == (5, 6, 2)
    assert episode.repaired is False
    assert episode.repair_session is None
    assert episode.repair_date is None


def test_strict_and_lenient_episodes_with_dates_and_a_missing_session() -> None:
    # 36 x 3, (s4 unrated), 28, 36, 36, 36: ratings 36 x 6 and 28 -> mean 244 / 7 = 34.857
    # squared deviations 6 * 1.143^2 + 6.857^2 = 7.837 + 47.02 = 54.86; SD = sqrt(54.86 / 6)
    # = 3.024; lenient cut 31.83, strict cut 28.81: 28 (s5) below both; s6 repairs
    data = ratings(("p", [36, 36, 36, None, 28, 36, 36, 36])).with_columns(
        pl.format("2025-03-0{}", pl.col("session")).alias("date")
    )
    signals = detect_alliance_signals(data, NO_DROP, date="date")
    for criterion in ("lenient", "strict"):
        (episode,) = episodes(signals, criterion)
        assert episode.start_session == 5
        assert episode.start_date == "2025-03-05"
        assert episode.repair_date == "2025-03-06"
        assert episode.depth == pytest.approx(244 / 7 - 28)


def test_low_first_rating_is_not_a_rupture() -> None:
    # 20, 36, 36, 36: mean 32, SD 8; 20 <= 24 but nothing came before it
    signals = detect_alliance_signals(ratings(("p", [20, 36, 36, 36])), NO_DROP)
    assert signals.by_rule("rupture_repair") == ()


def test_zero_variance_guard_and_ceiling() -> None:
    settings = AllianceSignalSettings(min_drop=None, scale_maximum=40)
    signals = detect_alliance_signals(ratings(("p", [40, 40, 40, 40])), settings)
    assert guards(signals) == ["ceiling", "zero_variance"]
    (ceiling,) = [e for e in signals.guards() if e.code == "ceiling"]
    assert isinstance(ceiling, DetectionGuard)
    assert ceiling.share_at_maximum == 1.0
    assert signals.by_rule("rupture_repair") == ()
    # a floor SD removes the zero-variance guard; a constant series still has no episode
    floored = detect_alliance_signals(
        ratings(("p", [40, 40, 40, 40])), AllianceSignalSettings(min_drop=None, min_sd=1.0)
    )
    assert guards(floored) == []
    assert floored.by_rule("rupture_repair") == ()


def test_ceiling_one_point_dip_needs_an_sd_floor() -> None:
    # 40, 40, 39, 40, 40, 40: mean 39.833, SD sqrt(0.8333 / 5) = 0.408;
    # lenient cut 39.43 -> a one-point dip is a "rupture" on the person's own SD ...
    series = ("p", [40, 40, 39, 40, 40, 40])
    own = detect_alliance_signals(
        ratings(series), AllianceSignalSettings(min_drop=None, scale_maximum=40)
    )
    assert "ceiling" in guards(own)  # 5 of 6 at the maximum: 0.833 >= 0.5
    assert [e.start_session for e in episodes(own, "lenient")] == [3]
    # ... and not with an SD floor of 2 (cut 37.83), which is what the floor is for
    floored = detect_alliance_signals(
        ratings(series), AllianceSignalSettings(min_drop=None, scale_maximum=40, min_sd=2.0)
    )
    assert episodes(floored, "lenient") == []
    assert episodes(floored, "strict") == []


def test_sample_sd_is_used_when_stricter() -> None:
    # person SD 2.268 (first rupture test); sample SD 5 is larger: cut 35 - 5 = 30 -> 31 passes
    data = ratings(("p", [35, 37, 33, 36, 31, 36, 34, 38]))
    signals = detect_alliance_signals(data, AllianceSignalSettings(min_drop=None, sample_sd=5.0))
    assert signals.by_rule("rupture_repair") == ()
    # sample SD 1 is smaller than the person's: the person's SD stays
    kept = detect_alliance_signals(data, AllianceSignalSettings(min_drop=None, sample_sd=1.0))
    (episode,) = episodes(kept, "lenient")
    assert episode.sd_source == "person"


def test_too_few_sessions_guard() -> None:
    signals = detect_alliance_signals(ratings(("p", [30, 20])), NO_DROP)
    assert guards(signals) == ["too_few_sessions"]
    assert signals.by_rule("rupture_repair") == ()
    # a patient whose sessions are all unrated: no rule can run
    unrated = detect_alliance_signals(ratings(("p", [None, None])), AllianceSignalSettings())
    assert guards(unrated) == ["too_few_sessions"]
    assert unrated.drops() == ()
    assert unrated.guards()[0].n_ratings == 0


# ------------------------------------------------------------------ sudden alliance change


def test_sudden_alliance_gain_and_loss() -> None:
    # gain: 30, 31, 30, 31 -> 38, 39, 38, 39; s4 -> s5 rises 7 >= 5;
    # pre (31, 30, 31) mean 30.667 var 1/3, post (38, 39, 38) mean 38.333 var 1/3
    # S_pool = 0.577; 2.776 * 0.577 = 1.60 < 7.667
    data = ratings(
        ("up", [30, 31, 30, 31, 38, 39, 38, 39]),
        ("down", [38, 39, 38, 39, 30, 31, 30, 31]),
        ("flat", [35, 35, 35, 35, 35, 35, 35, 35]),
    )
    signals = detect_alliance_signals(data, AllianceSignalSettings(sudden_crit1_cutoff=5))
    (gain,) = signals.sudden_changes("gain")
    (loss,) = signals.sudden_changes("loss")
    assert isinstance(gain, SuddenAllianceChange)
    assert (gain.patient, gain.pre_session, gain.post_session, gain.magnitude) == ("up", 4, 5, 7.0)
    assert gain.critical_value == pytest.approx(2.7764451051977943)
    assert gain.pooled_sd == pytest.approx(math.sqrt(1 / 3))
    assert isinstance(loss, SuddenAllianceChange)
    # loss: s4 -> s5 falls 39 -> 30 = -9
    assert (loss.patient, loss.pre_session, loss.magnitude) == ("down", 4, -9.0)
    # a cut-off of 8 keeps the 9-point drop and loses the 7-point gain
    strict = detect_alliance_signals(data, AllianceSignalSettings(sudden_crit1_cutoff=8))
    assert strict.sudden_changes("gain") == ()
    assert len(strict.sudden_changes("loss")) == 1


def test_sudden_gain_not_across_a_missing_session() -> None:
    # s5 unrated: the 31 -> 38 rise has no post-gain value at s5 -> not examined as a gain
    data = ratings(("p", [30, 31, 30, 31, None, 38, 39, 38, 39]))
    signals = detect_alliance_signals(data, AllianceSignalSettings(sudden_crit1_cutoff=5))
    assert signals.sudden_changes("gain") == ()


# ------------------------------------------------------------------ input and table


def test_bad_input_names_row_and_column() -> None:
    duplicated = ratings(("p", [30, 31])).vstack(ratings(("p", [32])))
    with pytest.raises(TrajectoryInputError, match=r"row 3, column 'session'.*twice"):
        detect_alliance_signals(duplicated, NO_DROP)
    fractional = pl.DataFrame({"patient": ["p"], "session": [1.5], "score": [30.0]})
    with pytest.raises(TrajectoryInputError, match=r"row 1, column 'session'"):
        detect_alliance_signals(fractional, NO_DROP)
    text = pl.DataFrame({"patient": ["p", "p"], "session": ["1", "2"], "score": ["30", "high"]})
    with pytest.raises(TrajectoryInputError, match=r"row 2, column 'score': 'high'"):
        detect_alliance_signals(text, NO_DROP)
    with pytest.raises(TrajectoryInputError, match="'srs'"):
        detect_alliance_signals(ratings(("p", [1])), NO_DROP, score="srs")


def test_events_table_orders_by_patient_then_session() -> None:
    # b: 38, 30, 38, 38 -> mean 36, SD sqrt((4 + 36 + 4 + 4) / 3) = 4;
    # lenient cut 32 (30 below it), strict cut 28 (30 above it)
    data = ratings(("b", [38, 30, 38, 38]), ("a", [20]))
    signals = detect_alliance_signals(data, AllianceSignalSettings(concern_threshold=36))
    table = alliance_events_table(signals)
    # patients sorted (a before b); guards first within a patient
    assert table["patient"].to_list()[:2] == ["a", "a"]
    assert table.filter(pl.col("patient") == "a")["rule"].to_list() == [
        "guard",
        "alliance_below_threshold",
    ]
    b_rules = table.filter(pl.col("patient") == "b")["rule"].to_list()
    assert b_rules == [
        "alliance_below_threshold",
        "alliance_drop",
        "rupture_repair",
    ]
    rupture = table.filter(pl.col("rule") == "rupture_repair")
    assert rupture["criterion"].to_list() == ["lenient"]
    assert rupture["depth"].to_list() == [6.0]
    assert rupture["repair_session"].to_list() == [3]

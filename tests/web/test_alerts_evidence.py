"""The evidence of the alerts: the clinic applies the core's ceiling and zero-variance guards
(no rupture, no falling alliance from one, at the ceiling; an SD floor against near-constant
series); every kind draws a chart with the points of its signal marked; combined and
missed-dose alerts open again on new evidence and only then."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concord.analytics.trajectories import RuptureRepairEpisode, detect_alliance_signals
from concord.analytics.trajectories.alliance_events import DetectionGuard as Guard
from concord.web.alerts import services as alert_services
from concord.web.alerts.evaluation import EpisodeSignals, evaluate
from concord.web.alerts.loading import load_episodes
from concord.web.alerts.models import Alert, AlertStatus
from concord.web.alerts.rule_settings import ALLIANCE_SETTINGS
from concord.web.alerts.signals import recompute_patient
from concord.web.audit.service import Actor
from concord.web.clinic.models import CareSession
from concord.web.measures.models import Administration, AdministrationStatus
from concord.web.medications.models import DispensingEvent, DoseConfirmation, MedicationRegimen

from .conftest import Cast, make_session
from .test_alerts import add_session, live, rate, srs_series

# ------------------------------------------------------------------ helpers


def supply_gap(cast: Cast, days_ago: int = 60, supply: int = 30) -> date:
    """One refill of ``supply`` days ``days_ago`` days ago; returns its day."""
    day = timezone.localdate() - timedelta(days=days_ago)
    DispensingEvent.objects.create(
        patient=cast.patient_a,
        dispensed_on=day,
        days_supply=supply,
        medication_class="N06AB",
        source="manual",
    )
    return day


def signals_of(cast: Cast) -> EpisodeSignals:
    """The core's signals of episode A as the worker computes them today."""
    now = timezone.now()
    inputs = load_episodes([cast.episode_a], now=now, carriers={cast.episode_a.pk})
    return evaluate(list(inputs.values()), timezone.localdate(now), None)[cast.episode_a.pk]


def strict_ruptures(totals: list[float], code: str, **changes: Any) -> list[RuptureRepairEpisode]:
    """The core's strict ruptures of one series with the clinic's settings (changed)."""
    table = pl.DataFrame(
        {"patient": [1] * len(totals), "session": list(range(1, len(totals) + 1)), "score": totals}
    )
    settings = dataclasses.replace(ALLIANCE_SETTINGS[code], **changes)
    return list(detect_alliance_signals(table, settings).ruptures("strict"))


def wai(session: CareSession, twelfths: int) -> None:
    """A WAI-SR whose item mean is twelfths/12: twelve 5s less one twelfth per 4."""
    fours = 60 - twelfths
    rate(session, "waisr", {f"q{n}": 4.0 if n <= fours else 5.0 for n in range(1, 13)})


def alert_of(cast: Cast, rule: str) -> Alert:
    return Alert.objects.get(episode=cast.episode_a, rule=rule, status__in=["open", "acknowledged"])


def ack(cast: Cast, alert: Alert) -> None:
    actor = Actor(user=cast.users["clin_a"], channel="web")
    alert_services.acknowledge(actor, alert.pk, ["talk_openly"], "")


# ------------------------------------------------------------------ 1. the guards


def test_a_one_point_fall_at_the_ceiling_is_not_a_rupture(cast: Cast) -> None:
    """The audit's case: SRS 40,40,40,40,40,39 with a supply gap."""
    totals = [40.0, 40, 40, 40, 40, 39]
    # Without the floor the core finds a strict rupture: mean 239/6 = 39.833, person SD
    # sqrt((5 x (1/6)^2 + (5/6)^2) / 5) = sqrt(1/6) = 0.40825, cut 39.833 - 0.8165 = 39.0168
    # and 39 <= 39.0168.
    [old] = strict_ruptures(totals, "srs", min_sd=0.0)
    assert old.cut_off == pytest.approx(39.0168, abs=1e-4)
    # With the clinic's floor (SD 1.5) the cut is 39.833 - 3 = 36.83: none.
    assert strict_ruptures(totals, "srs") == []
    srs_series(cast, totals)
    supply_gap(cast)
    recompute_patient(cast.patient_a.pk)
    # The one-point fall is the feedback systems' drop (talk about it: alliance_drop), but
    # no rupture, and not a falling alliance (3 points), so no combined risk.
    assert set(live(cast)) == {"alliance_drop", "non_adherence"}
    signals = signals_of(cast)
    guards = [(e.code, e.share_at_maximum) for e in signals.alliance if isinstance(e, Guard)]
    assert guards == [("ceiling", pytest.approx(5 / 6))]
    assert signals.falling == []
    assert [e.alliance_falling for e in signals.engagement] in ([], [False])


def test_the_ceiling_guard_stops_a_rupture_the_sd_floor_lets_through(cast: Cast) -> None:
    totals = [40.0, 40, 40, 40, 40, 40, 38, 36, 34]  # 6 of 9 at the maximum: the guard
    # mean 348/9 = 38.667; squares 6 x (4/3)^2 + (2/3)^2 + (8/3)^2 + (14/3)^2 = 40, SD
    # sqrt(40/8) = 2.236 (above the floor 1.5); cut 38.667 - 4.472 = 34.194 >= 34.
    [core] = strict_ruptures(totals, "srs")
    assert core.sd == pytest.approx(5**0.5) and core.sd_source == "person"
    assert core.cut_off == pytest.approx(34.194, abs=1e-3) and core.start_session == 9
    srs_series(cast, totals)
    supply_gap(cast)
    recompute_patient(cast.patient_a.pk)
    # Falls of 2 points are a PCOMS drop (>= 1) but not a falling alliance (>= 3); 34 is
    # below 36. Not a rupture, so no falling alliance and no combined alert with the
    # supply gap.
    assert set(live(cast)) == {"alliance_drop", "low_alliance", "non_adherence"}
    signals = signals_of(cast)
    assert not [e for e in signals.alliance if isinstance(e, RuptureRepairEpisode)]
    assert [e.code for e in signals.alliance if isinstance(e, Guard)] == ["ceiling"]
    assert signals.falling == []


def test_rehab_wai_sr_wobble_is_not_a_rupture(cast: Cast) -> None:
    """The demo's rehabilitation patient: WAI-SR 4.92 five times, then 4.75."""
    twelfths = [59, 59, 59, 59, 59, 57]
    totals = [t / 12 for t in twelfths]
    # mean 58.667/12 = 4.8889; in twelfths the deviations are +1/3 (x5) and -5/3, squares
    # 10/3, SD sqrt(2/3)/12 = 0.06804; cut 4.8889 - 0.13608 = 4.7528 >= 4.75: a strict
    # rupture for the core without a floor (no rating is 5.0, so no ceiling guard).
    [old] = strict_ruptures(totals, "waisr", min_sd=0.0)
    assert old.sd == pytest.approx((2 / 3) ** 0.5 / 12)
    assert old.cut_off == pytest.approx(4.7528, abs=1e-4)
    # The clinic's floor 0.5 (a WAI-SR drop of 1 point / 2 SD): cut 4.8889 - 1 = 3.889.
    assert strict_ruptures(totals, "waisr") == []
    now = timezone.now()
    for i, t in enumerate(twelfths):
        wai(make_session(cast.episode_a, now - timedelta(days=7 * (6 - i) + 1)), t)
    recompute_patient(cast.patient_a.pk)
    assert live(cast) == {}
    assert signals_of(cast).falling == []


def test_a_real_fall_at_the_ceiling_is_still_a_drop_and_falling(cast: Cast) -> None:
    srs_series(cast, [40, 40, 40, 40, 40, 35])  # ceiling guard; a fall of 5 points
    supply_gap(cast)
    recompute_patient(cast.patient_a.pk)
    alerts = live(cast)
    assert set(alerts) == {"low_alliance", "alliance_drop", "non_adherence", "combined"}
    assert alerts["combined"].rule == "alliance_falling_with_nonadherence"
    assert alerts["alliance_drop"].evidence["signal"]["change"] == -5.0


# ------------------------------------------------------------------ 2. a chart for every kind


def chart_marks(chart: dict[str, Any]) -> list[list[Any]]:
    """The marked points [number, date, value] of a chart."""
    marked = set(chart["marked"])
    return [p for p in chart["points"] if p[0] in marked]


def test_combined_alert_draws_the_falling_alliance_and_the_supply_gap(cast: Cast) -> None:
    sessions = srs_series(cast, [38, 38, 38, 33])
    fill = supply_gap(cast)  # 30 days from day -60: the first day without is day -30
    recompute_patient(cast.patient_a.pk)
    combined = live(cast)["combined"]
    evidence = combined.evidence
    # The alliance with the drop (session 3, 38 -> session 4, 33) marked.
    assert evidence["chart"]["label"] == "SRS total"
    assert evidence["chart"]["marked"] == [3, 4]
    assert [p[2] for p in chart_marks(evidence["chart"])] == [38.0, 33.0]
    assert [s["session_id"] for s in evidence["sessions"]] == [sessions[2].pk, sessions[3].pk]
    # The supply timeline: day 1 the refill (30 days on hand) to day 61 (today); days 31-61
    # (day -30 to today, 31 days = days_without_supply) marked at 0.
    [supply] = evidence["other_charts"]
    assert supply["axis"] == "day"
    assert supply["points"][0] == [1, fill.isoformat(), 30.0]
    assert supply["points"][29] == [30, (fill + timedelta(days=29)).isoformat(), 1.0]
    assert supply["marked"] == list(range(31, 62))
    assert {p[2] for p in chart_marks(supply)} == {0.0}
    page = Client()
    page.force_login(cast.users["clin_a"])
    body = page.get(reverse("alerts:detail", kwargs={"alert_id": combined.pk})).content.decode()
    assert body.count("<svg") == 2
    assert body.count('class="marker marked"') == 2 + 31
    assert 'id="ae0-title"' in body and 'id="ae1-title"' in body  # ids unique on the page


def test_supply_gap_alert_marks_the_days_without_supply(cast: Cast) -> None:
    fill = supply_gap(cast, days_ago=200, supply=30)
    recompute_patient(cast.patient_a.pk)
    alert = alert_of(cast, "supply_exhausted:N06AB")
    signal, chart = alert.evidence["signal"], alert.evidence["chart"]
    today = timezone.localdate()
    # Supply ends on day -170; days -170 .. 0 are 171 days without supply.
    assert signal["days_without_supply"] == 171
    assert alert.evidence["days"] == [
        {"first": (fill + timedelta(days=30)).isoformat(), "last": today.isoformat()}
    ]
    # 120 days drawn: the refill's day (day 1, 30 on hand) and the latest 119 (days 83-201),
    # all without supply.
    assert len(chart["points"]) == 120
    assert chart["points"][0] == [1, fill.isoformat(), 30.0]
    assert chart["points"][1][0] == 83 and chart["points"][-1] == [201, today.isoformat(), 0.0]
    assert chart["marked"] == list(range(83, 202))


def dose_regimen(cast: Cast) -> MedicationRegimen:
    return MedicationRegimen.objects.create(
        episode=cast.episode_a,
        medication_name="Sertraline",
        medication_class="N06AB",
        daily_dose=Decimal(50),
        dose_times=["08:00"],
        window_minutes=60,
        started_on=timezone.localdate() - timedelta(days=40),
    )


def confirm(regimen: MedicationRegimen, day: date) -> None:
    slot = datetime.combine(day, time(8), tzinfo=timezone.get_current_timezone())
    DoseConfirmation.objects.create(regimen=regimen, scheduled_for=slot, taken_at=slot)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=timezone.get_current_timezone())


def test_missed_dose_alert_marks_the_missed_doses_and_reopens_on_a_new_miss(cast: Cast) -> None:
    regimen = dose_regimen(cast)
    today = timezone.localdate()
    missed = {today - timedelta(days=n) for n in (10, 6, 3)}
    for back in range(30, -1, -1):
        day = today - timedelta(days=back)
        if day not in missed:
            confirm(regimen, day)
    recompute_patient(cast.patient_a.pk, now=noon(today))
    alert = live(cast)["non_adherence"]
    assert alert.rule == "missed_dose_confirmations"
    signal, chart = alert.evidence["signal"], alert.evidence["chart"]
    # Days -13 .. 0: 14 doses due by noon, 3 missed (3/14 = 0.214 >= 0.20).
    assert (signal["due"], signal["missed"]) == (14, 3)
    # Dose n is on day n - 14: the misses of days -10, -6, -3 are doses 4, 8 and 11.
    assert chart["marked"] == [4, 8, 11]
    assert [p[1:] for p in chart_marks(chart)] == [[d.isoformat(), 0.0] for d in sorted(missed)]
    assert alert.evidence["key"] == f"missed_dose:{(today - timedelta(days=3)).isoformat()}"
    assert [d["first"] for d in alert.evidence["days"]] == [d.isoformat() for d in sorted(missed)]
    ack(cast, alert)
    # The same misses, recomputed: no new alert, still acknowledged.
    again = recompute_patient(cast.patient_a.pk, now=noon(today))
    assert (again.raised, again.reopened) == (0, 0)
    # Tomorrow's dose confirmed: the window slides over the same misses - not new evidence.
    confirm(regimen, today + timedelta(days=1))
    later = recompute_patient(cast.patient_a.pk, now=noon(today + timedelta(days=1)))
    assert (later.raised, later.reopened) == (0, 0)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    # The day after, a dose missed: new evidence, the alert opens again (not a second one).
    result = recompute_patient(cast.patient_a.pk, now=noon(today + timedelta(days=2)))
    assert (result.raised, result.reopened) == (0, 1)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    assert alert.evidence["key"] == f"missed_dose:{(today + timedelta(days=2)).isoformat()}"
    assert Alert.objects.filter(kind="non_adherence", rule=alert.rule).count() == 1


def test_missed_sessions_from_a_falling_alliance_and_a_measure_mark_both(cast: Cast) -> None:
    srs_series(cast, [38, 38, 38, 33])  # sessions 35, 28, 21 and 7 days ago, all attended
    due = timezone.now() - timedelta(days=3)
    Administration.objects.create(
        slot="test:unreturned",
        episode=cast.episode_a,
        instrument_code="phq9",
        instrument_version="1",
        rater="patient",
        due_at=due,
        status=AdministrationStatus.DUE,
    )
    recompute_patient(cast.patient_a.pk)
    alert = live(cast)["missed_sessions"]
    # No session missed; falling alliance 2 points + one unreturned measure 1 point = 3.
    signal = alert.evidence["signal"]
    assert (signal["no_shows"], signal["patient_cancellations"]) == (0, 0)
    assert (signal["alliance_falling"], signal["unreturned_measures"], signal["score"]) == (
        True,
        1,
        3,
    )
    # The chart drawn first is the alliance with the drop marked; then the four sessions
    # (none missed) and the measures due in the 28 days (SRS of days -21 and -7 returned,
    # the PHQ-9 of day -3 not: the third, marked).
    assert alert.evidence["chart"]["marked"] == [3, 4]
    attendance, measures = alert.evidence["other_charts"]
    assert [p[2] for p in attendance["points"]] == [1.0, 1.0, 1.0, 1.0]
    assert attendance["marked"] == []
    assert [p[2] for p in measures["points"]] == [1.0, 1.0, 0.0]
    assert measures["marked"] == [3]
    assert chart_marks(measures) == [[3, timezone.localdate(due).isoformat(), 0.0]]
    assert [s["number"] for s in alert.evidence["sessions"]] == [3, 4]


# ------------------------------------------------------------------ 3. reopening combined


def test_combined_alert_reopens_on_a_new_drop_and_only_then(cast: Cast) -> None:
    srs_series(cast, [38, 38, 38, 33])
    supply_gap(cast)
    recompute_patient(cast.patient_a.pk)
    combined = live(cast)["combined"]
    # The latest evidence is the drop at session 4 (7 days ago; the gap began 30 days ago).
    week_ago = timezone.localdate(timezone.now() - timedelta(days=7))
    assert combined.evidence["key"] == f"latest:{week_ago.isoformat()}"
    ack(cast, combined)
    same = recompute_patient(cast.patient_a.pk)
    assert (same.raised, same.reopened) == (0, 0)
    # A new rating without a new drop: the same falling alliance, still acknowledged.
    add_session(cast, 38, days_ago=2)
    recompute_patient(cast.patient_a.pk)
    combined.refresh_from_db()
    assert combined.status == AlertStatus.ACKNOWLEDGED
    # A new drop (38 -> 34 at session 6): new evidence, the same alert opens again.
    add_session(cast, 34, days_ago=1)
    result = recompute_patient(cast.patient_a.pk)
    assert result.reopened >= 1
    combined.refresh_from_db()
    assert combined.status == AlertStatus.OPEN
    yesterday = timezone.localdate(timezone.now() - timedelta(days=1))
    assert combined.evidence["key"] == f"latest:{yesterday.isoformat()}"
    assert combined.evidence["chart"]["marked"] == [3, 4, 5, 6]
    assert Alert.objects.filter(kind="combined").count() == 1

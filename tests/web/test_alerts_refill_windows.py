"""Refill adherence in sliding windows as alerts: ``adherence_below_threshold:<class>`` and
``adherence_drop:<class>``, hand-computed.

Every scenario starts the patient's dispensing on F = today - 179 days, so the class is
observed over 180 days (from its first dispensing, later than today - 364) and the page's
90-day windows every 30 days are (AdhereR: floor((180 - 90) / 30) + 1 = 4 windows)::

    W1 [F,      F + 90)   last day today - 90
    W2 [F + 30, F + 120)  last day today - 60
    W3 [F + 60, F + 150)  last day today - 30
    W4 [F + 90, F + 180)  last day today (F + 180 = today + 1)

CMA7 of a window = days with medicine in the window / 90 (supply carried in from earlier
fills counts). Fills are 30 days unless said otherwise.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concord.web.alerts import services as alert_services
from concord.web.alerts.models import Alert, AlertStatus
from concord.web.alerts.signals import recompute_patient
from concord.web.audit.service import Actor
from concord.web.medications.adherence import patient_adherence
from concord.web.medications.models import DispensingEvent, MedicationRegimen

from .conftest import Cast
from .test_alerts import srs_series

CLASS = "SSRI antidepressant"


def today() -> date:
    return timezone.localdate()


def first_day() -> date:
    return today() - timedelta(days=179)


def dispense(cast: Cast, fills: list[tuple[int, int]], medication_class: str = CLASS) -> None:
    """(days after F, days' supply) for patient A."""
    for offset, supply in fills:
        DispensingEvent.objects.create(
            patient=cast.patient_a,
            dispensed_on=first_day() + timedelta(days=offset),
            days_supply=Decimal(supply),
            medication_class=medication_class,
            source="manual",
        )


def prescribe(
    cast: Cast,
    medication_class: str = CLASS,
    *,
    antiretroviral: bool = False,
    ended_on: date | None = None,
) -> MedicationRegimen:
    return MedicationRegimen.objects.create(
        episode=cast.episode_a,
        medication_name="Medicine",
        medication_class=medication_class,
        daily_dose=Decimal(1),
        started_on=first_day(),
        ended_on=ended_on,
        antiretroviral=antiretroviral,
    )


def refill_alerts(cast: Cast) -> dict[str, Alert]:
    return {
        a.rule: a
        for a in Alert.objects.filter(
            episode=cast.episode_a, kind="non_adherence", status__in=["open", "acknowledged"]
        )
    }


def values(alert: Alert) -> list[Any]:
    return [w["value"] for w in alert.evidence["windows"]]


def test_supply_stopping_a_month_ago_is_below_threshold_and_a_drop(cast: Cast) -> None:
    # Five fills at F, F+30 ... F+120 cover [F, F+150); nothing after.
    # W1, W2, W3 fully covered: 90/90 = 1. W4 [F+90, F+180): covered F+90..F+149 = 60 days,
    # 60/90 = 0.6667 < 0.80 -> below threshold; min(1, 1) - 0.6667 = 0.3333 >= 0.20 -> drop.
    # The supply ran out on F+150 = today - 29: 30 days without supply > 7 -> supply_exhausted.
    dispense(cast, [(0, 30), (30, 30), (60, 30), (90, 30), (120, 30)])
    result = recompute_patient(cast.patient_a.pk)
    alerts = refill_alerts(cast)
    assert set(alerts) == {
        f"adherence_below_threshold:{CLASS}",
        f"adherence_drop:{CLASS}",
        f"supply_exhausted:{CLASS}",
    }
    assert result.raised == 3
    below = alerts[f"adherence_below_threshold:{CLASS}"]
    assert below.priority == "moderate"
    signal = below.evidence["signal"]
    assert signal["measure"] == "CMA7"
    assert signal["value"] == pytest.approx(60 / 90)
    assert signal["threshold"] == 0.8
    assert signal["window_start"] == (first_day() + timedelta(days=90)).isoformat()
    assert signal["window_end"] == today().isoformat()  # the window's last day
    assert values(below) == pytest.approx([1.0, 1.0, 1.0, 60 / 90])
    assert [w["last_day"] for w in below.evidence["windows"]] == [
        (today() - timedelta(days=d)).isoformat() for d in (90, 60, 30, 0)
    ]
    assert below.evidence["key"] == f"window:{today().isoformat()}"
    assert below.evidence["medication_class"] == CLASS
    assert below.evidence["antiretroviral"] is False
    assert "PQA" in below.evidence["source"]
    chart = below.evidence["chart"]
    assert chart["axis"] == "window" and chart["threshold"] == 0.8
    assert [p[0] for p in chart["points"]] == [1, 2, 3, 4]
    assert chart["marked"] == [4]
    drop = alerts[f"adherence_drop:{CLASS}"]
    assert drop.evidence["signal"]["earlier_value"] == 1.0
    assert drop.evidence["signal"]["drop"] == pytest.approx(1 - 60 / 90)
    assert drop.evidence["chart"]["marked"] == [3, 4]
    assert "Design choice" in drop.evidence["source"]
    # Recomputing the same data changes nothing and never duplicates.
    again = recompute_patient(cast.patient_a.pk)
    assert again.raised == again.updated == again.resolved == 0
    assert Alert.objects.filter(episode=cast.episode_a, kind="non_adherence").count() == 3


def test_gap_inside_the_latest_window_is_below_threshold_without_a_drop(cast: Cast) -> None:
    # Fills at F, F+30, F+60, F+90 cover [F, F+120); a 30-day gap; F+150 covers to F+180.
    # W3 [F+60, F+150): F+60..F+119 = 60 days -> 0.6667; W4 [F+90, F+180): F+90..F+119 and
    # F+150..F+179 = 60 days -> 0.6667. Below 0.80, but no drop (0.6667 - 0.6667 = 0).
    # Supply lasts until F+180 = today + 1: not exhausted.
    dispense(cast, [(0, 30), (30, 30), (60, 30), (90, 30), (150, 30)])
    recompute_patient(cast.patient_a.pk)
    alerts = refill_alerts(cast)
    assert set(alerts) == {f"adherence_below_threshold:{CLASS}"}
    assert values(alerts[f"adherence_below_threshold:{CLASS}"]) == pytest.approx(
        [1.0, 1.0, 60 / 90, 60 / 90]
    )


def test_exactly_at_the_threshold_is_not_below_but_a_drop_of_exactly_020_is(cast: Cast) -> None:
    # Fills F .. F+120 (30 days) and F+150 (12 days): W4 covered F+90..F+149 (60) and
    # F+150..F+161 (12) = 72 days -> 72/90 = 0.80: not below 0.80 (strictly less is needed).
    # The drop from W3 (1.0) is 1 - 0.80 = 0.20 >= 0.20: a drop, exactly at the limit.
    dispense(cast, [(0, 30), (30, 30), (60, 30), (90, 30), (120, 30), (150, 12)])
    recompute_patient(cast.patient_a.pk)
    alerts = refill_alerts(cast)
    assert f"adherence_below_threshold:{CLASS}" not in alerts
    drop = alerts[f"adherence_drop:{CLASS}"]
    assert drop.evidence["signal"]["value"] == 0.8
    assert drop.evidence["signal"]["drop"] == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("medication_class", "flagged", "expected"),
    [
        ("HIV antiretroviral", True, 0.9),  # the regimen says antiretroviral
        ("J05AR", False, 0.9),  # an antiretroviral ATC code as the class
        (CLASS, False, None),  # any other medicine: 0.80, and 0.8889 is not below it
    ],
)
def test_antiretrovirals_are_held_to_090(
    cast: Cast, medication_class: str, flagged: bool, expected: float | None
) -> None:
    # Fills F .. F+120 (30 days) and F+150 (20 days): W4 covered 60 + 20 = 80 days
    # -> 80/90 = 0.8889: below 0.90 (PQA PDC-ARV), not below 0.80. Drop 1 - 0.8889 = 0.11.
    dispense(cast, [(0, 30), (30, 30), (60, 30), (90, 30), (120, 30), (150, 20)], medication_class)
    if flagged:
        prescribe(cast, medication_class, antiretroviral=True)
    recompute_patient(cast.patient_a.pk)
    below = refill_alerts(cast).get(f"adherence_below_threshold:{medication_class}")
    if expected is None:
        assert below is None
        return
    assert below is not None
    assert below.evidence["signal"]["threshold"] == expected
    assert below.evidence["signal"]["value"] == pytest.approx(80 / 90)
    assert below.evidence["antiretroviral"] is True
    assert below.evidence["chart"]["threshold"] == 0.9
    assert "0.90" in below.evidence["source"]


def test_one_fill_only_and_windows_without_supply(cast: Cast) -> None:
    # One 30-day fill on F: W1 [F, F+90) covered 30 days -> 0.3333; W2, W3 and W4 have no
    # supply at all -> CMA7 0 (defined, not missing). Latest 0 < 0.80: below threshold;
    # W3 -> W4 is 0 -> 0: no drop. The supply ran out long ago: supply_exhausted too.
    dispense(cast, [(0, 30)])
    recompute_patient(cast.patient_a.pk)
    alerts = refill_alerts(cast)
    assert set(alerts) == {f"adherence_below_threshold:{CLASS}", f"supply_exhausted:{CLASS}"}
    below = alerts[f"adherence_below_threshold:{CLASS}"]
    assert values(below) == pytest.approx([1 / 3, 0.0, 0.0, 0.0])
    assert below.evidence["signal"]["value"] == 0.0
    assert [p[2] for p in below.evidence["chart"]["points"]] == pytest.approx([1 / 3, 0, 0, 0])


def test_one_recent_fill_has_no_window_yet(cast: Cast) -> None:
    # One 30-day fill 20 days ago: observed over 21 days, less than one 90-day window, so no
    # window and no window rule; the supply lasts 10 more days: nothing to say.
    DispensingEvent.objects.create(
        patient=cast.patient_a,
        dispensed_on=today() - timedelta(days=20),
        days_supply=30,
        medication_class=CLASS,
        source="manual",
    )
    recompute_patient(cast.patient_a.pk)
    assert refill_alerts(cast) == {}


def test_no_dispensing_no_refill_alert(cast: Cast) -> None:
    prescribe(cast)
    srs_series(cast, [38, 38, 38, 38])
    recompute_patient(cast.patient_a.pk)
    assert refill_alerts(cast) == {}


def test_a_stopped_medicine_raises_nothing_and_its_alerts_resolve(cast: Cast) -> None:
    # The data of the first test: below threshold, drop and supply exhausted while prescribed.
    dispense(cast, [(0, 30), (30, 30), (60, 30), (90, 30), (120, 30)])
    regimen = prescribe(cast)
    recompute_patient(cast.patient_a.pk)
    assert len(refill_alerts(cast)) == 3
    # Ended yesterday (every regimen of the class ended before today): a planned stop is not
    # non-adherence. The window rules and the supply rule leave the class alone.
    regimen.ended_on = today() - timedelta(days=1)
    regimen.save(update_fields=["ended_on"])
    result = recompute_patient(cast.patient_a.pk)
    assert result.resolved == 3
    assert refill_alerts(cast) == {}
    # Another class still prescribed is still judged.
    dispense(cast, [(0, 30)], "Statin")
    recompute_patient(cast.patient_a.pk)
    assert set(refill_alerts(cast)) == {
        "adherence_below_threshold:Statin",
        "supply_exhausted:Statin",
    }


def test_alert_windows_are_the_patient_page_trend(cast: Cast) -> None:
    dispense(cast, [(0, 30), (30, 30), (60, 30), (95, 30), (150, 25)])
    prescribe(cast)
    recompute_patient(cast.patient_a.pk)
    alert = refill_alerts(cast)[f"adherence_below_threshold:{CLASS}"]
    actor = Actor(user=cast.users["clin_a"], channel="web")
    trend = patient_adherence(actor, cast.patient_a).classes[0].trend
    # The page shows AdhereR's window end (the day after the window); the alert its last day.
    assert [(w["start"], w["last_day"], w["value"]) for w in alert.evidence["windows"]] == [
        (t.start.isoformat(), (t.end - timedelta(days=1)).isoformat(), t.value) for t in trend
    ]


def test_falling_alliance_with_low_refill_adherence_is_the_highest_priority(cast: Cast) -> None:
    srs_series(cast, [38, 38, 38, 33])  # a drop of 5 SRS points: alliance falling
    dispense(cast, [(0, 30), (30, 30), (60, 30), (90, 30), (150, 30)])  # below only
    recompute_patient(cast.patient_a.pk)
    combined = Alert.objects.get(episode=cast.episode_a, kind="combined")
    assert combined.rule == "alliance_falling_with_nonadherence"
    assert combined.priority == "highest"
    assert {s["rule"] for s in combined.evidence["signals"]} == {
        "alliance_falling",
        "adherence_below_threshold",
    }


def test_an_acknowledged_window_alert_opens_again_on_a_new_window(cast: Cast) -> None:
    dispense(cast, [(0, 30), (30, 30), (60, 30), (90, 30), (150, 30)])
    recompute_patient(cast.patient_a.pk)
    below = refill_alerts(cast)[f"adherence_below_threshold:{CLASS}"]
    actor = Actor(user=cast.users["clin_a"], channel="web")
    alert_services.acknowledge(actor, below.pk, ["explore_barriers"], "Cost of the medicine.")
    recompute_patient(cast.patient_a.pk)  # the same window: stays acknowledged
    below.refresh_from_db()
    assert below.status == AlertStatus.ACKNOWLEDGED
    # 30 days on, observed over 210 days: 5 windows; W5 [F+120, F+210) covered F+150..F+179
    # = 30 days -> 0.3333, still below, in a new window: the alert opens again.
    later = timezone.now() + timedelta(days=30)
    assert recompute_patient(cast.patient_a.pk, now=later).reopened >= 1
    below.refresh_from_db()
    assert below.status == AlertStatus.OPEN
    assert below.evidence["signal"]["value"] == pytest.approx(30 / 90)
    assert below.evidence["key"] == f"window:{(today() + timedelta(days=30)).isoformat()}"


def test_alert_page_shows_the_windows_with_the_threshold(cast: Cast) -> None:
    dispense(cast, [(0, 30), (30, 30), (60, 30), (90, 30), (120, 30)])
    recompute_patient(cast.patient_a.pk)
    drop = refill_alerts(cast)[f"adherence_drop:{CLASS}"]
    client = Client()
    client.force_login(cast.users["clin_a"])
    body = client.get(reverse("alerts:detail", kwargs={"alert_id": drop.pk})).content.decode()
    assert body.count('class="marker marked"') == 2  # W3 and W4
    assert "Window ending 4, " in body and "90-day window, every 30 days" in body
    assert 'class="threshold"' in body
    assert "<caption>CMA7 of SSRI antidepressant in 90-day windows, every 30 days" in body
    assert "<td>4</td><td>" in body and "<td>0.6667</td><td>below the threshold</td>" in body
    assert "<td>Drop</td><td>0.3333</td>" in body
    # The checklist suggests the adherence strategies for this kind of alert.
    assert "Explored side effects and other barriers <strong" in body
    assert "Talked about the relationship openly</label>" in body


def test_evidence_chart_leaves_out_undefined_windows() -> None:
    from concord.web.alerts.charts import evidence_chart_svg

    chart = {
        "label": "CMA7 in 90-day windows: Statin",
        "axis": "window",
        "points": [[1, "2026-01-30", 0.5], [2, "2026-03-01", None], [3, "2026-03-31", 0.9]],
        "marked": [3],
        "threshold": 0.8,
    }
    svg = evidence_chart_svg(chart)
    assert svg.count('class="marker') == 2  # window 2 has no value: not drawn
    assert '<desc id="ae-desc">2 values, 90-day window, every 30 days 1 to 3; 1 marked' in svg
    assert "<title>Window ending 3, 2026-03-31: 0.9 (evidence)</title>" in svg
    assert evidence_chart_svg({**chart, "points": [[2, "2026-03-01", None]]}) == ""

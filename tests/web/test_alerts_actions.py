"""What people do with alerts leaves the audit rows it should (snooze, read, list, every
field checked), and a snooze reason is kept whole or refused with a clear message."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from concord.web.alerts.models import Alert, AlertAction, AlertStatus
from concord.web.audit.models import AuditEvent

from .conftest import Cast
from .test_alerts import _alert_a, client


def _rows(alert_id: int | str = "") -> list[AuditEvent]:
    """The alert audit rows, oldest first (of one alert, or with no alert id: lists)."""
    return list(
        AuditEvent.objects.filter(object_type="alert", object_id=str(alert_id)).order_by("pk")
    )


def test_snooze_writes_one_update_row_with_the_date_and_the_action(cast: Cast) -> None:
    alert_id = _alert_a(cast)["alert_id"]
    url = reverse("alerts:detail", kwargs={"alert_id": alert_id})
    until = timezone.localdate() + timedelta(days=5)
    response = client(cast, "colleague_a").post(
        url, {"action": "snooze", "until": until.isoformat(), "reason": "Back from leave"}
    )
    assert response.status_code == 302
    action = AlertAction.objects.get(alert_id=alert_id)
    assert (action.kind, action.note) == ("snoozed", "Back from leave")
    [row] = _rows(alert_id)  # the POST writes the update only (the redirect is not followed)
    assert row.action == "update"
    assert row.actor_id == cast.users["colleague_a"].pk
    assert (row.actor_username, row.role) == ("colleague_a", "clinician")
    assert row.channel == "web" and row.source == "127.0.0.1"
    assert row.patient_refs == f",{cast.patient_a.pk},"
    assert row.detail == {"snoozed_until": until.isoformat(), "action_id": action.pk}


def test_reading_an_alert_writes_a_read_row(cast: Cast) -> None:
    alert_id = _alert_a(cast)["alert_id"]
    url = reverse("alerts:detail", kwargs={"alert_id": alert_id})
    assert client(cast, "sup_a").get(url).status_code == 200
    [row] = _rows(alert_id)
    assert (row.action, row.object_type, row.object_id) == ("read", "alert", str(alert_id))
    assert row.actor_id == cast.users["sup_a"].pk
    assert (row.actor_username, row.role, row.channel) == ("sup_a", "supervisor", "web")
    assert row.patient_refs == f",{cast.patient_a.pk},"
    assert row.detail == {}
    # Someone refused (another team's clinician) reads nothing and leaves no read row.
    assert client(cast, "clin_b").get(url).status_code == 404
    assert len(_rows(alert_id)) == 1


def test_the_patient_page_lists_live_alerts_and_writes_a_list_row(cast: Cast) -> None:
    live_id = _alert_a(cast)["alert_id"]
    resolved = Alert.objects.create(
        patient=cast.patient_a,
        episode=cast.episode_a,
        kind="alliance_drop",
        rule="alliance_drop:srs",
        priority="moderate",
        priority_rank=3,
        status=AlertStatus.RESOLVED,
    )
    page = reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk})
    assert client(cast, "clin_a").get(page).status_code == 200
    [row] = _rows()
    assert (row.action, row.object_type, row.object_id) == ("list", "alert", "")
    assert (row.actor_username, row.role, row.channel) == ("clin_a", "clinician", "web")
    assert row.patient_refs == f",{cast.patient_a.pk},"
    assert row.detail == {"alerts": [live_id]}  # the resolved one is not listed
    assert resolved.pk not in row.detail["alerts"]


def test_a_patient_without_alerts_leaves_no_list_row(cast: Cast) -> None:
    page = reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk})
    assert client(cast, "clin_a").get(page).status_code == 200
    assert _rows() == []


def test_a_snooze_reason_is_kept_whole_up_to_the_fields_500_characters(cast: Cast) -> None:
    alert_id = _alert_a(cast)["alert_id"]
    url = reverse("alerts:detail", kwargs={"alert_id": alert_id})
    until = (timezone.localdate() + timedelta(days=2)).isoformat()
    c = client(cast, "clin_a")
    response = c.post(url, {"action": "snooze", "until": until, "reason": "x" * 501})
    assert response.status_code == 400
    assert response.context["errors"] == {"reason": ["Keep it under 500 characters."]}
    assert "<li>Keep it under 500 characters.</li>" in response.content.decode()
    assert 'name="reason" maxlength="500"' in response.content.decode()
    alert = Alert.objects.get(pk=alert_id)
    assert alert.status == AlertStatus.OPEN and not AlertAction.objects.exists()
    # Exactly 500 (after trimming spaces) is kept whole, in the alert and in the action.
    reason = "y" * 500
    assert c.post(url, {"action": "snooze", "until": until, "reason": f" {reason} "}).status_code
    alert.refresh_from_db()
    assert alert.status == AlertStatus.SNOOZED and alert.snooze_reason == reason
    assert AlertAction.objects.get(alert=alert).note == reason


def test_a_snooze_reason_overlong_in_spanish(cast: Cast) -> None:
    alert_id = _alert_a(cast)["alert_id"]
    url = reverse("alerts:detail", kwargs={"alert_id": alert_id})
    until = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = client(cast, "clin_a").post(
        url,
        {"action": "snooze", "until": until, "reason": "x" * 501},
        headers={"accept-language": "es"},
    )
    assert response.status_code == 400
    assert response.context["errors"] == {"reason": ["Use menos de 500 caracteres."]}

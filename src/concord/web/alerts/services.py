"""Alert services for people: list, read, acknowledge (record what was done) and snooze.

Access goes through :mod:`concord.web.clinic.access`: clinicians of the care team act,
their supervisors read, everyone else gets :class:`~concord.web.clinic.access.NotFound`.
Each service works in one transaction and writes the audit trail in it.

:func:`signal_changed` is what other apps call (one line) when new data arrive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.web.accounts.models import Role, User
from concord.web.alerts.models import (
    LIVE_STATUSES,
    ActionKind,
    Alert,
    AlertAction,
    AlertStatus,
    Strategy,
)
from concord.web.alerts.triage import highest_open_priority, signal_changed
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access
from concord.web.clinic import services as clinic_services
from concord.web.clinic.access import NotFound

__all__ = [
    "acknowledge",
    "alerts_for",
    "alerts_of_patient",
    "get_alert",
    "highest_open_priority",
    "signal_changed",
    "snooze",
]

MAX_SNOOZE_DAYS = 90
NOTE_LENGTH = AlertAction._meta.get_field("note").max_length or 2000
#: The snooze reason is kept whole in ``Alert.snooze_reason`` (and in the action's note).
REASON_LENGTH = Alert._meta.get_field("snooze_reason").max_length or 500
STRATEGY_CODES = {code for code, _label in Strategy.choices}


def alerts_for(user: User) -> QuerySet[Alert]:
    """Alerts of the episodes the person may see as clinical staff; none for anyone else."""
    if not user.is_authenticated or not user.is_active:
        return Alert.objects.none()
    if user.role in (Role.CLINICIAN, Role.SUPERVISOR):
        return Alert.objects.filter(episode__in=access.episodes_for(user))
    return Alert.objects.none()


def _staff(actor: Actor) -> None:
    if actor.user.role not in (Role.CLINICIAN, Role.SUPERVISOR):
        raise NotFound


def alerts_of_patient(
    actor: Actor, patient_id: int, *, include_resolved: bool = False
) -> list[Alert]:
    """The patient's alerts, most urgent first (live ones; resolved ones on request)."""
    _staff(actor)
    alerts = alerts_for(actor.user).filter(patient_id=patient_id)
    if not include_resolved:
        alerts = alerts.filter(status__in=LIVE_STATUSES)
    rows = list(alerts.select_related("episode").order_by("priority_rank", "-last_updated_at"))
    if rows:
        audit(
            actor,
            Action.LIST,
            "alert",
            "",
            [patient_id],
            {"alerts": [a.pk for a in rows]},
        )
    return rows


def get_alert(actor: Actor, alert_id: object) -> Alert:
    _staff(actor)
    alert = access.get_or_not_found(
        alerts_for(actor.user).select_related("patient", "episode"), alert_id
    )
    audit(actor, Action.READ, "alert", alert.pk, [alert.patient_id])
    return alert


def actions_of(alert: Alert) -> list[AlertAction]:
    """What was done about an alert already read through :func:`get_alert`."""
    return list(alert.actions.select_related("by"))


def _writable(actor: Actor, alert_id: object) -> Alert:
    _staff(actor)
    alert = access.get_or_not_found(alerts_for(actor.user), alert_id)
    if not access.can_write_clinical(actor.user):
        raise clinic_services.NotAllowed(_("Only clinicians of the care team act on alerts."))
    if alert.status == AlertStatus.RESOLVED:
        raise clinic_services.FormInvalid(
            {"__all__": [_("This alert has been resolved; nothing to do.")]}
        )
    return alert


def _strategies(values: Iterable[str]) -> list[str]:
    chosen = [v for v in values if v]
    unknown = [v for v in chosen if v not in STRATEGY_CODES]
    if unknown:
        raise clinic_services.FormInvalid(
            {"strategies": [_("Unknown strategy: %(codes)s.") % {"codes": ", ".join(unknown)}]}
        )
    return [code for code, _label in Strategy.choices if code in chosen]  # the fixed order


def _note(text: str | None, *, required: str = "") -> str:
    note = (text or "").strip()
    if len(note) > NOTE_LENGTH:
        raise clinic_services.FormInvalid({"note": [_("Keep it under 2000 characters.")]})
    if required and not note:
        raise clinic_services.FormInvalid({"note": [required]})
    return note


def _reason(text: str | None) -> str:
    """A snooze reason: required, and no longer than the field that keeps it."""
    reason = (text or "").strip()
    if not reason:
        raise clinic_services.FormInvalid({"reason": [_("Say why the alert can wait.")]})
    if len(reason) > REASON_LENGTH:
        raise clinic_services.FormInvalid(
            {"reason": [_("Keep it under %(n)d characters.") % {"n": REASON_LENGTH}]}
        )
    return reason


def acknowledge(
    actor: Actor, alert_id: object, strategies: Iterable[str], note: str | None
) -> AlertAction:
    """Record what was done (strategies from the checklist and/or own words)."""
    alert = _writable(actor, alert_id)
    chosen = _strategies(strategies)
    text = _note(note)
    if not chosen and not text:
        raise clinic_services.FormInvalid(
            {"__all__": [_("Tick what was done or say it in your own words.")]}
        )
    now = timezone.now()
    with transaction.atomic():
        Alert.objects.filter(pk=alert.pk).update(
            status=AlertStatus.ACKNOWLEDGED, snoozed_until=None, last_updated_at=now
        )
        action = AlertAction.objects.create(
            alert=alert,
            kind=ActionKind.ACKNOWLEDGED,
            by=actor.user,
            at=now,
            strategies=chosen,
            note=text,
        )
        audit(
            actor,
            Action.UPDATE,
            "alert",
            alert.pk,
            [alert.patient_id],
            {"acknowledged": True, "strategies": chosen, "action_id": action.pk},
        )
    return action


def snooze(actor: Actor, alert_id: object, data: Mapping[str, Any]) -> AlertAction:
    """Put an alert aside until a date, with a reason; the worker opens it again then."""
    alert = _writable(actor, alert_id)
    reason = _reason(data.get("reason"))
    today = timezone.localdate()
    try:
        until = date.fromisoformat(str(data.get("until", "")).strip())
    except ValueError:
        raise clinic_services.FormInvalid({"until": [_("Enter a date (YYYY-MM-DD).")]}) from None
    if until <= today:
        raise clinic_services.FormInvalid({"until": [_("Choose a date after today.")]})
    if until > today + timedelta(days=MAX_SNOOZE_DAYS):
        raise clinic_services.FormInvalid(
            {"until": [_("Snooze for at most %(n)s days.") % {"n": MAX_SNOOZE_DAYS}]}
        )
    now = timezone.now()
    with transaction.atomic():
        Alert.objects.filter(pk=alert.pk).update(
            status=AlertStatus.SNOOZED,
            snoozed_until=until,
            snooze_reason=reason,
            last_updated_at=now,
        )
        action = AlertAction.objects.create(
            alert=alert, kind=ActionKind.SNOOZED, by=actor.user, at=now, note=reason
        )
        audit(
            actor,
            Action.UPDATE,
            "alert",
            alert.pk,
            [alert.patient_id],
            {"snoozed_until": until.isoformat(), "action_id": action.pk},
        )
    return action

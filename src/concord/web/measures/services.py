"""Measurement plans, the due administrations they generate, and what each person sees.

Like the clinic services: each public function takes an :class:`Actor`, goes through
:mod:`concord.web.measures.access` (built on the clinic's one access path), works in one
transaction and writes the audit trail in it. Answering is in :mod:`.submission`.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.analytics.instruments import get_instrument
from concord.web.accounts.models import Role
from concord.web.audit.chain import AuditEntry, append
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access as clinic_access
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import CareEpisode, EpisodeStatus, SessionStatus
from concord.web.clinic.services import FormInvalid, NotAllowed
from concord.web.measures import access
from concord.web.measures.forms import PlanForm
from concord.web.measures.models import (
    OPEN_STATUSES,
    Administration,
    AdministrationStatus,
    MeasurementPlan,
    Rater,
    SafetyAlert,
    Schedule,
)

# How long a due administration stays open.
OPEN_FOR = {
    Rater.PATIENT: timedelta(days=7),
    Rater.SUPPORTER_PROXY: timedelta(days=7),
    Rater.CLINICIAN: timedelta(days=7),
    Rater.OBSERVER: timedelta(days=60),
}


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _dated_slots(plan: MeasurementPlan, until: date) -> list[date]:
    days: list[date] = []
    current, step = plan.starts_on, 0
    while current <= until and len(days) < 1000:
        days.append(current)
        step += 1
        if plan.schedule == Schedule.MONTHLY:
            current = _add_months(plan.starts_on, step)
        else:
            current = plan.starts_on + timedelta(days=(plan.interval_days or 1) * step)
    return days


def _slots(plan: MeasurementPlan, now: datetime) -> list[Administration]:
    """Every administration the plan calls for up to ``now`` (saved or not)."""
    episode = plan.episode
    instrument = get_instrument(plan.instrument_code)
    common = {
        "plan": plan,
        "episode": episode,
        "instrument_code": instrument.code,
        "instrument_version": instrument.version,
        "rater": plan.rater,
    }
    open_for = OPEN_FOR[Rater(plan.rater)]
    found: list[Administration] = []
    if plan.schedule == Schedule.AFTER_EVERY_SESSION:
        zone = timezone.get_current_timezone()
        start = datetime.combine(plan.starts_on, time.min, tzinfo=zone)
        sessions = episode.sessions.filter(
            status=SessionStatus.ATTENDED, scheduled_at__gte=start, scheduled_at__lte=now
        ).prefetch_related("observer_assignments")
        for session in sessions:
            due = session.scheduled_at + timedelta(minutes=session.duration_minutes)
            if plan.rater == Rater.OBSERVER:
                for assignment in session.observer_assignments.all():
                    found.append(
                        Administration(
                            **common,
                            slot=f"session:{session.pk}:observer:{assignment.observer_id}",
                            session=session,
                            assigned_to_id=assignment.observer_id,
                            due_at=due,
                            expires_at=due + open_for,
                        )
                    )
            else:
                found.append(
                    Administration(
                        **common,
                        slot=f"session:{session.pk}",
                        session=session,
                        due_at=due,
                        expires_at=due + open_for,
                    )
                )
        return found
    until = timezone.localdate(now)
    if episode.ended_on:
        until = min(until, episode.ended_on)
    days = _dated_slots(plan, until)
    zone = timezone.get_current_timezone()
    for index, day in enumerate(days):
        due = datetime.combine(day, time(8, 0), tzinfo=zone)
        following = days[index + 1] if index + 1 < len(days) else None
        closes = datetime.combine(following, time(8, 0), tzinfo=zone) if following else None
        found.append(
            Administration(
                **common,
                slot=f"date:{day.isoformat()}",
                due_at=due,
                expires_at=min(closes, due + open_for) if closes else due + open_for,
            )
        )
    return found


def generate_for_plan(plan: MeasurementPlan, now: datetime | None = None) -> list[Administration]:
    """Create the plan's administrations that are due by ``now`` and do not exist yet.

    Running it again creates nothing (one administration per plan and slot). Slots whose
    window has already closed are created as ``expired`` so the history shows them as missed.
    """
    now = now or timezone.now()
    if not plan.active or plan.episode.status != EpisodeStatus.ACTIVE:
        return []
    existing = set(plan.administrations.values_list("slot", flat=True))
    new = [a for a in _slots(plan, now) if a.slot not in existing]
    for administration in new:
        if administration.expires_at and administration.expires_at <= now:
            administration.status = AdministrationStatus.EXPIRED
    Administration.objects.bulk_create(new, ignore_conflicts=True)
    return new


def _overdue(now: datetime) -> Any:
    return Administration.objects.filter(
        status__in=OPEN_STATUSES, expires_at__isnull=False, expires_at__lte=now
    )


def expire_overdue(now: datetime | None = None) -> int:
    """Close open administrations whose window has passed (drafts included)."""
    now = now or timezone.now()
    return int(_overdue(now).update(status=AdministrationStatus.EXPIRED, updated_at=now))


def generate_due(now: datetime | None = None) -> dict[str, int]:
    """All active plans: create what is due, expire what is overdue; audited as the worker."""
    now = now or timezone.now()
    created: list[Administration] = []
    with transaction.atomic():
        plans = MeasurementPlan.objects.filter(
            active=True, episode__status=EpisodeStatus.ACTIVE
        ).select_related("episode")
        for plan in plans:
            created.extend(generate_for_plan(plan, now))
        expiring = set(_overdue(now).values_list("episode__patient_id", flat=True))
        expired = expire_overdue(now)
        patient_ids = sorted({a.episode.patient_id for a in created} | expiring)
        if not created and not expired:
            return {"created": 0, "expired": 0}
        append(
            [
                AuditEntry(
                    actor_id=None,
                    actor_username="concord worker",
                    role="",
                    action=Action.CREATE,
                    object_type="administration",
                    object_id="",
                    patient_ids=tuple(patient_ids),
                    channel="worker",
                    detail={"created": len(created), "expired": expired},
                )
            ]
        )
    return {"created": len(created), "expired": expired}


def create_plan(actor: Actor, episode_id: object, data: Mapping[str, Any]) -> MeasurementPlan:
    """A clinician of the team adds a plan to an episode; its due administrations follow."""
    episode = clinic_access.get_or_not_found(
        clinic_access.episodes_for(actor.user).select_related("patient"), episode_id
    )
    if not clinic_access.can_write_clinical(actor.user):
        raise NotAllowed(_("Only clinicians of the care team plan measures."))
    form = PlanForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    plan = form.save(commit=False)
    plan.episode = episode
    plan.created_by = actor.user
    try:
        plan.full_clean()
    except Exception as error:  # ValidationError with field messages
        raise FormInvalid(getattr(error, "message_dict", {"__all__": [str(error)]})) from None
    with transaction.atomic():
        plan.save()
        created = generate_for_plan(plan)
        audit(
            actor,
            Action.CREATE,
            "measurement_plan",
            plan.pk,
            [episode.patient_id],
            {
                "instrument": plan.instrument_code,
                "rater": plan.rater,
                "schedule": plan.schedule,
                "administrations": len(created),
            },
        )
    return plan


def get_episode_for_staff(actor: Actor, episode_id: object) -> CareEpisode:
    if actor.user.role not in (Role.CLINICIAN, Role.SUPERVISOR):
        raise NotFound
    episode = clinic_access.get_or_not_found(
        clinic_access.episodes_for(actor.user).select_related("patient", "team__clinic"),
        episode_id,
    )
    audit(actor, Action.READ, "episode", episode.pk, [episode.patient_id])
    return episode


@dataclass(frozen=True)
class EpisodeMeasures:
    episode: CareEpisode
    plans: list[MeasurementPlan]
    open: list[Administration]
    recent: list[Administration]


def measures_of_episodes(actor: Actor, episodes: Iterable[CareEpisode]) -> list[EpisodeMeasures]:
    """Plans, open and recently submitted administrations per episode (clinical staff)."""
    episodes = list(episodes)
    if actor.user.role not in (Role.CLINICIAN, Role.SUPERVISOR) or not episodes:
        return []
    visible = access.administrations_for(actor.user).filter(episode__in=episodes)
    rows = []
    for episode in episodes:
        mine = visible.filter(episode=episode).select_related("session", "submitted_by")
        rows.append(
            EpisodeMeasures(
                episode=episode,
                plans=list(episode.measurement_plans.all()),
                open=list(mine.filter(status__in=OPEN_STATUSES).order_by("due_at", "pk")[:20]),
                recent=list(
                    mine.filter(status=AdministrationStatus.SUBMITTED).order_by(
                        "-submitted_at", "-pk"
                    )[:10]
                ),
            )
        )
    audit(
        actor,
        Action.LIST,
        "administration",
        "",
        {e.patient_id for e in episodes},
        {"episode_ids": [e.pk for e in episodes]},
    )
    return rows


def open_for_me(actor: Actor) -> list[Administration]:
    """What this person is asked to complete now (patients, clinicians, observers)."""
    user = actor.user
    if user.role not in (Role.PATIENT, Role.CLINICIAN, Role.OBSERVER):
        raise NotFound
    now = timezone.now()
    rows = [
        a
        for a in access.administrations_for(user)
        .filter(status__in=OPEN_STATUSES, due_at__lte=now)
        .select_related("session", "episode__patient")
        .order_by("due_at", "pk")[:200]
        if access.may_answer(user, a) and a.is_open
    ]
    audit(
        actor,
        Action.LIST,
        "administration",
        "",
        {a.episode.patient_id for a in rows},
        {"open": [a.pk for a in rows]},
    )
    return rows


def get_administration(actor: Actor, administration_id: object) -> Administration:
    administration = clinic_access.get_or_not_found(
        access.administrations_for(actor.user).select_related(
            "episode__patient", "episode__team", "session", "submitted_by"
        ),
        administration_id,
    )
    audit(
        actor,
        Action.READ,
        "administration",
        administration.pk,
        [administration.episode.patient_id],
    )
    return administration


def open_alerts(actor: Actor, patient_id: int | None = None) -> list[SafetyAlert]:
    """Unacknowledged safety alerts the person may see (optionally of one patient)."""
    if actor.user.role not in (Role.CLINICIAN, Role.SUPERVISOR):
        return []
    alerts = access.alerts_for(actor.user).filter(acknowledged_at__isnull=True)
    if patient_id is not None:
        alerts = alerts.filter(patient_id=patient_id)
    rows = list(alerts.select_related("patient", "administration")[:100])
    if rows:
        audit(
            actor,
            Action.LIST,
            "safety_alert",
            "",
            {a.patient_id for a in rows},
            {"alerts": [a.pk for a in rows]},
        )
    return rows


def acknowledge_alert(actor: Actor, alert_id: object, action_taken: str) -> SafetyAlert:
    alert = clinic_access.get_or_not_found(access.alerts_for(actor.user), alert_id)
    if not clinic_access.can_write_clinical(actor.user):
        raise NotAllowed(_("Only clinicians of the care team acknowledge alerts."))
    action_taken = (action_taken or "").strip()
    if not action_taken:
        raise FormInvalid(
            {"action_taken": [_("Say what was done (for example: called the patient).")]}
        )
    if len(action_taken) > 2000:
        raise FormInvalid({"action_taken": [_("Keep it under 2000 characters.")]})
    with transaction.atomic():
        updated = SafetyAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(), acknowledged_by=actor.user, action_taken=action_taken
        )
        alert.refresh_from_db()
        if updated:
            audit(
                actor,
                Action.UPDATE,
                "safety_alert",
                alert.pk,
                [alert.patient_id],
                {"acknowledged": True},
            )
    return alert


def administrations_of_episode(actor: Actor, episode_id: object) -> list[Administration]:
    """Every administration of one episode (clinical staff of the team), oldest first."""
    episode = get_episode_for_staff(actor, episode_id)
    rows = list(
        access.administrations_for(actor.user).filter(episode=episode).order_by("due_at", "pk")
    )
    audit(
        actor,
        Action.LIST,
        "administration",
        "",
        [episode.patient_id],
        {"episode_id": episode.pk, "rows": len(rows)},
    )
    return rows

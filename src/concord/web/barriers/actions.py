"""Barrier actions for clinical staff: opening an action on a barrier, following it up, and
the follow-ups due across the patients a person may see.

As in :mod:`.services`: the access path first (:mod:`.scope`), the whole input checked
(:class:`FormInvalid` names the field), then the action, its history row and the audit row in
one transaction. Clinicians of the care team write; supervisors read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.web.accounts.models import User
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.barriers import scope
from concord.web.barriers.forms import ActionForm, FollowUpForm
from concord.web.barriers.models import (
    ActionStatus,
    ActionUpdate,
    Barrier,
    BarrierAction,
    BarrierStatus,
)
from concord.web.barriers.services import record_status
from concord.web.clinic import access
from concord.web.clinic.access import NotFound, require_writer
from concord.web.clinic.models import Patient
from concord.web.clinic.services import FormInvalid

FOLLOW_UP_HORIZON_DAYS = 7


def action_owners(actor: Actor, barrier: Barrier) -> QuerySet[User]:
    return scope.care_team_clinicians(actor.user, barrier.patient, barrier.episode)


def open_action(
    actor: Actor,
    barrier_id: object,
    data: Mapping[str, Any],
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> BarrierAction:
    """An action on a current barrier; an open barrier becomes "being addressed"."""
    if actor.user.role not in scope.STAFF:
        raise NotFound
    barrier = access.get_or_not_found(
        scope.barriers_for(actor.user).select_related("patient", "episode"), barrier_id
    )
    require_writer(actor.user, "barrier actions")
    today = today or timezone.localdate()
    form = ActionForm(data, barrier=barrier, owners=action_owners(actor, barrier), today=today)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    if not barrier.is_current:
        raise FormInvalid({"barrier": [_("This barrier is closed: reopen it first.")]})
    now = now or timezone.now()
    with transaction.atomic():
        action = form.save(commit=False)
        action.barrier = barrier
        action.created_by = actor.user
        action.created_at = now
        action.status = ActionStatus.PLANNED
        action.save()
        ActionUpdate.objects.create(
            action=action,
            from_status="",
            to_status=ActionStatus.PLANNED,
            follow_up_after=action.follow_up_on,
            changed_by=actor.user,
            changed_by_role=actor.user.role,
            changed_at=now,
        )
        audit(
            actor,
            Action.CREATE,
            "barrier_action",
            action.pk,
            [barrier.patient_id],
            {
                "barrier_id": barrier.pk,
                "kind": action.kind,
                "owner_kind": action.owner_kind,
                "owner_clinician_id": action.owner_clinician_id,
                "follow_up_on": action.follow_up_on.isoformat(),
            },
        )
        if barrier.status == BarrierStatus.OPEN:
            barrier.status = BarrierStatus.BEING_ADDRESSED
            barrier.status_changed_at = now
            barrier.save(update_fields=["status", "status_changed_at"])
            record_status(
                barrier,
                actor,
                BarrierStatus.OPEN,
                _("Action opened: %(kind)s") % {"kind": action.get_kind_display()},
                now,
            )
            audit(
                actor,
                Action.UPDATE,
                "barrier",
                barrier.pk,
                [barrier.patient_id],
                {"from": BarrierStatus.OPEN, "to": barrier.status, "action_id": action.pk},
            )
    return action


def get_action(actor: Actor, action_id: object) -> BarrierAction:
    if actor.user.role not in scope.STAFF:
        raise NotFound
    action = access.get_or_not_found(
        scope.actions_for(actor.user).select_related("barrier__patient", "owner_clinician"),
        action_id,
    )
    audit(actor, Action.READ, "barrier_action", action.pk, [action.barrier.patient_id])
    return action


def follow_up_action(
    actor: Actor,
    action_id: object,
    data: Mapping[str, Any],
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> BarrierAction:
    """Record the follow-up: done or not done (with the outcome), cancelled, or moved."""
    if actor.user.role not in scope.STAFF:
        raise NotFound
    action = access.get_or_not_found(
        scope.actions_for(actor.user).select_related("barrier"), action_id
    )
    require_writer(actor.user, "barrier actions")
    today = today or timezone.localdate()
    form = FollowUpForm(data, action=action, today=today)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    now = now or timezone.now()
    status, note = form.cleaned_data["status"], form.cleaned_data["outcome_note"]
    new_day: date | None = form.cleaned_data.get("follow_up_on")
    with transaction.atomic():
        before_status, before_day = action.status, action.follow_up_on
        action.status = status
        action.outcome_note = note
        if new_day is not None:
            action.follow_up_on = new_day
        if status != ActionStatus.PLANNED:
            action.closed_at = now
        action.save(update_fields=["status", "outcome_note", "follow_up_on", "closed_at"])
        ActionUpdate.objects.create(
            action=action,
            from_status=before_status,
            to_status=status,
            follow_up_before=before_day if new_day is not None else None,
            follow_up_after=new_day,
            changed_by=actor.user,
            changed_by_role=actor.user.role,
            changed_at=now,
            note=note,
        )
        detail: dict[str, Any] = {"from": before_status, "to": status}
        if new_day is not None:
            detail["follow_up"] = {"from": before_day.isoformat(), "to": new_day.isoformat()}
        audit(
            actor, Action.UPDATE, "barrier_action", action.pk, [action.barrier.patient_id], detail
        )
    return action


# ------------------------------------------------------------------ follow-ups across patients


@dataclass(frozen=True)
class FollowUp:
    action: BarrierAction
    patient: Patient
    overdue: bool
    due_today: bool


def follow_ups(
    actor: Actor,
    *,
    today: date | None = None,
    horizon_days: int = FOLLOW_UP_HORIZON_DAYS,
    mine_only: bool = False,
) -> list[FollowUp]:
    """Planned actions of the patients the person may see, due within ``horizon_days`` or
    overdue, earliest first. ``mine_only``: actions the clinician owns."""
    if actor.user.role not in scope.STAFF:
        raise NotFound
    today = today or timezone.localdate()
    actions = scope.actions_for(actor.user).filter(
        status=ActionStatus.PLANNED, follow_up_on__lte=today + timedelta(days=horizon_days)
    )
    if mine_only:
        actions = actions.filter(owner_clinician=actor.user)
    rows = [
        FollowUp(a, a.barrier.patient, a.is_overdue(today), a.is_due(today))
        for a in actions.select_related("barrier__patient", "owner_clinician").order_by(
            "follow_up_on", "pk"
        )
    ]
    audit(
        actor,
        Action.LIST,
        "barrier_action",
        "",
        sorted({r.patient.pk for r in rows}),
        {"action_ids": [r.action.pk for r in rows], "horizon_days": horizon_days},
    )
    return rows

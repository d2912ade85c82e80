"""Referrals of patients to community resources, from a barrier action or on their own.

Clinicians of the care team refer (to an active entry of the directory of a clinic caring
for the patient) and keep the status up to date; supervisors read; the patient sees their
own referrals with the resource's contact details and may say they got in touch, went, or
declined. Every status change is a history row; every read and write is audited
(``referral``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.barriers import scope
from concord.web.barriers.models import (
    ActionStatus,
    BarrierAction,
    CommunityResource,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)
from concord.web.barriers.portal import own_patient
from concord.web.barriers.resource_forms import (
    PortalReferralForm,
    ReferralForm,
    ReferralStatusForm,
)
from concord.web.barriers.services import staff_patient
from concord.web.clinic import access
from concord.web.clinic.access import NotFound, require_writer
from concord.web.clinic.models import Patient
from concord.web.clinic.services import FormInvalid


def _with_details(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.select_related(
        "resource", "referred_by", "action", "action__barrier"
    ).prefetch_related("history__changed_by")


def _audit_list(actor: Actor, patient: Patient, referrals: list[Referral]) -> None:
    audit(
        actor,
        Action.LIST,
        "referral",
        "",
        [patient.pk],
        {"referral_ids": [r.pk for r in referrals]},
    )


def referrals_of_patient(actor: Actor, patient: Patient) -> list[Referral]:
    staff_patient(actor, patient.pk)
    referrals = list(_with_details(scope.referrals_for(actor.user).filter(patient=patient)))
    _audit_list(actor, patient, referrals)
    return referrals


def my_referrals(actor: Actor) -> list[Referral]:
    patient = own_patient(actor)
    referrals = list(_with_details(scope.referrals_for(actor.user)))
    _audit_list(actor, patient, referrals)
    return referrals


def referral_choices(actor: Actor, patient: Patient) -> dict[str, QuerySet[Any]]:
    """Active directory entries of the clinics caring for the patient (that the person may
    see), and the patient's planned barrier actions."""
    resources = CommunityResource.objects.filter(
        active=True,
        clinic__in=scope.clinics_of_patient(actor.user, patient),
    ).filter(clinic__in=scope.clinics_for(actor.user))
    actions = scope.actions_for(actor.user).filter(
        barrier__patient=patient, status=ActionStatus.PLANNED
    )
    return {
        "resources": resources.order_by("category", "name"),
        "actions": actions.select_related("barrier"),
    }


def _record(
    referral: Referral, actor: Actor, from_status: str, note: str, at: datetime
) -> ReferralStatusChange:
    return ReferralStatusChange.objects.create(
        referral=referral,
        from_status=from_status,
        to_status=referral.status,
        changed_by=actor.user,
        changed_by_role=actor.user.role,
        changed_at=at,
        note=note,
    )


def create_referral(
    actor: Actor, patient_id: object, data: Mapping[str, Any], *, now: datetime | None = None
) -> Referral:
    patient = staff_patient(actor, patient_id)
    require_writer(actor.user, "referrals")
    form = ReferralForm(data, **referral_choices(actor, patient))
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    now = now or timezone.now()
    action: BarrierAction | None = form.cleaned_data.get("action")
    with transaction.atomic():
        referral = Referral.objects.create(
            patient=patient,
            resource=form.cleaned_data["resource"],
            action=action,
            episode=action.barrier.episode if action is not None else None,
            reason=form.cleaned_data["reason"].strip(),
            status=form.cleaned_data["status"],
            referred_by=actor.user,
            created_at=now,
            status_changed_at=now,
        )
        _record(referral, actor, "", "", now)
        audit(
            actor,
            Action.CREATE,
            "referral",
            referral.pk,
            [patient.pk],
            {
                "resource_id": referral.resource_id,
                "action_id": referral.action_id,
                "status": referral.status,
            },
        )
    return referral


def get_referral(actor: Actor, referral_id: object) -> Referral:
    if actor.user.role not in scope.STAFF:
        raise NotFound
    referral = access.get_or_not_found(
        _with_details(scope.referrals_for(actor.user).select_related("patient")), referral_id
    )
    audit(actor, Action.READ, "referral", referral.pk, [referral.patient_id])
    return referral


def _change(referral: Referral, actor: Actor, status: str, note: str, now: datetime) -> None:
    with transaction.atomic():
        before = referral.status
        referral.status = status
        referral.status_changed_at = now
        referral.save(update_fields=["status", "status_changed_at"])
        _record(referral, actor, before, note, now)
        audit(
            actor,
            Action.UPDATE,
            "referral",
            referral.pk,
            [referral.patient_id],
            {"from": before, "to": status},
        )


def change_referral_status(
    actor: Actor, referral_id: object, data: Mapping[str, Any], *, now: datetime | None = None
) -> Referral:
    if actor.user.role not in scope.STAFF:
        raise NotFound
    referral = access.get_or_not_found(scope.referrals_for(actor.user), referral_id)
    require_writer(actor.user, "referrals")
    form = ReferralStatusForm(data, current=referral.status)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    _change(
        referral,
        actor,
        form.cleaned_data["status"],
        form.cleaned_data["note"].strip(),
        now or timezone.now(),
    )
    return referral


def patient_updates_referral(
    actor: Actor, referral_id: object, data: Mapping[str, Any], *, now: datetime | None = None
) -> tuple[Referral, bool]:
    """The patient says they got in touch, went, or declined. Returns (referral, changed):
    the same answer twice changes nothing."""
    own_patient(actor)
    referral = access.get_or_not_found(scope.referrals_for(actor.user), referral_id)
    form = PortalReferralForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    status = form.cleaned_data["status"]
    if status == referral.status:
        return referral, False
    if referral.status == ReferralStatus.NO_LONGER_NEEDED:
        raise FormInvalid({"status": [_("Your care team closed this referral.")]})
    _change(referral, actor, status, "", now or timezone.now())
    return referral, True

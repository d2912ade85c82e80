"""Barrier services for clinical staff: the only code that reads and writes barriers for
clinicians and supervisors (their actions: :mod:`.actions`; the patient's side:
:mod:`.portal`; the directory: :mod:`.resources`; referrals: :mod:`.referrals`).

As everywhere in the clinic, each function takes an :class:`~concord.web.audit.service.Actor`,
finds records through the access path (:mod:`.scope`; outsiders get :class:`NotFound`), checks
the whole input first (:class:`FormInvalid` names the field), then writes the rows, their
history and the audit row in one transaction. Clinicians of the care team write; supervisors
read (:class:`NotAllowed` on a write).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.barriers import scope
from concord.web.barriers.forms import BarrierForm, BarrierStatusForm
from concord.web.barriers.models import (
    CURRENT_BARRIER_STATUSES,
    Barrier,
    BarrierAction,
    BarrierKind,
    BarrierStatus,
    BarrierStatusChange,
)
from concord.web.clinic import access
from concord.web.clinic.access import NotFound, require_writer
from concord.web.clinic.models import Patient
from concord.web.clinic.services import FormInvalid
from concord.web.medications.models import MedicationRegimen

# ------------------------------------------------------------------ reading


def staff_patient(actor: Actor, patient_id: object) -> Patient:
    """The patient if the person is clinical staff who may see them, else NotFound."""
    if actor.user.role not in scope.STAFF:
        raise NotFound
    return access.get_or_not_found(access.patients_for(actor.user), patient_id)


def with_details(barriers: QuerySet[Barrier]) -> QuerySet[Barrier]:
    """Barriers with their episode, medicine, actions (owners, history, referrals) and history."""
    actions = BarrierAction.objects.select_related("owner_clinician").prefetch_related(
        "history__changed_by", "referrals__resource"
    )
    return barriers.select_related("episode", "regimen", "reported_by").prefetch_related(
        Prefetch("actions", queryset=actions), "history__changed_by"
    )


def current_first(barriers: list[Barrier]) -> list[Barrier]:
    """Open and being-addressed barriers first (newest first), then the closed ones."""
    return sorted(barriers, key=lambda b: (not b.is_current, -b.reported_at.timestamp(), -b.pk))


def audit_barrier_list(actor: Actor, patient: Patient, barriers: list[Barrier]) -> None:
    audit(
        actor,
        Action.LIST,
        "barrier",
        "",
        [patient.pk],
        {
            "barrier_ids": [b.pk for b in barriers],
            "action_ids": [a.pk for b in barriers for a in b.actions.all()],
        },
    )


def barriers_of_patient(
    actor: Actor, patient_id: object, *, current_only: bool = False
) -> tuple[Patient, list[Barrier]]:
    patient = staff_patient(actor, patient_id)
    rows = scope.barriers_for(actor.user).filter(patient=patient)
    if current_only:
        rows = rows.filter(status__in=CURRENT_BARRIER_STATUSES)
    barriers = current_first(list(with_details(rows)))
    audit_barrier_list(actor, patient, barriers)
    return patient, barriers


def get_barrier(actor: Actor, barrier_id: object) -> Barrier:
    if actor.user.role not in scope.STAFF:
        raise NotFound
    barrier = access.get_or_not_found(
        with_details(scope.barriers_for(actor.user).select_related("patient")), barrier_id
    )
    audit(
        actor,
        Action.READ,
        "barrier",
        barrier.pk,
        [barrier.patient_id],
        {"action_ids": [a.pk for a in barrier.actions.all()]},
    )
    return barrier


def form_choices(actor: Actor, patient: Patient) -> dict[str, QuerySet[Any]]:
    """The episodes and medicines a barrier of this patient may name."""
    episodes = scope.episodes_of_patient(actor.user, patient).select_related("team")
    regimens = MedicationRegimen.objects.filter(episode__in=episodes)
    return {"episodes": episodes, "regimens": regimens}


# ------------------------------------------------------------------ writing


def record_status(
    barrier: Barrier, actor: Actor, from_status: str, note: str, at: datetime
) -> BarrierStatusChange:
    return BarrierStatusChange.objects.create(
        barrier=barrier,
        from_status=from_status,
        to_status=barrier.status,
        changed_by=actor.user,
        changed_by_role=actor.user.role,
        changed_at=at,
        note=note,
    )


def lock_patient(patient: Patient) -> None:
    """Serialise writers of one patient's barriers (SQLite's IMMEDIATE transactions already do)."""
    Patient.objects.select_for_update().filter(pk=patient.pk).first()


def current_duplicate(patient: Patient, kind: str, regimen_id: int | None) -> Barrier | None:
    """An open or being-addressed barrier of the same kind (and medicine): one is enough.
    "Other" barriers are each different, so they never count as duplicates."""
    if kind == BarrierKind.OTHER:
        return None
    return (
        Barrier.objects.filter(
            patient=patient,
            kind=kind,
            regimen_id=regimen_id,
            status__in=CURRENT_BARRIER_STATUSES,
        )
        .order_by("reported_at")
        .first()
    )


def report_barrier(
    actor: Actor, patient_id: object, data: Mapping[str, Any], *, now: datetime | None = None
) -> Barrier:
    """A clinician records a barrier (raised by the patient, or noticed by the clinician)."""
    patient = staff_patient(actor, patient_id)
    require_writer(actor.user, "barriers")
    form = BarrierForm(data, **form_choices(actor, patient))
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    now = now or timezone.now()
    with transaction.atomic():
        lock_patient(patient)
        barrier = form.save(commit=False)
        if barrier.regimen is not None and barrier.episode is None:
            barrier.episode = barrier.regimen.episode
        existing = current_duplicate(patient, barrier.kind, barrier.regimen_id)
        if existing is not None:
            raise FormInvalid(
                {
                    "kind": [
                        _(
                            "This patient already has a current “%(kind)s” barrier (since "
                            "%(day)s): open an action on it, or close it first."
                        )
                        % {
                            "kind": existing.get_kind_display(),
                            "day": date_format(
                                timezone.localtime(existing.reported_at), "DATE_FORMAT"
                            ),
                        }
                    ]
                }
            )
        barrier.patient = patient
        barrier.reported_by = actor.user
        barrier.reported_at = barrier.status_changed_at = now
        barrier.status = BarrierStatus.OPEN
        barrier.save()
        record_status(barrier, actor, "", "", now)
        audit(
            actor,
            Action.CREATE,
            "barrier",
            barrier.pk,
            [patient.pk],
            {
                "kind": barrier.kind,
                "raised_by": barrier.raised_by,
                "episode_id": barrier.episode_id,
            },
        )
    return barrier


def change_barrier_status(
    actor: Actor, barrier_id: object, data: Mapping[str, Any], *, now: datetime | None = None
) -> Barrier:
    if actor.user.role not in scope.STAFF:
        raise NotFound
    barrier = access.get_or_not_found(scope.barriers_for(actor.user), barrier_id)
    require_writer(actor.user, "barriers")
    form = BarrierStatusForm(data, barrier=barrier)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    now = now or timezone.now()
    with transaction.atomic():
        before = barrier.status
        barrier.status = form.cleaned_data["status"]
        barrier.status_changed_at = now
        barrier.save(update_fields=["status", "status_changed_at"])
        record_status(barrier, actor, before, form.cleaned_data["note"], now)
        audit(
            actor,
            Action.UPDATE,
            "barrier",
            barrier.pk,
            [barrier.patient_id],
            {"from": before, "to": barrier.status},
        )
    return barrier

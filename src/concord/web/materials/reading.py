"""The patient's side of education material: their list, reading it (with read receipts)
and printing it.

The patient reads their material in the portal in their preferred language when there is a
version in it, else in the clinic's default language with a note saying so
(:func:`concord.web.materials.languages.resolve`). Opening a material records a read receipt
for the revision shown: when it was first and last opened and how many times. Every read is
audited (``material_assignment`` list and export, ``material_read``).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from concord.web.accounts.models import Role
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import Patient
from concord.web.materials.assignments import (
    AssignmentView,
    assignment_views,
    visible_assignments,
)
from concord.web.materials.models import MaterialAssignment, MaterialRead


def _my_patient(actor: Actor) -> Patient:
    if actor.user.role != Role.PATIENT:
        raise NotFound
    patient = access.patients_for(actor.user).first()
    if patient is None:
        raise NotFound
    return patient


def my_materials(actor: Actor) -> list[AssignmentView]:
    """The patient's current material, newest first."""
    patient = _my_patient(actor)
    views = assignment_views(visible_assignments(actor).filter(withdrawn_at__isnull=True))
    audit(
        actor,
        Action.LIST,
        "material_assignment",
        "",
        [patient.pk],
        {"assignment_ids": [v.assignment.pk for v in views]},
    )
    return views


def _my_assignment(actor: Actor, assignment_id: object) -> AssignmentView:
    _my_patient(actor)
    assignment = access.get_or_not_found(
        visible_assignments(actor).filter(withdrawn_at__isnull=True), assignment_id
    )
    [view] = assignment_views(MaterialAssignment.objects.filter(pk=assignment.pk))
    return view


def open_material(
    actor: Actor, assignment_id: object, now: datetime | None = None
) -> AssignmentView:
    """The patient opens a material: the read receipt for the revision shown is recorded."""
    view = _my_assignment(actor, assignment_id)
    now = now or timezone.now()
    revision = view.current
    with transaction.atomic():
        receipt, created = MaterialRead.objects.select_for_update().get_or_create(
            assignment=view.assignment,
            revision=revision,
            defaults={"first_opened_at": now, "last_opened_at": now, "times_opened": 1},
        )
        if not created:
            MaterialRead.objects.filter(pk=receipt.pk).update(
                times_opened=F("times_opened") + 1, last_opened_at=now
            )
            receipt.refresh_from_db()
        audit(
            actor,
            Action.READ,
            "material_read",
            view.assignment.pk,
            [view.assignment.patient_id],
            {
                "material_id": view.assignment.material_id,
                "revision_id": revision.pk,
                "language": view.resolution.version.language,
                "times_opened": receipt.times_opened,
            },
        )
    return _my_assignment(actor, assignment_id)


def material_for_printing(actor: Actor, assignment_id: object) -> AssignmentView:
    """The patient prints their material (audited as an export; not a read receipt)."""
    view = _my_assignment(actor, assignment_id)
    audit(
        actor,
        Action.EXPORT,
        "material_assignment",
        view.assignment.pk,
        [view.assignment.patient_id],
        {"revision_id": view.current.pk, "language": view.resolution.version.language},
    )
    return view

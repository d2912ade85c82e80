"""The patient's side of barriers, in the portal: tick what makes treatment hard, see what is
being done about each and by whom, say when one no longer applies.

Only the patient themselves (role patient, their own record). What the portal shows of an
action is its kind, its description, its owner, its follow-up date and its status; the
outcome notes and the reasons for status changes stay with the care team.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.web.accounts.models import Role
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.barriers import scope
from concord.web.barriers.forms import PortalBarrierForm
from concord.web.barriers.models import Barrier, BarrierStatus, RaisedBy
from concord.web.barriers.services import (
    audit_barrier_list,
    current_duplicate,
    current_first,
    lock_patient,
    record_status,
    with_details,
)
from concord.web.clinic import access
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import Patient
from concord.web.clinic.services import FormInvalid


def own_patient(actor: Actor) -> Patient:
    """The signed-in patient's own record, else NotFound."""
    if actor.user.role != Role.PATIENT:
        raise NotFound
    patient = access.patients_for(actor.user).first()
    if patient is None:
        raise NotFound
    return patient


def my_barriers(actor: Actor) -> list[Barrier]:
    patient = own_patient(actor)
    barriers = current_first(list(with_details(scope.barriers_for(actor.user))))
    audit_barrier_list(actor, patient, barriers)
    return barriers


@dataclass
class TickResult:
    created: list[Barrier] = field(default_factory=list)
    already: list[Barrier] = field(default_factory=list)  # already on the patient's list


def tick_barriers(
    actor: Actor, data: Mapping[str, Any], *, now: datetime | None = None
) -> TickResult:
    """Record the barriers the patient ticked, in their own words. A kind already on their
    list (open or being addressed) is not added twice; "Something else" always is."""
    patient = own_patient(actor)
    form = PortalBarrierForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    words = form.cleaned_data["words"].strip()
    now = now or timezone.now()
    result = TickResult()
    with transaction.atomic():
        lock_patient(patient)
        for kind in form.cleaned_data["kinds"]:
            existing = current_duplicate(patient, kind, None)
            if existing is not None:
                result.already.append(existing)
                continue
            barrier = Barrier.objects.create(
                patient=patient,
                kind=kind,
                description=words,
                words_of=RaisedBy.PATIENT,
                raised_by=RaisedBy.PATIENT,
                reported_by=actor.user,
                reported_at=now,
                status=BarrierStatus.OPEN,
                status_changed_at=now,
            )
            record_status(barrier, actor, "", "", now)
            result.created.append(barrier)
            audit(
                actor,
                Action.CREATE,
                "barrier",
                barrier.pk,
                [patient.pk],
                {"kind": kind, "raised_by": RaisedBy.PATIENT},
            )
    return result


def no_longer_applies(
    actor: Actor, barrier_id: object, words: str = "", *, now: datetime | None = None
) -> Barrier:
    """The patient says a barrier of theirs is no longer a problem."""
    own_patient(actor)
    barrier = access.get_or_not_found(scope.barriers_for(actor.user), barrier_id)
    if not barrier.is_current:
        raise FormInvalid({"barrier": [_("This is already closed.")]})
    words = words.strip()[:2000]
    now = now or timezone.now()
    with transaction.atomic():
        before = barrier.status
        barrier.status = BarrierStatus.NO_LONGER_APPLIES
        barrier.status_changed_at = now
        barrier.save(update_fields=["status", "status_changed_at"])
        record_status(barrier, actor, before, words or _("Said by the patient in the portal."), now)
        audit(
            actor,
            Action.UPDATE,
            "barrier",
            barrier.pk,
            [barrier.patient_id],
            {"from": before, "to": barrier.status},
        )
    return barrier

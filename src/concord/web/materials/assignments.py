"""Material given to patients: suggestions from their care, assigning, withdrawing, and
what the care team sees of it (the patient's side is :mod:`concord.web.materials.reading`).

Clinicians of the patient's care team assign material from the library of the clinic that
treats the patient; supervisors see what was assigned and read. Every read and write is
audited (``material_suggestion``, ``material_assignment``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.web.accounts.models import Role
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access
from concord.web.clinic.access import NotFound, require_writer
from concord.web.clinic.models import CareEpisode, EpisodeStatus, Patient
from concord.web.clinic.services import FormInvalid
from concord.web.materials.forms import AssignForm
from concord.web.materials.languages import Resolution, direction, language_name, resolve
from concord.web.materials.library import MaterialView, VersionView, views_of
from concord.web.materials.models import (
    Material,
    MaterialAssignment,
    MaterialRead,
    MaterialRevision,
)
from concord.web.medications import services as medication_services
from concord.web.medications.models import MedicationRegimen

STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


@dataclass(frozen=True)
class AssignmentView:
    """An assigned material as the patient sees it, with its read receipts."""

    assignment: MaterialAssignment
    material: MaterialView
    resolution: Resolution
    reads: list[MaterialRead]

    @property
    def shown(self) -> VersionView:
        found = self.material.version_in(self.resolution.version.language)
        if found is None:  # resolve() always picks one of the material's own versions
            raise LookupError(f"no version {self.resolution.version.language}")
        return found

    @property
    def current(self) -> MaterialRevision:
        return self.shown.current

    @property
    def language(self) -> str:
        return self.resolution.version.language

    @property
    def direction(self) -> str:
        return direction(self.language)

    @property
    def language_name(self) -> str:
        return language_name(self.language)

    @property
    def title(self) -> str:
        return self.current.title

    @property
    def first_opened_at(self) -> datetime | None:
        return min((r.first_opened_at for r in self.reads), default=None)

    @property
    def last_opened_at(self) -> datetime | None:
        return max((r.last_opened_at for r in self.reads), default=None)

    @property
    def times_opened(self) -> int:
        return sum(r.times_opened for r in self.reads)

    @property
    def current_read(self) -> MaterialRead | None:
        return next((r for r in self.reads if r.revision_id == self.current.pk), None)

    @property
    def state(self) -> str:
        """``"new"`` (never opened), ``"updated"`` (an older text was read) or ``"read"``."""
        if not self.reads:
            return "new"
        return "read" if self.current_read else "updated"


def assignment_views(assignments: QuerySet[MaterialAssignment]) -> list[AssignmentView]:
    rows = list(
        assignments.select_related("patient", "episode", "assigned_by").prefetch_related(
            "reads__revision__version"
        )
    )
    materials = {
        v.material.pk: v
        for v in views_of(Material.objects.filter(pk__in={a.material_id for a in rows}))
    }
    views = []
    for a in rows:
        material = materials.get(a.material_id)
        if material is None:
            continue
        resolution = resolve([v.version for v in material.versions], a.patient.preferred_language)
        if resolution is None:
            continue
        views.append(AssignmentView(a, material, resolution, list(a.reads.all())))
    return views


def visible_assignments(actor: Actor) -> QuerySet[MaterialAssignment]:
    return MaterialAssignment.objects.filter(episode__in=access.episodes_for(actor.user))


def patient_for_staff(actor: Actor, patient_id: object) -> Patient:
    if actor.user.role not in STAFF:
        raise NotFound
    return access.get_or_not_found(access.patients_for(actor.user), patient_id)


# ------------------------------------------------------------------ staff


def assignments_of(actor: Actor, patient_id: object) -> list[AssignmentView]:
    """What the patient was given (by the teams the person may see) and what they read."""
    patient = patient_for_staff(actor, patient_id)
    views = assignment_views(visible_assignments(actor).filter(patient=patient))
    audit(
        actor,
        Action.LIST,
        "material_assignment",
        "",
        [patient.pk],
        {"assignment_ids": [v.assignment.pk for v in views]},
    )
    return views


@dataclass(frozen=True)
class Suggestion:
    material: MaterialView
    resolution: Resolution
    medicines: list[str] = field(default_factory=list)  # why: the patient's matching medicines
    conditions: list[str] = field(default_factory=list)  # why: matching reasons for care
    assigned: bool = False

    @property
    def suggested(self) -> bool:
        return bool(self.medicines or self.conditions)

    @property
    def language_name(self) -> str:
        return language_name(self.resolution.version.language)


def _episodes_for_assigning(actor: Actor, patient: Patient) -> list[CareEpisode]:
    return list(
        access.episodes_for(actor.user)
        .filter(patient=patient, status=EpisodeStatus.ACTIVE)
        .select_related("team__clinic")
        .order_by("-started_on", "pk")
    )


def _medicine_matches(material: Material, regimens: list[MedicationRegimen]) -> list[str]:
    names = {n.casefold() for n in material.medication_names}
    found = []
    for regimen in regimens:
        atc = regimen.atc_code.upper()
        by_name = regimen.medication_name.casefold() in names
        by_code = bool(atc) and any(atc.startswith(code) for code in material.atc_codes)
        if by_name or by_code:
            label = regimen.medication_name + (f" ({atc})" if atc else "")
            if label not in found:
                found.append(label)
    return found


def _condition_matches(material: Material, episodes: list[CareEpisode]) -> list[str]:
    return sorted(
        {
            e.reason
            for e in episodes
            for term in material.conditions
            if term.casefold() in e.reason.casefold() or e.reason.casefold() in term.casefold()
        }
    )


def suggestions(actor: Actor, patient_id: object, today: date | None = None) -> list[Suggestion]:
    """The library of the clinics treating the patient: suggested first (matching the
    patient's current medicines by name or ATC code, or their reason for care), then the rest."""
    patient = patient_for_staff(actor, patient_id)
    require_writer(actor.user, "education material for patients")
    offered = _offer(actor, patient, today or timezone.localdate())
    audit(
        actor,
        Action.LIST,
        "material_suggestion",
        "",
        [patient.pk],
        {"suggested": [s.material.material.pk for s in offered if s.suggested]},
    )
    return offered


def _offer(actor: Actor, patient: Patient, today: date) -> list[Suggestion]:
    episodes = _episodes_for_assigning(actor, patient)
    active_episodes = {e.pk for e in episodes}
    regimens = [  # read through the medication service (its access rules and audit row)
        r
        for r in medication_services.regimens_of(actor, patient)
        if r.episode_id in active_episodes and (r.ended_on is None or r.ended_on >= today)
    ]
    assigned = set(
        MaterialAssignment.objects.filter(patient=patient, withdrawn_at__isnull=True).values_list(
            "material_id", flat=True
        )
    )
    clinics = {e.team.clinic_id for e in episodes}
    result = []
    for view in views_of(Material.objects.filter(clinic_id__in=clinics)):
        resolution = resolve([v.version for v in view.versions], patient.preferred_language)
        if resolution is None:  # views_of keeps only materials that have a version
            continue
        result.append(
            Suggestion(
                view,
                resolution,
                _medicine_matches(view.material, regimens),
                _condition_matches(view.material, episodes),
                view.material.pk in assigned,
            )
        )
    result.sort(key=lambda s: (not s.suggested, s.assigned, s.material.title.casefold()))
    return result


def assign_form(
    actor: Actor, patient: Patient, data: Mapping[str, Any] | None, offered: list[Suggestion]
) -> AssignForm:
    episodes = _episodes_for_assigning(actor, patient)
    return AssignForm(
        data,
        materials=[
            (str(s.material.material.pk), s.material.title) for s in offered if not s.assigned
        ],
        episodes=[(str(e.pk), f"{e.reason} ({e.team.name})") for e in episodes],
    )


def assign(
    actor: Actor, patient_id: object, data: Mapping[str, Any], now: datetime | None = None
) -> list[MaterialAssignment]:
    """Give the chosen materials to the patient: all of them or, on any problem, none."""
    patient = patient_for_staff(actor, patient_id)
    require_writer(actor.user, "education material for patients")
    offered = _offer(actor, patient, timezone.localdate())
    form = assign_form(actor, patient, data, offered)
    already = {str(s.material.material.pk): s.material.title for s in offered if s.assigned}
    chosen = data.getlist("material") if hasattr(data, "getlist") else data.get("material", [])
    repeated = [already[m] for m in chosen or [] if m in already]
    if repeated:
        raise FormInvalid(
            {
                "material": [
                    _("“%(title)s” is already assigned to this patient.") % {"title": t}
                    for t in repeated
                ]
            }
        )
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    episode = next(
        e
        for e in _episodes_for_assigning(actor, patient)
        if str(e.pk) == form.cleaned_data["episode"]
    )
    now = now or timezone.now()
    created = []
    try:
        with transaction.atomic():
            for material_id in form.cleaned_data["material"]:
                assignment = MaterialAssignment.objects.create(
                    material_id=int(material_id),
                    patient=patient,
                    episode=episode,
                    note=form.cleaned_data["note"].strip(),
                    assigned_at=now,
                    assigned_by=actor.user,
                )
                created.append(assignment)
                audit(
                    actor,
                    Action.CREATE,
                    "material_assignment",
                    assignment.pk,
                    [patient.pk],
                    {"material_id": assignment.material_id, "episode_id": episode.pk},
                )
    except IntegrityError:  # assigned by a colleague at the same moment
        raise FormInvalid(
            {"material": [_("One of these was just assigned by someone else.")]}
        ) from None
    return created


def withdraw(
    actor: Actor, assignment_id: object, now: datetime | None = None
) -> MaterialAssignment:
    """Take a material back from the patient's portal (the read receipts are kept)."""
    if actor.user.role not in STAFF:
        raise NotFound
    assignment = access.get_or_not_found(
        visible_assignments(actor).filter(withdrawn_at__isnull=True), assignment_id
    )
    require_writer(actor.user, "education material for patients")
    with transaction.atomic():
        assignment.withdrawn_at = now or timezone.now()
        assignment.withdrawn_by = actor.user
        assignment.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit(
            actor,
            Action.UPDATE,
            "material_assignment",
            assignment.pk,
            [assignment.patient_id],
            {"withdrawn": True, "material_id": assignment.material_id},
        )
    return assignment

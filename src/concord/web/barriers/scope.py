"""Which barriers, actions, referrals and directory entries a person may see, built on the one
access path (:mod:`concord.web.clinic.access`). Deny by default.

* A barrier or referral belongs to the patient. Clinical staff who may see the patient see
  those recorded without a care episode and those of an episode they may see; a barrier
  recorded in another team's episode stays with that team.
* The patient sees their own.
* The directory is the clinic's: staff see the directories of the clinics of the care teams
  they may see (supervisors: their supervisees' teams). Only clinicians write, and only in
  the clinics of their own teams.
* Supporters, observers and administrators see none of it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from concord.web.accounts.models import Role, User
from concord.web.barriers.models import Barrier, BarrierAction, CommunityResource, Referral
from concord.web.clinic import access
from concord.web.clinic.models import CareEpisode, Clinic, Patient

STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


def _patient_records(user: User) -> Q | None:
    """The filter for records of patients the person may see (None: nothing)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.role in STAFF:
        return Q(patient__in=access.patients_for(user)) & (
            Q(episode__isnull=True) | Q(episode__in=access.episodes_for(user))
        )
    if user.role == Role.PATIENT:
        return Q(patient__in=access.patients_for(user))
    return None


def barriers_for(user: User) -> QuerySet[Barrier]:
    rule = _patient_records(user)
    return Barrier.objects.none() if rule is None else Barrier.objects.filter(rule)


def actions_for(user: User) -> QuerySet[BarrierAction]:
    return BarrierAction.objects.filter(barrier__in=barriers_for(user))


def referrals_for(user: User) -> QuerySet[Referral]:
    rule = _patient_records(user)
    return Referral.objects.none() if rule is None else Referral.objects.filter(rule)


def clinics_for(user: User) -> QuerySet[Clinic]:
    """Clinics whose directory the person sees (clinical staff only)."""
    if not user.is_authenticated or not user.is_active or user.role not in STAFF:
        return Clinic.objects.none()
    return Clinic.objects.filter(teams__in=access.teams_for(user)).distinct()


def writable_clinics(user: User) -> QuerySet[Clinic]:
    """Clinics whose directory the person maintains: a clinician's own teams' clinics."""
    if not access.can_write_clinical(user):
        return Clinic.objects.none()
    return clinics_for(user)


def resources_for(user: User) -> QuerySet[CommunityResource]:
    return CommunityResource.objects.filter(clinic__in=clinics_for(user))


def episodes_of_patient(user: User, patient: Patient) -> QuerySet[CareEpisode]:
    return access.episodes_for(user).filter(patient=patient)


def clinics_of_patient(user: User, patient: Patient) -> QuerySet[Clinic]:
    """The clinics caring for this patient, as far as the person may see."""
    return Clinic.objects.filter(teams__episodes__in=episodes_of_patient(user, patient)).distinct()


def care_team_clinicians(
    user: User, patient: Patient, episode: CareEpisode | None = None
) -> QuerySet[User]:
    """Active clinicians of the care teams with an episode of this patient that the person
    may see (of the one episode's team when ``episode`` is given): who may own an action."""
    episodes = episodes_of_patient(user, patient)
    if episode is not None:
        episodes = episodes.filter(pk=episode.pk)
    return (
        User.objects.filter(
            role=Role.CLINICIAN,
            is_active=True,
            memberships__team__episodes__in=episodes,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )

"""Which goals and tasks a person may see, built on :mod:`concord.web.clinic.access` (the one
access path to episodes). Deny by default.

* clinicians and supervisors: the goals and tasks of the episodes they may see (clinicians of
  the care team write; supervisors read);
* patients: their own, in the portal;
* supporters: only the current goals (in the patient's words, with the latest rating), and
  only while the patient's "goals" consent holds: :func:`concord.web.plans.goals.current_goals`
  asks :func:`supporter_may_read_goals`, the one place the consent check goes;
* observers and administrators: nothing.
"""

from __future__ import annotations

from django.db.models import QuerySet

from concord.web.accounts.models import Role, User
from concord.web.clinic import access
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.models import CareEpisode, Patient
from concord.web.consent import access as consent_access
from concord.web.consent.models import Scope
from concord.web.plans.models import Goal, Task

STAFF = (Role.CLINICIAN, Role.SUPERVISOR)
PLAN_READERS = (Role.CLINICIAN, Role.SUPERVISOR, Role.PATIENT)


def goals_for(user: User) -> QuerySet[Goal]:
    if user.role not in PLAN_READERS:
        return Goal.objects.none()
    return Goal.objects.filter(episode__in=access.episodes_for(user))


def tasks_for(user: User) -> QuerySet[Task]:
    if user.role not in PLAN_READERS:
        return Task.objects.none()
    return Task.objects.filter(episode__in=access.episodes_for(user))


def require_staff(user: User) -> None:
    """Clinical staff only (pages of the clinic side); everyone else NotFound."""
    if user.role not in STAFF:
        raise NotFound


def require_clinician(user: User, what: str = "the shared plan") -> None:
    """Staff who may see the record but are not clinicians (supervisors) get NotAllowed."""
    access.require_writer(user, what)


def require_patient(user: User) -> Patient:
    """The signed-in patient's own record, else NotFound."""
    if user.role != Role.PATIENT:
        raise NotFound
    patient = access.patients_for(user).first()
    if patient is None:
        raise NotFound
    return patient


def staff_episode(user: User, episode_id: object) -> CareEpisode:
    require_staff(user)
    return access.get_or_not_found(access.episodes_for(user).select_related("patient"), episode_id)


def supporter_may_read_goals(user: User, patient: Patient) -> bool:
    """Whether a supporter may read ``patient``'s goals now: an active supporter link whose
    "goals" scope the patient has granted and not withdrawn (read on every call, no cache)."""
    return consent_access.consent_allows(user, patient, Scope.GOALS)


__all__ = [
    "NotAllowed",
    "NotFound",
    "goals_for",
    "require_clinician",
    "require_patient",
    "require_staff",
    "staff_episode",
    "supporter_may_read_goals",
    "tasks_for",
]

"""The one access path to patient data: every query for patients, episodes or sessions
made on behalf of a person starts from these functions.

Rules (deny by default):

* clinicians see patients with an episode in one of their care teams, and those episodes;
* supervisors see what their supervisees see;
* observers see only the sessions assigned to them (no patient record);
* patients see only themselves;
* supporters and administrators see no clinical record here: every function below returns
  nothing for them. What a supporter may see — only the scopes a patient consented to, never
  a clinical record — is decided in one place, :mod:`concord.web.consent.access`.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from concord.web.accounts.models import Role, User
from concord.web.clinic.models import CareEpisode, CareSession, CareTeam, Patient


class NotFound(LookupError):
    """The record does not exist *or* the person may not see it; callers answer 404."""


def teams_for(user: User) -> QuerySet[CareTeam]:
    """Care teams whose records the person may see as clinical staff."""
    if not user.is_authenticated or not user.is_active:
        return CareTeam.objects.none()
    if user.role == Role.CLINICIAN:
        return CareTeam.objects.filter(memberships__user=user)
    if user.role == Role.SUPERVISOR:
        return CareTeam.objects.filter(
            memberships__user__supervisions_received__supervisor=user
        ).distinct()
    return CareTeam.objects.none()


def episodes_for(user: User) -> QuerySet[CareEpisode]:
    if not user.is_authenticated or not user.is_active:
        return CareEpisode.objects.none()
    if user.role in (Role.CLINICIAN, Role.SUPERVISOR):
        return CareEpisode.objects.filter(team__in=teams_for(user))
    if user.role == Role.PATIENT:
        return CareEpisode.objects.filter(patient__account=user)
    return CareEpisode.objects.none()


def patients_for(user: User) -> QuerySet[Patient]:
    if not user.is_authenticated or not user.is_active:
        return Patient.objects.none()
    if user.role in (Role.CLINICIAN, Role.SUPERVISOR):
        return Patient.objects.filter(pk__in=episodes_for(user).values("patient_id"))
    if user.role == Role.PATIENT:
        return Patient.objects.filter(account=user)
    return Patient.objects.none()


def sessions_for(user: User) -> QuerySet[CareSession]:
    if not user.is_authenticated or not user.is_active:
        return CareSession.objects.none()
    if user.role == Role.OBSERVER:
        return CareSession.objects.filter(observer_assignments__observer=user)
    return CareSession.objects.filter(episode__in=episodes_for(user))


class NotAllowed(PermissionError):
    """The person may see the record but not change it (answered with 403)."""


def require_writer(user: User, what: str = "this") -> None:
    """Supervisors may read clinical records; only clinicians of the care team write them."""
    if not can_write_clinical(user):
        raise NotAllowed(_("Only clinicians of the care team record %(what)s.") % {"what": what})


def can_write_clinical(user: User) -> bool:
    """Only clinicians record sessions and patients; supervisors read."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.CLINICIAN)


M = TypeVar("M", bound=Model)


def get_or_not_found(queryset: QuerySet[M], pk: object) -> M:
    """The record with this key among those the queryset allows, else :class:`NotFound`."""
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound from None

"""Which administrations a person may see and answer, built on :mod:`concord.web.clinic.access`
(the one access path to episodes and sessions). Deny by default.

* clinicians and supervisors see every administration of the episodes they may see;
* patients see only their own patient-rated administrations;
* observers see only the observer ratings assigned to them, of sessions assigned to them;
* supporters see no measure and complete none (see :func:`consent_allows_proxy`);
* administrators see no clinical record.

Who may *answer*: the patient their own patient-rated ones; a clinician of the team the
clinician-rated ones; the assigned observer their observer rating. Supervisors read.
"""

from __future__ import annotations

from django.db.models import QuerySet

from concord.web.accounts.models import Role, User
from concord.web.clinic import access
from concord.web.clinic.models import Patient
from concord.web.measures.models import Administration, Rater, SafetyAlert


def administrations_for(user: User) -> QuerySet[Administration]:
    if not user.is_authenticated or not user.is_active:
        return Administration.objects.none()
    if user.role in (Role.CLINICIAN, Role.SUPERVISOR):
        return Administration.objects.filter(episode__in=access.episodes_for(user))
    if user.role == Role.PATIENT:
        return Administration.objects.filter(
            episode__in=access.episodes_for(user), rater=Rater.PATIENT
        )
    if user.role == Role.OBSERVER:
        return Administration.objects.filter(
            rater=Rater.OBSERVER, assigned_to=user, session__in=access.sessions_for(user)
        )
    return Administration.objects.none()


def may_answer(user: User, administration: Administration) -> bool:
    """Whether ``user`` (who can already see ``administration``) may fill it in."""
    if user.role == Role.PATIENT:
        return administration.rater == Rater.PATIENT
    if user.role == Role.CLINICIAN:
        return administration.rater == Rater.CLINICIAN
    if user.role == Role.OBSERVER:
        return administration.rater == Rater.OBSERVER and administration.assigned_to_id == user.pk
    return False


def alerts_for(user: User) -> QuerySet[SafetyAlert]:
    if not user.is_authenticated or not user.is_active:
        return SafetyAlert.objects.none()
    if user.role in (Role.CLINICIAN, Role.SUPERVISOR):
        return SafetyAlert.objects.filter(episode__in=access.episodes_for(user))
    return SafetyAlert.objects.none()


def consent_allows_proxy(supporter: User, patient: Patient) -> bool:
    """Whether a supporter may complete measures for ``patient``: never.

    Proxy completion is deliberately not a consent scope (see docs/consent.md): the
    patient-rated instruments are validated as self-report, a proxy answer is a different
    measurement, and completing one would show the supporter the questions and the result —
    measures are outside everything a supporter may see. The recording path
    (``proxy=True``, ``submitted_by`` = the supporter) stays refused (deny by default).
    """
    return False

"""What a supporter may see: the single place other code asks (deny by default).

A supporter sees a patient's information for a scope only while

* their account is active and has the supporter role,
* their link to the patient is accepted and not ended, and
* the latest consent record for (that link, that scope) says "granted".

Every check reads the database on every call — no cache — so a withdrawn scope or an
ended link refuses the supporter's very next request. Clinical records (patients,
episodes, sessions, notes, measures) stay out of reach: :mod:`concord.web.clinic.access`
gives supporters nothing, and this module hands out only links and patient keys.
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from concord.web.accounts.models import Role, User
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import Patient
from concord.web.consent.models import ConsentKind, ConsentRecord, Decision, SupporterLink


def as_key(value: object) -> int:
    """A primary key from a URL or form value; 0 (matches nothing) when it is not one."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else 0


def is_supporter(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.SUPPORTER)


def active_links_for(user: User) -> QuerySet[SupporterLink]:
    """The supporter's accepted, not ended links (with or without any scope granted)."""
    if not is_supporter(user):
        return SupporterLink.objects.none()
    return SupporterLink.objects.filter(
        supporter=user, accepted_at__isnull=False, ended_at__isnull=True
    )


def _latest_decision(scope: str) -> Subquery:
    return Subquery(
        ConsentRecord.objects.filter(
            supporter_link=OuterRef("pk"), kind=ConsentKind.SUPPORTER, topic=scope
        )
        .order_by("-recorded_at", "-pk")
        .values("decision")[:1]
    )


def links_for_scope(user: User, scope: str) -> QuerySet[SupporterLink]:
    """The supporter's active links whose current consent for ``scope`` is granted."""
    return (
        active_links_for(user)
        .annotate(scope_decision=_latest_decision(scope))
        .filter(scope_decision=Decision.GRANTED)
    )


def patients_for_scope(user: User, scope: str) -> QuerySet[Patient]:
    """Patients whose information for ``scope`` the person may see as their supporter."""
    return Patient.objects.filter(pk__in=links_for_scope(user, scope).values("patient_id"))


def current_scopes(link: SupporterLink) -> frozenset[str]:
    """The scopes granted now on this link (latest record per scope), read afresh."""
    latest: dict[str, str] = {}
    for topic, decision in (
        ConsentRecord.objects.filter(supporter_link=link, kind=ConsentKind.SUPPORTER)
        .order_by("recorded_at", "pk")
        .values_list("topic", "decision")
    ):
        latest[topic] = decision
    return frozenset(t for t, d in latest.items() if d == Decision.GRANTED)


def consent_allows(user: User, patient: Patient | int, scope: str) -> bool:
    """Whether ``user`` may, now, see (or do) ``scope`` for this patient as a supporter."""
    patient_id = patient.pk if isinstance(patient, Patient) else patient
    return links_for_scope(user, scope).filter(patient_id=patient_id).exists()


def link_for(user: User, link_id: object) -> tuple[SupporterLink, frozenset[str]]:
    """The supporter's active link with at least one scope granted, and those scopes.

    :class:`NotFound` when the link is not theirs, is pending or ended, or shares nothing:
    a supporter with nothing shared has nothing to open.
    """
    link = active_links_for(user).select_related("patient").filter(pk=as_key(link_id)).first()
    if link is None:
        raise NotFound
    scopes = current_scopes(link)
    if not scopes:
        raise NotFound
    return link, scopes


def link_for_scope(user: User, link_id: object, scope: str) -> SupporterLink:
    """The supporter's active link if ``scope`` is granted on it now, else NotFound."""
    link, scopes = link_for(user, link_id)
    if scope not in scopes:
        raise NotFound
    return link

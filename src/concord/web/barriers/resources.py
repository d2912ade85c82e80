"""The clinic's community directory: search, and upkeep by the clinic's clinicians.

The directory holds no patient data, so reading it is not audited; every change is (object
type ``community_resource``, with no patient ids). Clinicians maintain the directories of the
clinics of their care teams; supervisors read them (a write is :class:`NotAllowed`);
everyone else, administrators included, gets :class:`NotFound`. Entries are never deleted:
archived ones stay for the referrals that name them and are offered for no new referral.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.barriers import scope
from concord.web.barriers.languages import language_name
from concord.web.barriers.models import CommunityResource
from concord.web.barriers.resource_forms import ResourceForm
from concord.web.clinic import access
from concord.web.clinic.access import NotAllowed, NotFound, require_writer
from concord.web.clinic.services import FormInvalid


@dataclass(frozen=True)
class DirectoryQuery:
    text: str = ""
    category: str = ""
    language: str = ""
    include_archived: bool = False


def visible_resources(actor: Actor) -> QuerySet[CommunityResource]:
    if actor.user.role not in scope.STAFF:
        raise NotFound
    return scope.resources_for(actor.user)


def directory(actor: Actor, query: DirectoryQuery | None = None) -> list[CommunityResource]:
    """The entries of the person's clinics matching the query, by name."""
    query = query or DirectoryQuery()
    rows = visible_resources(actor).select_related("clinic")
    if not query.include_archived:
        rows = rows.filter(active=True)
    if query.category:
        rows = rows.filter(category=query.category)
    if query.language:
        rows = rows.filter(languages__contains=f",{query.language.lower()},")
    for word in query.text.split()[:8]:
        rows = rows.filter(
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(area__icontains=word)
            | Q(address__icontains=word)
            | Q(eligibility__icontains=word)
        )
    return list(rows.order_by("name", "pk"))


def directory_languages(actor: Actor) -> list[tuple[str, str]]:
    """Every language the person's directory serves, as (code, name), by name."""
    codes: set[str] = set()
    for languages in visible_resources(actor).values_list("languages", flat=True):
        codes.update(c for c in languages.split(",") if c)
    return sorted(((c, language_name(c)) for c in codes), key=lambda pair: pair[1].lower())


def get_resource(actor: Actor, resource_id: object) -> CommunityResource:
    return access.get_or_not_found(
        visible_resources(actor)
        .select_related("clinic", "created_by", "updated_by")
        .annotate(referral_count=Count("referrals")),
        resource_id,
    )


def _writable(actor: Actor, resource_id: object) -> CommunityResource:
    resource = access.get_or_not_found(visible_resources(actor), resource_id)
    require_writer(actor.user, "the community directory")
    if not scope.writable_clinics(actor.user).filter(pk=resource.clinic_id).exists():
        raise NotAllowed(_("Only clinicians of the clinic maintain its directory."))
    return resource


def resource_form(
    actor: Actor,
    data: Mapping[str, Any] | None = None,
    *,
    instance: CommunityResource | None = None,
    today: date | None = None,
) -> ResourceForm:
    clinics = scope.writable_clinics(actor.user)
    today = today or timezone.localdate()
    initial: dict[str, Any] = {}
    if instance is None:
        initial["last_verified_on"] = today  # whoever adds an entry has just checked it
        if clinics.count() == 1:
            initial["clinic"] = clinics.get()
    return ResourceForm(data, instance=instance, initial=initial, clinics=clinics, today=today)


def _with_single_clinic(actor: Actor, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A clinician of one clinic need not name it (the API and a one-clinic form)."""
    if data.get("clinic") not in (None, ""):
        return data
    clinics = list(scope.writable_clinics(actor.user)[:2])
    if len(clinics) == 1:
        return {**dict(data.items()), "clinic": str(clinics[0].pk)}
    return data


def create_resource(
    actor: Actor, data: Mapping[str, Any], *, today: date | None = None, now: datetime | None = None
) -> CommunityResource:
    if actor.user.role not in scope.STAFF:
        raise NotFound
    require_writer(actor.user, "the community directory")
    form = resource_form(actor, _with_single_clinic(actor, data), today=today)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    now = now or timezone.now()
    with transaction.atomic():
        resource = form.save(commit=False)
        resource.created_by = resource.updated_by = actor.user
        resource.created_at = resource.updated_at = now
        resource.save()
        audit(
            actor,
            Action.CREATE,
            "community_resource",
            resource.pk,
            [],
            {"clinic_id": resource.clinic_id, "name": resource.name, "category": resource.category},
        )
    return resource


def update_resource(
    actor: Actor,
    resource_id: object,
    data: Mapping[str, Any],
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> CommunityResource:
    resource = _writable(actor, resource_id)
    if data.get("clinic") in (None, ""):  # unchanged unless named
        data = {**dict(data.items()), "clinic": str(resource.clinic_id)}
    fields = list(ResourceForm.Meta.fields)
    before = {f: getattr(resource, f) for f in fields}
    form = resource_form(actor, data, instance=resource, today=today)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    with transaction.atomic():
        resource = form.save(commit=False)
        resource.updated_by = actor.user
        resource.updated_at = now or timezone.now()
        resource.save()
        changed = [f for f in fields if getattr(resource, f) != before[f]]
        audit(actor, Action.UPDATE, "community_resource", resource.pk, [], {"changed": changed})
    return resource


def set_listed(
    actor: Actor, resource_id: object, listed: bool, *, now: datetime | None = None
) -> CommunityResource:
    """Archive an entry (it stays for its referrals) or list it again."""
    resource = _writable(actor, resource_id)
    if resource.active == listed:
        return resource
    now = now or timezone.now()
    with transaction.atomic():
        resource.active = listed
        resource.archived_at = None if listed else now
        resource.updated_by = actor.user
        resource.updated_at = now
        resource.save(update_fields=["active", "archived_at", "updated_by", "updated_at"])
        audit(
            actor,
            Action.UPDATE,
            "community_resource",
            resource.pk,
            [],
            {"archived": not listed},
        )
    return resource

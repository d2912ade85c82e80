"""Supporter links: the patient invites (the invitation itself:
:mod:`concord.web.consent.invitations`), changes what is shared or ends the link; a clinician
may end it on the patient's request.

Scope changes are consent records (:func:`concord.web.consent.records.write_decision`);
ending a link withdraws every scope still granted, in the same transaction, so the history
says when access ended.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.web.accounts.models import Role
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic.access import NotFound, require_writer
from concord.web.clinic.models import Patient
from concord.web.clinic.services import FormInvalid
from concord.web.consent.access import as_key, current_scopes
from concord.web.consent.forms import (
    EndLinkForm,
    InviteForm,
    ScopesForm,
)
from concord.web.consent.invitations import issue_invitation
from concord.web.consent.models import (
    ConsentKind,
    ConsentRecord,
    Decision,
    Method,
    Scope,
    SupporterInvitation,
    SupporterLink,
)
from concord.web.consent.records import (
    current_record,
    lock_patient,
    own_patient,
    patient_for_staff,
    write_decision,
)

# Stored with each scope withdrawn by ending a link: data, so not translated when written.
LINK_ENDED_NOTE = "The supporter link was ended."


@dataclass(frozen=True)
class LinkSummary:
    link: SupporterLink
    scopes: tuple[str, ...]  # granted now, in Scope order
    invitation: SupporterInvitation | None  # the latest one

    @property
    def scope_labels(self) -> list[str]:
        return [str(Scope(s).label) for s in self.scopes]

    @property
    def invitation_usable(self) -> bool:
        return self.invitation is not None and self.invitation.is_usable()


def _summaries(links: list[SupporterLink]) -> list[LinkSummary]:
    rows = []
    for link in links:
        granted = current_scopes(link)
        rows.append(
            LinkSummary(
                link,
                tuple(s for s in Scope.values if s in granted),
                link.invitations.order_by("-created_at", "-pk").first(),
            )
        )
    return rows


def _patient_links(patient: Patient) -> list[SupporterLink]:
    """Open links first (newest first), then ended ones (most recently ended first)."""
    links = list(SupporterLink.objects.filter(patient=patient).select_related("supporter"))
    return sorted(
        links,
        key=lambda k: (
            k.ended_at is not None,
            -(k.ended_at or k.invited_at).timestamp(),
            -k.pk,
        ),
    )


# ------------------------------------------------------------------ the patient


def my_supporters(actor: Actor) -> list[LinkSummary]:
    patient = own_patient(actor)
    rows = _summaries(_patient_links(patient))
    audit(
        actor,
        Action.LIST,
        "supporter_link",
        "",
        [patient.pk],
        {"link_ids": [r.link.pk for r in rows]},
    )
    return rows


def my_link(actor: Actor, link_id: object) -> LinkSummary:
    """One of the patient's own links (open or ended), else NotFound."""
    patient = own_patient(actor)
    link = (
        SupporterLink.objects.select_related("supporter")
        .filter(pk=as_key(link_id), patient=patient)
        .first()
    )
    if link is None:
        raise NotFound
    audit(actor, Action.READ, "supporter_link", link.pk, [patient.pk])
    return _summaries([link])[0]


def invite(
    actor: Actor, data: Mapping[str, Any], *, now: datetime | None = None
) -> tuple[SupporterLink, str]:
    """The patient invites a supporter and chooses what to share (each scope a consent).

    Returns the link and the invitation token, which is shown once and never stored.
    """
    patient = own_patient(actor)
    form = InviteForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    now = now or timezone.now()
    scopes = [s for s in Scope.values if s in form.cleaned_data["scopes"]]
    with transaction.atomic():
        lock_patient(patient)
        link = form.save(commit=False)
        link.patient = patient
        link.invited_by = actor.user
        link.invited_at = now
        link.save()
        for scope in scopes:
            write_decision(
                actor,
                patient,
                kind=ConsentKind.SUPPORTER,
                topic=scope,
                link=link,
                decision=Decision.GRANTED,
                method=Method.PORTAL,
                now=now,
            )
        invitation, raw = issue_invitation(link, now)
        audit(
            actor,
            Action.CREATE,
            "supporter_link",
            link.pk,
            [patient.pk],
            {
                "relationship": link.relationship,
                "scopes": scopes,
                "invitation_id": invitation.pk,
                "expires_at": invitation.expires_at.isoformat(),
            },
        )
    return link, raw


def new_invitation(
    actor: Actor, link_id: object, *, now: datetime | None = None
) -> tuple[SupporterInvitation, str]:
    """A new invitation for a link not accepted yet (the old one expired or was lost)."""
    patient = own_patient(actor)
    now = now or timezone.now()
    with transaction.atomic():
        link = (
            SupporterLink.objects.select_for_update()
            .filter(pk=as_key(link_id), patient=patient)
            .first()
        )
        if link is None:
            raise NotFound
        if link.status != "pending":
            raise FormInvalid(
                {"link": [_("Only someone who has not accepted yet needs a new link.")]}
            )
        invitation, raw = issue_invitation(link, now)
        audit(
            actor,
            Action.CREATE,
            "supporter_invitation",
            invitation.pk,
            [patient.pk],
            {"supporter_link_id": link.pk, "expires_at": invitation.expires_at.isoformat()},
        )
    return invitation, raw


def set_scopes(
    actor: Actor,
    link_id: object,
    data: Mapping[str, Any],
    *,
    reconfirm: bool = False,
    now: datetime | None = None,
) -> list[ConsentRecord]:
    """The patient chooses what an open link shares: new scopes are granted, removed ones
    withdrawn (at once); with ``reconfirm`` the kept ones are re-confirmed too."""
    patient = own_patient(actor)
    form = ScopesForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    wanted = set(form.cleaned_data["scopes"])
    now = now or timezone.now()
    written: list[ConsentRecord] = []
    with transaction.atomic():
        lock_patient(patient)
        link = SupporterLink.objects.filter(
            pk=as_key(link_id), patient=patient, ended_at__isnull=True
        ).first()
        if link is None:
            raise NotFound
        for scope in Scope.values:
            current = current_record(patient, ConsentKind.SUPPORTER, scope, link)
            granted = current is not None and current.decision == Decision.GRANTED
            if scope in wanted and (not granted or reconfirm):
                decision = Decision.GRANTED
            elif scope not in wanted and granted:
                decision = Decision.WITHDRAWN
            else:
                continue
            written.append(
                write_decision(
                    actor,
                    patient,
                    kind=ConsentKind.SUPPORTER,
                    topic=scope,
                    link=link,
                    decision=decision,
                    method=Method.PORTAL,
                    now=now,
                )
            )
    return written


def _end(
    actor: Actor, link: SupporterLink, *, method: str, note: str, now: datetime
) -> SupporterLink:
    """End an open link: withdraw its granted scopes, cancel its invitations. Call inside a
    transaction after :func:`lock_patient`."""
    withdrawn = []
    for scope in sorted(current_scopes(link)):
        write_decision(
            actor,
            link.patient,
            kind=ConsentKind.SUPPORTER,
            topic=scope,
            link=link,
            decision=Decision.WITHDRAWN,
            method=method,
            note=LINK_ENDED_NOTE,
            now=now,
        )
        withdrawn.append(scope)
    SupporterInvitation.objects.filter(
        link=link, used_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now)
    link.ended_at, link.ended_by, link.end_method, link.end_note = now, actor.user, method, note
    link.save(update_fields=["ended_at", "ended_by", "end_method", "end_note"])
    audit(
        actor,
        Action.UPDATE,
        "supporter_link",
        link.pk,
        [link.patient_id],
        {
            "ended": True,
            "method": method,
            "withdrawn_scopes": withdrawn,
            "was": "accepted" if link.accepted_at else "pending",
        },
    )
    return link


def _open_link_locked(patient: Patient, link_id: object) -> SupporterLink:
    link = (
        SupporterLink.objects.select_for_update()
        .select_related("patient")
        .filter(pk=as_key(link_id), patient=patient)
        .first()
    )
    if link is None or link.ended_at is not None:
        raise NotFound
    return link


def end_link_by_patient(
    actor: Actor, link_id: object, *, now: datetime | None = None
) -> SupporterLink:
    """The patient stops sharing with a supporter (or cancels an invitation): at once."""
    patient = own_patient(actor)
    now = now or timezone.now()
    with transaction.atomic():
        lock_patient(patient)
        link = _open_link_locked(patient, link_id)
        return _end(actor, link, method=Method.PORTAL, note="", now=now)


def links_for_staff(actor: Actor, patient: Patient) -> list[LinkSummary]:
    """The patient's supporter links (open and ended) for clinical staff who may see them."""
    patient = patient_for_staff(actor, patient.pk)
    rows = _summaries(_patient_links(patient))
    audit(
        actor,
        Action.LIST,
        "supporter_link",
        "",
        [patient.pk],
        {"link_ids": [r.link.pk for r in rows]},
    )
    return rows


def link_for_staff(actor: Actor, link_id: object) -> SupporterLink:
    """An open link of a patient the clinician may see (for the end-link page), else NotFound."""
    link = (
        SupporterLink.objects.select_related("patient")
        .filter(pk=as_key(link_id), ended_at__isnull=True)
        .first()
    )
    if link is None:
        raise NotFound
    patient_for_staff(actor, link.patient_id)
    audit(actor, Action.READ, "supporter_link", link.pk, [link.patient_id])
    return link


def end_link_by_staff(
    actor: Actor, link_id: object, data: Mapping[str, Any], *, now: datetime | None = None
) -> SupporterLink:
    """A clinician of the care team ends a link on the patient's request, saying how the
    patient asked (in person, in writing, by phone). Supervisors: NotAllowed."""
    if actor.user.role not in (Role.CLINICIAN, Role.SUPERVISOR):
        raise NotFound
    patient_id = (
        SupporterLink.objects.filter(pk=as_key(link_id))
        .values_list("patient_id", flat=True)
        .first()
    )
    patient = patient_for_staff(actor, patient_id)
    require_writer(actor.user, "the end of a supporter link")
    form = EndLinkForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    now = now or timezone.now()
    with transaction.atomic():
        lock_patient(patient)
        link = _open_link_locked(patient, link_id)
        return _end(
            actor,
            link,
            method=form.cleaned_data["method"],
            note=form.cleaned_data["note"].strip(),
            now=now,
        )

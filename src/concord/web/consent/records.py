"""Consent records: the current state and history of each consent, and recording decisions.

Every decision is a new :class:`~concord.web.consent.models.ConsentRecord`; the current state
of a consent is its latest record. As in :mod:`concord.web.clinic.services`, every function
takes an :class:`~concord.web.audit.service.Actor`, finds the patient through
:mod:`concord.web.clinic.access` (outsiders get :class:`NotFound`, answered with 404),
checks the whole input before writing, and writes the record and the audit row in one
transaction. Clinicians of the care team record decisions (supervisors read); the patient
decides in the portal within :data:`~concord.web.consent.policy.PORTAL_DECISIONS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.web.accounts.models import Role
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access
from concord.web.clinic.access import NotFound, require_writer
from concord.web.clinic.models import Patient
from concord.web.clinic.services import FormInvalid
from concord.web.consent.access import as_key
from concord.web.consent.channels import preferred_after, usable_channels
from concord.web.consent.forms import PortalDecisionForm, StaffDecisionForm
from concord.web.consent.models import (
    ConsentKind,
    ConsentRecord,
    Decision,
    Method,
    SupporterLink,
)
from concord.web.consent.policy import (
    PORTAL_DECISIONS,
    RECONFIRM_MONTHS,
    STAFF_DECISIONS,
    information_for,
    reconfirm_date,
)
from concord.web.consent.states import PatientConsents, states_of

STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


def _today(now: datetime | None) -> date:
    return timezone.localtime(now or timezone.now()).date()


def patient_for_staff(actor: Actor, patient_id: object) -> Patient:
    if actor.user.role not in STAFF:
        raise NotFound
    return access.get_or_not_found(access.patients_for(actor.user), patient_id)


def own_patient(actor: Actor) -> Patient:
    """The signed-in patient's own record, else NotFound."""
    if actor.user.role != Role.PATIENT:
        raise NotFound
    patient = access.patients_for(actor.user).first()
    if patient is None:
        raise NotFound
    return patient


def patient_consents(
    actor: Actor, patient_id: object, *, include_ended: bool = False, today: date | None = None
) -> PatientConsents:
    """Every consent of the patient, for clinical staff who may see the patient.

    ``include_ended`` adds the scopes of ended supporter links (the full history).
    """
    patient = patient_for_staff(actor, patient_id)
    today = today or _today(None)
    links = SupporterLink.objects.filter(patient=patient)
    if not include_ended:
        links = links.filter(ended_at__isnull=True)
    states = states_of(patient, today, links=links.order_by("invited_at", "pk"), all_channels=False)
    audit(
        actor,
        Action.LIST,
        "consent_record",
        "",
        [patient.pk],
        {"records": sum(len(s.history) for s in states), "include_ended": include_ended},
    )
    return PatientConsents(patient, states, usable_channels(patient), today)


def my_consents(actor: Actor, *, today: date | None = None) -> PatientConsents:
    """The patient's own consents in the portal (every channel, their open supporter links)."""
    patient = own_patient(actor)
    today = today or _today(None)
    links = SupporterLink.objects.filter(patient=patient, ended_at__isnull=True).order_by(
        "invited_at", "pk"
    )
    states = states_of(patient, today, links=links, all_channels=True)
    audit(
        actor,
        Action.LIST,
        "consent_record",
        "",
        [patient.pk],
        {"records": sum(len(s.history) for s in states)},
    )
    return PatientConsents(patient, states, usable_channels(patient), today)


# ------------------------------------------------------------------ writing


def transition_problem(current: str, decision: str) -> str | None:
    """Why ``decision`` cannot follow ``current``, or None. Granting is always possible
    (a first consent, consent again, or a re-confirmation)."""
    if decision == Decision.WITHDRAWN and current != Decision.GRANTED:
        return _("This consent is not in force, so there is nothing to withdraw.")
    if decision == Decision.DECLINED and current == Decision.GRANTED:
        return _("This consent is in force: record that it is withdrawn instead.")
    return None


def current_record(
    patient: Patient, kind: str, topic: str, link: SupporterLink | None
) -> ConsentRecord | None:
    return (
        ConsentRecord.objects.filter(patient=patient, kind=kind, topic=topic, supporter_link=link)
        .order_by("-recorded_at", "-pk")
        .first()
    )


def event_of(record: ConsentRecord) -> str:
    """granted, reconfirmed (granted after granted), declined or withdrawn."""
    if record.decision != Decision.GRANTED:
        return record.decision
    previous = (
        ConsentRecord.objects.filter(
            patient_id=record.patient_id,
            kind=record.kind,
            topic=record.topic,
            supporter_link_id=record.supporter_link_id,
        )
        .filter(
            Q(recorded_at__lt=record.recorded_at)
            | Q(recorded_at=record.recorded_at, pk__lt=record.pk)
        )
        .order_by("-recorded_at", "-pk")
        .values_list("decision", flat=True)
        .first()
    )
    return "reconfirmed" if previous == Decision.GRANTED else Decision.GRANTED


def lock_patient(patient: Patient) -> None:
    """Serialise consent writes for one patient (PostgreSQL; SQLite's IMMEDIATE transactions
    already do), so a decision is checked against the state it follows."""
    Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk").first()


def write_decision(
    actor: Actor,
    patient: Patient,
    *,
    kind: str,
    topic: str,
    link: SupporterLink | None,
    decision: str,
    method: str,
    information_version: str = "",
    reconfirm_months: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ConsentRecord:
    """Append one checked decision with its audit row. Call inside a transaction, after
    :func:`lock_patient` and the checks; a channel decision updates the preferred channels."""
    now = now or timezone.now()
    months = reconfirm_months or RECONFIRM_MONTHS[kind]
    granted = decision == Decision.GRANTED
    record = ConsentRecord.objects.create(
        patient=patient,
        kind=kind,
        topic=topic,
        supporter_link=link,
        decision=decision,
        method=method,
        recorded_by=actor.user,
        recorded_at=now,
        information_version=information_version or information_for(kind, topic).version,
        reconfirm_by=reconfirm_date(_today(now), months) if granted else None,
        note=note,
    )
    detail: dict[str, Any] = {
        "kind": kind,
        "topic": topic,
        "supporter_link_id": link.pk if link else None,
        "decision": decision,
        "method": method,
        "reconfirm_by": record.reconfirm_by.isoformat() if record.reconfirm_by else None,
    }
    if kind == ConsentKind.CHANNEL:
        before = list(patient.channels or [])
        after = preferred_after(before, topic, decision)
        if after != before:
            patient.channels = after
            patient.save(update_fields=["channels", "updated_at"])
            detail["channels_before"], detail["channels_after"] = before, after
    audit(actor, Action.CREATE, "consent_record", record.pk, [patient.pk], detail)
    return record


def _open_link(patient: Patient, link_id: object) -> SupporterLink | None:
    return SupporterLink.objects.filter(
        patient=patient, pk=as_key(link_id), ended_at__isnull=True
    ).first()


def record_for_patient(
    actor: Actor, patient_id: object, data: Mapping[str, Any], *, now: datetime | None = None
) -> ConsentRecord:
    """A clinician of the care team records the patient's decision (told in person, in
    writing or by phone). Supervisors get :class:`NotAllowed`; others NotFound."""
    patient = patient_for_staff(actor, patient_id)
    require_writer(actor.user, "consent decisions")
    form = StaffDecisionForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    values = form.cleaned_data
    kind, topic, decision = values["kind"], values["topic"], values["decision"]
    key_field = "consent" if values.get("consent") else "supporter_link"
    link = None
    if kind == ConsentKind.SUPPORTER:
        link = _open_link(patient, values["supporter_link"])
        if link is None:
            raise FormInvalid({key_field: [_("This patient has no such supporter link open.")]})
    if decision not in STAFF_DECISIONS[kind]:
        raise FormInvalid(
            {
                "decision": [
                    _(
                        "Only the patient can share more with a supporter, in the portal; "
                        "you can withdraw a scope or end the link."
                    )
                ]
            }
        )
    with transaction.atomic():
        lock_patient(patient)
        current = current_record(patient, kind, topic, link)
        problem = transition_problem(current.decision if current else "", decision)
        if problem:
            raise FormInvalid({"decision": [problem]})
        return write_decision(
            actor,
            patient,
            kind=kind,
            topic=topic,
            link=link,
            decision=decision,
            method=values["method"],
            information_version=values["information_version"].strip(),
            reconfirm_months=values["reconfirm_months"],
            note=values["note"].strip(),
            now=now,
        )


PORTAL_REFUSALS = {
    ConsentKind.TREATMENT: gettext_lazy(
        "To start, change or stop your treatment, please talk to your care team."
    ),
}


def decide_in_portal(
    actor: Actor, data: Mapping[str, Any], *, now: datetime | None = None
) -> ConsentRecord:
    """The patient gives, re-confirms, declines or withdraws a consent in the portal, on the
    current information (its version is recorded) and the usual re-confirmation period."""
    patient = own_patient(actor)
    form = PortalDecisionForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    values = form.cleaned_data
    kind, topic, decision = values["kind"], values["topic"], values["decision"]
    link = None
    if kind == ConsentKind.SUPPORTER:
        link = _open_link(patient, values["supporter_link"])
        if link is None:
            raise NotFound
    with transaction.atomic():
        lock_patient(patient)
        current = current_record(patient, kind, topic, link)
        allowed = PORTAL_DECISIONS[kind][current.decision if current else ""]
        if decision not in allowed:
            refusal = PORTAL_REFUSALS.get(kind) or transition_problem(
                current.decision if current else "", decision
            )
            raise FormInvalid({"decision": [str(refusal or _("This choice is not possible."))]})
        return write_decision(
            actor,
            patient,
            kind=kind,
            topic=topic,
            link=link,
            decision=decision,
            method=Method.PORTAL,
            now=now,
        )

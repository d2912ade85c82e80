"""Shared-decision services: the only code that reads and writes decisions for people.

As in :mod:`concord.web.clinic.services`, every function takes an
:class:`~concord.web.audit.service.Actor`, finds records through
:mod:`concord.web.clinic.access` (outsiders get :class:`NotFound`, answered with 404),
checks the whole submission before writing, and writes the version and its audit row in
one transaction. Clinicians of the patient's care team record decisions and revise them;
supervisors read; the patient reads their own decisions in the portal and may change what
matters to them and their preference, which records a new version by the patient.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.web.accounts.models import Role, User
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access
from concord.web.clinic.access import NotFound, require_writer
from concord.web.clinic.models import CareEpisode, EpisodeStatus
from concord.web.clinic.services import FormInvalid
from concord.web.decisions.drafts import DecisionDraft, draft_of
from concord.web.decisions.forms import PatientViewForm, stale_message
from concord.web.decisions.history import changes_between
from concord.web.decisions.models import (
    DecisionOption,
    DecisionParticipant,
    DecisionVersion,
    SharedDecision,
)
from concord.web.decisions.submission import DecisionSubmission

STAFF = (Role.CLINICIAN, Role.SUPERVISOR)
DUE_WITHIN_DAYS = 14  # a revisit this close is listed as due on the patient page


@dataclass(frozen=True)
class DecisionRecord:
    """A decision with all its versions, oldest first (the last is the current one)."""

    decision: SharedDecision
    versions: list[DecisionVersion]

    @property
    def current(self) -> DecisionVersion:
        return self.versions[-1]

    @property
    def patient_id(self) -> int:
        return self.decision.episode.patient_id

    def revisit_state(self, today: date) -> str:
        """``"overdue"`` (revisit date passed), ``"due"`` (within two weeks) or ``"later"``."""
        revisit_on = self.current.revisit_on
        if revisit_on < today:
            return "overdue"
        if revisit_on <= today + timedelta(days=DUE_WITHIN_DAYS):
            return "due"
        return "later"


# ------------------------------------------------------------------ reading


def _visible(user: User) -> QuerySet[SharedDecision]:
    return SharedDecision.objects.filter(episode__in=access.episodes_for(user))


def _with_versions(decisions: QuerySet[SharedDecision]) -> list[DecisionRecord]:
    versions = DecisionVersion.objects.order_by("number").prefetch_related(
        "options", "participants"
    )
    rows = decisions.select_related("episode__patient", "episode__team").prefetch_related(
        Prefetch("versions", queryset=versions, to_attr="ordered_versions")
    )
    return [DecisionRecord(d, list(d.ordered_versions)) for d in rows if d.ordered_versions]  # type: ignore[attr-defined]


def decisions_of_patient(actor: Actor, patient_id: object) -> list[DecisionRecord]:
    """The patient's decisions that the clinician or supervisor may see, newest first."""
    if actor.user.role not in STAFF:
        raise NotFound
    patient = access.get_or_not_found(access.patients_for(actor.user), patient_id)
    records = _with_versions(_visible(actor.user).filter(episode__patient=patient))
    audit(
        actor,
        Action.LIST,
        "decision",
        "",
        [patient.pk],
        {"decision_ids": [r.decision.pk for r in records]},
    )
    return records


def my_decisions(actor: Actor) -> list[DecisionRecord]:
    """A patient's own decisions (the portal)."""
    if actor.user.role != Role.PATIENT:
        raise NotFound
    patient = access.patients_for(actor.user).first()
    if patient is None:
        raise NotFound
    records = _with_versions(_visible(actor.user))
    audit(
        actor,
        Action.LIST,
        "decision",
        "",
        [patient.pk],
        {"decision_ids": [r.decision.pk for r in records]},
    )
    return records


def decisions_to_revisit(actor: Actor, *, today: date | None = None) -> list[DecisionRecord]:
    """Decisions of active care episodes the clinician or supervisor may see whose current
    version's revisit date has passed or falls within :data:`DUE_WITHIN_DAYS` days, earliest
    revisit first (the caseload's reminder; a revision with a later date clears it)."""
    if actor.user.role not in STAFF:
        raise NotFound
    today = today or timezone.localdate()
    current_revisit = (
        DecisionVersion.objects.filter(decision=OuterRef("pk"))
        .order_by("-number")
        .values("revisit_on")[:1]
    )
    due = (
        _visible(actor.user)
        .filter(episode__status=EpisodeStatus.ACTIVE)
        .annotate(current_revisit=Subquery(current_revisit))
        .filter(current_revisit__lte=today + timedelta(days=DUE_WITHIN_DAYS))
    )
    records = sorted(_with_versions(due), key=lambda r: (r.current.revisit_on, r.decision.pk))
    audit(
        actor,
        Action.LIST,
        "decision",
        "",
        sorted({r.patient_id for r in records}),
        {"decision_ids": [r.decision.pk for r in records], "view": "to_revisit"},
    )
    return records


def get_decision(actor: Actor, decision_id: object, *, view: str = "record") -> DecisionRecord:
    """One decision with its versions, for staff of the team or the patient themself.

    ``view`` says which page read it (``record``, ``history``, ``portal`` …) in the audit
    row; ``pdf`` records an export.
    """
    if actor.user.role not in (*STAFF, Role.PATIENT):
        raise NotFound
    decision = access.get_or_not_found(_visible(actor.user), decision_id)
    [record] = _with_versions(SharedDecision.objects.filter(pk=decision.pk))
    audit(
        actor,
        Action.EXPORT if view == "pdf" else Action.READ,
        "decision",
        decision.pk,
        [record.patient_id],
        {"view": view, "versions": len(record.versions)},
    )
    return record


def participant_users(episode: CareEpisode) -> list[User]:
    """Accounts a participant may be linked to: the team's clinicians and the patient."""
    clinicians = list(
        User.objects.filter(memberships__team=episode.team, role=Role.CLINICIAN, is_active=True)
    )
    account = episode.patient.account
    return clinicians + ([account] if account is not None else [])


def episode_for_writing(actor: Actor, episode_id: object) -> CareEpisode:
    """The care episode a clinician of the team records a decision in, else NotFound."""
    if actor.user.role not in STAFF:
        raise NotFound
    episode = access.get_or_not_found(
        access.episodes_for(actor.user).select_related("patient__account", "team"), episode_id
    )
    require_writer(actor.user, "shared decisions")
    return episode


# ------------------------------------------------------------------ writing


def write_version(
    decision: SharedDecision,
    draft: DecisionDraft,
    *,
    number: int,
    by: User,
    at: datetime,
) -> DecisionVersion:
    """Insert one complete version (the caller holds the transaction and has validated)."""
    version = DecisionVersion.objects.create(
        decision=decision,
        number=number,
        recorded_at=at,
        recorded_by=by,
        recorded_by_name=str(by),
        recorded_by_role=by.role,
        question=draft.question,
        context=draft.context,
        what_matters=draft.what_matters,
        preferred_option=draft.preferred_option,
        preference_words=draft.preference_words,
        status=draft.status,
        chosen_option=draft.chosen_option,
        revisit_on=draft.revisit_on,
        change_note=draft.change_note,
    )
    DecisionOption.objects.bulk_create(
        DecisionOption(
            version=version,
            position=position,
            label=o.label,
            benefits=o.benefits,
            risks=o.risks,
            burdens=o.burdens,
            source=o.source,
        )
        for position, o in enumerate(draft.options, start=1)
    )
    DecisionParticipant.objects.bulk_create(
        DecisionParticipant(
            version=version, position=position, name=p.name, role=p.role, user_id=p.user_id
        )
        for position, p in enumerate(draft.participants, start=1)
    )
    return version


def create_decision(
    actor: Actor, episode_id: object, data: Mapping[str, Any], today: date | None = None
) -> DecisionRecord:
    """Record a new shared decision (version 1) in a care episode of the clinician's team."""
    episode = episode_for_writing(actor, episode_id)
    submission = DecisionSubmission(
        data, users=participant_users(episode), today=today or timezone.localdate()
    )
    if submission.draft is None:
        raise FormInvalid(submission.errors)
    now = timezone.now()
    with transaction.atomic():
        decision = SharedDecision.objects.create(
            episode=episode, created_at=now, created_by=actor.user
        )
        version = write_version(decision, submission.draft, number=1, by=actor.user, at=now)
        audit(
            actor,
            Action.CREATE,
            "decision",
            decision.pk,
            [episode.patient_id],
            {"episode_id": episode.pk, "version_id": version.pk, "status": version.status},
        )
    [record] = _with_versions(SharedDecision.objects.filter(pk=decision.pk))
    return record


def _next_version(
    actor: Actor, record: DecisionRecord, draft: DecisionDraft, based_on: int, by_patient: bool
) -> DecisionVersion:
    """Write the next version under a lock, refusing it if someone else got there first."""
    now = timezone.now()
    with transaction.atomic():
        SharedDecision.objects.select_for_update().filter(pk=record.decision.pk).first()
        latest = record.decision.versions.aggregate(latest=Max("number"))["latest"]
        if latest != based_on:
            current = record.decision.versions.get(number=latest)
            raise FormInvalid({"based_on": [stale_message(current)]})
        version = write_version(record.decision, draft, number=latest + 1, by=actor.user, at=now)
        audit(
            actor,
            Action.CREATE,
            "decision_version",
            version.pk,
            [record.patient_id],
            {
                "decision_id": record.decision.pk,
                "number": version.number,
                "by_patient": by_patient,
                "changed": sorted(
                    {c.field for c in changes_between(draft_of(record.current), draft)}
                ),
            },
        )
    return version


def revise_decision(
    actor: Actor, decision_id: object, data: Mapping[str, Any], today: date | None = None
) -> DecisionVersion:
    """A clinician of the team records a new version; the old ones stay as they were."""
    if actor.user.role not in STAFF:
        raise NotFound
    decision = access.get_or_not_found(_visible(actor.user), decision_id)
    require_writer(actor.user, "shared decisions")
    [record] = _with_versions(SharedDecision.objects.filter(pk=decision.pk))
    submission = DecisionSubmission(
        data,
        users=participant_users(record.decision.episode),
        today=today or timezone.localdate(),
        current=record.current,
    )
    if submission.draft is None:
        raise FormInvalid(submission.errors)
    return _next_version(actor, record, submission.draft, record.current.number, False)


def record_patient_view(
    actor: Actor, decision_id: object, data: Mapping[str, Any]
) -> DecisionVersion:
    """The patient changes what matters to them or their preference (a new version by them)."""
    if actor.user.role != Role.PATIENT:
        raise NotFound
    decision = access.get_or_not_found(_visible(actor.user), decision_id)
    [record] = _with_versions(SharedDecision.objects.filter(pk=decision.pk))
    form = PatientViewForm(data, version=record.current)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    draft = form.draft()
    if draft.same_content(draft_of(record.current)):
        raise FormInvalid({"__all__": [_("Nothing was changed, so no new version was recorded.")]})
    return _next_version(actor, record, draft, record.current.number, True)

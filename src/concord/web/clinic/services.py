"""Clinic services: the only code that reads and writes patient data for people.

Each function takes an :class:`~concord.web.audit.service.Actor`, goes through
:mod:`concord.web.clinic.access`, does its work in one transaction and writes the audit
trail in that same transaction, so nothing is half-written and nothing goes unaudited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.analytics.engagement import attendance_rate
from concord.web.accounts.models import Role, User
from concord.web.alerts.models import PRIORITY_CODES
from concord.web.alerts.triage import highest_open_priority, signal_changed
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access
from concord.web.clinic.access import NotAllowed, NotFound, require_writer
from concord.web.clinic.forms import NewEpisodeForm, PatientForm, SessionForm
from concord.web.clinic.models import (
    CareEpisode,
    CareSession,
    EpisodeStatus,
    Patient,
    SessionStatus,
)


class FormInvalid(ValueError):
    """Submitted data failed validation; ``errors`` maps field → messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("invalid input: " + ", ".join(errors))
        self.errors = dict(errors)

    @classmethod
    def from_forms(cls, *forms: Any) -> FormInvalid:
        """The field-level messages of bound, invalid Django forms, merged."""
        errors: dict[str, list[str]] = {}
        for form in forms:
            for field, messages in form.errors.items():
                errors.setdefault(field, []).extend(str(m) for m in messages)
        return cls(errors)


@dataclass(frozen=True)
class CaseloadRow:
    patient_id: int
    patient_name: str
    episode_id: int
    episode_reason: str
    episode_status: str
    team: str
    lead_clinician: str
    last_session: datetime | None
    next_session: datetime | None
    attended: int
    no_show: int
    cancelled_by_patient: int
    attendance_rate: float | None
    alert_rank: int | None = None  # best priority rank of the episode's open alerts
    alert_priority: str | None = None  # its priority code (highest/high/moderate/low)


CASELOAD_SORTS = {
    "priority": lambda r: (r.alert_rank or 99, r.patient_name.lower(), r.patient_id),
    "name": lambda r: (r.patient_name.lower(), r.patient_id),
    "last": lambda r: (r.last_session is None, r.last_session or datetime.min, r.patient_id),
    "next": lambda r: (r.next_session is None, r.next_session or datetime.max, r.patient_id),
    "attendance": lambda r: (r.attendance_rate is None, r.attendance_rate or 0.0, r.patient_id),
    "status": lambda r: (r.episode_status, r.patient_name.lower()),
}


def caseload(
    actor: Actor,
    *,
    sort: str = "priority",
    descending: bool = False,
    include_closed: bool = False,
    clinician_id: int | None = None,
) -> list[CaseloadRow]:
    """One row per visible care episode, with last/next session and attendance rate."""
    user = actor.user
    if user.role not in (Role.CLINICIAN, Role.SUPERVISOR):
        raise NotFound
    now = timezone.now()
    episodes = access.episodes_for(user)
    if clinician_id is not None:
        episodes = episodes.filter(team__memberships__user_id=clinician_id)
    if not include_closed:
        episodes = episodes.filter(status=EpisodeStatus.ACTIVE)
    episodes = episodes.distinct()
    # The session figures come from one pass over these episodes' sessions grouped by
    # episode alone; grouping them together with every joined patient, team and clinician
    # column (and DISTINCT over all of it) was most of this page's database time.
    figures = {
        f["episode_id"]: f
        for f in CareSession.objects.filter(episode__in=episodes.values("pk"))
        .order_by()
        .values("episode_id")
        .annotate(
            last_session=Max("scheduled_at", filter=Q(scheduled_at__lte=now)),
            next_session=Min(
                "scheduled_at", filter=Q(scheduled_at__gt=now, status=SessionStatus.SCHEDULED)
            ),
            n_attended=Count("pk", filter=Q(status=SessionStatus.ATTENDED)),
            n_no_show=Count("pk", filter=Q(status=SessionStatus.NO_SHOW)),
            n_cancelled=Count("pk", filter=Q(status=SessionStatus.CANCELLED_BY_PATIENT)),
        )
    }
    alert_ranks = highest_open_priority(episodes.values("pk"))
    no_sessions: dict[str, Any] = {
        "last_session": None,
        "next_session": None,
        "n_attended": 0,
        "n_no_show": 0,
        "n_cancelled": 0,
    }
    rows = []
    # Only the columns the rows show (the patient, team and clinician are loaded for their
    # names); converting every column of them cost about a sixth of this function's time.
    shown = episodes.select_related("patient", "team", "lead_clinician").only(
        "reason",
        "status",
        "patient__given_name",
        "patient__family_name",
        "team__name",
        "lead_clinician__username",
        "lead_clinician__first_name",
        "lead_clinician__last_name",
    )
    for e in shown:
        f = figures.get(e.pk, no_sessions)
        rows.append(
            CaseloadRow(
                patient_id=e.patient_id,
                patient_name=str(e.patient),
                episode_id=e.pk,
                episode_reason=e.reason,
                episode_status=e.status,
                team=e.team.name,
                lead_clinician=str(e.lead_clinician) if e.lead_clinician else "",
                last_session=f["last_session"],
                next_session=f["next_session"],
                attended=f["n_attended"],
                no_show=f["n_no_show"],
                cancelled_by_patient=f["n_cancelled"],
                attendance_rate=attendance_rate(f["n_attended"], f["n_no_show"], f["n_cancelled"]),
                alert_rank=alert_ranks.get(e.pk),
                alert_priority=PRIORITY_CODES.get(alert_ranks.get(e.pk, 0)),
            )
        )
    rows.sort(key=CASELOAD_SORTS.get(sort, CASELOAD_SORTS["name"]), reverse=descending)
    audit(
        actor,
        Action.LIST,
        "caseload",
        "",
        [r.patient_id for r in rows],
        {"sort": sort, "clinician_id": clinician_id, "rows": len(rows)},
    )
    return rows


def supervisees(actor: Actor) -> list[User]:
    if actor.user.role != Role.SUPERVISOR:
        return []
    return list(User.objects.filter(supervisions_received__supervisor=actor.user, is_active=True))


def list_patients(actor: Actor, *, limit: int = 100, offset: int = 0) -> list[Patient]:
    if actor.user.role not in (Role.CLINICIAN, Role.SUPERVISOR):
        raise NotFound
    patients = list(
        access.patients_for(actor.user).order_by("family_name", "given_name", "pk")[
            offset : offset + limit
        ]
    )
    audit(actor, Action.LIST, "patient", "", [p.pk for p in patients], {"offset": offset})
    return patients


def get_patient(actor: Actor, patient_id: object) -> Patient:
    """A patient record for clinical staff (patients use :func:`portal_overview`)."""
    if actor.user.role not in (Role.CLINICIAN, Role.SUPERVISOR):
        raise NotFound
    patient = access.get_or_not_found(access.patients_for(actor.user), patient_id)
    audit(actor, Action.READ, "patient", patient.pk, [patient.pk])
    return patient


def episodes_of(actor: Actor, patient: Patient) -> list[CareEpisode]:
    episodes = list(
        access.episodes_for(actor.user)
        .filter(patient=patient)
        .select_related("team", "lead_clinician")
    )
    audit(
        actor, Action.LIST, "episode", "", [patient.pk], {"episode_ids": [e.pk for e in episodes]}
    )
    return episodes


def get_episode(actor: Actor, episode_id: object) -> CareEpisode:
    episode = access.get_or_not_found(
        access.episodes_for(actor.user).select_related("patient", "team"), episode_id
    )
    audit(actor, Action.READ, "episode", episode.pk, [episode.patient_id])
    return episode


def sessions_of(actor: Actor, episodes: list[CareEpisode]) -> list[CareSession]:
    if not episodes:
        return []
    sessions = list(
        access.sessions_for(actor.user)
        .filter(episode__in=episodes)
        .select_related("clinician")
        .order_by("scheduled_at", "pk")
    )
    audit(
        actor,
        Action.LIST,
        "session",
        "",
        {e.patient_id for e in episodes},
        {"episode_ids": [e.pk for e in episodes], "rows": len(sessions)},
    )
    return sessions


def get_session(actor: Actor, session_id: object) -> CareSession:
    session = access.get_or_not_found(
        access.sessions_for(actor.user).select_related("episode", "clinician"), session_id
    )
    audit(actor, Action.READ, "session", session.pk, [session.episode.patient_id])
    return session


def create_patient(actor: Actor, data: Mapping[str, Any]) -> Patient:
    """Create a patient together with a first care episode in one of the clinician's teams."""
    if actor.user.role != Role.CLINICIAN:
        raise NotFound
    teams = access.teams_for(actor.user)
    patient_form = PatientForm(data)
    episode_form = NewEpisodeForm(data, teams=teams)
    if not (patient_form.is_valid() & episode_form.is_valid()):
        raise FormInvalid.from_forms(patient_form, episode_form)
    with transaction.atomic():
        patient = patient_form.save(commit=False)
        patient.clinic = episode_form.cleaned_data["team"].clinic
        patient.full_clean()
        patient.save()
        episode = episode_form.save(commit=False)
        episode.patient = patient
        episode.lead_clinician = actor.user
        episode.save()
        audit(actor, Action.CREATE, "patient", patient.pk, [patient.pk], {"episode_id": episode.pk})
    return patient


def create_session(actor: Actor, episode_id: object, data: Mapping[str, Any]) -> CareSession:
    episode = access.get_or_not_found(access.episodes_for(actor.user), episode_id)
    require_writer(actor.user)
    form = SessionForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    with transaction.atomic():
        session = form.save(commit=False)
        session.episode = episode
        session.clinician = actor.user
        session.save()
        audit(
            actor,
            Action.CREATE,
            "session",
            session.pk,
            [episode.patient_id],
            {"status": session.status},
        )
        signal_changed(episode.patient_id)
    return session


def update_session(actor: Actor, session_id: object, data: Mapping[str, Any]) -> CareSession:
    session = access.get_or_not_found(
        access.sessions_for(actor.user).select_related("episode"), session_id
    )
    if actor.user.role == Role.OBSERVER:
        raise NotAllowed(_("Observers rate sessions; they do not record them."))
    require_writer(actor.user)
    fields = list(SessionForm.Meta.fields)
    snapshot = {field: getattr(session, field) for field in fields}
    merged = {
        "scheduled_at": session.scheduled_at,  # the exact value, seconds included
        "duration_minutes": session.duration_minutes,
        "modality": session.modality,
        "status": session.status,
        "note": session.note,
        **dict(data.items()),
    }
    form = SessionForm(merged, instance=session)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    with transaction.atomic():
        session = form.save()
        changed = [f for f in fields if getattr(session, f) != snapshot[f]]
        audit(
            actor,
            Action.UPDATE,
            "session",
            session.pk,
            [session.episode.patient_id],
            {
                "changed": sorted(changed),
                # The note's old text stays out of the trail; other old values are kept.
                "before": {f: str(snapshot[f]) for f in changed if f != "note"},
            },
        )
        signal_changed(session.episode.patient_id)
    return session


@dataclass(frozen=True)
class ObserverSessionRow:
    session_id: int
    scheduled_at: datetime
    modality: str
    status: str
    team: str


def observer_sessions(actor: Actor) -> list[ObserverSessionRow]:
    """Sessions assigned to an observer: no names, no notes."""
    if actor.user.role != Role.OBSERVER:
        raise NotFound
    sessions = list(access.sessions_for(actor.user).select_related("episode__team"))
    audit(
        actor,
        Action.LIST,
        "session",
        "",
        {s.episode.patient_id for s in sessions},
        {"assigned": [s.pk for s in sessions]},
    )
    return [
        ObserverSessionRow(
            s.pk,
            s.scheduled_at,
            s.get_modality_display(),
            s.get_status_display(),
            s.episode.team.name,
        )
        for s in sessions
    ]


@dataclass(frozen=True)
class PortalOverview:
    patient: Patient
    episodes: list[CareEpisode]
    upcoming: list[CareSession]
    past: list[CareSession]


def portal_overview(actor: Actor, today: date | None = None) -> PortalOverview:
    """What a patient sees of their own care: episodes and sessions, without clinician notes."""
    if actor.user.role != Role.PATIENT:
        raise NotFound
    patient = access.patients_for(actor.user).first()
    if patient is None:
        raise NotFound
    episodes = list(access.episodes_for(actor.user).select_related("team"))
    now = timezone.now()
    sessions = list(access.sessions_for(actor.user).order_by("scheduled_at"))
    audit(actor, Action.READ, "portal", patient.pk, [patient.pk])
    return PortalOverview(
        patient=patient,
        episodes=episodes,
        upcoming=[
            s for s in sessions if s.scheduled_at > now and s.status == SessionStatus.SCHEDULED
        ],
        past=[s for s in sessions if s.scheduled_at <= now][::-1],
    )

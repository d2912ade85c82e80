"""The records an after-visit summary is made from, read once for one session.

People read them through the areas' own read services, which apply the access rules and
audit each read (:func:`audited_readers`): the goals and tasks of the episode
(:mod:`concord.web.plans`), the patient's shared decisions (:mod:`concord.web.decisions`),
barriers with their actions (:mod:`concord.web.barriers`) and the episode's sessions
(:mod:`concord.web.clinic.services`). The demo builder passes readers of its own that read
the same rows without writing an audit trail for people who never looked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from concord.web.audit.service import Actor
from concord.web.barriers import services as barrier_services
from concord.web.barriers.models import Barrier
from concord.web.clinic import services as clinic_services
from concord.web.clinic.models import CareEpisode, CareSession, Patient
from concord.web.decisions import services as decision_services
from concord.web.decisions.services import DecisionRecord
from concord.web.materials.summary_window import (
    SessionWindow,
    SummaryLanguage,
    next_appointment,
    summary_language,
    window_for,
)
from concord.web.measures.crisis import CrisisText, crisis_text_for
from concord.web.plans.goals import GoalView, goals_of_episodes
from concord.web.plans.tasks import TaskView, tasks_of_episodes


@dataclass(frozen=True)
class SourceReaders:
    """How the records of one care episode are read."""

    sessions: Callable[[CareEpisode], list[CareSession]]
    goals: Callable[[CareEpisode], list[GoalView]]
    tasks: Callable[[CareEpisode], list[TaskView]]
    decisions: Callable[[CareEpisode], list[DecisionRecord]]
    barriers: Callable[[CareEpisode], list[Barrier]]


def audited_readers(actor: Actor) -> SourceReaders:
    """The areas' read services for ``actor`` (each checks access and writes its audit row)."""

    def decisions(episode: CareEpisode) -> list[DecisionRecord]:
        records = decision_services.decisions_of_patient(actor, episode.patient_id)
        return [r for r in records if r.decision.episode_id == episode.pk]

    def barriers(episode: CareEpisode) -> list[Barrier]:
        _patient, rows = barrier_services.barriers_of_patient(actor, episode.patient_id)
        return [b for b in rows if b.episode_id in (None, episode.pk)]

    return SourceReaders(
        sessions=lambda episode: clinic_services.sessions_of(actor, [episode]),
        goals=lambda episode: goals_of_episodes(actor, [episode]),
        tasks=lambda episode: tasks_of_episodes(actor, [episode]),
        decisions=decisions,
        barriers=barriers,
    )


@dataclass(frozen=True)
class SummarySources:
    """Everything a summary of ``session`` is composed from."""

    session: CareSession
    window: SessionWindow
    language: SummaryLanguage
    next_appointment: CareSession | None
    goals: list[GoalView]
    tasks: list[TaskView]
    decisions: list[DecisionRecord]
    barriers: list[Barrier]
    crisis: CrisisText | None  # the clinic's own crisis text (None when it has none)

    @property
    def episode(self) -> CareEpisode:
        return self.session.episode

    @property
    def patient(self) -> Patient:
        return self.session.episode.patient

    @property
    def clinician_name(self) -> str:
        """Who the patient saw: the session's clinician, else the episode's lead."""
        person = self.session.clinician or self.episode.lead_clinician
        return str(person) if person is not None else ""

    @property
    def contact_name(self) -> str:
        """The patient's main contact: the episode's lead, else the session's clinician."""
        person = self.episode.lead_clinician or self.session.clinician
        return str(person) if person is not None else ""

    @property
    def has_portal(self) -> bool:
        return self.patient.account_id is not None


def clinic_crisis_text(episode: CareEpisode, language: str) -> CrisisText | None:
    """The clinic's own crisis text (measures app) in the patient's language, else in English;
    None when the clinic has written none (the summary then uses its own sentences)."""
    found = crisis_text_for(episode.team.clinic, language)
    return found if found.source == "clinic" else None


def collect(session: CareSession, readers: SourceReaders, generated_at: datetime) -> SummarySources:
    """Read the episode's records once and place the session among its sessions."""
    episode = session.episode
    sessions = readers.sessions(episode)
    language = summary_language(episode.patient.preferred_language)
    return SummarySources(
        session=session,
        window=window_for(session, sessions, generated_at),
        language=language,
        next_appointment=next_appointment(session, sessions, generated_at),
        goals=readers.goals(episode),
        tasks=readers.tasks(episode),
        decisions=readers.decisions(episode),
        barriers=readers.barriers(episode),
        crisis=clinic_crisis_text(episode, language.preferred or language.code),
    )

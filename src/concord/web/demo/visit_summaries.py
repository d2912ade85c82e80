"""After-visit summaries for the demo clinic, made by the same composer as the clinic's own
(:func:`concord.web.materials.summary_content.compose`) from the demo's goals, tasks,
decisions and barriers, shared by the clinician who saw the patient.

Deterministic: times follow each session (generated an hour after it ends, shared ten
minutes later), never after :func:`concord.web.demo.clock.demo_now`. The records are read
here directly, not through the audited services: nobody looked at them, so the audit trail
gets no rows for them (as for every other demo record).

* ``patient1`` (Spanish): the visit before last was summarised, then shared again the next
  day with a note in Spanish (version 2), after they had read version 1 — so it shows as
  updated; the last visit's summary is new (not opened).
* ``patient2``: the last visit, read twice.
* ``patient3``: the visit before last, shared and read; the last visit has a draft waiting.
* a patient without a portal account whose language (Polish …) has no translation: the
  last visit in English, with the note saying so (printed for them).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Q

from concord.web.accounts.models import User
from concord.web.barriers.models import Barrier
from concord.web.clinic.models import CareEpisode, CareSession, EpisodeStatus, SessionStatus
from concord.web.decisions.models import SharedDecision
from concord.web.decisions.services import DecisionRecord
from concord.web.demo.clock import demo_now
from concord.web.materials.summary_content import compose
from concord.web.materials.summary_models import SummaryRead, SummaryRevision
from concord.web.materials.summary_sharing import freeze, write_draft
from concord.web.materials.summary_sources import SourceReaders, collect
from concord.web.plans.goals import GoalView
from concord.web.plans.models import Goal, Task
from concord.web.plans.tasks import TaskView

GENERATED_AFTER = timedelta(hours=1)  # after the end of the session
SHARED_AFTER = timedelta(minutes=10)


def _goals(episode: CareEpisode) -> list[GoalView]:
    goals = Goal.objects.filter(episode=episode).order_by("created_at", "pk")
    return [
        GoalView(g, list(g.versions.order_by("number")), list(g.ratings.order_by("rated_at", "pk")))
        for g in goals.prefetch_related("versions", "ratings")
    ]


def _tasks(episode: CareEpisode) -> list[TaskView]:
    tasks = Task.objects.filter(episode=episode).order_by("created_at", "pk")
    return [
        TaskView(
            t,
            list(
                t.versions.order_by("number")
                .select_related("regimen")
                .prefetch_related("exercises", "agreements")
            ),
        )
        for t in tasks
    ]


def _decisions(episode: CareEpisode) -> list[DecisionRecord]:
    decisions = SharedDecision.objects.filter(episode=episode).select_related("episode")
    return [
        DecisionRecord(d, list(d.versions.order_by("number").prefetch_related("options")))
        for d in decisions
    ]


def _barriers(episode: CareEpisode) -> list[Barrier]:
    return list(
        Barrier.objects.filter(patient=episode.patient)
        .filter(Q(episode__isnull=True) | Q(episode=episode))
        .prefetch_related("actions__owner_clinician")
        .order_by("reported_at", "pk")
    )


DEMO_READERS = SourceReaders(
    sessions=lambda episode: list(episode.sessions.order_by("scheduled_at", "pk")),
    goals=_goals,
    tasks=_tasks,
    decisions=_decisions,
    barriers=_barriers,
)


def _visits(episode: CareEpisode, now: datetime) -> list[CareSession]:
    """Attended sessions that started at least three hours before now, latest first."""
    return list(
        episode.sessions.filter(
            status=SessionStatus.ATTENDED, scheduled_at__lte=now - timedelta(hours=3)
        )
        .select_related(
            "clinician", "episode__patient", "episode__team__clinic", "episode__lead_clinician"
        )
        .order_by("-scheduled_at", "-pk")
    )


def _after(session: CareSession, now: datetime, later: timedelta = timedelta(0)) -> datetime:
    """When the summary is generated: an hour after the session ends (plus ``later``)."""
    ends = session.scheduled_at + timedelta(minutes=session.duration_minutes)
    return min(ends + GENERATED_AFTER + later, now)


def _draft(session: CareSession, at: datetime) -> SummaryRevision | None:
    by = session.clinician or session.episode.lead_clinician
    if by is None:
        return None
    sources = collect(session, DEMO_READERS, at)
    return write_draft(sources, compose(sources), by, at).revision


def _share(
    session: CareSession, now: datetime, note: str = "", later: timedelta = timedelta(0)
) -> SummaryRevision | None:
    at = _after(session, now, later)
    revision = _draft(session, at)
    if revision is None or revision.generated_by is None:
        return None
    last = (
        revision.summary.revisions.filter(shared_number__isnull=False)
        .order_by("-shared_number")
        .first()
    )
    return freeze(revision, note, revision.generated_by, min(at + SHARED_AFTER, now), last)


def _read(revision: SummaryRevision | None, after: timedelta, times: int, now: datetime) -> None:
    if revision is None or revision.shared_at is None or revision.shared_at + after > now:
        return
    first = revision.shared_at + after
    SummaryRead.objects.create(
        revision=revision,
        first_opened_at=first,
        last_opened_at=min(first + timedelta(minutes=20) * (times - 1), now),
        times_opened=times,
    )


def _episode_of(account: User | None) -> CareEpisode | None:
    if account is None:
        return None
    return (
        CareEpisode.objects.filter(patient__account=account, status=EpisodeStatus.ACTIVE)
        .order_by("pk")
        .first()
    )


def build_demo_visit_summaries(today: date, users: dict[str, User]) -> None:
    """Add the demo clinic's after-visit summaries (see the module docstring)."""
    now = demo_now(today)
    hours = timedelta(hours=1)

    first = _episode_of(users.get("patient1"))
    visits = _visits(first, now) if first else []
    if len(visits) >= 2:
        earlier = _share(visits[1], now)
        _read(earlier, 5 * hours, 1, now)
        _share(
            visits[1],
            now,
            note=(
                "Gracias por venir. Olvidé decirle: puede tomar la sertralina con el "
                "desayuno. Llámenos si tiene dudas."
            ),
            later=timedelta(days=1),
        )
        _share(visits[0], now)

    second = _episode_of(users.get("patient2"))
    visits = _visits(second, now) if second else []
    if visits:
        read = _share(visits[0], now, note="Well done on keeping up the exercises.")
        _read(read, 3 * hours, 2, now)

    third = _episode_of(users.get("patient3"))
    visits = _visits(third, now) if third else []
    if len(visits) >= 2:
        _read(_share(visits[1], now), 20 * hours, 1, now)
        _draft(visits[0], _after(visits[0], now))

    untranslated = (
        CareEpisode.objects.filter(
            status=EpisodeStatus.ACTIVE,
            patient__account__isnull=True,
            sessions__status=SessionStatus.ATTENDED,
        )
        .exclude(patient__preferred_language__in=["en", "es"])
        .order_by("patient_id", "pk")
        .first()
    )
    visits = _visits(untranslated, now) if untranslated else []
    if visits:
        _share(visits[0], now, note="We printed this for you. Please bring it next time.")

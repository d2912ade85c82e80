"""What "this session" covers in an after-visit summary, and which language it is written in.

**The session window.** A summary is about what was said and agreed at the visit, and
clinicians record it during the visit, just before (preparing a programme) or after it the
same day or later. So a record belongs to the visit when it is *linked to the session* (a
rating or a goal answer said in session, a goal version recorded in session) or when it was
*made inside the window*:

* the window starts at 00:00 (the clinic's time zone) on the day of the session, or at the end
  of the episode's previous attended session if that is later (two visits on one day);
* it ends when the summary is generated, or at the start of the episode's next attended
  session if that is earlier (later records belong to that visit).

Agreed tasks use a wider window, from 00:00 on the day of the **previous** attended session
(or the start of the care episode): the summary repeats what was agreed at or since the
previous visit, because that is what the patient is doing now.

**The language.** The fixed sentences are in the patient's preferred language when Concord is
translated into it (``settings.LANGUAGES``; ``es-MX`` counts as ``es``), else in the clinic's
default language (``LANGUAGE_CODE``) with a note saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from concord.web.accounts.language import translated_language
from concord.web.clinic.models import CareSession, SessionStatus
from concord.web.materials.languages import default_language


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=timezone.get_current_timezone())


@dataclass(frozen=True)
class SessionWindow:
    """The moments whose records belong to one visit (see the module docstring)."""

    start: datetime
    generated_at: datetime
    tasks_from: datetime
    previous: CareSession | None  # the episode's previous attended session
    following: CareSession | None  # the episode's next attended session

    @property
    def end(self) -> datetime:
        if self.following is not None and self.following.scheduled_at < self.generated_at:
            return self.following.scheduled_at
        return self.generated_at

    def _before_end(self, moment: datetime) -> bool:
        if self.following is not None and moment >= self.following.scheduled_at:
            return False
        return moment <= self.generated_at

    def contains(self, moment: datetime | None) -> bool:
        """Whether a record made at ``moment`` belongs to the visit."""
        return moment is not None and self.start <= moment and self._before_end(moment)

    def contains_for_tasks(self, moment: datetime | None) -> bool:
        """Whether a task change made at ``moment`` was at or since the previous visit."""
        return moment is not None and self.tasks_from <= moment and self._before_end(moment)

    def contains_day_for_tasks(self, day: date | None) -> bool:
        """Whether a task that ended on ``day`` ended at or since the previous visit."""
        return (
            day is not None
            and timezone.localtime(self.tasks_from).date() <= day
            and day <= timezone.localtime(self.end).date()
        )


def window_for(
    session: CareSession, sessions: Sequence[CareSession], generated_at: datetime
) -> SessionWindow:
    """The window of ``session`` among its episode's sessions, generated at ``generated_at``."""
    attended = sorted(
        (s for s in sessions if s.status == SessionStatus.ATTENDED and s.pk != session.pk),
        key=lambda s: (s.scheduled_at, s.pk),
    )
    previous = next((s for s in reversed(attended) if s.scheduled_at < session.scheduled_at), None)
    following = next((s for s in attended if s.scheduled_at > session.scheduled_at), None)
    start = start_of_day(timezone.localtime(session.scheduled_at).date())
    if previous is not None:
        previous_end = previous.scheduled_at + timedelta(minutes=previous.duration_minutes)
        start = max(start, min(previous_end, session.scheduled_at))
        tasks_from = start_of_day(timezone.localtime(previous.scheduled_at).date())
    else:
        tasks_from = min(start_of_day(session.episode.started_on), start)
    return SessionWindow(start, generated_at, tasks_from, previous, following)


def next_appointment(
    session: CareSession, sessions: Sequence[CareSession], generated_at: datetime
) -> CareSession | None:
    """The first session of the episode still booked after the visit and after now."""
    after = max(session.scheduled_at, generated_at)
    booked = [
        s
        for s in sessions
        if s.status == SessionStatus.SCHEDULED and s.scheduled_at > after and s.pk != session.pk
    ]
    return min(booked, key=lambda s: (s.scheduled_at, s.pk), default=None)


@dataclass(frozen=True)
class SummaryLanguage:
    code: str  # the language of the fixed sentences
    preferred: str  # the patient's preferred language, as recorded

    @property
    def translated(self) -> bool:
        """False when the patient's language has no translation and English stands in."""
        return not self.preferred or translated_language(self.preferred) == self.code


def summary_language(preferred_language: str) -> SummaryLanguage:
    found = translated_language(preferred_language)
    return SummaryLanguage(found or default_language(), preferred_language)

"""What the demo plan builders share: one episode's context and the rows kept for bulk
inserts (see :mod:`concord.web.demo.plans`)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime

from concord.web.accounts.models import User
from concord.web.clinic.models import CareEpisode, CareSession, EpisodeStatus
from concord.web.plans.models import (
    GoalRating,
    TaskAgreement,
    TaskCompletion,
)


@dataclass
class Rows:
    """Rows collected for bulk inserts."""

    ratings: list[GoalRating] = field(default_factory=list)
    agreements: list[TaskAgreement] = field(default_factory=list)
    completions: list[TaskCompletion] = field(default_factory=list)


@dataclass
class EpisodeContext:
    episode: CareEpisode
    sessions: list[CareSession]  # attended, up to now, oldest first
    lead: User | None
    account: User | None
    rich: bool
    now: datetime
    today: date
    rng: random.Random

    @property
    def last_day(self) -> date:
        if self.episode.status != EpisodeStatus.ACTIVE and self.episode.ended_on:
            return min(self.today, self.episode.ended_on)
        return self.today

"""Synthetic shared plans for the demo clinic: goals in patients' own words, agreed tasks,
the patients' agreement and confidence, goal ratings and completion logs.

Deterministic: a fixed seed, relative to ``today`` ("now" from :func:`demo_now`). Every
episode with an attended session gets one to three goals from its reason for care (set in
the first sessions; some revised with a sharper target, some achieved, a few dropped), rated
0-10 at later sessions along a trajectory (clear gains, small gains, flat, one or two worse).
Tasks: homework for the mood team (psychotherapy), a home-exercise programme for the
rehabilitation team (progressed part-way as a new version), medicine tasks linked to the
episode's regimen, and a walking or blood-pressure homework in primary care. Logs follow one
of five adherence patterns (steady, fading, improving, weekdays only, sporadic) over at most
the last twelve weeks. Patients with a portal account answer and log in the portal; for the
others the clinician records what the patient said in session (their diary reviewed at each
session, up to two weeks back), so their logs stop at the last session.

``patient1`` gets the richest plan: a revised goal with a reliable improvement, a goal with a
revision waiting for their answer, an achieved goal, a goal they proposed that waits for the
care team, homework (one with a new version not answered yet) and a medicine task.
"""

from __future__ import annotations

import random
from datetime import date

from concord.web.accounts.models import User
from concord.web.clinic.models import CareEpisode, SessionStatus
from concord.web.demo.clock import demo_now
from concord.web.demo.plan_context import EpisodeContext, Rows
from concord.web.demo.plan_goals import build_goals
from concord.web.demo.plan_tasks import build_tasks
from concord.web.plans.models import GoalRating, TaskAgreement, TaskCompletion

SEED_OFFSET = 13
ADHERENCE_PATTERNS = ("steady", "fading", "improving", "weekdays", "sporadic", "steady")


def build_demo_plans(today: date, users: dict[str, User], seed: int) -> None:
    """Add the demo clinic's shared plans (see the module docstring)."""
    rng = random.Random(seed + SEED_OFFSET)
    now = demo_now(today)
    rows = Rows()
    seen_in_team: dict[int, int] = {}
    episodes = CareEpisode.objects.select_related("patient__account", "team", "lead_clinician")
    for episode in episodes.order_by("pk"):
        sessions = list(
            episode.sessions.filter(status=SessionStatus.ATTENDED, scheduled_at__lte=now).order_by(
                "scheduled_at", "pk"
            )
        )
        if not sessions:
            continue
        account = episode.patient.account
        context = EpisodeContext(
            episode=episode,
            sessions=sessions,
            lead=episode.lead_clinician,
            account=account,
            rich=account is not None and account.username == "patient1",
            now=now,
            today=today,
            rng=rng,
        )
        goals = build_goals(context, rows)
        # Patterns in turn within each team (the teams themselves take turns over episodes).
        turn = seen_in_team.setdefault(episode.team_id, 0)
        seen_in_team[episode.team_id] += 1
        build_tasks(context, rows, goals, ADHERENCE_PATTERNS[turn % len(ADHERENCE_PATTERNS)])
    GoalRating.objects.bulk_create(rows.ratings, batch_size=500)
    TaskAgreement.objects.bulk_create(rows.agreements, batch_size=500)
    TaskCompletion.objects.bulk_create(rows.completions, batch_size=1000)

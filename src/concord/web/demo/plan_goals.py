"""Demo goals: set in the first sessions in the patient's words, some revised with a sharper
target, rated at later sessions, some achieved or dropped (see :mod:`concord.web.demo.plans`)."""

from __future__ import annotations

import random
from datetime import timedelta

from concord.web.accounts.models import User
from concord.web.clinic.models import CareSession
from concord.web.demo.plan_content import (
    GOALS,
    GoalIdea,
)
from concord.web.demo.plan_context import EpisodeContext, Rows
from concord.web.plans.models import (
    Goal,
    GoalAnswer,
    GoalRating,
    GoalStatus,
    GoalVersion,
    RatingSource,
    Side,
    VersionState,
)

GAINS = ("clear", "clear", "some", "flat", "clear", "some", "worse")


def _version(goal: Goal, number: int, idea: GoalIdea, target: str, **acts: object) -> GoalVersion:
    return GoalVersion.objects.create(
        goal=goal,
        number=number,
        patient_words=idea.words,
        clinician_restatement=idea.restatement,
        why_it_matters=idea.why,
        target=target,
        target_date=goal.created_at.date() + timedelta(weeks=idea.weeks),
        **acts,
    )


def _set_in_session(ctx: EpisodeContext, session: CareSession, portal_answer: bool) -> dict:
    """Who did what for a version set at ``session``."""
    at = session.scheduled_at + timedelta(minutes=40)
    if portal_answer:
        # Clinician proposed it in the session; the patient agreed in the portal that evening.
        return {
            "proposed_side": Side.CLINICIAN,
            "proposed_by": ctx.lead,
            "proposed_at": at,
            "response_side": Side.PATIENT,
            "response_by": ctx.account,
            "response_at": min(at + timedelta(hours=5), ctx.now),
            "session": session,
        }
    # The patient said it in session; the clinician recorded it and agreed.
    return {
        "proposed_side": Side.PATIENT,
        "proposed_by": ctx.lead,
        "proposed_in_session": True,
        "proposed_at": at,
        "response_side": Side.CLINICIAN,
        "response_by": ctx.lead,
        "response_at": at,
        "session": session,
    }


def _scores(rng: random.Random, count: int, gain: str) -> list[int]:
    start = rng.randint(1, 4)
    total = {
        "clear": rng.uniform(4.5, 7),
        "some": rng.uniform(1.5, 2.5),
        "flat": rng.uniform(-0.5, 1),
        "worse": -rng.uniform(2, 3),
    }[gain]
    if gain == "worse":
        start = rng.randint(4, 6)
    scores = []
    for k in range(count):
        share = (k / (count - 1)) ** 0.8 if count > 1 else 0.0
        scores.append(max(0, min(10, round(start + total * share + rng.gauss(0, 0.7)))))
    return scores


def build_goals(ctx: EpisodeContext, rows: Rows) -> list[Goal]:
    ideas = GOALS.get(ctx.episode.reason, [])
    if not ideas:
        return []
    rng = ctx.rng
    count = 3 if ctx.rich else rng.randint(1, min(3, len(ideas)))
    chosen = rng.sample(ideas, count)
    made: list[Goal] = []
    for index, idea in enumerate(chosen):
        first = ctx.sessions[min(index, len(ctx.sessions) - 1)]
        goal = Goal.objects.create(
            episode=ctx.episode, status=GoalStatus.AGREED, created_at=first.scheduled_at
        )
        portal_answer = ctx.account is not None and index % 2 == 1
        v1 = _version(
            goal,
            1,
            idea,
            idea.target,
            state=VersionState.AGREED,
            response=GoalAnswer.AGREED,
            **_set_in_session(ctx, first, portal_answer),
        )
        later = [s for s in ctx.sessions if s.scheduled_at >= first.scheduled_at]
        gain = "clear" if ctx.rich and index == 0 else rng.choice(GAINS)
        if ctx.rich and index == 1:
            gain = "flat"
        scores = _scores(rng, len(later), gain)
        in_force = v1
        revise_at = len(later) // 2 if idea.sharper_target and len(later) >= 4 else None
        sharper = idea.sharper_target
        if ctx.rich and index == 0 and len(later) >= 2:
            revise_at = max(1, len(later) // 2)
            sharper = sharper or f"{idea.target} Checked together every two weeks."
        achieved_at = None
        if (ctx.rich and index == 2) or (gain == "clear" and rng.random() < 0.35):
            achieved_at = next((k for k, s in enumerate(scores) if s >= 9 and k > 0), None)
            if ctx.rich and index == 2 and achieved_at is None and len(later) >= 2:
                scores[-1], achieved_at = 10, len(later) - 1
        for k, (session, score) in enumerate(zip(later, scores, strict=True)):
            if revise_at is not None and k == revise_at and sharper:
                v1.state = VersionState.SUPERSEDED
                v1.save(update_fields=["state"])
                acts = _set_in_session(ctx, session, portal_answer=False)
                acts.update(
                    proposed_side=Side.CLINICIAN,
                    proposed_in_session=False,
                    response_side=Side.PATIENT,
                    response_in_session=True,
                )
                in_force = _version(
                    goal,
                    2,
                    idea,
                    sharper,
                    state=VersionState.AGREED,
                    response=GoalAnswer.AGREED,
                    **acts,
                )
            _rate(ctx, rows, goal, in_force, session, score)
            if achieved_at is not None and k == achieved_at:
                goal.status = GoalStatus.ACHIEVED
                goal.closed_at = session.scheduled_at + timedelta(minutes=45)
                goal.closed_by = ctx.lead
                goal.closed_note = f"Rated {score}/10; we agreed the target is met."
                goal.save(update_fields=["status", "closed_at", "closed_by", "closed_note"])
                break
        if goal.status == GoalStatus.AGREED and not ctx.rich and rng.random() < 0.06:
            goal.status = GoalStatus.DROPPED
            goal.closed_at = later[-1].scheduled_at + timedelta(minutes=45)
            goal.closed_by = ctx.lead
            goal.closed_note = "No longer a priority for the patient; we agreed to set it aside."
            goal.save(update_fields=["status", "closed_at", "closed_by", "closed_note"])
        if ctx.rich and index == 1:
            _waiting_revision(ctx, goal, idea)
        made.append(goal)
    if ctx.rich:
        _patient_proposal(ctx)
    return made


def _rate(
    ctx: EpisodeContext,
    rows: Rows,
    goal: Goal,
    version: GoalVersion,
    session: CareSession,
    score: int,
) -> None:
    recorder: User | None
    if ctx.account is not None:
        # Rated in the portal the evening after the session.
        rated_at = min(session.scheduled_at + timedelta(hours=6), ctx.now)
        source, recorder = RatingSource.PORTAL, ctx.account
    else:
        rated_at = session.scheduled_at + timedelta(minutes=10)
        source, recorder = RatingSource.IN_SESSION, ctx.lead
    rows.ratings.append(
        GoalRating(
            goal=goal,
            version=version,
            score=score,
            rated_at=rated_at,
            session=session,
            source=source,
            recorded_by=recorder,
            recorded_at=rated_at,
        )
    )


def _waiting_revision(ctx: EpisodeContext, goal: Goal, idea: GoalIdea) -> None:
    """A clearer target proposed by the care team at the last session, not answered yet."""
    last = ctx.sessions[-1]
    GoalVersion.objects.create(
        goal=goal,
        number=goal.versions.count() + 1,
        patient_words=idea.words,
        clinician_restatement=idea.restatement,
        why_it_matters=idea.why,
        target=f"{idea.target} Start with two weeks at half of it.",
        target_date=ctx.today + timedelta(weeks=idea.weeks),
        state=VersionState.PROPOSED,
        proposed_side=Side.CLINICIAN,
        proposed_by=ctx.lead,
        proposed_at=last.scheduled_at + timedelta(minutes=45),
    )
    goal.status = GoalStatus.REVISED
    goal.save(update_fields=["status"])


def _patient_proposal(ctx: EpisodeContext) -> None:
    """A goal the patient wrote in the portal two days ago; the care team has not answered."""
    at = ctx.now - timedelta(days=2, hours=3)
    goal = Goal.objects.create(episode=ctx.episode, status=GoalStatus.PROPOSED, created_at=at)
    GoalVersion.objects.create(
        goal=goal,
        number=1,
        patient_words="Cook a proper meal for myself twice a week instead of toast.",
        why_it_matters="I feel better on the days I eat properly.",
        target="Two cooked meals a week.",
        state=VersionState.PROPOSED,
        proposed_side=Side.PATIENT,
        proposed_by=ctx.account,
        proposed_at=at,
    )

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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from concord.web.accounts.models import User
from concord.web.clinic.models import CareEpisode, CareSession, EpisodeStatus, SessionStatus
from concord.web.demo.clock import demo_now
from concord.web.demo.plan_content import (
    GOALS,
    HOMEWORK,
    PROGRAMMES,
    USUAL_DAYS,
    ExerciseIdea,
    GoalIdea,
    HomeworkIdea,
)
from concord.web.medications.models import MedicationRegimen
from concord.web.plans.models import (
    AgreementResponse,
    CompletionSource,
    Exercise,
    Goal,
    GoalAnswer,
    GoalRating,
    GoalStatus,
    GoalVersion,
    RatingSource,
    Side,
    Task,
    TaskAgreement,
    TaskCompletion,
    TaskKind,
    TaskVersion,
    VersionState,
)

SEED_OFFSET = 13
HISTORY_DAYS = 84
LOG_BACK_DAYS = 14
ADHERENCE_PATTERNS = ("steady", "fading", "improving", "weekdays", "sporadic", "steady")
GAINS = ("clear", "clear", "some", "flat", "clear", "some", "worse")
AGREE_WORDS = {
    AgreementResponse.AGREE: ["I can do that.", "Yes, evenings suit me.", "", "Happy to try."],
    AgreementResponse.NOT_SURE: [
        "Not sure I'll find the time.",
        "It hurt last time.",
        "I'll try but weekends are hard.",
    ],
    AgreementResponse.DISAGREE: ["Too much with work right now.", "I don't see how it helps."],
}


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
        goals = _goals(context, rows)
        # Patterns in turn within each team (the teams themselves take turns over episodes).
        turn = seen_in_team.setdefault(episode.team_id, 0)
        seen_in_team[episode.team_id] += 1
        _tasks(context, rows, goals, ADHERENCE_PATTERNS[turn % len(ADHERENCE_PATTERNS)])
    GoalRating.objects.bulk_create(rows.ratings, batch_size=500)
    TaskAgreement.objects.bulk_create(rows.agreements, batch_size=500)
    TaskCompletion.objects.bulk_create(rows.completions, batch_size=1000)


# ------------------------------------------------------------------ goals


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


def _goals(ctx: EpisodeContext, rows: Rows) -> list[Goal]:
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


# ------------------------------------------------------------------ tasks


def _tasks(ctx: EpisodeContext, rows: Rows, goals: list[Goal], pattern: str) -> None:
    reason = ctx.episode.reason
    start_session = ctx.sessions[0]
    history_start = ctx.last_day - timedelta(days=HISTORY_DAYS)
    begins = max(start_session.scheduled_at.date(), history_start)
    start_session = next(
        (s for s in ctx.sessions if s.scheduled_at.date() >= begins), ctx.sessions[-1]
    )
    if begins > ctx.last_day:
        return
    if reason in PROGRAMMES:
        title, exercises = PROGRAMMES[reason]
        _programme(ctx, rows, goals, title, exercises, start_session, pattern)
    homework = HOMEWORK.get(reason, [])
    if homework and (
        ctx.rich or ctx.episode.team.name != "Primary care team" or ctx.rng.random() < 0.5
    ):
        chosen = homework[:2] if ctx.rich else [ctx.rng.choice(homework)]
        for index, idea in enumerate(chosen):
            _homework(
                ctx, rows, goals, idea, start_session, pattern, revise=ctx.rich and index == 1
            )
    regimen = (
        MedicationRegimen.objects.filter(episode=ctx.episode, ended_on__isnull=True)
        .order_by("-started_on")
        .first()
    )
    if regimen is not None:
        _medicine(ctx, rows, goals, regimen, start_session)


def _new_task(ctx: EpisodeContext, kind: str, session: CareSession) -> Task:
    ended = ctx.episode.status != EpisodeStatus.ACTIVE and ctx.episode.ended_on
    return Task.objects.create(
        episode=ctx.episode,
        kind=kind,
        created_at=session.scheduled_at + timedelta(minutes=30),
        created_by=ctx.lead,
        ended_on=ctx.episode.ended_on if ended else None,
        ended_by=ctx.lead if ended else None,
        end_reason="The care episode ended." if ended else "",
    )


def _new_version(
    ctx: EpisodeContext,
    task: Task,
    number: int,
    session: CareSession,
    goals: list[Goal],
    **fields: object,
) -> TaskVersion:
    version = TaskVersion.objects.create(
        task=task,
        number=number,
        effective_from=session.scheduled_at.date(),
        created_by=ctx.lead,
        created_at=session.scheduled_at + timedelta(minutes=30),
        **fields,
    )
    version.goals.set(goals[:1])
    return version


def _answer(ctx: EpisodeContext, rows: Rows, version: TaskVersion, session: CareSession) -> None:
    rng = ctx.rng
    roll = rng.random()
    if roll < 0.72:
        response, confidence = AgreementResponse.AGREE, rng.randint(6, 10)
    elif roll < 0.93:
        response, confidence = AgreementResponse.NOT_SURE, rng.randint(3, 6)
    else:
        response, confidence = AgreementResponse.DISAGREE, rng.randint(1, 4)
    portal = ctx.account is not None
    at = session.scheduled_at + (timedelta(hours=4) if portal else timedelta(minutes=35))
    rows.agreements.append(
        TaskAgreement(
            version=version,
            response=response,
            words=rng.choice(AGREE_WORDS[response]),
            confidence=confidence,
            answered_by=ctx.account if portal else ctx.lead,
            answered_at=min(at, ctx.now),
            in_session=not portal,
            session=None if portal else session,
        )
    )


def _programme(
    ctx: EpisodeContext,
    rows: Rows,
    goals: list[Goal],
    title: str,
    ideas: list[ExerciseIdea],
    start: CareSession,
    pattern: str,
) -> None:
    task = _new_task(ctx, TaskKind.EXERCISE, start)
    versions = [(start, ideas, "")]
    later = [s for s in ctx.sessions if s.scheduled_at > start.scheduled_at]
    if len(later) >= 3:
        progressed = [
            ExerciseIdea(
                e.name,
                e.sets,
                e.repetitions + 2 if e.repetitions else None,
                e.hold_seconds + 10 if e.hold_seconds else None,
                e.times_per_day,
                e.days_per_week,
                e.instructions,
            )
            for e in ideas
        ]
        versions.append((later[len(later) // 2], progressed, "Progressed: pain settled."))
    made = []
    for number, (session, exercises, note) in enumerate(versions, start=1):
        version = _new_version(
            ctx,
            task,
            number,
            session,
            goals,
            title=title if number == 1 else f"{title} (stage {number})",
            instructions="Warm up first. Stop if pain goes above 5/10.",
            change_note=note,
        )
        Exercise.objects.bulk_create(
            Exercise(version=version, position=p, **vars(e)) for p, e in enumerate(exercises, 1)
        )
        _answer(ctx, rows, version, session)
        made.append(version)
    _log(ctx, rows, task, made, pattern)


def _homework(
    ctx: EpisodeContext,
    rows: Rows,
    goals: list[Goal],
    idea: HomeworkIdea,
    start: CareSession,
    pattern: str,
    revise: bool,
) -> None:
    task = _new_task(ctx, TaskKind.HOMEWORK, start)
    fields = {
        "title": idea.title,
        "instructions": idea.instructions,
        "times_per_day": idea.times_per_day,
        "days_per_week": idea.days_per_week,
    }
    made = [_new_version(ctx, task, 1, start, goals, **fields)]
    _answer(ctx, rows, made[0], start)
    if revise and len(ctx.sessions) >= 2:
        last = ctx.sessions[-1]
        fields["days_per_week"] = max(1, idea.days_per_week - 2)
        fields["instructions"] = idea.instructions + " Fewer days for now, but every week."
        version = _new_version(
            ctx, task, 2, last, goals, change_note="Fewer days: it felt too much.", **fields
        )
        made.append(version)  # not answered yet: the portal asks again
    _log(ctx, rows, task, made, "fading" if revise else pattern)


def _medicine(
    ctx: EpisodeContext,
    rows: Rows,
    goals: list[Goal],
    regimen: MedicationRegimen,
    start: CareSession,
) -> None:
    task = _new_task(ctx, TaskKind.MEDICATION, start)
    times = ", ".join(regimen.dose_times) or "as needed"
    version = _new_version(
        ctx,
        task,
        1,
        start,
        goals,
        title=f"Take {regimen.medication_name} ({times})",
        instructions="Keep the box next to the kettle; confirm each dose under “My medicines”.",
        regimen=regimen,
    )
    _answer(ctx, rows, version, start)


# ------------------------------------------------------------------ logs


def _probability(pattern: str, share: float, weekday: int) -> float:
    if pattern == "fading":
        return 0.9 - 0.55 * share
    if pattern == "improving":
        return 0.35 + 0.55 * share
    if pattern == "weekdays":
        return 0.85 if weekday < 5 else 0.15
    if pattern == "sporadic":
        return 0.45
    return 0.93


def _log(
    ctx: EpisodeContext, rows: Rows, task: Task, versions: list[TaskVersion], pattern: str
) -> None:
    rng = ctx.rng
    last = min(ctx.last_day, task.ended_on or ctx.last_day)
    start = versions[0].effective_from
    span = max((last - start).days, 1)
    zone = timezone.get_current_timezone()
    exercises_of = {v.pk: list(v.exercises.all()) for v in versions}
    day = start
    while day <= last:
        version = [v for v in versions if v.effective_from <= day][-1]
        share = (day - start).days / span
        p = _probability(pattern, share, day.weekday())
        did = rng.random() < p
        exercises = exercises_of[version.pk] if task.kind == TaskKind.EXERCISE else [None]
        for exercise in exercises:
            per_day = exercise.times_per_day if exercise else version.times_per_day or 1
            per_week = exercise.days_per_week if exercise else version.days_per_week or 7
            usual = day.weekday() in USUAL_DAYS[per_week]
            for repeat in range(per_day):
                chance = (0.96 if usual else 0.05) * (1.0 if repeat == 0 else 0.85)
                if not did or rng.random() >= chance:
                    continue
                logged = _logged(ctx, day, zone)
                if logged is None:
                    continue
                at, source, recorder = logged
                rows.completions.append(
                    TaskCompletion(
                        task=task,
                        version=version,
                        exercise=exercise,
                        day=day,
                        sets_done=exercise.sets if exercise and rng.random() < 0.3 else None,
                        pain=max(0, round(4 - 3 * share + rng.gauss(0, 1)))
                        if exercise and rng.random() < 0.4
                        else None,
                        effort=rng.randint(3, 7) if not exercise and rng.random() < 0.3 else None,
                        source=source,
                        recorded_by=recorder,
                        logged_at=at,
                    )
                )
        day += timedelta(days=1)


def _logged(
    ctx: EpisodeContext, day: date, zone: object
) -> tuple[datetime, str, User | None] | None:
    """When and by whom a log of ``day`` was written, or None if it never was."""
    if ctx.account is not None:
        evening = datetime.combine(day, time(19, 30), tzinfo=zone)  # type: ignore[arg-type]
        if evening > ctx.now:
            if day != ctx.today:
                return None
            evening = ctx.now - timedelta(minutes=5)
            if evening.date() != day:
                return None
        return evening, CompletionSource.PORTAL, ctx.account
    # The patient's diary, reviewed at the next session within two weeks.
    for session in ctx.sessions:
        gap = (session.scheduled_at.date() - day).days
        if 0 <= gap <= LOG_BACK_DAYS:
            return (
                session.scheduled_at + timedelta(minutes=20),
                CompletionSource.CLINICIAN,
                ctx.lead,
            )
    return None

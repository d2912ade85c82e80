"""Demo tasks, the patients' answers and completion logs (see :mod:`concord.web.demo.plans`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from concord.web.accounts.models import User
from concord.web.clinic.models import CareSession, EpisodeStatus
from concord.web.demo.plan_content import (
    HOMEWORK,
    PROGRAMMES,
    USUAL_DAYS,
    ExerciseIdea,
    HomeworkIdea,
)
from concord.web.demo.plan_context import EpisodeContext, Rows
from concord.web.medications.models import MedicationRegimen
from concord.web.plans.models import (
    AgreementResponse,
    CompletionSource,
    Exercise,
    Goal,
    Task,
    TaskAgreement,
    TaskCompletion,
    TaskKind,
    TaskVersion,
)

HISTORY_DAYS = 84
LOG_BACK_DAYS = 14
AGREE_WORDS = {
    AgreementResponse.AGREE: ["I can do that.", "Yes, evenings suit me.", "", "Happy to try."],
    AgreementResponse.NOT_SURE: [
        "Not sure I'll find the time.",
        "It hurt last time.",
        "I'll try but weekends are hard.",
    ],
    AgreementResponse.DISAGREE: ["Too much with work right now.", "I don't see how it helps."],
}


def build_tasks(ctx: EpisodeContext, rows: Rows, goals: list[Goal], pattern: str) -> None:
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

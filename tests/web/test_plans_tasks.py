"""Agreed tasks: programmes, homework and medicine tasks, their versions, the patient's
agreement and confidence (asked again for each version), completion logs and hand-computed
task adherence; bad input refused with the field named and nothing written."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from concord.web.audit.models import AuditEvent
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.services import FormInvalid
from concord.web.plans import completions, goal_changes, tasks
from concord.web.plans.models import Task, TaskAgreement, TaskCompletion, TaskVersion

from .conftest import Cast, make_session
from .plan_fixtures import (
    EXERCISES,
    agreed_goal,
    homework_for,
    programme_for,
    regimen_of,
    web,
)


def nothing_written() -> None:
    assert not Task.objects.exists()
    assert not TaskVersion.objects.exists()
    assert not AuditEvent.objects.filter(object_type__in=["task", "task_version"]).exists()


# ---------------------------------------------------------------- creating and revising


@pytest.mark.django_db
def test_exercise_programme_is_saved_with_its_exercises_and_goals(cast: Cast) -> None:
    goal = agreed_goal(cast, "Lift my grandson")
    task = programme_for(cast, goals=[str(goal.pk)])
    version = task.versions.get()
    assert (task.kind, version.number, version.title, version.effective_from) == (
        "exercise",
        1,
        "Back programme",
        timezone.localdate(),
    )
    assert [g.pk for g in version.goals.all()] == [goal.pk]
    rows = list(
        version.exercises.values_list(
            "position",
            "name",
            "sets",
            "repetitions",
            "hold_seconds",
            "times_per_day",
            "days_per_week",
        )
    )
    assert rows == [(1, "Bridging", 3, 10, None, 1, 5), (2, "Plank", 2, None, 20, 1, 3)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"exercises-0-sets": "0"}, "exercises-0-sets"),
        ({"exercises-0-sets": "-2"}, "exercises-0-sets"),
        ({"exercises-1-hold_seconds": ""}, "exercises-1-repetitions"),  # neither reps nor hold
        ({"exercises-0-days_per_week": "8"}, "exercises-0-days_per_week"),
        ({"exercises-0-times_per_day": "0"}, "exercises-0-times_per_day"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_exercise_is_refused_with_its_row_and_field_and_nothing_written(
    cast: Cast, change: dict[str, str], field: str
) -> None:
    with pytest.raises(FormInvalid) as refused:
        programme_for(cast, **change)
    assert list(refused.value.errors) == [field]
    if field.startswith("exercises-0-sets"):
        assert refused.value.errors[field][0].startswith("Exercise 1, sets:")
    nothing_written()


@pytest.mark.django_db
def test_a_programme_needs_an_exercise(cast: Cast) -> None:
    empty = {k: v for k, v in EXERCISES.items() if not k.startswith("exercises-") or "FORMS" in k}
    with pytest.raises(FormInvalid) as refused:
        tasks.create_task(
            web(cast, "clin_a"), cast.episode_a.pk, "exercise", {"title": "Knee", **empty}
        )
    assert refused.value.errors == {"exercises": ["Add at least one exercise."]}
    nothing_written()


@pytest.mark.django_db
def test_medicine_task_takes_a_regimen_of_this_episode_only(cast: Cast) -> None:
    other = regimen_of(cast, "b")  # patient B's regimen
    clinician = web(cast, "clin_a")
    data = {"title": "Take sertraline every morning", "regimen": str(other.pk)}
    with pytest.raises(FormInvalid) as refused:
        tasks.create_task(clinician, cast.episode_a.pk, "medication", data)
    assert refused.value.errors == {
        "regimen": ["Choose a medicine prescribed in this care episode."]
    }
    nothing_written()
    own = regimen_of(cast, "a")
    task = tasks.create_task(
        clinician, cast.episode_a.pk, "medication", {**data, "regimen": own.pk}
    )
    assert task.versions.get().regimen == own


@pytest.mark.django_db
def test_a_goal_of_another_patients_episode_is_refused(cast: Cast) -> None:
    goal_b = goal_changes.propose_goal(
        web(cast, "clin_b"),
        cast.episode_b.pk,
        {"patient_words": "Garden again", "proposer": "clinician", "agreement": "ask"},
    )
    with pytest.raises(FormInvalid) as refused:
        homework_for(cast, goals=[str(goal_b.pk)])
    assert list(refused.value.errors) == ["goals"]
    nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [({"days_per_week": "8"}, "days_per_week"), ({"times_per_day": "0"}, "times_per_day")],
)
def test_homework_frequency_is_checked(cast: Cast, change: dict[str, str], field: str) -> None:
    with pytest.raises(FormInvalid) as refused:
        homework_for(cast, **change)
    assert list(refused.value.errors) == [field]
    nothing_written()


@pytest.mark.django_db
def test_a_new_version_keeps_the_old_and_asks_the_patient_again(cast: Cast) -> None:
    task = programme_for(cast)
    patient = web(cast, "patient_a")
    tasks.answer_task(patient, task.pk, {"response": "agree", "confidence": "8", "words": "OK"})
    revised = {
        "title": "Back programme, level 2",
        "change_note": "Plank progressed.",
        **EXERCISES,
        "exercises-1-hold_seconds": "40",
    }
    version = tasks.revise_task(web(cast, "colleague_a"), task.pk, revised)
    assert (version.number, version.created_by) == (2, cast.users["colleague_a"])
    view = tasks.task_detail(web(cast, "clin_a"), task.pk)
    v1, v2 = view.versions
    assert [e.hold_seconds for e in v1.exercises.all()] == [None, 20]  # untouched
    assert [e.hold_seconds for e in v2.exercises.all()] == [None, 40]
    assert view.agreement is None  # asked again
    assert (view.earlier_agreement.response, view.earlier_agreement.confidence) == ("agree", 8)
    tasks.answer_task(patient, task.pk, {"response": "not_sure", "confidence": "5"})
    view = tasks.task_detail(web(cast, "clin_a"), task.pk)
    assert (view.agreement.response, view.agreement.confidence, view.agreement.version) == (
        "not_sure",
        5,
        v2,
    )
    assert TaskAgreement.objects.filter(version=v1).count() == 1


@pytest.mark.django_db
def test_clinician_records_the_answer_said_in_session_as_such(cast: Cast) -> None:
    task = homework_for(cast)
    data = {"response": "agree", "confidence": "6", "words": "If I do it after dinner."}
    with pytest.raises(FormInvalid) as refused:  # in session: which session?
        tasks.record_task_answer(web(cast, "colleague_a"), task.pk, data)
    assert list(refused.value.errors) == ["session"]
    with pytest.raises(NotAllowed):
        tasks.record_task_answer(
            web(cast, "sup_a"), task.pk, {**data, "session": cast.session_a.pk}
        )
    answer = tasks.record_task_answer(
        web(cast, "colleague_a"), task.pk, {**data, "session": cast.session_a.pk}
    )
    assert (answer.in_session, answer.session, answer.answered_by, answer.confidence) == (
        True,
        cast.session_a,
        cast.users["colleague_a"],
        6,
    )
    portal = tasks.answer_task(
        web(cast, "patient_a"), task.pk, {"response": "agree", "confidence": "8"}
    )
    assert (portal.in_session, portal.answered_by) == (False, cast.users["patient_a"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"response": "agree", "confidence": "-1"}, "confidence"),
        ({"response": "agree", "confidence": "11"}, "confidence"),
        ({"response": "agree"}, "confidence"),
        ({"response": "maybe", "confidence": "5"}, "response"),
    ],
)
def test_bad_agreement_is_refused_with_the_field_and_nothing_written(
    cast: Cast, data: dict[str, str], field: str
) -> None:
    task = homework_for(cast)
    with pytest.raises(FormInvalid) as refused:
        tasks.answer_task(web(cast, "patient_a"), task.pk, data)
    assert list(refused.value.errors) == [field]
    assert not TaskAgreement.objects.exists()
    assert not AuditEvent.objects.filter(object_type="task_agreement").exists()


@pytest.mark.django_db
def test_only_the_patient_answers_and_only_clinicians_of_the_team_write(cast: Cast) -> None:
    task = homework_for(cast)
    data = {"title": "x", "times_per_day": "1", "days_per_week": "2"}
    with pytest.raises(NotFound):
        tasks.answer_task(web(cast, "patient_b"), task.pk, {"response": "agree", "confidence": "5"})
    with pytest.raises(NotFound):
        tasks.answer_task(web(cast, "clin_a"), task.pk, {"response": "agree", "confidence": "5"})
    with pytest.raises(NotAllowed):
        tasks.revise_task(web(cast, "sup_a"), task.pk, data)
    with pytest.raises(NotAllowed):
        tasks.end_task(web(cast, "sup_a"), task.pk, {"reason": "x"})
    with pytest.raises(NotAllowed):
        completions.log_completion(web(cast, "sup_a"), task.pk, {})
    with pytest.raises(NotFound):
        tasks.revise_task(web(cast, "clin_b"), task.pk, data)
    with pytest.raises(NotFound):
        completions.log_completion(web(cast, "observer_a"), task.pk, {})
    assert task.versions.count() == 1 and not task.completions.exists()


# ---------------------------------------------------------------- completion logs


@pytest.mark.django_db
def test_done_today_logs_every_exercise_of_the_programme_once(cast: Cast) -> None:
    task = programme_for(cast)
    rows = completions.log_completion(web(cast, "patient_a"), task.pk, {})
    assert sorted((r.exercise.name, r.day, r.source, r.sets_done) for r in rows) == [
        ("Bridging", timezone.localdate(), "portal", None),
        ("Plank", timezone.localdate(), "portal", None),
    ]
    plank = task.versions.get().exercises.get(name="Plank")
    [row] = completions.log_completion(
        web(cast, "patient_a"),
        task.pk,
        {"exercise": plank.pk, "sets_done": "2", "pain": "3", "note": "Twinge on the left."},
    )
    assert (row.exercise, row.sets_done, row.pain, row.effort, row.note) == (
        plank,
        2,
        3,
        None,
        "Twinge on the left.",
    )
    [audit_row] = AuditEvent.objects.filter(object_type="task_completion", detail__rows=2)
    assert audit_row.detail["source"] == "portal" and audit_row.patient_ids == [cast.patient_a.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"sets_done": "0"}, "sets_done"),
        ({"sets_done": "2"}, "sets_done"),  # two exercises: which one?
        ({"pain": "11"}, "pain"),
        ({"effort": "-1"}, "effort"),
        ({"exercise": "999999"}, "exercise"),
        ("tomorrow", "day"),
        ("three weeks ago", "day"),
    ],
)
def test_bad_logs_are_refused_with_the_field_and_nothing_written(
    cast: Cast, data: object, field: str
) -> None:
    task = programme_for(cast)
    if data == "tomorrow":
        data = {"day": (timezone.localdate() + timedelta(days=1)).isoformat()}
    elif data == "three weeks ago":
        data = {"day": (timezone.localdate() - timedelta(days=21)).isoformat()}
    with pytest.raises(FormInvalid) as refused:
        completions.log_completion(web(cast, "patient_a"), task.pk, data)  # type: ignore[arg-type]
    assert list(refused.value.errors) == [field]
    assert not TaskCompletion.objects.exists()


@pytest.mark.django_db
def test_medicine_tasks_and_days_before_the_task_are_not_logged(cast: Cast) -> None:
    regimen = regimen_of(cast)
    medicine = tasks.create_task(
        web(cast, "clin_a"),
        cast.episode_a.pk,
        "medication",
        {"title": "Sertraline", "regimen": regimen.pk},
    )
    with pytest.raises(FormInvalid) as refused:
        completions.log_completion(web(cast, "patient_a"), medicine.pk, {})
    assert list(refused.value.errors) == ["task"]
    homework = homework_for(cast)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    with pytest.raises(FormInvalid) as refused:
        completions.log_completion(web(cast, "patient_a"), homework.pk, {"day": yesterday})
    assert list(refused.value.errors) == ["day"]  # the homework starts today
    assert not TaskCompletion.objects.exists()


@pytest.mark.django_db
def test_clinician_records_a_completion_as_their_own_entry(cast: Cast) -> None:
    task = homework_for(cast)
    [row] = completions.log_completion(
        web(cast, "colleague_a"), task.pk, {"effort": "6", "note": "Done in session."}
    )
    assert (row.source, row.recorded_by, row.effort, row.exercise) == (
        "clinician",
        cast.users["colleague_a"],
        6,
        None,
    )


@pytest.mark.django_db
def test_an_ended_task_takes_no_new_version_or_answer(cast: Cast) -> None:
    task = homework_for(cast)
    with pytest.raises(FormInvalid) as refused:
        tasks.end_task(web(cast, "clin_a"), task.pk, {"reason": "  "})
    assert list(refused.value.errors) == ["reason"]
    tasks.end_task(web(cast, "clin_a"), task.pk, {"reason": "Sleeping well now."})
    task.refresh_from_db()
    assert (task.ended_on, task.ended_by, task.end_reason) == (
        timezone.localdate(),
        cast.users["clin_a"],
        "Sleeping well now.",
    )
    with pytest.raises(FormInvalid) as refused:
        tasks.revise_task(
            web(cast, "clin_a"), task.pk, {"title": "x", "times_per_day": "1", "days_per_week": "1"}
        )
    assert list(refused.value.errors) == ["task"]
    with pytest.raises(FormInvalid) as refused:
        tasks.answer_task(web(cast, "patient_a"), task.pk, {"response": "agree", "confidence": "9"})
    assert list(refused.value.errors) == ["task"]


# ---------------------------------------------------------------- adherence, by hand


@pytest.mark.django_db
def test_task_adherence_over_a_revision_hand_computed(cast: Cast) -> None:
    """Homework daily from Monday 2 March 2026 (v1); from Wednesday 11 March three days a week
    (v2). Period 2-15 March.

    Week 1 (2-8 March): v1 expects 7, done 5 -> credited 5 (5/7).
    Week 2 (9-15 March): v1 in force Mon-Tue expects 2, done 1 -> 1; v2 in force Wed-Sun
    expects 3 * 5/7 = 15/7, done 2 -> 2; a v1 log on Thursday 12 March is off schedule.
    Week 2 = (1 + 2) / (2 + 15/7) = 3 / (29/7) = 21/29.
    Overall (5 + 3) / (7 + 29/7) = 8 / (78/7) = 56/78 = 28/39.
    """
    task = homework_for(cast)
    v1 = task.versions.get()
    TaskVersion.objects.filter(pk=v1.pk).update(effective_from=date(2026, 3, 2))
    v2 = tasks.revise_task(
        web(cast, "clin_a"), task.pk, {"title": "Diary", "times_per_day": "1", "days_per_week": "3"}
    )
    TaskVersion.objects.filter(pk=v2.pk).update(effective_from=date(2026, 3, 11))
    logs = [(v1, d) for d in (2, 3, 4, 5, 6, 9, 12)] + [(v2, 11), (v2, 13)]
    for version, day in logs:
        TaskCompletion.objects.create(
            task=task,
            version=version,
            day=date(2026, 3, day),
            source="portal",
            recorded_by=cast.users["patient_a"],
            logged_at=timezone.now(),
        )
    view = tasks.task_detail(web(cast, "clin_a"), task.pk)
    result = completions.adherence_of([view], date(2026, 3, 2), date(2026, 3, 15))
    first, second = result.weeks
    assert (first.expected, first.credited, first.adherence) == (7.0, 5.0, pytest.approx(5 / 7))
    assert second.expected == pytest.approx(29 / 7)
    assert second.adherence == pytest.approx(21 / 29)
    assert result.adherence == pytest.approx(28 / 39)
    assert result.outside_schedule == 1
    # The patient page's episode chart over the same weeks, "today" being Sunday 15 March.
    episode = completions.episode_adherence([view], cast.episode_a.pk, date(2026, 3, 15))
    assert episode is not None
    assert [w.week_start for w in episode.result.weeks] == [date(2026, 3, 2), date(2026, 3, 9)]
    assert episode.result.adherence == pytest.approx(28 / 39)


@pytest.mark.django_db
def test_without_the_portal_adherence_runs_to_the_last_attended_session(cast: Cast) -> None:
    """Patient A without a portal account: the clinician records the diary at sessions, so the
    period ends at the last attended session (11 March; the no-show on 13 March does not
    count), not "today" (15 March). Daily homework from 2 March, done 2-9 March:
    week 1 7 of 7, week 2 (9-11 March) 1 of 3: 8/10. To 15 March it would read 8/14."""
    cast.patient_a.account = None
    cast.patient_a.save()
    task = homework_for(cast)
    TaskVersion.objects.filter(task=task).update(effective_from=date(2026, 3, 2))
    zone = timezone.get_current_timezone()
    for day, status in ((11, "attended"), (13, "no_show")):
        make_session(cast.episode_a, datetime(2026, 3, day, 10, tzinfo=zone), status=status)
    cast.session_a.scheduled_at = datetime(2026, 3, 4, 10, tzinfo=zone)
    cast.session_a.save()
    version = task.versions.get()
    for day in range(2, 10):
        TaskCompletion.objects.create(
            task=task,
            version=version,
            day=date(2026, 3, day),
            source="clinician",
            recorded_by=cast.users["clin_a"],
            logged_at=timezone.now(),
        )
    [view] = completions.with_adherence(
        tasks.tasks_of_episodes(web(cast, "clin_a"), [cast.episode_a]), date(2026, 3, 15)
    )
    assert view.reported_through == date(2026, 3, 11)
    assert (view.adherence.period_end, view.adherence.expected) == (date(2026, 3, 11), 10.0)
    assert view.adherence.adherence == pytest.approx(8 / 10)


@pytest.mark.django_db
def test_a_programme_counts_each_exercise_at_its_own_frequency(cast: Cast) -> None:
    """Bridging 5 days a week, plank 3 days a week, both from Monday 2 March 2026; one week.
    Bridging done 6 times (capped at 5), plank twice: (5 + 2) / (5 + 3) = 7/8."""
    task = programme_for(cast)
    version = task.versions.get()
    TaskVersion.objects.filter(pk=version.pk).update(effective_from=date(2026, 3, 2))
    bridging, plank = version.exercises.order_by("position")
    for exercise, days in ((bridging, range(2, 8)), (plank, (3, 5))):
        for day in days:
            TaskCompletion.objects.create(
                task=task,
                version=version,
                exercise=exercise,
                day=date(2026, 3, day),
                source="portal",
                recorded_by=cast.users["patient_a"],
                logged_at=timezone.now(),
            )
    view = tasks.task_detail(web(cast, "clin_a"), task.pk)
    result = completions.adherence_of([view], date(2026, 3, 2), date(2026, 3, 8))
    assert (result.expected, result.completed, result.credited) == (8.0, 8, 7.0)
    assert result.adherence == pytest.approx(7 / 8)


@pytest.mark.django_db
def test_task_writes_and_reads_are_audited(cast: Cast) -> None:
    task = programme_for(cast)
    tasks.answer_task(web(cast, "patient_a"), task.pk, {"response": "agree", "confidence": "7"})
    completions.log_completion(web(cast, "patient_a"), task.pk, {})
    tasks.tasks_of_patient(web(cast, "sup_a"), cast.patient_a.pk)
    rows = [(r.action, r.object_type, r.actor_username) for r in AuditEvent.objects.order_by("id")]
    assert rows == [
        ("create", "task", "clin_a"),
        ("create", "task_version", "clin_a"),
        ("create", "task_agreement", "patient_a"),
        ("read", "task", "patient_a"),  # the log reads the task's versions first
        ("create", "task_completion", "patient_a"),
        ("list", "task", "sup_a"),
    ]
    agreement = AuditEvent.objects.get(object_type="task_agreement")
    assert agreement.detail == {
        "task_id": task.pk,
        "version": 1,
        "response": "agree",
        "confidence": 7,
        "in_session": False,
    }

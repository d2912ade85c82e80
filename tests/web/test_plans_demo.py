"""The demo clinic's shared plans: realistic, of every kind, deterministic, and the pages
show them (one build, checked from several sides, then rebuilt to compare)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from concord.web.accounts.models import User
from concord.web.audit.service import Actor
from concord.web.clinic.models import CareEpisode, CareSession, Patient
from concord.web.demo.build import build_demo_clinic
from concord.web.plans import completions, goals, tasks
from concord.web.plans.models import (
    Goal,
    GoalRating,
    GoalVersion,
    Task,
    TaskAgreement,
    TaskCompletion,
)

TODAY = date(2026, 11, 21)


def plan_snapshot() -> list[str]:
    """Every plan row's values, sorted (so the database's order of ties does not matter)."""
    rows = [
        *GoalVersion.objects.values_list(
            "goal__episode__patient__given_name",
            "goal__created_at",
            "number",
            "patient_words",
            "target",
            "state",
            "proposed_side",
        ),
        *GoalRating.objects.values_list(
            "goal__episode__patient__given_name", "score", "source", "rated_at"
        ),
        *TaskCompletion.objects.values_list(
            "task__episode__patient__given_name", "day", "task__kind", "exercise__name", "source"
        ),
        *TaskAgreement.objects.values_list(
            "version__task__episode__patient__given_name", "response", "confidence", "answered_at"
        ),
    ]
    return sorted(repr(row) for row in rows)


@pytest.mark.django_db
@pytest.mark.slow
def test_demo_plans_are_realistic_complete_shown_and_deterministic() -> None:
    build_demo_clinic(TODAY, check_mode=False)
    statuses = Counter(Goal.objects.values_list("status", flat=True))
    assert statuses["agreed"] > 50 and statuses["achieved"] >= 3 and statuses["dropped"] >= 1
    assert GoalVersion.objects.filter(number=2).count() >= 10  # revised goals keep version 1
    assert set(GoalRating.objects.values_list("source", flat=True)) == {"portal", "in_session"}
    kinds = Counter(Task.objects.values_list("kind", flat=True))
    assert kinds["exercise"] >= 10 and kinds["homework"] >= 10 and kinds["medication"] >= 10

    # Programmes are the rehabilitation team's, written by its physio- and occupational therapist.
    programmes = Task.objects.filter(kind="exercise")
    assert set(programmes.values_list("episode__team__name", flat=True)) == {"Rehabilitation team"}
    assert set(programmes.values_list("created_by__discipline", flat=True)) <= {
        "physiotherapy",
        "occupational_therapy",
    }
    assert all(v.exercises.count() >= 3 for t in programmes for v in t.versions.all())
    assert set(
        Task.objects.filter(
            kind="homework", episode__team__name="Mood and anxiety team"
        ).values_list("created_by__discipline", flat=True)
    ) <= {"psychiatry", "psychotherapy"}
    # Medicine tasks name a regimen of their own episode.
    for task in Task.objects.filter(kind="medication").prefetch_related("versions__regimen"):
        for version in task.versions.all():
            assert version.regimen is not None and version.regimen.episode_id == task.episode_id
    # Agreement and confidence on every first version; in session ones name their session.
    answers = TaskAgreement.objects.all()
    assert set(answers.values_list("response", flat=True)) == {"agree", "not_sure", "disagree"}
    assert all(0 <= a.confidence <= 10 for a in answers)
    assert not answers.filter(in_session=True, session__isnull=True).exists()
    assert not answers.filter(in_session=False).exclude(answered_by__role="patient").exists()

    # Adherence differs between patients (steady, fading, improving, sporadic...).
    staff = Actor(User.objects.get(username="lena.fischer"), "web", "")
    values = []
    for episode in CareEpisode.objects.filter(team__name="Rehabilitation team", status="active"):
        for view in completions.with_adherence(tasks.tasks_of_episodes(staff, [episode]), TODAY):
            if view.adherence and view.adherence.adherence is not None:
                values.append(view.adherence.adherence)
    assert len(values) >= 8 and min(values) < 0.5 and max(values) > 0.8

    # patient1's rich plan.
    patient1 = Patient.objects.get(account__username="patient1")
    me = Actor(patient1.account, "web", "")
    views = goals.goals_of_episodes(me, list(patient1.episodes.all()))
    by_status = Counter(v.goal.status for v in views)
    assert by_status == {"agreed": 1, "revised": 1, "achieved": 1, "proposed": 1}
    waiting = [v for v in views if v.waiting]
    assert {v.waiting.proposed_side for v in waiting} == {"clinician", "patient"}
    assert any(v.progress.category == "reliable_improvement" for v in views)
    mine = tasks.tasks_of_episodes(me, list(patient1.episodes.all()))
    assert sorted(t.task.kind for t in mine) == ["homework", "homework", "medication"]
    assert [t.current.number for t in mine if t.agreement is None] == [2]  # asked again

    # The pages show it, for the clinician and for the patient.
    lead = patient1.episodes.first().lead_clinician
    clinician = Client()
    clinician.force_login(lead)
    page = clinician.get(reverse("clinic:patient", kwargs={"patient_id": patient1.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cook a proper meal for myself twice a week" in html
    assert 'class="chart adherence-alliance"' in html and "WAI-SR" in html
    portal = Client()
    portal.force_login(patient1.account)
    # patient1's record says Spanish, so the portal is in Spanish.
    assert patient1.preferred_language == "es"
    plan_page = portal.get(reverse("plans:portal")).content.decode()
    assert "Su equipo de atención le pregunta: ¿está de acuerdo?" in plan_page

    first = plan_snapshot()
    assert len(first) > 3000
    for model in (Goal, Task, CareSession, CareEpisode, Patient):
        model.objects.all().delete()
    from concord.web.clinic.models import CareTeam, Clinic, Organisation

    for model in (CareTeam, Clinic, Organisation, User):  # type: ignore[assignment]
        model.objects.all().delete()
    build_demo_clinic(TODAY, check_mode=False)
    assert plan_snapshot() == first

"""The shared plan's pages and API with values: the patient page section (goals, tasks with
the patient's agreement and confidence, adherence beside the alliance), the clinician's forms,
the portal's one-tap log and answers, the JSON API and the FHIR Goal bundle."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concord.web.measures.models import Administration
from concord.web.plans import completions, goal_changes, goal_ratings, tasks
from concord.web.plans.models import Goal, Task, TaskCompletion, TaskVersion

from .conftest import Cast
from .plan_fixtures import agreed_goal, goal_for, homework_for, programme_for, regimen_of, web


def client_for(cast: Cast, name: str) -> Client:
    client = Client()
    client.force_login(cast.users[name])
    return client


def patient_page(cast: Cast, who: str = "clin_a") -> str:
    response = client_for(cast, who).get(
        reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk})
    )
    assert response.status_code == 200
    return response.content.decode()


def submitted_waisr(cast: Cast, total: float, session_at: timezone.datetime) -> None:
    session = cast.session_a.__class__.objects.create(
        episode=cast.episode_a, scheduled_at=session_at, status="attended"
    )
    Administration.objects.create(
        slot=f"test:{session.pk}",
        episode=cast.episode_a,
        instrument_code="waisr",
        instrument_version="1.0",
        rater="patient",
        session=session,
        due_at=session_at,
        status="submitted",
        scores={"scales": {"total": {"value": total}}},
        submitted_at=session_at + timedelta(hours=1),
    )


# ---------------------------------------------------------------- the patient page


@pytest.mark.django_db
def test_patient_page_shows_goals_tasks_agreement_and_confidence(cast: Cast) -> None:
    goal = agreed_goal(cast, "Get back to choir on Thursdays")
    goal_ratings.rate_own_goal(web(cast, "patient_a"), goal.pk, {"score": "3"})
    goal_ratings.rate_own_goal(web(cast, "patient_a"), goal.pk, {"score": "7"})
    task = homework_for(cast, goals=[str(goal.pk)])
    tasks.answer_task(
        web(cast, "patient_a"),
        task.pk,
        {"response": "not_sure", "confidence": "4", "words": "Evenings are hard."},
    )
    html = patient_page(cast)
    assert "Get back to choir on Thursdays" in html
    assert "Latest rating 7/10" in html
    assert "change +4 over 2 ratings" in html and "reliable improvement" in html
    row = html[html.index(f'data-task="{task.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "I&#x27;m not sure" in row and "Evenings are hard." in row and "4/10" in row
    assert "Add a goal" in html  # clin_a writes
    assert "Add a goal" not in patient_page(cast, "sup_a")  # the supervisor reads


@pytest.mark.django_db
def test_adherence_is_shown_beside_the_alliance_with_a_text_table(cast: Cast) -> None:
    task = homework_for(cast)
    TaskVersion.objects.filter(task=task).update(
        effective_from=timezone.localdate() - timedelta(days=14)
    )
    completions.log_completion(web(cast, "patient_a"), task.pk, {})
    submitted_waisr(cast, 4.25, timezone.now() - timedelta(hours=3))
    html = patient_page(cast)
    assert 'class="chart adherence-alliance"' in html
    assert "WAI-SR total (% of range)" in html
    table = html[html.index('class="adherence-weeks"') :]
    table = table[: table.index("</table>")]
    # This week so far: daily homework (started two weeks ago), done once today. Days of
    # this week so far d = weekday + 1, expected d (once a day), so adherence 1/d.
    days = timezone.localdate().weekday() + 1
    this_week = table[table.rindex("<tr>") :]
    assert f"<td>{round(100 / days)} %</td><td>1 / {days}.0</td>" in this_week
    assert "WAI-SR 4.25" in table


# ---------------------------------------------------------------- clinician forms


@pytest.mark.django_db
def test_goal_form_refuses_empty_words_and_saves_valid_ones(cast: Cast) -> None:
    client = client_for(cast, "clin_a")
    url = reverse("plans:goal_new", kwargs={"episode_id": cast.episode_a.pk})
    bad = client.post(url, {"patient_words": "  ", "proposer": "clinician", "agreement": "ask"})
    assert bad.status_code == 400
    assert "Write the goal in the patient&#x27;s own words." in bad.content.decode()
    assert not Goal.objects.exists()
    good = client.post(
        url, {"patient_words": "Drive again", "proposer": "clinician", "agreement": "ask"}
    )
    assert good.status_code == 302 and good["Location"].endswith(
        f"/patients/{cast.patient_a.pk}/#plan"
    )
    assert Goal.objects.get().versions.get().patient_words == "Drive again"


@pytest.mark.django_db
def test_task_form_shows_the_bad_exercise_row(cast: Cast) -> None:
    client = client_for(cast, "clin_a")
    url = reverse("plans:task_new", kwargs={"episode_id": cast.episode_a.pk, "kind": "exercise"})
    data = {
        "title": "Knee",
        "exercises-TOTAL_FORMS": "3",
        "exercises-INITIAL_FORMS": "0",
        "exercises-0-name": "Straight leg raise",
        "exercises-0-sets": "0",
        "exercises-0-repetitions": "10",
        "exercises-0-times_per_day": "2",
        "exercises-0-days_per_week": "7",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    assert not Task.objects.exists()
    response = client.post(url, {**data, "exercises-0-sets": "3"})
    assert response.status_code == 302
    assert Task.objects.get().versions.get().exercises.get().sets == 3


@pytest.mark.django_db
def test_goal_history_page_shows_who_did_what(cast: Cast) -> None:
    goal = agreed_goal(cast)
    goal_changes.revise_goal(
        web(cast, "clin_a"),
        goal.pk,
        {
            "patient_words": "Sleep six hours",
            "proposer": "clinician",
            "agreement": "agreed_in_session",
            "session": cast.session_a.pk,
        },
    )
    html = (
        client_for(cast, "sup_a")
        .get(reverse("plans:goal", kwargs={"goal_id": goal.pk}))
        .content.decode()
    )
    assert "Agreed by the patient in session, recorded by Clin A" in html
    assert "Agreed by the patient in the portal" in html
    assert html.count("Proposed by Clin A (care team)") == 2
    assert "Propose a revision" not in html  # supervisors read only


# ---------------------------------------------------------------- the portal


@pytest.mark.django_db
def test_portal_one_tap_done_today_and_the_summary(cast: Cast) -> None:
    task = programme_for(cast)
    client = client_for(cast, "patient_a")
    home = client.get(reverse("clinic:portal")).content.decode()
    assert "My plan" in home and "1 question for you to answer" in home
    assert "1 exercise or homework not marked done today" in home
    response = client.post(reverse("plans:portal_task_log", kwargs={"task_id": task.pk}))
    assert response.status_code == 302
    assert TaskCompletion.objects.filter(task=task, day=timezone.localdate()).count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "Well done! Saved as done today." in page and "Done today ✓" in page
    assert "Done today: 1 of 1" in page


@pytest.mark.django_db
def test_portal_answer_with_confidence_out_of_range_shows_the_field_again(cast: Cast) -> None:
    task = homework_for(cast)
    client = client_for(cast, "patient_a")
    url = reverse("plans:portal_task_answer", kwargs={"task_id": task.pk})
    bad = client.post(url, {"response": "agree", "confidence": "-1"})
    assert bad.status_code == 400
    assert "Choose a whole number from 0 to 10." in bad.content.decode()
    assert not task.versions.get().agreements.exists()
    good = client.post(url, {"response": "agree", "confidence": "9", "words": "Yes"})
    assert good.status_code == 302
    page = client.get(good["Location"]).content.decode()
    assert "You said: I agree. How sure you are: 9 out of 10." in page


@pytest.mark.django_db
def test_portal_goal_answer_and_rating(cast: Cast) -> None:
    goal = goal_for(cast, "Go to the gym twice a week")
    client = client_for(cast, "patient_a")
    page = client.get(reverse("plans:portal_goal", kwargs={"goal_id": goal.pk})).content.decode()
    assert "Your care team suggests" in page and "How close are you?" not in page
    client.post(
        reverse("plans:portal_goal_answer", kwargs={"goal_id": goal.pk}), {"response": "agreed"}
    )
    bad = client.post(
        reverse("plans:portal_goal_rate", kwargs={"goal_id": goal.pk}), {"score": "11"}
    )
    assert bad.status_code == 400 and "Choose a whole number from 0 to 10." in bad.content.decode()
    client.post(reverse("plans:portal_goal_rate", kwargs={"goal_id": goal.pk}), {"score": "4"})
    assert [r.score for r in goal.ratings.all()] == [4]
    new = client.post(reverse("plans:portal_goal_new"), {"patient_words": "Phone my sister weekly"})
    assert new.status_code == 302
    assert Goal.objects.filter(versions__patient_words="Phone my sister weekly").exists()


# ---------------------------------------------------------------- the API


def api(cast: Cast, name: str, method: str, path: str, body: object = None) -> tuple[int, object]:
    response = Client().generic(
        method,
        path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {cast.token(name)}"},
    )
    return response.status_code, response.json()


@pytest.mark.django_db
def test_api_goals_with_versions_ratings_and_change(cast: Cast) -> None:
    goal = agreed_goal(cast)
    goal_ratings.rate_own_goal(web(cast, "patient_a"), goal.pk, {"score": "5"})
    status, body = api(cast, "sup_a", "GET", f"/api/v1/patients/{cast.patient_a.pk}/goals")
    assert status == 200
    [out] = body  # type: ignore[misc]
    assert (out["id"], out["status"]) == (goal.pk, "agreed")
    [version] = out["versions"]
    assert (version["proposed_side"], version["proposed_by"], version["response_side"]) == (
        "clinician",
        "clin_a",
        "patient",
    )
    assert (version["response_by"], version["response"]) == ("patient_a", "agreed")
    assert [(r["score"], r["source"], r["version"]) for r in out["ratings"]] == [(5, "portal", 1)]
    assert out["progress"]["category"] == "not_enough_ratings"


@pytest.mark.django_db
def test_api_creates_tasks_with_the_page_rules(cast: Cast) -> None:
    path = f"/api/v1/episodes/{cast.episode_a.pk}/tasks"
    exercise = {
        "name": "Squat",
        "sets": 0,
        "repetitions": 8,
        "times_per_day": 1,
        "days_per_week": 3,
    }
    status, body = api(
        cast, "clin_a", "POST", path, {"kind": "exercise", "title": "Legs", "exercises": [exercise]}
    )
    assert status == 422
    assert list(body["error"]["fields"]) == ["exercises-0-sets"]  # type: ignore[index]
    other = regimen_of(cast, "b")
    status, body = api(
        cast,
        "clin_a",
        "POST",
        path,
        {"kind": "medication", "title": "Pills", "regimen_id": other.pk},
    )
    assert status == 422 and list(body["error"]["fields"]) == ["regimen"]  # type: ignore[index]
    assert not Task.objects.exists()
    status, body = api(
        cast,
        "clin_a",
        "POST",
        path,
        {"kind": "exercise", "title": "Legs", "exercises": [{**exercise, "sets": 2}]},
    )
    assert status == 201
    assert body["versions"][0]["exercises"][0]["sets"] == 2  # type: ignore[index]
    status, listed = api(cast, "colleague_a", "GET", f"/api/v1/patients/{cast.patient_a.pk}/tasks")
    assert status == 200 and [t["kind"] for t in listed] == ["exercise"]  # type: ignore[union-attr]
    assert listed[0]["adherence"]["period_start"] == timezone.localdate().isoformat()  # type: ignore[index]


@pytest.mark.django_db
def test_api_fhir_goal_bundle(cast: Cast) -> None:
    goal = agreed_goal(cast)
    for score in ("2", "6"):
        goal_ratings.rate_own_goal(web(cast, "patient_a"), goal.pk, {"score": score})
    goal_for(cast, "Swim once a week", target="25 lengths", target_date="2030-06-01")
    status, bundle = api(cast, "clin_a", "GET", f"/api/v1/patients/{cast.patient_a.pk}/goals/fhir")
    assert status == 200
    first, second = (e["resource"] for e in bundle["entry"])  # type: ignore[index]
    assert (first["lifecycleStatus"], first["description"]["text"]) == (
        "active",
        "Sleep through the night",
    )
    assert first["achievementStatus"]["coding"][0]["code"] == "improving"  # 6 - 2 = 4 >= 2.45
    assert first["expressedBy"]["reference"] == f"Practitioner/{cast.users['clin_a'].pk}"
    assert second["lifecycleStatus"] == "proposed"
    assert second["target"] == [{"detailString": "25 lengths", "dueDate": "2030-06-01"}]
    assert second["subject"] == {"reference": f"Patient/{cast.patient_a.pk}"}

"""The shared plan: every page and API operation for every person of the cast, and goals —
versions (who proposed and who agreed each), ratings and their change, bad input refused
with the field named and nothing written, the audit trail. Tasks: test_plans_tasks.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concord.web.audit.models import AuditEvent
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.models import EpisodeStatus
from concord.web.clinic.services import FormInvalid
from concord.web.plans import goal_changes, goal_ratings, goals
from concord.web.plans.models import Goal, GoalRating, GoalVersion

from .access_tables import API_ANON, CLINICIANS_A, STAFF_A, ApiTable, PageTable, statuses
from .conftest import Cast, make_session
from .plan_fixtures import (
    agreed_goal,
    goal_for,
    homework_for,
    programme_for,
    revised_goal,
    web,
)

PATIENTS_405 = {"patient_a": 405, "patient_b": 405}  # POST-only: the method check


def _goal(cast: Cast) -> dict[str, Any]:
    return {"goal_id": revised_goal(cast).pk}  # v1 agreed, v2 waiting: every page applies


def _task(cast: Cast) -> dict[str, Any]:
    return {"task_id": programme_for(cast).pk}


# Every page and API operation of this area, with the exact status for every person of the
# cast (collected by test_access_matrix).
PLANS_PAGES: PageTable = {
    "plans:goal_new": (lambda c: {"episode_id": c.episode_a.pk}, statuses(404, **CLINICIANS_A)),
    "plans:goal": (_goal, statuses(404, **STAFF_A)),
    "plans:goal_revise": (_goal, statuses(404, **CLINICIANS_A)),
    "plans:goal_respond": (_goal, statuses(404, **CLINICIANS_A)),
    "plans:goal_close": (_goal, statuses(404, **CLINICIANS_A)),
    "plans:goal_rate": (_goal, statuses(404, **CLINICIANS_A)),
    "plans:task_new": (
        lambda c: {"episode_id": c.episode_a.pk, "kind": "exercise"},
        statuses(404, **CLINICIANS_A),
    ),
    "plans:task": (_task, statuses(404, **STAFF_A)),
    "plans:task_revise": (_task, statuses(404, **CLINICIANS_A)),
    "plans:task_end": (_task, statuses(404, **CLINICIANS_A)),
    "plans:task_answer": (_task, statuses(404, **CLINICIANS_A)),
    "plans:task_log": (_task, statuses(404, **CLINICIANS_A)),
    "plans:portal": (lambda c: {}, statuses(404, patient_a=200, patient_b=200)),
    "plans:portal_goal_new": (lambda c: {}, statuses(404, patient_a=200, patient_b=200)),
    "plans:portal_goal": (_goal, statuses(404, patient_a=200)),
    "plans:portal_goal_answer": (_goal, statuses(404, **PATIENTS_405)),
    "plans:portal_goal_rate": (_goal, statuses(404, **PATIENTS_405)),
    "plans:portal_task": (_task, statuses(404, patient_a=200)),
    "plans:portal_task_answer": (_task, statuses(404, **PATIENTS_405)),
    "plans:portal_task_log": (_task, statuses(404, **PATIENTS_405)),
}

WRITE_API = {"clin_a": 201, "colleague_a": 201, "sup_a": 403}
PLANS_API: ApiTable = {
    ("GET", "/api/v1/patients/{p}/goals"): (None, statuses(404, anonymous=API_ANON, **STAFF_A)),
    ("GET", "/api/v1/patients/{p}/goals/fhir"): (
        None,
        statuses(404, anonymous=API_ANON, **STAFF_A),
    ),
    ("GET", "/api/v1/patients/{p}/tasks"): (None, statuses(404, anonymous=API_ANON, **STAFF_A)),
    ("POST", "/api/v1/episodes/{e}/goals"): (
        {"patient_words": "Go back to work part-time", "proposer": "clinician"},
        statuses(404, anonymous=API_ANON, **WRITE_API),
    ),
    ("POST", "/api/v1/episodes/{e}/tasks"): (
        {"kind": "homework", "title": "Thought record", "times_per_day": 1, "days_per_week": 3},
        statuses(404, anonymous=API_ANON, **WRITE_API),
    ),
}


def client_for(cast: Cast, name: str) -> Client:
    client = Client()
    if name != "anonymous":
        client.force_login(cast.users[name])
    return client


def audit_rows(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("id"))


# ---------------------------------------------------------------- access beyond the tables


@pytest.mark.django_db
def test_posting_to_another_patients_goal_or_task_is_404_and_writes_nothing(cast: Cast) -> None:
    goal = goal_for(cast)
    task = homework_for(cast)
    other = client_for(cast, "patient_b")
    posts = [
        ("plans:portal_goal_answer", {"goal_id": goal.pk}, {"response": "agreed"}),
        ("plans:portal_goal_rate", {"goal_id": goal.pk}, {"score": "5"}),
        (
            "plans:portal_task_answer",
            {"task_id": task.pk},
            {"response": "agree", "confidence": "7"},
        ),
        ("plans:portal_task_log", {"task_id": task.pk}, {}),
    ]
    for name, kwargs, data in posts:
        assert other.post(reverse(name, kwargs=kwargs), data).status_code == 404, name
    assert GoalVersion.objects.get(goal=goal).state == "proposed"
    assert not GoalRating.objects.exists()
    assert not task.versions.get().agreements.exists()
    assert not task.completions.exists()


@pytest.mark.django_db
def test_other_teams_goal_is_404_like_a_missing_one(cast: Cast) -> None:
    goal = goal_for(cast)
    client = client_for(cast, "clin_b")
    other = client.get(reverse("plans:goal", kwargs={"goal_id": goal.pk}))
    missing = client.get(reverse("plans:goal", kwargs={"goal_id": 999999}))
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content


@pytest.mark.django_db
def test_supervisor_reads_but_does_not_write(cast: Cast) -> None:
    goal = goal_for(cast)
    supervisor = web(cast, "sup_a")
    assert goals.goal_detail(supervisor, goal.pk).current.patient_words == "Sleep through the night"
    with pytest.raises(NotAllowed):
        goal_changes.propose_goal(supervisor, cast.episode_a.pk, {"patient_words": "x"})
    with pytest.raises(NotAllowed):
        goal_changes.close_goal(supervisor, goal.pk, {"outcome": "achieved"})
    with pytest.raises(NotFound):
        goals.goal_detail(web(cast, "sup_b"), goal.pk)
    assert Goal.objects.count() == 1


# ---------------------------------------------------------------- versions: who did what


@pytest.mark.django_db
def test_clinician_proposes_and_the_patient_agrees_in_the_portal(cast: Cast) -> None:
    goal = goal_for(cast, target="Asleep by 23:00 five nights a week")
    assert goal.status == "proposed"
    version = goal_changes.answer_goal(
        web(cast, "patient_a"), goal.pk, {"response": "agreed", "words": "Yes, that's it."}
    )
    goal.refresh_from_db()
    assert goal.status == "agreed"
    assert (version.number, version.state, version.response) == (1, "agreed", "agreed")
    assert (version.proposed_side, version.proposed_by, version.proposed_in_session) == (
        "clinician",
        cast.users["clin_a"],
        False,
    )
    assert (version.response_side, version.response_by, version.response_in_session) == (
        "patient",
        cast.users["patient_a"],
        False,
    )
    assert version.response_words == "Yes, that's it."


@pytest.mark.django_db
def test_revision_keeps_the_old_version_and_who_did_each(cast: Cast) -> None:
    goal = revised_goal(cast)  # v1: clin_a proposed, patient agreed; v2 waiting
    assert goal.status == "revised"
    view = goals.goal_detail(web(cast, "clin_a"), goal.pk)
    assert [v.number for v in view.versions] == [1, 2]
    assert view.in_force.number == 1  # the agreed version stays in force meanwhile
    assert view.waiting.number == 2
    session = make_session(cast.episode_a, timezone.now() - timedelta(hours=1))
    # The patient agrees in session; colleague_a records it.
    goal_changes.respond_to_goal(
        web(cast, "colleague_a"),
        goal.pk,
        {"response": "agreed", "words": "Six hours is realistic.", "session": session.pk},
    )
    v1, v2 = GoalVersion.objects.filter(goal=goal).order_by("number")
    assert v1.patient_words == "Sleep through the night"  # never overwritten
    assert (v1.state, v1.response, v1.response_side, v1.response_by) == (
        "superseded",
        "agreed",
        "patient",
        cast.users["patient_a"],
    )
    assert v2.patient_words == "Sleep six hours most nights"
    assert (v2.state, v2.proposed_side, v2.proposed_by) == (
        "agreed",
        "clinician",
        cast.users["clin_a"],
    )
    assert (v2.response_side, v2.response_by, v2.response_in_session, v2.session) == (
        "patient",
        cast.users["colleague_a"],
        True,
        session,
    )
    goal.refresh_from_db()
    assert goal.status == "agreed"


@pytest.mark.django_db
def test_patient_proposes_in_the_portal_and_the_care_team_agrees(cast: Cast) -> None:
    goal = goal_changes.propose_own_goal(
        web(cast, "patient_a"),
        {"patient_words": "  Walk my dog again  ", "why_it_matters": "She misses it."},
    )
    assert goal.episode == cast.episode_a
    version = goal.versions.get()
    assert (version.patient_words, version.proposed_side, version.proposed_by) == (
        "Walk my dog again",
        "patient",
        cast.users["patient_a"],
    )
    # The patient cannot agree to their own proposal.
    with pytest.raises(FormInvalid) as refused:
        goal_changes.answer_goal(web(cast, "patient_a"), goal.pk, {"response": "agreed"})
    assert list(refused.value.errors) == ["version"]
    # A clinician answers for the care team: no session needed (their own act).
    version = goal_changes.respond_to_goal(
        web(cast, "colleague_a"), goal.pk, {"response": "agreed"}
    )
    assert (version.response_side, version.response_by, version.response_in_session) == (
        "clinician",
        cast.users["colleague_a"],
        False,
    )


@pytest.mark.django_db
def test_goal_set_together_in_session_records_both_acts(cast: Cast) -> None:
    session = make_session(cast.episode_a, timezone.now() - timedelta(minutes=30))
    data = {
        "patient_words": "Feel less on edge at work",
        "proposer": "patient_in_session",
        "agreement": "agreed_in_session",
        "session": session.pk,
    }
    goal = goal_changes.propose_goal(web(cast, "clin_a"), cast.episode_a.pk, data)
    version = goal.versions.get()
    assert goal.status == "agreed"
    # The patient's proposal recorded by clin_a in session; clin_a's own agreement.
    assert (version.proposed_side, version.proposed_in_session, version.proposed_by) == (
        "patient",
        True,
        cast.users["clin_a"],
    )
    assert (version.response_side, version.response_in_session, version.response_by) == (
        "clinician",
        False,
        cast.users["clin_a"],
    )
    # Clinician proposes, the patient agrees in session: the agreement is the patient's.
    data = {**data, "proposer": "clinician", "patient_words": "Cut down to 2 coffees"}
    version = goal_changes.propose_goal(web(cast, "clin_a"), cast.episode_a.pk, data).versions.get()
    assert (version.proposed_side, version.response_side, version.response_in_session) == (
        "clinician",
        "patient",
        True,
    )


@pytest.mark.django_db
def test_in_session_acts_need_a_session_of_this_episode(cast: Cast) -> None:
    data = {"patient_words": "x", "proposer": "patient_in_session", "agreement": "ask"}
    with pytest.raises(FormInvalid) as refused:
        goal_changes.propose_goal(web(cast, "clin_a"), cast.episode_a.pk, data)
    assert list(refused.value.errors) == ["session"]
    with pytest.raises(FormInvalid) as refused:
        goal_changes.propose_goal(
            web(cast, "clin_a"), cast.episode_a.pk, {**data, "session": cast.session_b.pk}
        )
    assert list(refused.value.errors) == ["session"]
    assert not Goal.objects.exists()


@pytest.mark.django_db
def test_a_new_version_replaces_a_waiting_one_and_the_patient_may_decline(cast: Cast) -> None:
    goal = goal_for(cast)
    clinician = web(cast, "clin_a")
    declined = goal_changes.answer_goal(
        web(cast, "patient_a"), goal.pk, {"response": "not_agreed", "words": "Too much at once."}
    )
    assert (declined.state, declined.response) == ("not_agreed", "not_agreed")
    goal.refresh_from_db()
    assert goal.status == "proposed"  # never agreed
    goal_changes.revise_goal(
        clinician,
        goal.pk,
        {"patient_words": "Sleep better", "proposer": "clinician", "agreement": "ask"},
    )
    goal_changes.revise_goal(
        clinician,
        goal.pk,
        {"patient_words": "Sleep better on weekdays", "proposer": "clinician", "agreement": "ask"},
    )
    states = list(
        GoalVersion.objects.filter(goal=goal).order_by("number").values_list("state", flat=True)
    )
    assert states == ["not_agreed", "superseded", "proposed"]


@pytest.mark.django_db
def test_closed_goals_are_read_only(cast: Cast) -> None:
    goal = agreed_goal(cast)
    clinician = web(cast, "clin_a")
    with pytest.raises(FormInvalid) as refused:
        goal_changes.close_goal(clinician, goal.pk, {"outcome": "dropped"})
    assert list(refused.value.errors) == ["note"]  # why it is dropped
    goal_changes.close_goal(clinician, goal.pk, {"outcome": "achieved", "note": "Sleeping 7 h."})
    goal.refresh_from_db()
    assert (goal.status, goal.closed_by, goal.closed_note) == (
        "achieved",
        cast.users["clin_a"],
        "Sleeping 7 h.",
    )
    for call in (
        lambda: goal_changes.revise_goal(
            clinician, goal.pk, {"patient_words": "y", "proposer": "clinician", "agreement": "ask"}
        ),
        lambda: goal_ratings.rate_own_goal(web(cast, "patient_a"), goal.pk, {"score": "8"}),
        lambda: goal_changes.close_goal(clinician, goal.pk, {"outcome": "dropped", "note": "n"}),
    ):
        with pytest.raises(FormInvalid) as refused:
            call()
        assert list(refused.value.errors) == ["goal"]
    assert GoalVersion.objects.filter(goal=goal).count() == 1
    assert not GoalRating.objects.exists()


@pytest.mark.django_db
def test_an_ended_episode_takes_no_new_goals(cast: Cast) -> None:
    cast.episode_a.status = EpisodeStatus.ENDED
    cast.episode_a.ended_on = timezone.localdate()
    cast.episode_a.save()
    with pytest.raises(FormInvalid) as refused:
        goal_for(cast)
    assert list(refused.value.errors) == ["episode"]
    with pytest.raises(FormInvalid) as refused:
        goal_changes.propose_own_goal(web(cast, "patient_a"), {"patient_words": "x"})
    assert list(refused.value.errors) == ["episode"]
    assert not Goal.objects.exists()


# ---------------------------------------------------------------- ratings


@pytest.mark.django_db
def test_portal_rating_links_to_the_latest_session_and_change_is_last_minus_first(
    cast: Cast,
) -> None:
    goal = agreed_goal(cast)
    patient = web(cast, "patient_a")
    recent = make_session(cast.episode_a, timezone.now() - timedelta(days=2))
    make_session(cast.episode_a, timezone.now() + timedelta(days=3), status="scheduled")
    first = goal_ratings.rate_own_goal(patient, goal.pk, {"score": "2", "note": "Bad week."})
    assert (first.score, first.source, first.session, first.recorded_by) == (
        2,
        "portal",
        recent,  # the latest session within 7 days, not the next one
        cast.users["patient_a"],
    )
    assert first.version.number == 1
    goal_ratings.rate_own_goal(patient, goal.pk, {"score": "3"})
    goal_ratings.rate_own_goal(patient, goal.pk, {"score": "6"})
    progress = goals.goal_detail(web(cast, "clin_a"), goal.pk).progress
    # 6 - 2 = 4 >= 2.45: a reliable improvement.
    assert (progress.first, progress.last, progress.change, progress.category) == (
        2.0,
        6.0,
        4.0,
        "reliable_improvement",
    )


@pytest.mark.django_db
def test_without_a_session_nearby_a_portal_rating_has_none(cast: Cast) -> None:
    goal = agreed_goal(cast)  # session_a is 7 days ago; move it out of the window
    cast.session_a.scheduled_at = timezone.now() - timedelta(days=9)
    cast.session_a.save()
    rating = goal_ratings.rate_own_goal(web(cast, "patient_a"), goal.pk, {"score": "5"})
    assert rating.session is None


@pytest.mark.django_db
def test_clinician_records_the_patients_rating_said_in_session(cast: Cast) -> None:
    goal = agreed_goal(cast)
    rating = goal_ratings.record_rating(
        web(cast, "colleague_a"), goal.pk, {"score": "7", "session": cast.session_a.pk}
    )
    assert (rating.score, rating.source, rating.recorded_by, rating.session) == (
        7,
        "in_session",
        cast.users["colleague_a"],
        cast.session_a,
    )
    assert rating.rated_at == cast.session_a.scheduled_at


@pytest.mark.django_db
@pytest.mark.parametrize("score", ["11", "-1", "7.5", "", "ten"])
def test_rating_out_of_range_is_refused_with_the_field_and_nothing_written(
    cast: Cast, score: str
) -> None:
    goal = agreed_goal(cast)
    with pytest.raises(FormInvalid) as refused:
        goal_ratings.rate_own_goal(web(cast, "patient_a"), goal.pk, {"score": score})
    assert list(refused.value.errors) == ["score"]
    with pytest.raises(FormInvalid) as refused:
        goal_ratings.record_rating(
            web(cast, "clin_a"), goal.pk, {"score": score, "session": cast.session_a.pk}
        )
    assert list(refused.value.errors) == ["score"]
    assert not GoalRating.objects.exists()
    assert not audit_rows("goal_rating")


@pytest.mark.django_db
def test_only_agreed_goals_are_rated_and_sessions_of_another_episode_refused(cast: Cast) -> None:
    goal = goal_for(cast)  # not agreed yet
    with pytest.raises(FormInvalid) as refused:
        goal_ratings.rate_own_goal(web(cast, "patient_a"), goal.pk, {"score": "4"})
    assert list(refused.value.errors) == ["goal"]
    goal_changes.answer_goal(web(cast, "patient_a"), goal.pk, {"response": "agreed"})
    with pytest.raises(FormInvalid) as refused:
        goal_ratings.record_rating(
            web(cast, "clin_a"), goal.pk, {"score": "4", "session": cast.session_b.pk}
        )
    assert list(refused.value.errors) == ["session"]
    with pytest.raises(NotFound):  # patient B cannot rate A's goal
        goal_ratings.rate_own_goal(web(cast, "patient_b"), goal.pk, {"score": "4"})
    assert not GoalRating.objects.exists()


# ---------------------------------------------------------------- the read for others


@pytest.mark.django_db
def test_current_goals_with_latest_rating_and_its_own_access_check(cast: Cast) -> None:
    agreed = agreed_goal(cast, "Cook dinner twice a week")
    goal_ratings.rate_own_goal(web(cast, "patient_a"), agreed.pk, {"score": "4"})
    goal_ratings.rate_own_goal(web(cast, "patient_a"), agreed.pk, {"score": "6"})
    goal_for(cast, "Not agreed yet")  # only agreed goals are current
    for reader in ("clin_a", "sup_a", "patient_a"):
        rows = goals.current_goals(web(cast, reader), cast.patient_a.pk)
        assert [(r.patient_words, r.latest_score) for r in rows] == [
            ("Cook dinner twice a week", 6)
        ]
    for outsider in ("clin_b", "sup_b", "patient_b", "observer_a", "admin", "supporter"):
        with pytest.raises(NotFound):
            goals.current_goals(web(cast, outsider), cast.patient_a.pk)
    read = [r for r in audit_rows("goal") if "current" in r.detail]
    assert [(r.actor_username, r.detail, r.patient_ids) for r in read] == [
        (name, {"current": [agreed.pk]}, [cast.patient_a.pk])
        for name in ("clin_a", "sup_a", "patient_a")
    ]


# ---------------------------------------------------------------- the audit trail


@pytest.mark.django_db
def test_every_goal_write_and_read_is_audited(cast: Cast) -> None:
    goal = revised_goal(cast)
    goal_changes.answer_goal(web(cast, "patient_a"), goal.pk, {"response": "agreed"})
    goal_ratings.rate_own_goal(web(cast, "patient_a"), goal.pk, {"score": "5"})
    goals.goal_detail(web(cast, "sup_a"), goal.pk)
    rows = [(r.action, r.object_type, r.actor_username) for r in AuditEvent.objects.order_by("id")]
    assert rows == [
        ("create", "goal", "clin_a"),
        ("create", "goal_version", "clin_a"),
        ("update", "goal_version", "patient_a"),  # agrees to v1
        ("create", "goal_version", "clin_a"),  # v2
        ("update", "goal_version", "patient_a"),  # agrees to v2
        ("create", "goal_rating", "patient_a"),
        ("read", "goal", "sup_a"),
    ]
    assert {tuple(r.patient_ids) for r in AuditEvent.objects.all()} == {(cast.patient_a.pk,)}
    v2 = AuditEvent.objects.filter(object_type="goal_version").order_by("id")[2]
    assert v2.detail == {
        "goal_id": goal.pk,
        "version": 2,
        "state": "proposed",
        "proposed_side": "clinician",
        "proposed_in_session": False,
    }
    # Free text (the patient's words) stays out of the trail.
    assert "Sleep" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))

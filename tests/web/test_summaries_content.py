"""What an after-visit summary says: the exact lines of a hand-built visit, the session window,
the patient's language, and the readability check."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from concord.analytics.readability import assess_readability
from concord.web.clinic.models import CareSession, Modality, SessionStatus
from concord.web.materials import (
    summaries,
    summary_content,
    summary_plan_sentences,
    summary_sentences,
    summary_sharing,
    summary_words,
)
from concord.web.materials.summary_content import summary_blocks, summary_text
from concord.web.materials.summary_window import summary_language, window_for
from concord.web.measures.models import ClinicCrisisText
from concord.web.medications.models import MedicationRegimen
from concord.web.plans import goal_changes, goal_ratings, tasks
from concord.web.plans.models import GoalRating, GoalVersion, Task, TaskVersion

from .conftest import Cast, make_session
from .summary_fixtures import long_date, record_visit, short_date, visit_session, web

# The summary of the hand-built visit (summary_fixtures.record_visit), line by line: every
# title, sentence, heading and detail as the patient reads it, in order.


def expected_lines(cast: Cast, visit: Any) -> list[str]:
    today = timezone.localtime(visit.session.scheduled_at).date()
    return [
        f"Your visit on {short_date(today)}",
        "You saw Clin A in person.",
        "Here is what we talked about and what we agreed.",
        "What we talked about",
        "Your goal: “Sleep through the night”",
        "This is a new goal. We both agreed to it.",
        "You rated your progress 6 out of 10.",
        "Last time it was 4 out of 10.",  # rated at the previous visit, a week ago
        f"Aim: 6 hours of sleep on 5 nights a week, by {short_date(visit.goal_target_date)}.",
        "What we agreed to do",
        "Back programme",
        "This is new.",
        "Bridging: 3 sets of 10, once a day, 5 days a week.",
        "Plank: 2 sets, hold for 20 seconds, once a day, 3 days a week.",
        "Slowly.",
        "You said you agree.",
        "How sure you feel: 7 out of 10.",
        "Decisions we made",
        "Should I start an antidepressant now, or wait and try therapy alone first?",
        "We decided: Start sertraline.",
        "What matters most to you: “Being able to work and sleep again.”",
        f"We will look at it again on {short_date(visit.revisit_on)}.",
        "What makes things hard, and what we will do",
        "I forget: “I forget the evening dose”",
        "A plan to help you remember: Set an alarm on your phone for 9 pm.",
        f"You will do this. We will check on it by {short_date(visit.action_follow_up)}.",
        "Your next appointment",
        f"{long_date(timezone.localdate() + timedelta(days=7))} at 10:00, by video.",
        "With Clin A.",
        "It takes about 30 minutes.",
        "Who to contact",
        "Your care team: Team A, Test clinic.",
        "Your main contact is Clin A.",
        "Ask them about anything in this summary that is not clear.",
        "If things get worse",
        "If you feel much worse, or you think about hurting yourself, get help now.",
        "Call your local emergency number, or go to the nearest emergency department.",
        "If it is not an emergency, contact your care team.",
    ]


@pytest.mark.django_db
def test_the_summary_of_a_hand_built_visit_line_by_line(cast: Cast) -> None:
    visit = record_visit(cast)
    draft = summary_sharing.generate(web(cast, "clin_a"), visit.session.pk)
    assert summary_blocks(draft.content) == expected_lines(cast, visit)
    assert [s["key"] for s in draft.content["sections"]] == [
        "goals",
        "tasks",
        "decisions",
        "barriers",
        "next",
        "contact",
        "worse",
    ]
    assert (draft.language, draft.preferred_language, draft.content["language_note"]) == (
        "en",
        "en",
        "",
    )
    # Shared with a note: the note comes after what the visit covered, under the sharer's name.
    shared = summary_sharing.share(
        web(cast, "colleague_a"), draft.pk, {"note": "You did well today."}
    )
    lines = expected_lines(cast, visit)
    at = lines.index("Your next appointment")
    assert summary_blocks(shared.content) == [
        *lines[:at],
        "A note from Colleague A",
        "You did well today.",
        *lines[at:],
    ]
    assert shared.text == "\n\n".join(summary_blocks(shared.content))


@pytest.mark.django_db
def test_the_readability_of_a_generated_english_summary(cast: Cast) -> None:
    visit = record_visit(cast)
    draft = summary_sharing.generate(web(cast, "clin_a"), visit.session.pk)
    shared = summary_sharing.share(web(cast, "clin_a"), draft.pk, {"note": "You did well today."})
    check = assess_readability(shared.text, "en")
    assert check.status == "scored" and check.result is not None
    # Stored with the shared text, exactly as the analytics core scores the same text.
    assert (shared.reading_ease, shared.grade_level) == (
        check.result.reading_ease,
        check.result.grade_level,
    )
    assert (shared.words, shared.sentences, shared.syllables) == (
        check.result.counts.words,
        check.result.counts.sentences,
        check.result.counts.syllables,
    )
    # The plain-language targets: reading ease 60 or more, grade 8 or lower.
    assert shared.reading_ease >= 60 and shared.grade_level <= 8
    assert check.result.meets_targets
    # The clinician sees the same scores on the review page (one decimal) before sharing.
    second = summary_sharing.generate(web(cast, "clin_a"), visit.session.pk)
    page = Client()
    page.force_login(cast.users["clin_a"])
    html = page.get(
        reverse("materials:summary_session", kwargs={"session_id": visit.session.pk})
    ).content.decode()
    draft_check = assess_readability(summary_text(second.content), "en")
    assert draft_check.result is not None
    assert f"{draft_check.result.reading_ease:.1f}" in html
    assert f"{draft_check.result.grade_level:.1f}" in html
    assert html.count("meets the target") == 2


@pytest.mark.django_db
def test_an_untranslated_language_gets_english_with_a_note_and_the_interpreter_flag(
    cast: Cast,
) -> None:
    cast.patient_a.preferred_language = "so"
    cast.patient_a.interpreter_needed = True
    cast.patient_a.save()
    visit = record_visit(cast)
    draft = summary_sharing.generate(web(cast, "clin_a"), visit.session.pk)
    assert (draft.language, draft.preferred_language) == ("en", "so")
    assert draft.content["language_note"] == (
        "This summary is in English because it is not available in Soomaali yet. Ask your care "
        "team if you would like help to read it, or an interpreter."
    )
    assert summary_blocks(draft.content)[3] == draft.content["language_note"]
    assert summary_blocks(draft.content)[4:] == expected_lines(cast, visit)[3:]
    client = Client()
    client.force_login(cast.users["clin_a"])
    html = client.get(
        reverse("materials:summary_session", kwargs={"session_id": visit.session.pk})
    ).content.decode()
    assert "⚠ interpreter needed" in html
    assert (
        "Concord has no Soomaali translation yet, so the summary is in English, with a note "
        "saying so." in html
    )
    # English, so it is scored.
    assert summaries.check_of(draft.content, draft.language).status == "scored"


@pytest.mark.django_db
def test_a_translated_language_renders_every_fixed_sentence_through_gettext_in_it(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spanish (``es-MX`` → ``es``): each fixed sentence goes through gettext while Spanish is
    active; the patient's and the team's own words are inserted as written. The catalogue
    itself is written later, so gettext is replaced here by one that marks the language."""

    def marked(message: str) -> str:
        return f"[{translation.get_language()}] {message}"

    def marked_plural(singular: str, plural: str, n: int) -> str:
        return marked(singular if n == 1 else plural)

    for module in (summary_words, summary_plan_sentences, summary_sentences, summary_content):
        monkeypatch.setattr(module, "_", marked)
    for module in (summary_words, summary_plan_sentences, summary_sentences):
        monkeypatch.setattr(module, "ngettext", marked_plural)
    cast.patient_a.preferred_language = "es-MX"
    cast.patient_a.save()
    visit = record_visit(cast)
    draft = summary_sharing.generate(web(cast, "clin_a"), visit.session.pk)
    assert (draft.language, draft.content["language_note"]) == ("es", "")
    lines = summary_blocks(draft.content)
    assert lines[4] == "[es] Your goal: “Sleep through the night”"
    assert "[es] What we agreed to do" in lines
    assert "Back programme" in lines  # the task's name, as the team wrote it
    assert "Slowly." in lines  # its instructions
    assert "Should I start an antidepressant now, or wait and try therapy alone first?" in lines
    [bridging] = [line for line in lines if "Bridging" in line]
    assert bridging == "[es] Bridging: [es] [es] 3 sets of 10, [es] once a day, [es] 5 days a week."
    unmarked = [
        line
        for line in lines
        if not line.startswith("[es]")
        and line not in ("Back programme", "Slowly.")
        and not line.startswith("Should I start")
    ]
    assert unmarked == []
    # No automatic readability check for Spanish.
    assert summaries.check_of(draft.content, "es").status == "unsupported_language"


@pytest.mark.django_db
def test_spanish_is_checked_by_nobody_and_the_page_says_so(cast: Cast) -> None:
    cast.patient_a.preferred_language = "es"
    cast.patient_a.save()
    visit = record_visit(cast)
    draft = summary_sharing.generate(web(cast, "clin_a"), visit.session.pk)
    shared = summary_sharing.share(web(cast, "clin_a"), draft.pk, {"note": ""})
    assert (shared.language, shared.reading_ease, shared.grade_level) == ("es", None, None)
    client = Client()
    client.force_login(cast.users["clin_a"])
    html = client.get(
        reverse("materials:summary_revision", kwargs={"revision_id": shared.pk})
    ).content.decode()
    assert "No automatic check for this language" in html
    assert '<article class="visit-summary" lang="es" dir="ltr">' in html


@pytest.mark.parametrize(
    ("preferred", "code", "translated"),
    [
        ("en", "en", True),
        ("es", "es", True),
        ("es-MX", "es", True),
        ("so", "en", False),
        ("pl", "en", False),
        ("", "en", True),
    ],
)
def test_the_summary_language(preferred: str, code: str, translated: bool) -> None:
    language = summary_language(preferred)
    assert (language.code, language.translated) == (code, translated)


# ---------------------------------------------------------------- the session window


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.mark.django_db
def test_the_window_runs_from_the_start_of_the_day_to_the_generation(cast: Cast) -> None:
    day = date(2026, 3, 10)
    previous = CareSession(
        pk=1, episode=cast.episode_a, scheduled_at=local(date(2026, 3, 3), 14), status="attended"
    )
    visit = CareSession(
        pk=2, episode=cast.episode_a, scheduled_at=local(day, 14), status="attended"
    )
    later = CareSession(
        pk=3, episode=cast.episode_a, scheduled_at=local(date(2026, 3, 17), 14), status="attended"
    )
    generated = local(day, 16, 30)
    window = window_for(visit, [previous, visit, later], generated)
    assert (window.start, window.end, window.tasks_from) == (
        local(day, 0),  # 00:00 on the day of the visit
        generated,
        local(date(2026, 3, 3), 0),  # tasks: 00:00 on the day of the previous visit
    )
    assert window.contains(local(day, 0)) and window.contains(generated)
    assert not window.contains(local(day, 0) - timedelta(microseconds=1))
    assert not window.contains(generated + timedelta(seconds=1))
    assert window.contains_for_tasks(local(date(2026, 3, 3), 14, 30))
    assert not window.contains_for_tasks(local(date(2026, 3, 2), 23, 59))
    # Generated after the next visit: the window stops where that visit starts.
    late = window_for(visit, [previous, visit, later], local(date(2026, 3, 20), 9))
    assert late.end == later.scheduled_at
    assert late.contains(later.scheduled_at - timedelta(seconds=1))
    assert not late.contains(later.scheduled_at)


@pytest.mark.django_db
def test_two_visits_on_one_day_split_the_day(cast: Cast) -> None:
    day = date(2026, 3, 10)
    morning = CareSession(
        pk=1,
        episode=cast.episode_a,
        scheduled_at=local(day, 9),
        duration_minutes=50,
        status="attended",
    )
    afternoon = CareSession(
        pk=2, episode=cast.episode_a, scheduled_at=local(day, 15), status="attended"
    )
    window = window_for(afternoon, [morning, afternoon], local(day, 17))
    assert window.start == local(day, 9, 50)  # the end of the morning visit
    first = window_for(morning, [morning, afternoon], local(day, 17))
    assert (first.start, first.end) == (local(day, 0), local(day, 15))


@pytest.mark.django_db
def test_without_a_previous_visit_tasks_count_from_the_start_of_the_episode(cast: Cast) -> None:
    started = cast.episode_a.started_on
    visit = CareSession(
        pk=5,
        episode=cast.episode_a,
        scheduled_at=local(started + timedelta(days=14), 14),
        status="attended",
    )
    no_show = CareSession(
        pk=4,
        episode=cast.episode_a,
        scheduled_at=local(started + timedelta(days=7), 14),
        status="no_show",
    )
    window = window_for(visit, [no_show, visit], local(started + timedelta(days=14), 15))
    assert window.previous is None  # a missed session is not a visit
    assert window.tasks_from == local(started, 0)


def shift(rows: Any, field: str, delta: timedelta) -> None:
    for row in rows:
        rows.model.objects.filter(pk=row.pk).update(**{field: getattr(row, field) - delta})


@pytest.mark.django_db
def test_only_goals_talked_about_at_the_visit_are_listed(cast: Cast) -> None:
    clinician = web(cast, "clin_a")
    older = goal_changes.propose_goal(
        clinician,
        cast.episode_a.pk,
        {"patient_words": "Walk to the shop", "proposer": "clinician", "agreement": "ask"},
    )
    goal_changes.answer_goal(web(cast, "patient_a"), older.pk, {"response": "agreed"})
    untouched = goal_changes.propose_goal(
        clinician,
        cast.episode_a.pk,
        {"patient_words": "Call my sister weekly", "proposer": "clinician", "agreement": "ask"},
    )
    goal_changes.answer_goal(web(cast, "patient_a"), untouched.pk, {"response": "agreed"})
    # Both goals were set ten days ago.
    shift(GoalVersion.objects.all(), "proposed_at", timedelta(days=10))
    shift(GoalVersion.objects.all(), "response_at", timedelta(days=10))
    visit = visit_session(cast)
    # At the visit: the first goal is reworded and agreed in session; the second not touched.
    goal_changes.revise_goal(
        clinician,
        older.pk,
        {
            "patient_words": "Walk to the shop and back without a rest",
            "proposer": "clinician",
            "agreement": "agreed_in_session",
            "session": str(visit.pk),
        },
    )
    draft = summary_sharing.generate(clinician, visit.pk)
    [goals] = [s for s in draft.content["sections"] if s["key"] == "goals"]
    assert goals["items"] == [
        {
            "text": "Your goal: “Walk to the shop and back without a rest”",
            "details": [
                "We changed the words of this goal.",
                "Before, it was: “Walk to the shop”",
            ],
        }
    ]


@pytest.mark.django_db
def test_a_new_aim_agreed_and_a_change_waiting_for_the_patient(cast: Cast) -> None:
    clinician = web(cast, "clin_a")
    goals = []
    for words in ("Walk to the shop", "Sleep through the night"):
        goal = goal_changes.propose_goal(
            clinician,
            cast.episode_a.pk,
            {
                "patient_words": words,
                "target": "Twice a week",
                "proposer": "clinician",
                "agreement": "ask",
            },
        )
        goal_changes.answer_goal(web(cast, "patient_a"), goal.pk, {"response": "agreed"})
        goals.append(goal)
    shift(GoalVersion.objects.all(), "proposed_at", timedelta(days=10))
    shift(GoalVersion.objects.all(), "response_at", timedelta(days=10))
    visit = visit_session(cast)
    goal_changes.revise_goal(  # the same words, a new aim, agreed in session
        clinician,
        goals[0].pk,
        {
            "patient_words": "Walk to the shop",
            "target": "Four times a week",
            "proposer": "clinician",
            "agreement": "agreed_in_session",
            "session": str(visit.pk),
        },
    )
    goal_changes.revise_goal(  # new words and aim, for the patient to answer in the portal
        clinician,
        goals[1].pk,
        {
            "patient_words": "Sleep six hours most nights",
            "target": "Five nights a week",
            "proposer": "clinician",
            "agreement": "ask",
        },
    )
    draft = summary_sharing.generate(clinician, visit.pk)
    [section] = [s for s in draft.content["sections"] if s["key"] == "goals"]
    assert section["items"] == [
        {
            "text": "Your goal: “Walk to the shop”",
            "details": ["We changed the aim of this goal.", "Aim: Four times a week."],
        },
        {
            "text": "Your goal: “Sleep through the night”",  # still the agreed words
            "details": [
                "We suggested a change to this goal. Tell us if you agree.",
                "Aim: Twice a week.",
                "New words: “Sleep six hours most nights”",
                "New aim: Five nights a week.",
            ],
        },
    ]


@pytest.mark.django_db
def test_a_goal_reached_and_a_rating_alone_are_talked_about(cast: Cast) -> None:
    clinician = web(cast, "clin_a")
    goals = []
    for words in ("Sleep through the night", "Go back to work"):
        goal = goal_changes.propose_goal(
            clinician,
            cast.episode_a.pk,
            {"patient_words": words, "proposer": "clinician", "agreement": "ask"},
        )
        goal_changes.answer_goal(web(cast, "patient_a"), goal.pk, {"response": "agreed"})
        goals.append(goal)
    shift(GoalVersion.objects.all(), "proposed_at", timedelta(days=10))
    shift(GoalVersion.objects.all(), "response_at", timedelta(days=10))
    visit = visit_session(cast)
    goal_ratings.record_rating(clinician, goals[0].pk, {"score": "9", "session": str(visit.pk)})
    goal_changes.close_goal(clinician, goals[1].pk, {"outcome": "achieved", "note": ""})
    draft = summary_sharing.generate(clinician, visit.pk)
    [section] = [s for s in draft.content["sections"] if s["key"] == "goals"]
    assert section["items"] == [
        {
            "text": "Your goal: “Sleep through the night”",
            "details": ["You rated your progress 9 out of 10."],  # the first rating
        },
        {"text": "Your goal: “Go back to work”", "details": ["You reached this goal. Well done!"]},
    ]
    assert GoalRating.objects.count() == 1


@pytest.mark.django_db
def test_tasks_at_or_since_the_previous_visit_in_full_the_others_by_name(cast: Cast) -> None:
    clinician = web(cast, "clin_a")
    regimen = MedicationRegimen.objects.create(
        episode=cast.episode_a,
        medication_name="Sertraline",
        medication_class="SSRI",
        daily_dose=Decimal("50.000"),
        dose_times=["08:00", "20:00"],
        started_on=date(2026, 1, 1),
    )
    old = tasks.create_task(
        clinician,
        cast.episode_a.pk,
        "homework",
        {"title": "Walk 20 minutes", "times_per_day": "1", "days_per_week": "5"},
    )
    at_previous = tasks.create_task(
        clinician,
        cast.episode_a.pk,
        "homework",
        {"title": "Sleep diary", "times_per_day": "1", "days_per_week": "7"},
    )
    medicine = tasks.create_task(
        clinician,
        cast.episode_a.pk,
        "medication",
        {"title": "Take sertraline", "regimen": str(regimen.pk), "instructions": "With food."},
    )
    # "Walk" was agreed a month ago; the sleep diary at the previous visit (a week ago).
    for task, days in ((old, 30), (at_previous, 7)):
        shift(TaskVersion.objects.filter(task=task), "created_at", timedelta(days=days))
        Task.objects.filter(pk=task.pk).update(created_at=timezone.now() - timedelta(days=days))
    visit = visit_session(cast)
    draft = summary_sharing.generate(clinician, visit.pk)
    [section] = [s for s in draft.content["sections"] if s["key"] == "tasks"]
    assert section["items"] == [
        {
            "text": "Sleep diary",
            "details": [
                "This is new.",
                "Do it once a day, every day.",
                "Tell us in the portal if this works for you.",  # not answered yet
            ],
        },
        {
            "text": "Take sertraline",
            "details": [
                "This is new.",
                "Sertraline: 50 mg a day.",
                "Take it at 08:00 and 20:00.",
                "With food.",
                "Tell us in the portal if this works for you.",
            ],
        },
        {"text": "Still in your plan: Walk 20 minutes.", "details": []},
    ]
    assert medicine.kind == "medication"


@pytest.mark.django_db
def test_records_after_the_next_visit_belong_to_that_visit(cast: Cast) -> None:
    clinician = web(cast, "clin_a")
    visit = visit_session(cast)
    CareSession.objects.filter(pk=visit.pk).update(scheduled_at=timezone.now() - timedelta(hours=3))
    make_session(
        cast.episode_a, timezone.now() - timedelta(hours=1), clinician=cast.users["clin_a"]
    )
    tasks.create_task(  # made now: after the next visit started
        clinician,
        cast.episode_a.pk,
        "homework",
        {"title": "Sleep diary", "times_per_day": "1", "days_per_week": "7"},
    )
    draft = summary_sharing.generate(clinician, visit.pk)
    assert [s["key"] for s in draft.content["sections"]] == ["next", "contact", "worse"]


@pytest.mark.django_db
def test_no_next_appointment_a_phone_visit_and_the_clinics_own_crisis_text(cast: Cast) -> None:
    ClinicCrisisText.objects.create(
        clinic=cast.team_a.clinic,
        language="en",
        text="Call the clinic on 01632 960000, or 999 in an emergency.",
    )
    ClinicCrisisText.objects.create(
        clinic=cast.team_a.clinic, language="so", text="Wac rugta 01632 960000."
    )
    visit = visit_session(cast, modality=Modality.PHONE)
    draft = summary_sharing.generate(web(cast, "clin_a"), visit.pk)
    lines = summary_blocks(draft.content)
    assert lines[1] == "You spoke with Clin A by phone."
    at = lines.index("Your next appointment")
    assert lines[at + 1] == "No date is booked yet. Your care team will contact you to book one."
    assert lines[-2:] == [
        "If things get worse",
        "Call the clinic on 01632 960000, or 999 in an emergency.",
    ]
    # A Somali speaker reads the clinic's Somali crisis text, marked as Somali.
    cast.patient_a.preferred_language = "so"
    cast.patient_a.save()
    again = summary_sharing.generate(web(cast, "clin_a"), visit.pk)
    assert again.content["sections"][-1]["items"] == [
        {"text": "Wac rugta 01632 960000.", "details": [], "lang": "so"}
    ]


@pytest.mark.django_db
def test_a_scheduled_session_that_is_not_the_next_one_after_now_is_not_the_next_appointment(
    cast: Cast,
) -> None:
    visit = visit_session(cast)
    # Still marked scheduled, but its time has passed: not an appointment to come.
    make_session(cast.episode_a, timezone.now() - timedelta(minutes=10), status="scheduled")
    upcoming = make_session(
        cast.episode_a,
        datetime.combine(
            timezone.localdate() + timedelta(days=14),
            time(9, 30),
            tzinfo=timezone.get_current_timezone(),
        ),
        status=SessionStatus.SCHEDULED,
    )
    draft = summary_sharing.generate(web(cast, "clin_a"), visit.pk)
    [section] = [s for s in draft.content["sections"] if s["key"] == "next"]
    day = timezone.localtime(upcoming.scheduled_at).date()
    assert section["items"] == [
        {
            "text": f"{long_date(day)} at 09:30, in person.",
            "details": ["It takes about 50 minutes."],
        }
    ]

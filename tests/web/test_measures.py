"""Measures: plans, due administrations, answering (portal, signed link, staff, observer),
validation messages, idempotent submission, the PHQ-9 item-9 alert with the crisis text in
the patient's language, the three-perspective view, observer agreement (ICC) and the demo."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concord.analytics.psychometrics import intraclass_correlation
from concord.web.audit.models import AuditEvent
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import CareSession, ObserverAssignment
from concord.web.clinic.services import FormInvalid, NotAllowed
from concord.web.measures import access as measures_access
from concord.web.measures import alliance, services, submission
from concord.web.measures.crisis import DEFAULT_CRISIS_TEXT
from concord.web.measures.models import (
    Administration,
    ClinicCrisisText,
    MeasurementPlan,
    SafetyAlert,
    SignedLink,
)

from .access_tables import STAFF_A, statuses
from .conftest import CAST_NAMES, Cast, make_session

# ---------------------------------------------------------------- helpers


def web(cast: Cast, name: str) -> Actor:
    return Actor(cast.users[name], "web", "127.0.0.1")


def client_for(cast: Cast, name: str) -> Client:
    client = Client()
    if name != "anonymous":
        client.force_login(cast.users[name])
    return client


def make_plan(
    cast: Cast, code: str, rater: str, schedule: str = "after_session", **extra: Any
) -> MeasurementPlan:
    data = {
        "instrument_code": code,
        "rater": rater,
        "schedule": schedule,
        "starts_on": (cast.episode_a.started_on).isoformat(),
        **extra,
    }
    return services.create_plan(web(cast, "clin_a"), cast.episode_a.pk, data)


def phq9_due(cast: Cast) -> Administration:
    """A PHQ-9 for patient A, due yesterday (every 14 days from yesterday)."""
    yesterday = timezone.localdate() - timedelta(days=1)
    plan = services.create_plan(
        web(cast, "clin_a"),
        cast.episode_a.pk,
        {
            "instrument_code": "phq9",
            "rater": "patient",
            "schedule": "every_n_days",
            "interval_days": "14",
            "starts_on": yesterday.isoformat(),
        },
    )
    return plan.administrations.get()


PHQ9_MODERATE = {"q1": 1, "q2": 2, "q3": 0, "q4": 3, "q5": 1, "q6": 0, "q7": 2, "q8": 1, "q9": 0}


def wai(goal: int, task: int, bond: int) -> dict[str, int]:
    """WAI-SR / WAI-SRT answers with every item of a subscale at one value."""
    items = {"task": (1, 2, 10, 12), "goal": (4, 6, 8, 11), "bond": (3, 5, 7, 9)}
    values = {"goal": goal, "task": task, "bond": bond}
    return {f"q{n}": values[scale] for scale, numbers in items.items() for n in numbers}


def waio(goal: int, task: int, bond: int) -> dict[str, int]:
    values = {"goal": goal, "task": task, "bond": bond}
    return {f"{scale}{n}": values[scale] for scale in values for n in (1, 2, 3, 4)}


# ---------------------------------------------------------------- the access matrix rows


def _phq9_for_matrix(cast: Cast) -> dict[str, Any]:
    return {"administration_id": phq9_due(cast).pk}


def _token_for_matrix(cast: Cast) -> dict[str, Any]:
    _link, raw = submission.issue_link(web(cast, "clin_a"), phq9_due(cast).pk)
    return {"token": raw}


CLINICIANS_405 = {"clin_a": 405, "colleague_a": 405, "clin_b": 405}

# Rows for tests/web/test_access_matrix.py (url name → arguments, status by person).
MEASURES_PAGES: dict[str, tuple[Callable[[Cast], dict[str, Any]], dict[str, int]]] = {
    "measures:plan_new": (
        lambda c: {"episode_id": c.episode_a.pk},
        statuses(404, clin_a=200, colleague_a=200),
    ),
    "measures:alliance": (lambda c: {"episode_id": c.episode_a.pk}, statuses(404, **STAFF_A)),
    "measures:administration": (_phq9_for_matrix, statuses(404, patient_a=200, **STAFF_A)),
    # POST only: clinicians reach the method check (405), everyone else is refused first.
    "measures:link_new": (_phq9_for_matrix, statuses(404, **CLINICIANS_405)),
    "measures:alert_acknowledge": (lambda c: {"alert_id": 1}, statuses(404, **CLINICIANS_405)),
    "measures:to_rate": (
        lambda c: {},
        statuses(404, clin_a=200, colleague_a=200, clin_b=200, observer_a=200, observer_b=200),
    ),
    "measures:agreement": (lambda c: {}, statuses(404, sup_a=200, sup_b=200)),
    # Public: the link itself is the credential (and reading it does not use it up).
    "measures:signed": (_token_for_matrix, statuses(200, anonymous=200)),
}


# Rows for the API matrix: (method, path with {p}/{e}/{s}) -> (body, status by person).
MEASURES_API: dict[tuple[str, str], tuple[dict[str, Any] | None, dict[str, int]]] = {
    ("GET", "/api/v1/episodes/{e}/administrations"): (
        None,
        statuses(404, anonymous=401, clin_a=200, colleague_a=200, sup_a=200),
    ),
}

# ---------------------------------------------------------------- plans and due administrations


@pytest.mark.django_db
def test_plan_generates_due_administrations_once(cast: Cast) -> None:
    plan = make_plan(cast, "waisr", "patient")
    # session_a is the only attended session: one administration, linked to it.
    administration = plan.administrations.get()
    assert administration.session == cast.session_a
    assert (administration.instrument_code, administration.instrument_version) == ("waisr", "1.0")
    assert administration.rater == "patient"
    assert services.generate_for_plan(plan) == []  # nothing new the second time
    make_session(cast.episode_a, timezone.now() - timedelta(days=1))
    result = services.generate_due()
    assert result["created"] == 1
    assert plan.administrations.count() == 2
    assert services.generate_due()["created"] == 0


@pytest.mark.django_db
def test_generation_runs_as_a_worker_job(cast: Cast) -> None:
    from concord.web.jobs.models import Job, JobStatus
    from concord.web.jobs.queue import claim_next, run_claimed
    from concord.web.jobs.registry import HANDLERS
    from concord.web.measures.jobs import JOB_KIND, schedule_generation

    assert JOB_KIND in HANDLERS
    plan = MeasurementPlan.objects.create(
        episode=cast.episode_a,
        instrument_code="waisrt",
        rater="clinician",
        schedule="after_session",
        starts_on=cast.episode_a.started_on,
    )
    schedule_generation()
    claim = claim_next("test-worker")
    assert claim is not None and claim.job.kind == JOB_KIND
    assert run_claimed(claim) == JobStatus.DONE
    assert plan.administrations.count() == 1
    # The next run is booked for the next hour, once.
    assert Job.objects.filter(kind=JOB_KIND, status=JobStatus.QUEUED).count() == 1


@pytest.mark.django_db
def test_observer_plans_make_one_rating_per_assigned_observer(cast: Cast) -> None:
    plan = make_plan(cast, "waios", "observer")
    administration = plan.administrations.get()
    assert administration.assigned_to == cast.users["observer_a"]
    assert administration.session == cast.session_a


@pytest.mark.django_db
def test_plan_validation_names_the_field(cast: Cast) -> None:
    with pytest.raises(FormInvalid) as wrong_rater:
        make_plan(cast, "waisr", "clinician")
    assert wrong_rater.value.errors == {
        "rater": ["This instrument is written for the patient to complete."]
    }
    with pytest.raises(FormInvalid) as no_interval:
        make_plan(cast, "phq9", "patient", schedule="every_n_days")
    assert no_interval.value.errors == {"interval_days": ["Say every how many days."]}
    with pytest.raises(FormInvalid) as unknown:
        make_plan(cast, "not-an-instrument", "patient")
    assert "instrument_code" in unknown.value.errors
    # Supervisors read; other teams do not see the episode at all.
    with pytest.raises(NotAllowed):
        services.create_plan(web(cast, "sup_a"), cast.episode_a.pk, {})
    with pytest.raises(NotFound):
        services.create_plan(web(cast, "clin_b"), cast.episode_a.pk, {})


@pytest.mark.django_db
def test_the_plan_form_offers_exactly_the_registered_instruments(cast: Cast) -> None:
    from concord.analytics.instruments import all_instruments

    page = client_for(cast, "clin_a").get(
        reverse("measures:plan_new", kwargs={"episode_id": cast.episode_a.pk})
    )
    assert page.status_code == 200
    offered = page.context["form"].fields["instrument_code"].choices
    assert [code for code, _label in offered] == [i.code for i in all_instruments()]
    assert b"PHQ-9" in page.content and b"WAI-SR" in page.content


# ---------------------------------------------------------------- validation and scoring


@pytest.mark.django_db
def test_submission_validation_messages_name_each_question(cast: Cast) -> None:
    administration = phq9_due(cast)
    with pytest.raises(FormInvalid) as invalid:
        submission.submit(
            web(cast, "patient_a"), administration.pk, {**PHQ9_MODERATE, "q1": "7", "q2": "abc"}
        )
    assert invalid.value.errors == {
        "q1": ["Question 1: choose one of the answers (0, 1, 2, 3)."],
        "q2": ["Question 2: enter a number."],
    }
    with pytest.raises(FormInvalid) as empty:
        submission.submit(web(cast, "patient_a"), administration.pk, {})
    assert empty.value.errors == {"__all__": ["Answer at least one question before you submit."]}
    administration.refresh_from_db()
    assert administration.status == "due" and administration.scores is None  # nothing written
    # The page shows the same messages beside the questions, with status 400.
    page = client_for(cast, "patient_a").post(
        reverse("measures:administration", args=[administration.pk]),
        {**PHQ9_MODERATE, "q1": "7", "action": "submit"},
    )
    assert page.status_code == 400
    assert "Question 1: choose one of the answers (0, 1, 2, 3)." in page.content.decode()


@pytest.mark.django_db
def test_numeric_items_say_the_range(cast: Cast) -> None:
    plan = make_plan(cast, "srs", "patient")
    administration = plan.administrations.get()
    with pytest.raises(FormInvalid) as invalid:
        submission.submit(
            web(cast, "patient_a"),
            administration.pk,
            {"relationship": "11", "goals_topics": "9.5", "approach": "-1", "overall": "8"},
        )
    assert invalid.value.errors == {
        "relationship": ["Question 1: enter a number from 0 to 10."],
        "approach": ["Question 3: enter a number from 0 to 10."],
    }


@pytest.mark.django_db
def test_phq9_hand_computed_score_stored_with_version_and_rater(cast: Cast) -> None:
    administration = phq9_due(cast)
    answers = {**PHQ9_MODERATE, "q10": 2}
    result = submission.submit(web(cast, "patient_a"), administration.pk, answers)
    stored = result.administration
    # 1 + 2 + 0 + 3 + 1 + 0 + 2 + 1 + 0 = 10 (item 10, difficulty, is not scored) -> "moderate"
    # (bands 5 / 10 / 15 / 20, Kroenke et al. 2001)
    total = stored.scores["scales"]["total"]
    assert total["value"] == 10 and total["band"] == "moderate" and total["status"] == "complete"
    assert stored.scores["version"] == stored.instrument_version == "1.0"
    assert stored.rater == "patient" and stored.scores["instrument_rater"] == "patient"
    assert stored.submitted_by == cast.users["patient_a"] and stored.submitted_via == "portal"
    assert stored.answers["q10"] == 2 and not stored.safety_flag
    event = AuditEvent.objects.filter(object_type="administration", action="update").latest("id")
    assert event.detail["version"] == "1.0" and event.detail["rater"] == "patient"


@pytest.mark.django_db
def test_waisr_subscale_means_and_prorating(cast: Cast) -> None:
    plan = make_plan(cast, "waisr", "patient")
    administration = plan.administrations.get()
    answers = wai(goal=4, task=3, bond=5)
    answers["q12"] = 5  # task items 1, 2, 10, 12 = 3, 3, 3, 5
    del answers["q3"]  # one bond item missing: mean of the other three
    stored = submission.submit(web(cast, "patient_a"), administration.pk, answers).administration
    scales = stored.scores["scales"]
    # task (3 + 3 + 3 + 5) / 4 = 3.5; goal 4; bond (5 + 5 + 5) / 3 = 5 (1 of 4 missing allowed)
    assert scales["task"]["value"] == 3.5 and scales["goal"]["value"] == 4.0
    assert scales["bond"]["value"] == 5.0 and scales["bond"]["status"] == "prorated"
    # total over the 11 answered items: (4 * 4 + 3 * 3 + 5 + 3 * 5) / 11 = 45 / 11
    assert scales["total"]["value"] == pytest.approx(45 / 11)


@pytest.mark.django_db
def test_not_scorable_reason_is_stored(cast: Cast) -> None:
    administration = phq9_due(cast)
    stored = submission.submit(
        web(cast, "patient_a"), administration.pk, {"q1": 1, "q2": 1, "q3": 1}
    ).administration
    assert stored.scores["scales"]["total"]["value"] is None
    assert stored.not_scorable_reason == "total: too_many_missing"


# ---------------------------------------------------------------- drafts and idempotency


@pytest.mark.django_db
def test_draft_is_kept_and_double_submission_is_idempotent(cast: Cast) -> None:
    administration = phq9_due(cast)
    actor = web(cast, "patient_a")
    draft = submission.save_draft(actor, administration.pk, {"q1": "2", "q2": ""})
    assert draft.status == "draft" and draft.answers["q1"] == 2 and draft.answers["q2"] is None
    first = submission.submit(actor, administration.pk, {**PHQ9_MODERATE, "q9": 1})
    second = submission.submit(actor, administration.pk, {**PHQ9_MODERATE, "q1": 3, "q9": 0})
    assert first.created and not second.created
    assert second.administration.scores == first.administration.scores
    assert second.administration.submitted_at == first.administration.submitted_at
    assert Administration.objects.filter(pk=administration.pk, status="submitted").count() == 1
    assert SafetyAlert.objects.count() == 1  # no duplicate alert
    # A draft after submission changes nothing either.
    after = submission.save_draft(actor, administration.pk, {"q1": "0"})
    assert after.answers == first.administration.answers
    # Through the page: the second post says it was already submitted.
    page = client_for(cast, "patient_a").post(
        reverse("measures:administration", args=[administration.pk]),
        {**PHQ9_MODERATE, "action": "submit"},
    )
    assert page.status_code == 404  # closed for answering; the portal no longer lists it


@pytest.mark.django_db
def test_expired_administration_cannot_be_answered(cast: Cast) -> None:
    administration = phq9_due(cast)
    Administration.objects.filter(pk=administration.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(submission.AdministrationClosed):
        submission.submit(web(cast, "patient_a"), administration.pk, PHQ9_MODERATE)
    assert services.expire_overdue() == 1
    assert Administration.objects.get(pk=administration.pk).status == "expired"


# ---------------------------------------------------------------- who may answer what


@pytest.mark.django_db
def test_who_may_answer(cast: Cast) -> None:
    patient_rated = phq9_due(cast)
    clinician_rated = make_plan(cast, "waisrt", "clinician").administrations.get()
    # Patient B, another team, supervisors and observers: refused, as if missing.
    for name in ("patient_b", "clin_b", "sup_b", "observer_a", "admin", "supporter"):
        with pytest.raises(NotFound):
            submission.submit(web(cast, name), patient_rated.pk, PHQ9_MODERATE)
    with pytest.raises(NotAllowed):  # clinicians read patient answers, never write them
        submission.submit(web(cast, "clin_a"), patient_rated.pk, PHQ9_MODERATE)
    with pytest.raises(NotAllowed):
        submission.submit(web(cast, "sup_a"), clinician_rated.pk, wai(4, 4, 4))
    with pytest.raises(NotFound):  # patients do not see clinicians' ratings
        submission.submit(web(cast, "patient_a"), clinician_rated.pk, wai(4, 4, 4))
    done = submission.submit(web(cast, "colleague_a"), clinician_rated.pk, wai(4, 3, 5))
    assert done.administration.submitted_by == cast.users["colleague_a"]
    assert done.administration.rater == "clinician"
    assert done.administration.scores["scales"]["bond"]["value"] == 5.0


@pytest.mark.django_db
def test_supporter_proxy_is_refused_until_consent_exists(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    administration = phq9_due(cast)
    with pytest.raises(NotFound):
        submission.submit_as_proxy(web(cast, "supporter"), administration.pk, PHQ9_MODERATE)
    assert Administration.objects.get(pk=administration.pk).status == "due"
    # The recording path, for when a consent model grants it.
    monkeypatch.setattr(measures_access, "consent_allows_proxy", lambda supporter, patient: True)
    stored = submission.submit_as_proxy(
        web(cast, "supporter"), administration.pk, PHQ9_MODERATE
    ).administration
    assert stored.proxy and stored.submitted_by == cast.users["supporter"]
    assert stored.rater == "patient"


# ---------------------------------------------------------------- signed links


@pytest.mark.django_db
def test_signed_link_is_single_use_and_bound_to_one_administration(cast: Cast) -> None:
    administration = phq9_due(cast)
    other = make_plan(cast, "waisr", "patient").administrations.get()
    link, raw = submission.issue_link(web(cast, "clin_a"), administration.pk)
    assert SignedLink.objects.get().digest != raw and raw not in link.digest  # only a hash
    url = reverse("measures:signed", args=[raw])
    browser = Client()
    page = browser.get(url)
    assert page.status_code == 200 and "Little interest or pleasure" in page.content.decode()
    assert "Ada" not in page.content.decode()  # no name, no record: only the questions
    # The link is no key to anything else: the portal, the other administration, the API.
    assert browser.get(reverse("clinic:portal")).status_code == 302
    assert browser.get(reverse("measures:administration", args=[other.pk])).status_code == 302
    assert browser.get("/api/v1/me").status_code == 401
    # A draft does not use the link up.
    assert browser.post(url, {"q1": "1", "action": "draft"}).status_code == 200
    done = browser.post(url, {**PHQ9_MODERATE, "action": "submit"})
    assert done.status_code == 200 and "your answers are submitted" in done.content.decode()
    stored = Administration.objects.get(pk=administration.pk)
    assert stored.status == "submitted" and stored.submitted_via == "signed_link"
    assert stored.submitted_by is None and stored.scores["scales"]["total"]["value"] == 10
    # Used: the same link now opens nothing, and says the same for an unknown token.
    used = browser.get(url)
    unknown = browser.get(reverse("measures:signed", args=["m_" + "x" * 43]))
    assert used.status_code == unknown.status_code == 404
    assert used.content == unknown.content  # byte-identical: no hint which it was
    assert browser.post(url, {**PHQ9_MODERATE, "action": "submit"}).status_code == 404
    assert Administration.objects.get(pk=other.pk).status == "due"


@pytest.mark.django_db
def test_signed_link_expires(cast: Cast) -> None:
    administration = phq9_due(cast)
    link, raw = submission.issue_link(web(cast, "clin_a"), administration.pk)
    SignedLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().get(reverse("measures:signed", args=[raw]))
    assert response.status_code == 404
    with pytest.raises(NotFound):
        submission.submit_by_link(submission.link_actor(), raw, PHQ9_MODERATE)


@pytest.mark.django_db
def test_only_the_team_issues_links_for_patient_rated_measures(cast: Cast) -> None:
    administration = phq9_due(cast)
    clinician_rated = make_plan(cast, "waisrt", "clinician").administrations.get()
    for name in ("clin_b", "sup_a", "patient_a", "observer_a"):
        with pytest.raises(NotFound):
            submission.issue_link(web(cast, name), administration.pk)
    with pytest.raises(NotAllowed):
        submission.issue_link(web(cast, "clin_a"), clinician_rated.pk)
    page = client_for(cast, "clin_a").post(reverse("measures:link_new", args=[administration.pk]))
    assert page.status_code == 200 and "/measures/m/m_" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert (
        client_for(cast, "clin_b")
        .post(reverse("measures:link_new", args=[administration.pk]))
        .status_code
        == 404
    )


# ---------------------------------------------------------------- PHQ-9 item 9


@pytest.mark.django_db
def test_item9_alerts_the_clinician_and_shows_crisis_text_in_the_patients_language(
    cast: Cast,
) -> None:
    cast.patient_a.preferred_language = "es"
    cast.patient_a.save()
    administration = phq9_due(cast)
    page = client_for(cast, "patient_a").post(
        reverse("measures:administration", args=[administration.pk]),
        {**PHQ9_MODERATE, "q9": "1", "action": "submit"},
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert DEFAULT_CRISIS_TEXT["es"].split(".")[0] in text and 'lang="es"' in text
    assert DEFAULT_CRISIS_TEXT["en"].split(".")[0] not in text
    # Opening the submitted questionnaire again shows the text again.
    again = client_for(cast, "patient_a").get(
        reverse("measures:administration", args=[administration.pk])
    )
    assert DEFAULT_CRISIS_TEXT["es"].split(".")[0] in again.content.decode()
    alert = SafetyAlert.objects.get()
    assert alert.patient == cast.patient_a and alert.kind == "phq9_item9"
    # Visible at once on the patient page and the caseload of the team, not elsewhere.
    patient_page = client_for(cast, "clin_a").get(
        reverse("clinic:patient", args=[cast.patient_a.pk])
    )
    assert "Safety alert" in patient_page.content.decode()
    caseload = client_for(cast, "sup_a").get(reverse("clinic:caseload")).content.decode()
    assert "1 safety alert needs attention" in caseload and "Ada Alpha" in caseload
    assert (
        "safety alert"
        not in client_for(cast, "clin_b").get(reverse("clinic:caseload")).content.decode()
    )
    # Acknowledging needs what was done, and then the alert leaves the caseload.
    ack = reverse("measures:alert_acknowledge", args=[alert.pk])
    assert client_for(cast, "clin_a").post(ack, {"action_taken": ""}).status_code == 400
    assert client_for(cast, "clin_b").post(ack, {"action_taken": "x"}).status_code == 404
    assert client_for(cast, "sup_a").post(ack, {"action_taken": "x"}).status_code == 404
    done = client_for(cast, "clin_a").post(ack, {"action_taken": "Phoned; safety plan made."})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == cast.users["clin_a"] and alert.action_taken
    caseload = client_for(cast, "clin_a").get(reverse("clinic:caseload")).content.decode()
    assert "safety alert" not in caseload


@pytest.mark.django_db
def test_clinic_crisis_text_is_used_and_falls_back_by_language(cast: Cast) -> None:
    clinic = cast.patient_a.clinic
    ClinicCrisisText.objects.create(
        clinic=clinic, language="en", text="Call the Test clinic duty team now."
    )
    administration = phq9_due(cast)
    result = submission.submit(
        web(cast, "patient_a"), administration.pk, {**PHQ9_MODERATE, "q9": 2}
    )
    assert result.crisis is not None
    assert (result.crisis.text, result.crisis.source) == (
        "Call the Test clinic duty team now.",
        "clinic",
    )
    # Through a link too; and the repeat submission shows it again.
    repeat = submission.submit(web(cast, "patient_a"), administration.pk, PHQ9_MODERATE)
    assert repeat.crisis == result.crisis
    # Polish: no clinic text, no default; the clinic's English text is shown.
    from concord.web.measures.crisis import crisis_text_for

    assert crisis_text_for(clinic, "pl").text == "Call the Test clinic duty team now."
    assert crisis_text_for(None, "es").language == "es"


def test_default_crisis_texts_name_no_phone_number() -> None:
    for text in DEFAULT_CRISIS_TEXT.values():
        assert not any(ch.isdigit() for ch in text)


# ---------------------------------------------------------------- observers


@pytest.mark.django_db
def test_observer_is_blind_until_their_rating_is_submitted(cast: Cast) -> None:
    patient_plan = make_plan(cast, "waisr", "patient")
    clinician_plan = make_plan(cast, "waisrt", "clinician")
    observer_plan = make_plan(cast, "waios", "observer")
    submission.submit(web(cast, "patient_a"), patient_plan.administrations.get().pk, wai(2, 2, 2))
    submission.submit(web(cast, "clin_a"), clinician_plan.administrations.get().pk, wai(5, 5, 5))
    rating = observer_plan.administrations.get()
    observer = client_for(cast, "observer_a")
    url = reverse("measures:administration", args=[rating.pk])
    before = observer.get(url).content.decode()
    assert "Licensed wording not installed" in before and "Goal" in before
    assert "How the patient and the clinician rated" not in before
    assert alliance.session_comparison_for_observer(web(cast, "observer_a"), rating) is None
    # Other observers, and the observer on anyone else's rating: 404.
    assert client_for(cast, "observer_b").get(url).status_code == 404
    patient_rating = patient_plan.administrations.get()
    patient_url = reverse("measures:administration", args=[patient_rating.pk])
    assert observer.get(patient_url).status_code == 404
    with pytest.raises(NotFound):
        services.get_administration(web(cast, "observer_a"), patient_rating.pk)
    observer.post(url, {**waio(6, 6, 6), "action": "submit"})
    after = observer.get(url).content.decode()
    assert "How the patient and the clinician rated" in after
    assert "Patient (1-5)" in after and "2.00" in after and "5.00" in after
    assert "Ada" not in after  # still no patient name for the observer


@pytest.mark.django_db
def test_restricted_forms_show_numbers_subscales_and_licence_notice(cast: Cast) -> None:
    rating = make_plan(cast, "waisr", "patient").administrations.get()
    page = client_for(cast, "patient_a").get(reverse("measures:administration", args=[rating.pk]))
    text = page.content.decode()
    assert "Question 12" in text and "(Task)" in text and "(Bond)" in text
    assert "Adam O. Horvath" in text and "not installed" in text


# ---------------------------------------------------------------- three perspectives


def _rated_sessions(cast: Cast, ratings: list[tuple[int, int]]) -> list[CareSession]:
    """One attended session per (patient, clinician) pair of totals, rated by both sides."""
    now = timezone.now()
    sessions = []
    for index, _pair in enumerate(ratings):
        sessions.append(
            make_session(cast.episode_a, now - timedelta(days=6) + timedelta(hours=20 * index))
        )
    patient_plan = make_plan(cast, "waisr", "patient")
    clinician_plan = make_plan(cast, "waisrt", "clinician")
    for session, (p, c) in zip(sessions, ratings, strict=True):
        submission._store_submission(
            web(cast, "patient_a"),
            patient_plan.administrations.get(session=session),
            wai(p, p, p),
            via="portal",
            submitted_by=cast.users["patient_a"],
        )
        submission.submit(
            web(cast, "clin_a"),
            clinician_plan.administrations.get(session=session).pk,
            wai(c, c, c),
        )
    return sessions


@pytest.mark.django_db
def test_three_perspective_view_flags_reliable_disagreement(cast: Cast) -> None:
    ratings = [(4, 4), (3, 4), (5, 4), (4, 5), (1, 5), (4, 4)]
    sessions = _rated_sessions(cast, ratings)
    # Pooled SD of the 12 goal ratings 4,4,3,4,5,4,4,5,1,5,4,4 (mean 47/12) = 1.0836:
    pooled = [v for pair in ratings for v in pair]
    sd = float(np.std(pooled, ddof=1))
    # reliable difference = 1.96 * sqrt(2) * 1.0836 * sqrt(1 - .80) = 1.343
    threshold = 1.96 * np.sqrt(2) * sd * np.sqrt(0.2)
    assert threshold == pytest.approx(1.343, abs=1e-3)  # |1 - 5| = 4 beyond; |5 - 4| = 1 not
    view = alliance.episode_alliance(web(cast, "sup_a"), cast.episode_a)
    assert view.thresholds["goal"] == pytest.approx(threshold)
    flagged = {(d.session_id, d.scale) for d in view.disagreements}
    assert flagged == {(sessions[4].pk, s) for s in ("goal", "task", "bond", "total")}
    page = client_for(cast, "clin_a").get(reverse("measures:alliance", args=[cast.episode_a.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('<g class="disagreement"') == 3  # goal, task and bond panels
    assert text.count('<span class="disagreement">') == 4  # goal, task, bond and total
    assert text.count('<li class="disagreement-session">') == 1
    assert 'data-perspective="patient"' in text and 'data-perspective="clinician"' in text
    assert "<title" in text and 'role="img"' in text


@pytest.mark.django_db
def test_too_few_ratings_means_no_flags(cast: Cast) -> None:
    _rated_sessions(cast, [(1, 5), (5, 1)])
    view = alliance.episode_alliance(web(cast, "clin_a"), cast.episode_a)
    assert view.disagreements == [] and "goal" in view.missing_sd


@pytest.mark.django_db
def test_observer_agreement_icc_on_the_supervisor_page(cast: Cast) -> None:
    now = timezone.now()
    observers = [cast.users["observer_a"], cast.users["observer_b"]]
    pairs = [(5, 5), (3, 4), (6, 6), (2, 3), (4, 4), (7, 6)]
    sessions = [make_session(cast.episode_a, now - timedelta(days=30 - 2 * i)) for i in range(6)]
    for session in sessions:
        for observer in observers:
            ObserverAssignment.objects.create(session=session, observer=observer)
    plan = make_plan(cast, "waios", "observer")
    for session, (a, b) in zip(sessions, pairs, strict=True):
        for observer, value in zip(observers, (a, b), strict=True):
            rating = plan.administrations.get(session=session, assigned_to=observer)
            submission.submit(Actor(observer, "web", ""), rating.pk, waio(value, value, value))
    rows = alliance.observer_agreement(web(cast, "sup_a"))
    goal = next(r for r in rows if r.scale == "goal")
    expected = intraclass_correlation(np.array(pairs, dtype=float)).form("ICC2").value
    assert goal.n_sessions == 6 and goal.icc2 == pytest.approx(expected)
    page = client_for(cast, "sup_a").get(reverse("measures:agreement")).content.decode()
    assert f"{expected:.2f}" in page
    # Team B's supervisor sees no sessions of team A.
    other = alliance.observer_agreement(web(cast, "sup_b"))
    assert all(r.n_sessions == 0 for r in other)


# ---------------------------------------------------------------- portal and worklists


@pytest.mark.django_db
def test_portal_and_worklists_list_only_what_each_person_answers(cast: Cast) -> None:
    administration = phq9_due(cast)
    make_plan(cast, "waisrt", "clinician")
    make_plan(cast, "waios", "observer")
    portal = client_for(cast, "patient_a").get(reverse("clinic:portal")).content.decode()
    assert reverse("measures:administration", args=[administration.pk]) in portal
    assert "PHQ-9" in portal and "WAI-SRT" not in portal
    other = client_for(cast, "patient_b").get(reverse("clinic:portal")).content.decode()
    assert "Nothing to answer now." in other
    mine = client_for(cast, "clin_a").get(reverse("measures:to_rate")).content.decode()
    assert "WAI-SRT" in mine and "PHQ-9" not in mine
    theirs = client_for(cast, "clin_b").get(reverse("measures:to_rate")).content.decode()
    assert "Nothing to rate now." in theirs
    observer = client_for(cast, "observer_a").get(reverse("measures:to_rate")).content.decode()
    assert "WAI-O-S" in observer and "Ada" not in observer
    assert (
        "Nothing to rate now."
        in client_for(cast, "observer_b").get(reverse("measures:to_rate")).content.decode()
    )


# ---------------------------------------------------------------- the demo clinic


@pytest.mark.django_db
def test_demo_has_ratings_from_three_sides() -> None:
    from datetime import date

    from concord.web.demo.build import build_demo_clinic

    build_demo_clinic(date(2026, 11, 21), check_mode=False)
    submitted = Administration.objects.filter(status="submitted")
    raters = set(submitted.values_list("rater", flat=True))
    assert raters >= {"patient", "clinician", "observer"}
    assert submitted.filter(instrument_code="phq9").exists()
    # Ceiling in rehabilitation: most rehab patient ratings at or near the top (5).
    rehab = [
        a.total()
        for a in submitted.filter(
            instrument_code="waisr", episode__team__name="Rehabilitation team"
        )
    ]
    assert rehab and sum(t is not None and t >= 4.5 for t in rehab) / len(rehab) > 0.6
    assert SafetyAlert.objects.filter(acknowledged_at__isnull=True).exists()
    # Observers rated the same sessions, so the supervisor page has an ICC.
    observed = submitted.filter(rater="observer")
    assert observed.values("assigned_to").distinct().count() == 2
    assert Administration.objects.filter(status="due").exists()


@pytest.mark.django_db
def test_api_lists_scores_with_version_and_rater(cast: Cast) -> None:
    administration = phq9_due(cast)
    submission.submit(web(cast, "patient_a"), administration.pk, PHQ9_MODERATE)
    response = Client().get(
        f"/api/v1/episodes/{cast.episode_a.pk}/administrations",
        headers={"Authorization": f"Bearer {cast.token('sup_a')}"},
    )
    assert response.status_code == 200
    (row,) = response.json()
    assert (row["instrument_code"], row["instrument_version"], row["rater"]) == (
        "phq9",
        "1.0",
        "patient",
    )
    assert row["scores"]["scales"]["total"]["value"] == 10 and row["status"] == "submitted"
    other = Client().get(
        f"/api/v1/episodes/{cast.episode_a.pk}/administrations",
        headers={"Authorization": f"Bearer {cast.token('clin_b')}"},
    )
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_plan_page_creates_a_plan_and_shows_field_errors(cast: Cast) -> None:
    url = reverse("measures:plan_new", kwargs={"episode_id": cast.episode_a.pk})
    client = client_for(cast, "clin_a")
    bad = client.post(
        url, {"instrument_code": "waisr", "rater": "clinician", "schedule": "after_session"}
    )
    assert bad.status_code == 400
    assert "This instrument is written for the patient to complete." in bad.content.decode()
    good = client.post(
        url,
        {
            "instrument_code": "waisrt",
            "rater": "clinician",
            "schedule": "after_session",
            "starts_on": cast.episode_a.started_on.isoformat(),
        },
    )
    assert good.status_code == 302 and good["Location"].endswith(f"/patients/{cast.patient_a.pk}/")
    plan = MeasurementPlan.objects.get()
    assert plan.created_by == cast.users["clin_a"] and plan.administrations.count() == 1
    assert AuditEvent.objects.filter(object_type="measurement_plan", action="create").exists()


@pytest.mark.django_db
def test_crisis_texts_are_set_by_administrators_only(cast: Cast) -> None:
    url = reverse("admin:measures_cliniccrisistext_changelist")
    observed = {name: client_for(cast, name).get(url).status_code for name in CAST_NAMES}
    assert observed == statuses(404, admin=200)


@pytest.mark.django_db
def test_signed_link_reads_and_submissions_are_audited(cast: Cast) -> None:
    administration = phq9_due(cast)
    link, raw = submission.issue_link(web(cast, "clin_a"), administration.pk)
    url = reverse("measures:signed", args=[raw])
    Client().get(url)
    Client().post(url, {**PHQ9_MODERATE, "action": "submit"})
    events = AuditEvent.objects.filter(
        object_type="administration", object_id=str(administration.pk)
    )
    reads = list(events.filter(action="read"))  # the page, then the submission
    assert len(reads) == 2
    assert all(r.actor_id is None for r in reads)
    assert reads[0].detail == {"via": "signed_link", "link_id": link.pk}
    assert events.get(action="update").detail["via"] == "signed_link"
    assert AuditEvent.objects.filter(object_type="signed_link", action="create").count() == 1

"""Caseload, patient page, forms and API validation: values, not just status codes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concord.analytics.engagement import attendance_rate
from concord.web.audit.service import Actor
from concord.web.clinic import services
from concord.web.clinic.models import CareEpisode, CareSession, Patient

from .conftest import Cast, make_session


def web(cast: Cast, name: str) -> Actor:
    return Actor(cast.users[name], "web", "127.0.0.1")


def test_attendance_rate_hand_computed() -> None:
    # 6 attended, 1 no-show, 1 cancelled by the patient: 6 / (6 + 1 + 1) = 0.75
    assert attendance_rate(6, 1, 1) == 0.75
    assert attendance_rate(0, 0, 0) is None  # nothing due yet, not 0 %
    assert attendance_rate(0, 2, 0) == 0.0
    with pytest.raises(ValueError, match="no_show must not be negative"):
        attendance_rate(1, -1, 0)


@pytest.mark.django_db
def test_caseload_row_values(cast: Cast) -> None:
    now = timezone.now()
    episode = cast.episode_a
    # session_a (attended, 7 days ago) exists; add 2 attended, 1 no-show, 1 cancelled by
    # the patient, 1 cancelled by the clinic (not counted) and 2 future sessions.
    for days, status in (
        (14, "attended"),
        (21, "attended"),
        (28, "no_show"),
        (35, "cancelled_by_patient"),
        (42, "cancelled_by_clinic"),
    ):
        make_session(episode, now - timedelta(days=days), status)
    make_session(episode, now + timedelta(days=7), "scheduled")
    make_session(episode, now + timedelta(days=14), "scheduled")
    rows = services.caseload(web(cast, "clin_a"))
    assert [r.patient_name for r in rows] == ["Ada Alpha"]
    row = rows[0]
    # attended 3, no-show 1, cancelled by patient 1: 3 / 5 = 0.6
    assert (row.attended, row.no_show, row.cancelled_by_patient) == (3, 1, 1)
    assert row.attendance_rate == pytest.approx(0.6)
    assert abs((row.last_session - (now - timedelta(days=7))).total_seconds()) < 1
    assert abs((row.next_session - (now + timedelta(days=7))).total_seconds()) < 1


@pytest.mark.django_db
def test_caseload_sorting_and_closed_episodes(cast: Cast) -> None:
    second = Patient.objects.create(
        clinic=cast.team_a.clinic, given_name="Zed", family_name="Zulu", date_of_birth="1990-01-01"
    )
    ended = CareEpisode.objects.create(
        patient=second,
        team=cast.team_a,
        reason="Anxiety",
        started_on=timezone.localdate() - timedelta(days=100),
        status="ended",
        ended_on=timezone.localdate(),
    )
    make_session(ended, timezone.now() - timedelta(days=50), "no_show")
    actor = web(cast, "clin_a")
    assert [r.patient_name for r in services.caseload(actor)] == ["Ada Alpha"]
    both = services.caseload(actor, include_closed=True, sort="attendance")
    assert [(r.patient_name, r.attendance_rate) for r in both] == [
        ("Zed Zulu", 0.0),
        ("Ada Alpha", 1.0),
    ]
    by_name_desc = services.caseload(actor, include_closed=True, sort="name", descending=True)
    assert [r.patient_name for r in by_name_desc] == ["Zed Zulu", "Ada Alpha"]


@pytest.mark.django_db
def test_supervisor_sees_only_supervisees_caseloads(cast: Cast) -> None:
    assert [r.patient_name for r in services.caseload(web(cast, "sup_a"))] == ["Ada Alpha"]
    assert [r.patient_name for r in services.caseload(web(cast, "sup_b"))] == ["Bea Beta"]
    client = Client()
    client.force_login(cast.users["sup_a"])
    # Filtering by a clinician who is not a supervisee is refused without a hint.
    assert client.get("/caseload/", {"clinician": cast.users["clin_b"].pk}).status_code == 404
    page = client.get("/caseload/", {"clinician": cast.users["clin_a"].pk})
    assert (
        page.status_code == 200 and b"Ada Alpha" in page.content and b"Bea Beta" not in page.content
    )


@pytest.mark.django_db
def test_patient_page_shows_episode_and_timeline(cast: Cast) -> None:
    make_session(cast.episode_a, timezone.now() - timedelta(days=14), "no_show")
    client = Client()
    client.force_login(cast.users["clin_a"])
    page = client.get(reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk}))
    html = page.content.decode()
    assert "Ada Alpha" in html and "Depression" in html and "Talked about sleep." in html
    assert html.count('class="marker ') == 2
    assert 'data-status="no_show"' in html and 'data-status="attended"' in html


@pytest.mark.django_db
def test_creating_a_patient_is_atomic_and_names_the_bad_fields(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.users["clin_a"])
    before = Patient.objects.count()
    bad = client.post(
        reverse("clinic:patient_new"),
        {
            "given_name": "New",
            "family_name": "Person",
            "date_of_birth": "2999-01-01",
            "preferred_language": "en",
            "team": cast.team_b.pk,  # not the clinician's team
            "reason": "",
            "started_on": "2026-01-01",
        },
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "The date of birth cannot be in the future." in html
    assert "Select a valid choice" in html  # team B is not offered to a team A clinician
    assert "This field is required." in html  # reason
    assert Patient.objects.count() == before
    good = client.post(
        reverse("clinic:patient_new"),
        {
            "given_name": "New",
            "family_name": "Person",
            "date_of_birth": "1999-01-01",
            "preferred_language": "es",
            "channels": ["sms", "portal"],
            "team": cast.team_a.pk,
            "reason": "Insomnia",
            "started_on": "2026-01-01",
            "interpreter_needed": "on",
            "cultural_preferences": "Mornings are best for me.",
        },
    )
    assert good.status_code == 302
    patient = Patient.objects.get(given_name="New")
    assert patient.channels == ["sms", "portal"] and patient.interpreter_needed
    assert patient.episodes.get().lead_clinician == cast.users["clin_a"]
    assert good["Location"] == reverse("clinic:patient", kwargs={"patient_id": patient.pk})


@pytest.mark.django_db
def test_session_form_validation(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.users["clin_a"])
    url = reverse("clinic:session_new", kwargs={"episode_id": cast.episode_a.pk})
    future = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    before = CareSession.objects.count()
    response = client.post(
        url,
        {
            "scheduled_at": future,
            "duration_minutes": 2,
            "modality": "carrier pigeon",
            "status": "attended",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 5." in html
    assert "Select a valid choice. carrier pigeon is not one of the available choices." in html
    assert CareSession.objects.count() == before
    ok = client.post(
        url,
        {
            "scheduled_at": future,
            "duration_minutes": 50,
            "modality": "telehealth",
            "status": "scheduled",
        },
    )
    assert ok.status_code == 302 and CareSession.objects.count() == before + 1


@pytest.mark.django_db
def test_future_session_cannot_be_marked_attended(cast: Cast) -> None:
    future = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    with pytest.raises(services.FormInvalid) as raised:
        services.create_session(
            web(cast, "clin_a"),
            cast.episode_a.pk,
            {
                "scheduled_at": future,
                "duration_minutes": 50,
                "modality": "phone",
                "status": "attended",
            },
        )
    assert raised.value.errors == {
        "status": ["A session in the future cannot be marked as Attended."]
    }


@pytest.mark.django_db
def test_api_validation_errors_name_the_fields(cast: Cast) -> None:
    from concord.web.accounts.models import ApiToken

    _token, secret = ApiToken.issue(cast.users["clin_a"], "test")
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/api/v1/episodes/{cast.episode_a.pk}/sessions"
    before = CareSession.objects.count()
    response = Client().post(
        url,
        data=json.dumps({"scheduled_at": "not a date", "modality": "fax"}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "invalid"
    assert body["error"]["fields"] == {
        "scheduled_at": ["Enter a valid date/time."],
        "modality": ["Select a valid choice. fax is not one of the available choices."],
    }
    wrong_type = Client().post(
        url,
        data=json.dumps({"scheduled_at": "2030-01-01T10:00", "duration_minutes": "long"}),
        content_type="application/json",
        headers=headers,
    )
    assert wrong_type.status_code == 422
    assert list(wrong_type.json()["error"]["fields"]) == ["duration_minutes"]
    assert CareSession.objects.count() == before
    created = Client().post(
        url,
        data=json.dumps({"scheduled_at": "2030-01-01T10:00"}),
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201 and created.json()["status"] == "scheduled"
    patched = Client().patch(
        f"/api/v1/sessions/{created.json()['id']}",
        data=json.dumps({"status": "cancelled_by_clinic", "note": "Clinic closed."}),
        content_type="application/json",
        headers=headers,
    )
    assert patched.status_code == 200
    assert (patched.json()["status"], patched.json()["note"]) == (
        "cancelled_by_clinic",
        "Clinic closed.",
    )


@pytest.mark.django_db
def test_api_lists_only_visible_patients(cast: Cast) -> None:
    from concord.web.accounts.models import ApiToken

    _token, secret = ApiToken.issue(cast.users["clin_b"], "test")
    body = Client().get("/api/v1/patients", headers={"Authorization": f"Bearer {secret}"}).json()
    assert [(p["given_name"], p["family_name"]) for p in body] == [("Bea", "Beta")]


@pytest.mark.django_db
def test_portal_shows_own_care_without_clinician_notes(cast: Cast) -> None:
    make_session(cast.episode_a, timezone.now() + timedelta(days=3), "scheduled")
    client = Client()
    client.force_login(cast.users["patient_a"])
    html = client.get(reverse("clinic:portal")).content.decode()
    assert "Hello, Ada" in html and "Depression" in html
    assert "Talked about sleep." not in html  # the clinician's note stays with the clinician
    assert "Bea" not in html


@pytest.mark.django_db
def test_observer_sees_assigned_sessions_without_names_or_notes(cast: Cast) -> None:
    rows = services.observer_sessions(web(cast, "observer_a"))
    assert [r.session_id for r in rows] == [cast.session_a.pk]
    assert services.observer_sessions(web(cast, "observer_b")) == []
    client = Client()
    client.force_login(cast.users["observer_a"])
    html = client.get(reverse("clinic:observer_sessions")).content.decode()
    assert f"#{cast.session_a.pk}" in html and "Ada" not in html and "sleep" not in html


@pytest.mark.django_db
def test_healthz_checks_the_database() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_stylesheet_is_served_locally_and_no_page_uses_a_cdn(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.users["clin_a"])
    page = client.get(reverse("clinic:caseload")).content.decode()
    assert 'href="/static/concord/concord.css"' in page
    assert "https://" not in page and "http://" not in page.replace('xmlns="http://www.w3.org', "")
    css = client.get("/static/concord/concord.css")
    assert css.status_code == 200
    assert b"--accent" in b"".join(css.streaming_content)  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_caseload_rows_are_escaped_and_labelled(cast: Cast) -> None:
    cast.patient_a.given_name = "<b>Ada</b>"
    cast.patient_a.save()
    cast.episode_a.status, cast.episode_a.ended_on = "dropped_out", timezone.localdate()
    cast.episode_a.save()
    client = Client()
    client.force_login(cast.users["clin_a"])
    html = client.get(reverse("clinic:caseload"), {"closed": "1"}).content.decode()
    assert "&lt;b&gt;Ada&lt;/b&gt; Alpha" in html and "<b>Ada</b>" not in html
    assert '<span class="status dropped_out">Dropped out</span>' in html
    # One attended session out of one due: 100 %.
    assert '<meter min="0" max="1" low="0.7" high="0.85" optimum="1" value="1.000"></meter>' in html
    assert "100&nbsp;% <small>(1/1)</small>" in html
    assert f'href="/patients/{cast.patient_a.pk}/"' in html


@pytest.mark.django_db
def test_editing_only_the_note_keeps_the_exact_time_and_audits_only_the_note(cast: Cast) -> None:
    from concord.web.audit.models import AuditEvent

    exact = timezone.now().replace(microsecond=938000) - timedelta(days=2)
    session = make_session(cast.episode_a, exact, note="Before.")
    services.update_session(web(cast, "clin_a"), session.pk, {"note": "After."})
    session.refresh_from_db()
    assert session.scheduled_at == exact and session.note == "After."
    row = AuditEvent.objects.filter(action="update", object_id=str(session.pk)).get()
    assert row.detail["changed"] == ["note"]

"""Supporters: invitations (single use, expiry, no hints), what each consented scope shows,
refusal on the very next request after a scope is withdrawn or the link is ended, the audit
rows of every supporter access and the patient's "who has looked" list, observations beside
the patient's self-report."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.db.models import Max
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concord.web.accounts.models import Role, User
from concord.web.audit.models import AuditEvent
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.services import FormInvalid, NotAllowed
from concord.web.consent import access, invitations, observations, shared, supporters
from concord.web.consent.models import (
    ConsentRecord,
    Scope,
    SupporterInvitation,
    SupporterLink,
    SupporterObservation,
)
from concord.web.measures import access as measures_access
from concord.web.measures import services as measures_services
from concord.web.measures import submission
from concord.web.medications import adherence
from concord.web.medications.models import (
    ConfirmationSource,
    DispensingEvent,
    DoseConfirmation,
    MedicationRegimen,
)
from concord.web.plans import goal_ratings, goals

from .conftest import Cast, make_session
from .plan_fixtures import agreed_goal, goal_for, revised_goal

SECTION_IDS = {
    Scope.APPOINTMENTS: 'id="appointments"',
    Scope.REMINDERS: 'id="reminders"',
    Scope.ADHERENCE_SUMMARY: 'id="adherence"',
    Scope.GOALS: 'id="goals"',
    Scope.OBSERVATIONS: 'id="observations"',
}


def web(cast: Cast, name: str) -> Actor:
    return Actor(cast.users[name], "web", "127.0.0.1")


def client_for(cast: Cast, name: str) -> Client:
    client = Client()
    if name != "anonymous":
        client.force_login(cast.users[name])
    return client


def grant(cast: Cast, *scopes: str) -> None:
    """Patient A shares exactly these scopes with the cast's supporter."""
    supporters.set_scopes(web(cast, "patient_a"), cast.supporter_link.pk, {"scopes": list(scopes)})


def page_url(cast: Cast, link: SupporterLink | None = None) -> str:
    link = link or cast.supporter_link
    return reverse("consent:supported_patient", kwargs={"link_id": link.pk})


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def invite(cast: Cast, name: str = "patient_a", **extra: Any) -> tuple[SupporterLink, str]:
    data = {"name": "Kim", "relationship": "friend", "contact": "kim@example.org"}
    data.update({"scopes": ["appointments"], **extra})
    now = data.pop("now", None)
    return supporters.invite(web(cast, name), data, now=now)


ACCOUNT = {
    "first_name": "Kim",
    "last_name": "Lee",
    "username": "kim.lee",
    "password1": "blue kettle on the hill",
    "password2": "blue kettle on the hill",
}


# ---------------------------------------------------------------- scopes


@pytest.mark.django_db
def test_nothing_shared_means_nothing_to_open(cast: Cast) -> None:
    client = client_for(cast, "supporter")
    assert client.get(page_url(cast)).status_code == 404
    home = client.get(reverse("consent:supporting"))
    assert "They have not shared anything with you at the moment." in home.content.decode()
    assert client.get(reverse("home"))["Location"] == reverse("consent:supporting")


@pytest.mark.django_db
@pytest.mark.parametrize("scope", Scope.values)
def test_each_scope_shows_its_own_section_and_nothing_else(cast: Cast, scope: str) -> None:
    make_session(
        cast.episode_a,
        timezone.now() + timedelta(days=3),
        status="scheduled",
        note="Private: discuss the argument at home.",
    )
    grant(cast, scope)
    page = client_for(cast, "supporter").get(page_url(cast))
    assert page.status_code == 200
    html = page.content.decode()
    shown = {s for s, marker in SECTION_IDS.items() if marker in html}
    assert shown == {scope}
    # Never session notes (past or future), whatever is shared.
    assert "Talked about sleep." not in html and "Private: discuss" not in html


@pytest.mark.django_db
def test_appointments_show_date_time_and_modality_only(cast: Cast) -> None:
    when = timezone.localtime(timezone.now() + timedelta(days=3)).replace(
        hour=14, minute=30, second=0, microsecond=0
    )
    make_session(
        cast.episode_a, when, status="scheduled", modality="telehealth", note="Secret plan."
    )
    grant(cast, "appointments")
    rows = shared.upcoming_appointments(cast.patient_a, timezone.now())
    assert [(r.when, r.modality, r.duration_minutes) for r in rows] == [(when, "Telehealth", 50)]
    html = client_for(cast, "supporter").get(page_url(cast)).content.decode()
    assert f"{when:%H}:30 · Telehealth · 50 minutes" in html and "Secret plan." not in html


@pytest.mark.django_db
def test_reminders_show_dose_times_and_todays_unanswered_doses(cast: Cast) -> None:
    today = timezone.localdate()
    now = local(today, 12)
    morning_evening = MedicationRegimen.objects.create(
        episode=cast.episode_a,
        medication_name="Sertraline",
        medication_class="SSRI",
        daily_dose=50,
        dose_times=["08:00", "20:00"],
        started_on=today - timedelta(days=10),
    )
    MedicationRegimen.objects.create(
        episode=cast.episode_a,
        medication_name="Lithium",
        medication_class="Mood stabiliser",
        daily_dose=400,
        dose_times=["09:00"],
        started_on=today - timedelta(days=10),
    )
    DoseConfirmation.objects.create(
        regimen=morning_evening,
        scheduled_for=local(today, 8),
        taken_at=None,  # answered "not taken": the supporter learns only that it is answered
        source=ConfirmationSource.PORTAL,
    )
    rows = shared.reminders(cast.patient_a, now)
    assert [(r.medication_name, [(d.at.isoformat(), d.state) for d in r.today]) for r in rows] == [
        ("Lithium", [("09:00:00", "not_answered")]),
        ("Sertraline", [("08:00:00", "answered"), ("20:00:00", "later")]),
    ]


@pytest.mark.django_db
def test_adherence_summary_reads_the_medications_engine(cast: Cast) -> None:
    today = timezone.localdate()
    now = local(today, 12)
    regimen = MedicationRegimen.objects.create(
        episode=cast.episode_a,
        medication_name="Sertraline",
        medication_class="SSRI",
        daily_dose=50,
        dose_times=["08:00"],
        started_on=today - timedelta(days=9),
    )
    for days_ago in (100, 50, 20):
        DispensingEvent.objects.create(
            patient=cast.patient_a,
            dispensed_on=today - timedelta(days=days_ago),
            days_supply=30,
            medication_class="SSRI",
            medication_name="Sertraline",
            source="manual",
        )
    for days_ago in range(3, 10):  # taken on 7 of the 10 days from today-9 to today
        slot = local(today - timedelta(days=days_ago), 8)
        DoseConfirmation.objects.create(
            regimen=regimen,
            scheduled_for=slot,
            taken_at=slot + timedelta(minutes=5),
            source=ConfirmationSource.PORTAL,
        )
    summary = shared.adherence_summary(cast.patient_a, now)
    (refill,) = summary.refills
    # Observation window: the first fill (today-100) to today, 101 days. Covered: 30 days
    # (today-100..-71), a 20-day gap, 30 days (-50..-21), then 21 days (-20..today):
    # 81 / 101 = 0.80198...; the PQA PDC counts the same days from the same index date.
    assert refill.observation_days == 101
    assert refill.cma == pytest.approx(81 / 101)
    assert refill.pdc == pytest.approx(81 / 101) and refill.adherent is True
    assert refill.pdc_threshold == pytest.approx(0.80)
    # The same numbers as the clinician's page.
    clinician_view = adherence.patient_adherence(
        web(cast, "clin_a"), cast.patient_a, today=today, now=now
    )
    assert clinician_view.classes[0].cma == refill.cma
    # Doses: one a day from today-9 (the regimen's start) to today, 10 due, 7 taken.
    assert [(d.medication_name, d.doses_due, d.doses_taken) for d in summary.doses] == [
        ("Sertraline", 10, 7)
    ]


# ---------------------------------------------------------------- revocation


@pytest.mark.django_db
def test_a_withdrawn_scope_is_refused_on_the_very_next_request(cast: Cast) -> None:
    grant(cast, "appointments", "observations")
    supporter = client_for(cast, "supporter")
    patient = client_for(cast, "patient_a")
    observe = reverse("consent:observation_new", kwargs={"link_id": cast.supporter_link.pk})
    today = timezone.localdate().isoformat()
    assert SECTION_IDS[Scope.APPOINTMENTS] in supporter.get(page_url(cast)).content.decode()

    withdraw = {
        "kind": "supporter",
        "supporter_link": str(cast.supporter_link.pk),
        "decision": "withdrawn",
    }
    patient.post(reverse("consent:my_consent_decide"), {**withdraw, "topic": "appointments"})
    html = supporter.get(page_url(cast)).content.decode()
    assert SECTION_IDS[Scope.APPOINTMENTS] not in html and SECTION_IDS[Scope.OBSERVATIONS] in html
    sent = supporter.post(observe, {"week_ending": today, "took_medicines": "all"})
    assert sent.status_code == 302

    patient.post(reverse("consent:my_consent_decide"), {**withdraw, "topic": "observations"})
    assert supporter.get(page_url(cast)).status_code == 404
    assert (
        supporter.post(observe, {"week_ending": today, "took_medicines": "all"}).status_code == 404
    )
    assert SupporterObservation.objects.count() == 1
    assert not access.patients_for_scope(cast.users["supporter"], "observations").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["patient", "clinician"])
def test_an_ended_link_is_refused_on_the_very_next_request(cast: Cast, who: str) -> None:
    grant(cast, "appointments", "reminders")
    supporter = client_for(cast, "supporter")
    assert supporter.get(page_url(cast)).status_code == 200
    link_id = cast.supporter_link.pk
    if who == "patient":
        ended = client_for(cast, "patient_a").post(
            reverse("consent:my_supporter_end", kwargs={"link_id": link_id})
        )
        method = "portal"
    else:
        ended = client_for(cast, "clin_a").post(
            reverse("consent:link_end", kwargs={"link_id": link_id}),
            {"method": "phone", "note": "Asked on the phone."},
        )
        method = "phone"
    assert ended.status_code == 302
    assert supporter.get(page_url(cast)).status_code == 404
    assert "Ada" not in supporter.get(reverse("consent:supporting")).content.decode()
    link = SupporterLink.objects.get(pk=link_id)
    assert link.status == "ended" and link.end_method == method
    withdrawn = ConsentRecord.objects.filter(supporter_link=link, decision="withdrawn")
    assert sorted(withdrawn.values_list("topic", flat=True)) == ["appointments", "reminders"]
    assert set(withdrawn.values_list("method", flat=True)) == {method}
    row = AuditEvent.objects.filter(object_type="supporter_link", action="update").get()
    assert row.detail["ended"] is True and row.detail["withdrawn_scopes"] == [
        "appointments",
        "reminders",
    ]
    # Ended is final: nothing to change or end again.
    with pytest.raises(NotFound):
        supporters.end_link_by_patient(web(cast, "patient_a"), link_id)
    with pytest.raises(NotFound):
        grant(cast, "appointments")


@pytest.mark.django_db
def test_only_clinicians_of_the_team_end_a_link_and_say_how(cast: Cast) -> None:
    with pytest.raises(NotAllowed):
        supporters.end_link_by_staff(
            web(cast, "sup_a"), cast.supporter_link.pk, {"method": "phone"}
        )
    for outsider in ("clin_b", "patient_a", "supporter"):
        with pytest.raises(NotFound):
            supporters.end_link_by_staff(
                web(cast, outsider), cast.supporter_link.pk, {"method": "phone"}
            )
    page = client_for(cast, "clin_a").post(
        reverse("consent:link_end", kwargs={"link_id": cast.supporter_link.pk}),
        {"method": "portal"},  # a clinician records how the patient told them, not "portal"
    )
    assert page.status_code == 400 and "Select a valid choice" in page.content.decode()
    assert SupporterLink.objects.get(pk=cast.supporter_link.pk).ended_at is None


@pytest.mark.django_db
def test_a_supporter_never_reaches_clinical_records_even_with_every_scope(cast: Cast) -> None:
    grant(cast, *Scope.values)
    supporter = cast.users["supporter"]
    client = client_for(cast, "supporter")
    assert client.get(page_url(cast)).status_code == 200
    for url in (
        reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk}),
        reverse("clinic:portal"),
        reverse("consent:patient_consents", kwargs={"patient_id": cast.patient_a.pk}),
        reverse("consent:my_consents"),
    ):
        assert client.get(url).status_code == 404, url
    api = Client().get(
        f"/api/v1/patients/{cast.patient_a.pk}",
        headers={"Authorization": f"Bearer {cast.token('supporter')}"},
    )
    assert api.status_code == 404
    # Proxy completion of questionnaires is not a scope: still refused.
    assert measures_access.consent_allows_proxy(supporter, cast.patient_a) is False
    plan = measures_services.create_plan(
        web(cast, "clin_a"),
        cast.episode_a.pk,
        {
            "instrument_code": "phq9",
            "rater": "patient",
            "schedule": "every_n_days",
            "interval_days": "14",
            "starts_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
    )
    with pytest.raises(NotFound):
        submission.submit_as_proxy(web(cast, "supporter"), plan.administrations.get().pk, {})


@pytest.mark.django_db
def test_scope_rules_read_the_database_on_every_call(cast: Cast) -> None:
    supporter = cast.users["supporter"]
    assert list(access.patients_for_scope(supporter, "appointments")) == []
    grant(cast, "appointments")
    assert list(access.patients_for_scope(supporter, "appointments")) == [cast.patient_a]
    assert list(access.patients_for_scope(supporter, "reminders")) == []
    assert access.consent_allows(supporter, cast.patient_a, "appointments") is True
    assert access.consent_allows(supporter, cast.patient_b, "appointments") is False
    for other in ("clin_a", "patient_a", "admin"):  # only supporters, by role
        assert list(access.patients_for_scope(cast.users[other], "appointments")) == []
    supporter.is_active = False
    supporter.save()
    assert list(access.patients_for_scope(supporter, "appointments")) == []


# ---------------------------------------------------------------- the patient's choices


@pytest.mark.django_db
def test_the_patient_changes_and_reconfirms_what_a_supporter_sees(cast: Cast) -> None:
    client = client_for(cast, "patient_a")
    url = reverse("consent:my_supporter", kwargs={"link_id": cast.supporter_link.pk})
    assert (
        client.post(url, {"scopes": ["appointments", "reminders"], "action": "save"}).status_code
        == 302
    )
    assert client.post(url, {"scopes": ["reminders"], "action": "save"}).status_code == 302
    assert client.post(url, {"scopes": ["reminders"], "action": "reconfirm"}).status_code == 302
    assert client.post(url, {"scopes": ["reminders"], "action": "save"}).status_code == 302  # no-op
    assert list(
        ConsentRecord.objects.order_by("pk").values_list("topic", "decision", "method")
    ) == [
        ("appointments", "granted", "portal"),
        ("reminders", "granted", "portal"),
        ("appointments", "withdrawn", "portal"),
        ("reminders", "granted", "portal"),  # the re-confirmation
    ]
    assert access.current_scopes(cast.supporter_link) == {"reminders"}
    bad = client.post(url, {"scopes": ["session_notes"], "action": "save"})
    assert bad.status_code == 400 and access.current_scopes(cast.supporter_link) == {"reminders"}
    other = client_for(cast, "patient_b").post(url, {"scopes": ["appointments"]})
    assert other.status_code == 404
    page = client.get(url).content.decode()
    assert "re-confirmed" in page and "withdrawn" in page


# ---------------------------------------------------------------- invitations


def without_csrf(content: bytes) -> bytes:
    """The page without its (per-response masked) CSRF token: a signed-in page carries one
    in its sign-out form."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def _token_from(html: str) -> str:
    found = re.search(r"/supporting/join/(sup_[A-Za-z0-9_-]+)/", html)
    assert found, "no invitation link on the page"
    return found.group(1)


@pytest.mark.django_db
def test_invitation_creates_a_supporter_account_once(cast: Cast) -> None:
    made = client_for(cast, "patient_a").post(
        reverse("consent:my_supporter_new"),
        {
            "name": "Kim",
            "relationship": "child",
            "contact": "07700 900456",
            "scopes": ["appointments", "reminders"],
        },
    )
    assert made.status_code == 201 and made["Cache-Control"] == "no-store"
    token = _token_from(made.content.decode())
    invitation = SupporterInvitation.objects.get()
    assert invitation.digest == hashlib.sha256(token.encode()).hexdigest()  # only the digest
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    url = reverse("consent:join", args=[token])

    visitor = Client()
    opened = visitor.get(url)
    html = opened.content.decode()
    assert opened.status_code == 200 and "Ada asks you to support them" in html
    assert "Appointments" in html and "Medicine reminders" in html and "Alpha" not in html

    users_before = User.objects.count()
    problems = {
        "password1": {**ACCOUNT, "password1": "short", "password2": "short"},
        "password2": {**ACCOUNT, "password2": "another long phrase"},
        "username": {**ACCOUNT, "username": "clin_a"},
        "first_name": {**ACCOUNT, "first_name": ""},
    }
    for field, data in problems.items():
        refused = visitor.post(url, data)
        assert refused.status_code == 400, field
        assert f'id="id_{field}-error"' in refused.content.decode(), field
    assert (
        User.objects.count() == users_before and SupporterInvitation.objects.get().used_at is None
    )

    accepted = visitor.post(url, ACCOUNT)
    assert accepted.status_code == 302 and accepted["Location"] == reverse("consent:supporting")
    kim = User.objects.get(username="kim.lee")
    assert kim.role == Role.SUPPORTER and kim.check_password(ACCOUNT["password1"])
    link = SupporterLink.objects.get(name="Kim")
    assert link.supporter == kim and link.status == "active"
    assert visitor.get(reverse("consent:supporting")).status_code == 200  # signed in
    assert visitor.get(page_url(cast, link)).status_code == 200

    # Single use: the link now opens nothing, for anyone.
    again = Client().get(url)
    assert (
        again.status_code == 404 and "This invitation link does not work" in again.content.decode()
    )
    assert Client().post(url, {**ACCOUNT, "username": "kim2"}).status_code == 404
    assert not User.objects.filter(username="kim2").exists()
    accepted_row = AuditEvent.objects.get(object_type="supporter_link", action="update")
    assert accepted_row.role == "supporter" and accepted_row.actor_username == "kim.lee"
    assert accepted_row.patient_ids == [cast.patient_a.pk]


@pytest.mark.django_db
def test_unknown_expired_used_and_replaced_links_all_look_the_same(cast: Cast) -> None:
    _old, expired = invite(cast, now=timezone.now() - timedelta(days=8))
    _used_link, used = invite(cast, name="patient_b")
    invitations.accept_with_new_account(used, ACCOUNT)
    pending, replaced = invite(cast, name="patient_a")
    supporters.new_invitation(web(cast, "patient_a"), pending.pk)
    tokens = {
        "unknown": "sup_" + "x" * 43,
        "not a token": "hello",
        "expired": expired,
        "used": used,
        "replaced": replaced,
    }
    pages = {name: Client().get(reverse("consent:join", args=[t])) for name, t in tokens.items()}
    assert {name: p.status_code for name, p in pages.items()} == dict.fromkeys(tokens, 404)
    assert len({p.content for p in pages.values()}) == 1  # no hint which it was: byte-identical


@pytest.mark.django_db
def test_a_signed_in_supporter_accepts_another_invitation(cast: Cast) -> None:
    link_b, token_b = invite(cast, name="patient_b")
    supporter = client_for(cast, "supporter")
    url = reverse("consent:join", args=[token_b])
    page = supporter.get(url)
    assert page.status_code == 200 and "Yes, I will support them" in page.content.decode()
    assert supporter.post(url).status_code == 302
    link_b.refresh_from_db()
    assert link_b.supporter == cast.users["supporter"] and link_b.status == "active"
    assert supporter.get(page_url(cast, link_b)).status_code == 200  # appointments shared

    # Patient A already has this supporter: the invitation is refused and stays unused.
    _link_a2, token_a = invite(cast, name="patient_a")
    refused = supporter.post(reverse("consent:join", args=[token_a]))
    assert (
        refused.status_code == 400
        and "You already support this person." in refused.content.decode()
    )
    assert SupporterInvitation.objects.get(link=_link_a2).used_at is None


@pytest.mark.django_db
def test_people_of_other_roles_are_told_to_sign_out_and_the_link_is_kept(cast: Cast) -> None:
    _link, token = invite(cast)
    for name in ("patient_a", "clin_a", "admin"):
        client = client_for(cast, name)
        valid = client.get(reverse("consent:join", args=[token]))
        invalid = client.get(reverse("consent:join", args=["sup_nothing"]))
        posted = client.post(reverse("consent:join", args=[token]), ACCOUNT)
        assert valid.status_code == invalid.status_code == posted.status_code == 404
        assert without_csrf(valid.content) == without_csrf(invalid.content)
        assert b"Sign out first" in valid.content
    assert SupporterInvitation.objects.get().used_at is None
    assert not User.objects.filter(username="kim.lee").exists()


@pytest.mark.django_db
def test_a_new_invitation_replaces_the_old_one(cast: Cast) -> None:
    pending, first = invite(cast)
    client = client_for(cast, "patient_a")
    made = client.post(reverse("consent:my_supporter_invitation", kwargs={"link_id": pending.pk}))
    assert made.status_code == 200
    second = _token_from(made.content.decode())
    assert Client().get(reverse("consent:join", args=[first])).status_code == 404
    assert Client().get(reverse("consent:join", args=[second])).status_code == 200
    # An accepted link needs no invitation.
    active = client.post(
        reverse("consent:my_supporter_invitation", kwargs={"link_id": cast.supporter_link.pk})
    )
    assert active.status_code == 302
    assert SupporterInvitation.objects.filter(link=cast.supporter_link).count() == 0


@pytest.mark.django_db
def test_invite_input_is_checked_field_by_field(cast: Cast) -> None:
    client = client_for(cast, "patient_a")
    refused = client.post(
        reverse("consent:my_supporter_new"),
        {"name": "", "relationship": "neighbour", "contact": "", "scopes": ["notes"]},
    )
    assert refused.status_code == 400
    with pytest.raises(FormInvalid) as error:
        invite(cast, name="patient_a", relationship="neighbour", contact="", scopes=["notes"])
    assert sorted(error.value.errors) == ["contact", "relationship", "scopes"]
    assert SupporterLink.objects.count() == 1 and ConsentRecord.objects.count() == 0


@pytest.mark.django_db
def test_scopes_of_a_pending_link_show_nothing_until_accepted(cast: Cast) -> None:
    link, token = invite(cast, name="patient_b")
    assert link.status == "pending"
    assert access.current_scopes(link) == {"appointments"}
    assert (
        not access.patients_for_scope(cast.users["supporter"], "appointments")
        .filter(pk=cast.patient_b.pk)
        .exists()
    )
    invitations.accept_as_supporter(web(cast, "supporter"), token)
    assert (
        access.patients_for_scope(cast.users["supporter"], "appointments")
        .filter(pk=cast.patient_b.pk)
        .exists()
    )


# ---------------------------------------------------------------- audit and history


@pytest.mark.django_db
def test_every_supporter_access_is_audited_and_listed_for_the_patient(cast: Cast) -> None:
    grant(cast, "appointments", "observations")
    supporter = client_for(cast, "supporter")
    before = AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0  # ids are not reused
    supporter.get(reverse("consent:supporting"))
    supporter.get(page_url(cast))
    supporter.post(
        reverse("consent:observation_new", kwargs={"link_id": cast.supporter_link.pk}),
        {"week_ending": timezone.localdate().isoformat(), "took_medicines": "most", "note": "OK"},
    )
    supporter.get(page_url(cast))  # the page again after sending
    rows = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    assert [(r.role, r.action, r.object_type) for r in rows] == [
        ("supporter", "list", "supporter_link"),
        ("supporter", "read", "supporter_view"),
        ("supporter", "create", "supporter_observation"),
        ("supporter", "read", "supporter_view"),
    ]
    assert all(r.patient_ids == [cast.patient_a.pk] for r in rows)
    assert rows[1].detail == {"scopes": ["appointments", "observations"]}
    assert rows[1].object_id == str(cast.supporter_link.pk)

    listed = client_for(cast, "patient_a").get(reverse("consent:my_access_history"))
    html = listed.content.decode()
    assert html.count("Sam Supporter") == 4
    assert html.count("Looked at: Appointments, Telling the care team what they notice") == 2
    assert "Told your care team how your medicines went" in html
    assert "Opened their list of people they support" in html
    reading = AuditEvent.objects.filter(object_type="supporter_access_history").get()
    assert reading.role == "patient" and reading.detail == {"rows": 4}
    other = client_for(cast, "patient_b").get(reverse("consent:my_access_history"))
    assert "No supporter has looked at your information." in other.content.decode()


# ---------------------------------------------------------------- observations


@pytest.mark.django_db
def test_observations_are_checked_and_shown_beside_the_patients_own_answers(cast: Cast) -> None:
    grant(cast, "observations")
    today = timezone.localdate()
    regimen = MedicationRegimen.objects.create(
        episode=cast.episode_a,
        medication_name="Sertraline",
        medication_class="SSRI",
        daily_dose=50,
        dose_times=["08:00"],
        started_on=today - timedelta(days=20),
    )
    for days_ago, taken in ((6, True), (5, True), (4, True), (3, True), (2, True), (1, False)):
        slot = local(today - timedelta(days=days_ago), 8)
        DoseConfirmation.objects.create(
            regimen=regimen,
            scheduled_for=slot,
            taken_at=slot if taken else None,
            source=ConfirmationSource.PORTAL,
        )
    client = client_for(cast, "supporter")
    url = reverse("consent:observation_new", kwargs={"link_id": cast.supporter_link.pk})
    cases = {
        "The week cannot end after today.": {
            "week_ending": (today + timedelta(days=1)).isoformat(),
            "took_medicines": "all",
        },
        "Tell us about the last four weeks only": {
            "week_ending": (today - timedelta(days=29)).isoformat(),
            "took_medicines": "all",
        },
        "This field is required.": {"week_ending": today.isoformat()},
    }
    for message, data in cases.items():
        refused = client.post(url, data)
        assert refused.status_code == 400 and message in refused.content.decode()
    assert SupporterObservation.objects.count() == 0
    sent = client.post(
        url,
        {"week_ending": today.isoformat(), "took_medicines": "most", "note": "Missed Sunday."},
    )
    assert sent.status_code == 302

    (row,) = observations.observations_for_staff(
        web(cast, "clin_a"), cast.patient_a, now=local(today, 12)
    )
    assert row.supporter_name == "Sam Supporter" and row.week_start == today - timedelta(days=6)
    assert row.observation.took_medicines == "most" and row.observation.note == "Missed Sunday."
    # The week today-6..today: 7 doses at 08:00 due by noon; 5 answered taken, 1 not taken,
    # today's not answered: 7 - 5 - 1 = 1.
    assert row.self_report is not None
    assert (row.self_report.doses_due, row.self_report.taken, row.self_report.not_taken) == (
        7,
        5,
        1,
    )
    assert row.self_report.unanswered == 1
    page = client_for(cast, "clin_a").get(
        reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk})
    )
    html = page.content.decode()
    assert "Supporter reported" in html and "Most of them" in html and "Missed Sunday." in html
    with pytest.raises(NotFound):
        observations.observations_for_staff(web(cast, "clin_b"), cast.patient_a)


@pytest.mark.django_db
def test_a_clinician_withdraws_one_scope_on_the_patients_request(cast: Cast) -> None:
    grant(cast, "appointments")
    supporter = client_for(cast, "supporter")
    assert supporter.get(page_url(cast)).status_code == 200
    key = f"supporter:{cast.supporter_link.pk}:appointments"
    recorded = client_for(cast, "clin_a").post(
        reverse("consent:consent_record", kwargs={"patient_id": cast.patient_a.pk}),
        {"consent": key, "decision": "withdrawn", "method": "phone", "note": "Rang to stop it."},
    )
    assert recorded.status_code == 302
    assert supporter.get(page_url(cast)).status_code == 404
    latest = ConsentRecord.objects.order_by("-pk").first()
    assert latest is not None
    assert (latest.decision, latest.method, latest.recorded_by.username) == (
        "withdrawn",
        "phone",
        "clin_a",
    )
    # Sharing again is the patient's own act: the clinician cannot grant it back.
    refused = client_for(cast, "clin_a").post(
        reverse("consent:consent_record", kwargs={"patient_id": cast.patient_a.pk}),
        {"consent": key, "decision": "granted", "method": "phone"},
    )
    assert refused.status_code == 400
    assert supporter.get(page_url(cast)).status_code == 404


@pytest.mark.django_db
def test_goals_scope_shows_the_agreed_words_and_latest_rating_until_withdrawn(
    cast: Cast,
) -> None:
    sleep = agreed_goal(cast, "Sleep through the night")
    goal_ratings.rate_own_goal(web(cast, "patient_a"), sleep.pk, {"score": "3"})
    goal_ratings.rate_own_goal(web(cast, "patient_a"), sleep.pk, {"score": "6"})
    goal_for(cast, "Walk to the shop")  # proposed, not agreed: not in force, not shown
    client = client_for(cast, "supporter")
    assert client.get(page_url(cast)).status_code == 404  # nothing shared yet
    grant(cast, "goals")
    html = client.get(page_url(cast)).content.decode()
    assert "“Sleep through the night”" in html
    assert "Latest rating: 6 out of 10" in html  # the latest of 3 then 6
    assert "Walk to the shop" not in html
    # The supporter's read of the goals is audited with their role and the patient.
    row = AuditEvent.objects.filter(object_type="goal", role="supporter").latest("pk")
    assert row.patient_refs == f",{cast.patient_a.pk},"
    # A revision waiting for the patient's answer leaves the agreed words in force.
    revised_goal(cast)
    assert "“Sleep through the night”" in client.get(page_url(cast)).content.decode()
    supporters.set_scopes(web(cast, "patient_a"), cast.supporter_link.pk, {"scopes": []})
    assert client.get(page_url(cast)).status_code == 404  # the very next request
    with pytest.raises(NotFound):
        goals.current_goals(web(cast, "supporter"), cast.patient_a.pk)

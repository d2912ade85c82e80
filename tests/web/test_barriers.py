"""The shared plan: barriers to adherence, their actions, community resources and referrals.

This module holds the access tables and the barrier and action tests; the directory and
referrals are tested in ``test_barriers_directory.py``, the API in ``test_barriers_api.py``,
the portal in ``test_barriers_portal.py``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concord.web.audit.models import AuditEvent
from concord.web.audit.service import Actor
from concord.web.barriers import actions, services
from concord.web.barriers.models import (
    ActionKind,
    ActionUpdate,
    Barrier,
    BarrierAction,
    BarrierKind,
    BarrierStatusChange,
    CommunityResource,
    Referral,
)
from concord.web.barriers.suggestions import SOURCES, SUGGESTIONS, suggestion_for
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.models import CareEpisode
from concord.web.clinic.services import FormInvalid

from .access_tables import (
    ALL_CLINICIANS,
    ALL_STAFF,
    API_ANON,
    CLINICIANS_A,
    PATIENTS,
    STAFF_A,
    ApiTable,
    PageTable,
    statuses,
)
from .conftest import Cast


def web(cast: Cast, name: str) -> Actor:
    return Actor(cast.users[name], "web", "127.0.0.1")


def barrier_a(cast: Cast) -> Barrier:
    """Patient A's forgetfulness barrier (created on first use)."""
    barrier, created = Barrier.objects.get_or_create(
        patient=cast.patient_a,
        kind=BarrierKind.FORGETFULNESS,
        defaults={"raised_by": "patient", "description": "I forget the evening dose."},
    )
    if created:
        BarrierStatusChange.objects.create(
            barrier=barrier, to_status="open", changed_by_role="patient"
        )
    return barrier


def action_a(cast: Cast) -> BarrierAction:
    action, _ = BarrierAction.objects.get_or_create(
        barrier=barrier_a(cast),
        kind=ActionKind.REMINDER_PLAN,
        defaults={
            "description": "Phone alarm at 20:00.",
            "owner_kind": "clinician",
            "owner_clinician": cast.users["clin_a"],
            "follow_up_on": timezone.localdate() + timedelta(days=7),
        },
    )
    return action


def resource_a(cast: Cast) -> CommunityResource:
    resource, _ = CommunityResource.objects.get_or_create(
        clinic=cast.team_a.clinic,
        name="Money Advice Centre",
        defaults={
            "category": "financial",
            "description": "Free advice on benefits and health costs.",
            "phone": "0113 496 0101",
            "languages": ",en,es,",
        },
    )
    return resource


def referral_a(cast: Cast) -> Referral:
    referral, _ = Referral.objects.get_or_create(
        patient=cast.patient_a, resource=resource_a(cast), defaults={"status": "suggested"}
    )
    return referral


# Every page of this area, with the exact status for every person of the cast (collected by
# test_access_matrix). Team B is in the same clinic as team A, so its staff see the same
# directory; the directory's other-clinic rule is tested in test_barriers_directory.py.
BARRIERS_PAGES: PageTable = {
    "barriers:patient_barriers": (
        lambda c: {"patient_id": c.patient_a.pk},
        statuses(404, **STAFF_A),
    ),
    "barriers:barrier_new": (
        lambda c: {"patient_id": c.patient_a.pk},
        statuses(404, **CLINICIANS_A),
    ),
    "barriers:barrier": (lambda c: {"barrier_id": barrier_a(c).pk}, statuses(404, **STAFF_A)),
    "barriers:barrier_status": (
        lambda c: {"barrier_id": barrier_a(c).pk},
        statuses(404, **CLINICIANS_A),
    ),
    "barriers:action_new": (
        lambda c: {"barrier_id": barrier_a(c).pk},
        statuses(404, **CLINICIANS_A),
    ),
    "barriers:action_follow_up": (
        lambda c: {"action_id": action_a(c).pk},
        statuses(404, **CLINICIANS_A),
    ),
    "barriers:follow_ups": (lambda c: {}, statuses(404, **ALL_STAFF)),
    "barriers:referral_new": (
        lambda c: {"patient_id": c.patient_a.pk},
        statuses(404, **CLINICIANS_A),
    ),
    "barriers:referral_status": (
        lambda c: {"referral_id": referral_a(c).pk},
        statuses(404, **CLINICIANS_A),
    ),
    "barriers:directory": (lambda c: {}, statuses(404, **ALL_STAFF)),
    "barriers:resource_new": (lambda c: {}, statuses(404, **ALL_CLINICIANS)),
    "barriers:resource": (lambda c: {"resource_id": resource_a(c).pk}, statuses(404, **ALL_STAFF)),
    "barriers:resource_edit": (
        lambda c: {"resource_id": resource_a(c).pk},
        statuses(404, **ALL_CLINICIANS),
    ),
    # POST only: clinicians reach the method check (405), everyone else is refused first.
    "barriers:resource_archive": (
        lambda c: {"resource_id": resource_a(c).pk},
        statuses(404, clin_a=405, colleague_a=405, clin_b=405),
    ),
    "barriers:my_barriers": (lambda c: {}, statuses(404, **PATIENTS)),
    "barriers:my_barrier_closed": (
        lambda c: {"barrier_id": barrier_a(c).pk},
        statuses(404, patient_a=405, patient_b=405),
    ),
    "barriers:my_referrals": (lambda c: {}, statuses(404, **PATIENTS)),
    "barriers:my_referral_update": (
        lambda c: {"referral_id": referral_a(c).pk},
        statuses(404, patient_a=405, patient_b=405),
    ),
}

RESOURCE_BODY = {
    "name": "Riverside Food Share",
    "category": "food",
    "description": "Food parcels, no referral letter needed.",
    "phone": "07700 900123",
    "languages": "en, pl",
}
BARRIERS_API: ApiTable = {
    ("GET", "/api/v1/patients/{p}/barriers"): (None, statuses(404, anonymous=API_ANON, **STAFF_A)),
    # "Other" barriers are never duplicates, so both clinicians' posts are created.
    ("POST", "/api/v1/patients/{p}/barriers"): (
        {"kind": "other", "description": "Night shifts.", "raised_by": "patient"},
        statuses(404, anonymous=API_ANON, clin_a=201, colleague_a=201, sup_a=403),
    ),
    ("GET", "/api/v1/patients/{p}/referrals"): (
        None,
        statuses(404, anonymous=API_ANON, **STAFF_A),
    ),
    ("GET", "/api/v1/me/barriers"): (None, statuses(404, anonymous=API_ANON, **PATIENTS)),
    ("POST", "/api/v1/me/barriers"): (
        {"kind": "cost", "words": "The charges add up."},
        statuses(404, anonymous=API_ANON, patient_a=201, patient_b=201),
    ),
    ("GET", "/api/v1/me/referrals"): (None, statuses(404, anonymous=API_ANON, **PATIENTS)),
    ("GET", "/api/v1/community-resources"): (
        None,
        statuses(404, anonymous=API_ANON, **ALL_STAFF),
    ),
    ("POST", "/api/v1/community-resources"): (
        RESOURCE_BODY,
        statuses(
            404, anonymous=API_ANON, clin_a=201, colleague_a=201, clin_b=201, sup_a=403, sup_b=403
        ),
    ),
}


def audit_rows(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("id"))


def report(cast: Cast, who: str = "clin_a", **values: Any) -> Barrier:
    data = {"kind": "side_effects", "raised_by": "patient", "words_of": "patient", **values}
    return services.report_barrier(web(cast, who), cast.patient_a.pk, data)


def open_action(cast: Cast, barrier: Barrier, who: str = "clin_a", **values: Any) -> BarrierAction:
    data = {
        "kind": "side_effect_review",
        "description": "Review the dose at the next appointment.",
        "owner_kind": "clinician",
        "owner_clinician": str(cast.users["colleague_a"].pk),
        "follow_up_on": (timezone.localdate() + timedelta(days=7)).isoformat(),
        **values,
    }
    return actions.open_action(web(cast, who), barrier.pk, data)


# ---------------------------------------------------------------- barriers


@pytest.mark.django_db
def test_clinician_records_a_barrier_in_the_patients_words_with_history_and_audit(
    cast: Cast,
) -> None:
    barrier = report(cast, description="The tablets make me drowsy at work.")
    assert (barrier.kind, barrier.status, barrier.raised_by) == ("side_effects", "open", "patient")
    assert barrier.reported_by == cast.users["clin_a"] and barrier.episode is None
    history = list(barrier.history.values_list("from_status", "to_status", "changed_by_role"))
    assert history == [("", "open", "clinician")]
    (row,) = audit_rows("barrier")
    assert (row.action, row.object_id, row.patient_refs) == (
        "create",
        str(barrier.pk),
        f",{cast.patient_a.pk},",
    )
    assert row.detail["kind"] == "side_effects" and row.actor_username == "clin_a"


@pytest.mark.django_db
def test_a_barrier_naming_a_medicine_takes_the_medicines_episode(cast: Cast) -> None:
    from concord.web.medications.models import MedicationRegimen

    regimen = MedicationRegimen.objects.create(
        episode=cast.episode_a,
        medication_name="Sertraline",
        medication_class="SSRI",
        daily_dose=50,
        dose_times=["08:00"],
        started_on=cast.episode_a.started_on,
    )
    barrier = report(cast, regimen=str(regimen.pk))
    assert barrier.regimen == regimen and barrier.episode == cast.episode_a


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "other", "description": "  "}, "description"),  # "Other" needs words
        ({"kind": "weather"}, "kind"),
        ({"raised_by": "supporter"}, "raised_by"),  # clinicians record patient or own
        ({"episode": "999999"}, "episode"),
    ],
)
def test_bad_barrier_input_is_refused_with_the_field_named_and_nothing_written(
    cast: Cast, values: dict[str, str], field: str
) -> None:
    with pytest.raises(FormInvalid) as refused:
        report(cast, **values)
    assert field in refused.value.errors
    assert not Barrier.objects.exists() and not AuditEvent.objects.filter(action="create").exists()


@pytest.mark.django_db
def test_another_teams_episode_cannot_be_named(cast: Cast) -> None:
    with pytest.raises(FormInvalid) as refused:
        report(cast, episode=str(cast.episode_b.pk))
    assert refused.value.errors["episode"] == ["Choose one of this patient's care episodes."]
    assert not Barrier.objects.exists()


@pytest.mark.django_db
def test_a_second_current_barrier_of_the_same_kind_is_refused_until_the_first_closes(
    cast: Cast,
) -> None:
    first = report(cast)
    with pytest.raises(FormInvalid) as refused:
        report(cast, who="colleague_a")
    assert "already has a current “Side effects” barrier" in refused.value.errors["kind"][0]
    assert Barrier.objects.count() == 1
    services.change_barrier_status(
        web(cast, "clin_a"), first.pk, {"status": "resolved", "note": "Dose reduced."}
    )
    second = report(cast, who="colleague_a")
    assert second.pk != first.pk and Barrier.objects.count() == 2


@pytest.mark.django_db
def test_status_changes_keep_the_whole_history_never_overwritten(cast: Cast) -> None:
    barrier = report(cast)
    clinician = web(cast, "clin_a")
    services.change_barrier_status(
        clinician, barrier.pk, {"status": "resolved", "note": "Dose reduced; no drowsiness."}
    )
    services.change_barrier_status(
        web(cast, "colleague_a"), barrier.pk, {"status": "open", "note": "Drowsy again."}
    )
    rows = list(
        BarrierStatusChange.objects.filter(barrier=barrier).values_list(
            "from_status", "to_status", "changed_by__username", "note"
        )
    )
    assert rows == [
        ("", "open", "clin_a", ""),
        ("open", "resolved", "clin_a", "Dose reduced; no drowsiness."),
        ("resolved", "open", "colleague_a", "Drowsy again."),
    ]
    updates = [r.detail for r in audit_rows("barrier") if r.action == "update"]
    assert updates == [{"from": "open", "to": "resolved"}, {"from": "resolved", "to": "open"}]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": "open", "note": "Same again."}, "status"),  # the present status
        ({"status": "resolved", "note": ""}, "note"),  # every change says why
    ],
)
def test_a_status_change_without_a_reason_or_to_the_same_status_is_refused(
    cast: Cast, data: dict[str, str], field: str
) -> None:
    barrier = report(cast)
    with pytest.raises(FormInvalid) as refused:
        services.change_barrier_status(web(cast, "clin_a"), barrier.pk, data)
    assert field in refused.value.errors
    assert barrier.history.count() == 1
    assert Barrier.objects.get(pk=barrier.pk).status == "open"


@pytest.mark.django_db
def test_supervisors_read_but_do_not_write_and_others_see_nothing(cast: Cast) -> None:
    barrier = report(cast)
    _patient, seen = services.barriers_of_patient(web(cast, "sup_a"), cast.patient_a.pk)
    assert [b.pk for b in seen] == [barrier.pk]
    with pytest.raises(NotAllowed):
        report(cast, who="sup_a", kind="cost")
    with pytest.raises(NotAllowed):
        services.change_barrier_status(
            web(cast, "sup_a"), barrier.pk, {"status": "resolved", "note": "x"}
        )
    for outsider in ("clin_b", "sup_b", "observer_a", "patient_a", "supporter", "admin"):
        with pytest.raises(NotFound):
            services.get_barrier(web(cast, outsider), barrier.pk)
    assert Barrier.objects.get().status == "open" and Barrier.objects.count() == 1


@pytest.mark.django_db
def test_a_barrier_of_another_teams_episode_stays_with_that_team(cast: Cast) -> None:
    # Patient A is also in team B's care; team B records a barrier in its own episode.
    episode_ab = CareEpisode.objects.create(
        patient=cast.patient_a, team=cast.team_b, reason="Knee pain", started_on=date(2026, 1, 5)
    )
    team_b_only = services.report_barrier(
        web(cast, "clin_b"),
        cast.patient_a.pk,
        {
            "kind": "transport",
            "raised_by": "patient",
            "words_of": "patient",
            "episode": episode_ab.pk,
        },
    )
    shared = report(cast, who="clin_b", kind="cost")  # no episode: the patient's barrier
    _p, seen_by_a = services.barriers_of_patient(web(cast, "clin_a"), cast.patient_a.pk)
    _p, seen_by_b = services.barriers_of_patient(web(cast, "clin_b"), cast.patient_a.pk)
    assert [b.pk for b in seen_by_a] == [shared.pk]
    assert {b.pk for b in seen_by_b} == {shared.pk, team_b_only.pk}
    with pytest.raises(NotFound):
        services.get_barrier(web(cast, "clin_a"), team_b_only.pk)


@pytest.mark.django_db
def test_every_read_is_audited_with_the_patient(cast: Cast) -> None:
    barrier = report(cast)
    action = open_action(cast, barrier)
    before = AuditEvent.objects.count()
    services.barriers_of_patient(web(cast, "sup_a"), cast.patient_a.pk)
    services.get_barrier(web(cast, "colleague_a"), barrier.pk)
    actions.get_action(web(cast, "clin_a"), action.pk)
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert [(r.action, r.object_type, r.actor_username) for r in rows] == [
        ("list", "barrier", "sup_a"),
        ("read", "barrier", "colleague_a"),
        ("read", "barrier_action", "clin_a"),
    ]
    assert all(r.patient_refs == f",{cast.patient_a.pk}," for r in rows)
    assert rows[0].detail == {"barrier_ids": [barrier.pk], "action_ids": [action.pk]}


# ---------------------------------------------------------------- actions


@pytest.mark.django_db
def test_opening_an_action_addresses_the_barrier_with_history_and_audit(cast: Cast) -> None:
    barrier = report(cast)
    follow_up = timezone.localdate() + timedelta(days=7)
    action = open_action(cast, barrier)
    assert (action.status, action.owner_clinician, action.follow_up_on) == (
        "planned",
        cast.users["colleague_a"],
        follow_up,
    )
    barrier.refresh_from_db()
    assert barrier.status == "being_addressed"
    last = barrier.history.order_by("pk").last()
    assert last is not None
    assert (last.from_status, last.to_status, last.note) == (
        "open",
        "being_addressed",
        "Action opened: Side-effect review",
    )
    (update,) = ActionUpdate.objects.filter(action=action)
    assert (update.from_status, update.to_status, update.follow_up_after) == (
        "",
        "planned",
        follow_up,
    )
    created = [r for r in audit_rows("barrier_action") if r.action == "create"]
    assert len(created) == 1 and created[0].detail["follow_up_on"] == follow_up.isoformat()
    assert created[0].detail["owner_clinician_id"] == cast.users["colleague_a"].pk
    assert [r.detail for r in audit_rows("barrier") if r.action == "update"] == [
        {"from": "open", "to": "being_addressed", "action_id": action.pk}
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"follow_up_on": "YESTERDAY"},
            "follow_up_on",
            "The follow-up date cannot be in the past.",
        ),
        (
            {"owner_clinician": "CLIN_B"},  # a clinician, but not of patient A's care team
            "owner_clinician",
            "Choose a clinician of the patient's care team.",
        ),
        ({"owner_clinician": ""}, "owner_clinician", "Choose the clinician who does it."),
        (
            {"owner_kind": "other_person", "owner_name": " "},
            "owner_name",
            "Name the person who does it.",
        ),
        ({"kind": "prayer"}, "kind", None),
        ({"description": ""}, "description", None),
    ],
)
def test_bad_action_input_is_refused_with_the_field_named_and_nothing_written(
    cast: Cast, values: dict[str, str], field: str, message: str | None
) -> None:
    barrier = report(cast)
    substitutes = {
        "YESTERDAY": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "CLIN_B": str(cast.users["clin_b"].pk),
    }
    values = {k: substitutes.get(v, v) for k, v in values.items()}
    audited = AuditEvent.objects.count()
    with pytest.raises(FormInvalid) as refused:
        open_action(cast, barrier, **values)
    assert field in refused.value.errors
    if message:
        assert refused.value.errors[field] == [message]
    assert not BarrierAction.objects.exists() and not ActionUpdate.objects.exists()
    assert Barrier.objects.get().status == "open" and AuditEvent.objects.count() == audited


@pytest.mark.django_db
def test_action_owners_are_the_patient_a_named_person_or_a_care_team_clinician(
    cast: Cast,
) -> None:
    barrier = report(cast)
    owners = actions.action_owners(web(cast, "clin_a"), barrier)
    assert sorted(u.username for u in owners) == ["clin_a", "colleague_a"]
    by_patient = open_action(cast, barrier, owner_kind="patient", kind="reminder_plan")
    by_daughter = open_action(
        cast, barrier, owner_kind="other_person", owner_name="Maria (daughter)"
    )
    assert (by_patient.owner_clinician, by_patient.owner_label) == (None, "The patient")
    assert (by_daughter.owner_clinician, by_daughter.owner_label) == (None, "Maria (daughter)")


@pytest.mark.django_db
def test_no_action_on_a_closed_barrier(cast: Cast) -> None:
    barrier = report(cast)
    services.change_barrier_status(
        web(cast, "clin_a"), barrier.pk, {"status": "no_longer_applies", "note": "Stopped it."}
    )
    with pytest.raises(FormInvalid) as refused:
        open_action(cast, barrier)
    assert refused.value.errors == {"barrier": ["This barrier is closed: reopen it first."]}
    assert not BarrierAction.objects.exists()


@pytest.mark.django_db
def test_follow_up_moves_closes_and_keeps_every_step(cast: Cast) -> None:
    barrier = report(cast)
    action = open_action(cast, barrier)
    today = timezone.localdate()
    first_date = today + timedelta(days=7)
    later = today + timedelta(days=21)
    clinician = web(cast, "clin_a")
    actions.follow_up_action(
        clinician,
        action.pk,
        {"status": "planned", "follow_up_on": later.isoformat(), "outcome_note": "Clinic full."},
    )
    actions.follow_up_action(
        clinician, action.pk, {"status": "done", "outcome_note": "Dose moved to the evening."}
    )
    action.refresh_from_db()
    assert (action.status, action.follow_up_on, action.outcome_note) == (
        "done",
        later,
        "Dose moved to the evening.",
    )
    assert action.closed_at is not None
    steps = list(
        action.history.values_list(
            "from_status", "to_status", "follow_up_before", "follow_up_after", "note"
        )
    )
    assert steps == [
        ("", "planned", None, first_date, ""),
        ("planned", "planned", first_date, later, "Clinic full."),
        ("planned", "done", None, None, "Dose moved to the evening."),
    ]
    updates = [r.detail for r in audit_rows("barrier_action") if r.action == "update"]
    assert updates == [
        {
            "from": "planned",
            "to": "planned",
            "follow_up": {"from": first_date.isoformat(), "to": later.isoformat()},
        },
        {"from": "planned", "to": "done"},
    ]
    # A closed action stays closed: a new action is opened instead.
    with pytest.raises(FormInvalid) as refused:
        actions.follow_up_action(clinician, action.pk, {"status": "not_done", "outcome_note": "x"})
    assert refused.value.errors["status"] == [
        "This action is closed (Done); open a new action instead."
    ]
    assert action.history.count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": "done", "outcome_note": ""}, "outcome_note"),
        ({"status": "planned", "outcome_note": "Moved."}, "follow_up_on"),  # no new date
        ({"status": "planned", "follow_up_on": "PAST", "outcome_note": "x"}, "follow_up_on"),
        ({"status": "done", "follow_up_on": "FUTURE", "outcome_note": "x"}, "follow_up_on"),
    ],
)
def test_bad_follow_up_is_refused_and_nothing_changes(
    cast: Cast, data: dict[str, str], field: str
) -> None:
    action = open_action(cast, report(cast))
    today = timezone.localdate()
    dates = {"PAST": today - timedelta(days=1), "FUTURE": today + timedelta(days=30)}
    data = {k: dates[v].isoformat() if v in dates else v for k, v in data.items()}
    with pytest.raises(FormInvalid) as refused:
        actions.follow_up_action(web(cast, "clin_a"), action.pk, data)
    assert field in refused.value.errors
    action.refresh_from_db()
    assert action.status == "planned" and action.history.count() == 1


@pytest.mark.django_db
def test_overdue_follow_ups_are_flagged_in_words_on_the_patient_page_and_caseload(
    cast: Cast,
) -> None:
    barrier = report(cast)
    today = timezone.localdate()
    # Opened ten days ago with a follow-up three days ago: overdue by today.
    overdue = actions.open_action(
        web(cast, "clin_a"),
        barrier.pk,
        {
            "kind": "side_effect_review",
            "description": "Review the dose.",
            "owner_kind": "clinician",
            "owner_clinician": cast.users["clin_a"].pk,
            "follow_up_on": (today - timedelta(days=3)).isoformat(),
        },
        today=today - timedelta(days=10),
    )
    due = open_action(cast, barrier, follow_up_on=today.isoformat(), kind="information_discussion")
    assert overdue.is_overdue(today) and not overdue.is_due(today)
    assert due.is_due(today) and not due.is_overdue(today)
    client = Client()
    client.force_login(cast.users["clin_a"])
    page = client.get(reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk}))
    html = page.content.decode()
    assert "1 follow-up is overdue." in html
    assert html.count(">Overdue</strong>") == 1 and html.count(">Due today</strong>") == 1
    caseload = client.get(reverse("clinic:caseload")).content.decode()
    assert "1 barrier follow-up overdue" in caseload and "1 due within 7 days" in caseload
    rows = actions.follow_ups(web(cast, "sup_a"))
    assert [(r.action.pk, r.overdue, r.due_today) for r in rows] == [
        (overdue.pk, True, False),
        (due.pk, False, True),
    ]
    assert actions.follow_ups(web(cast, "clin_b")) == []


@pytest.mark.django_db
def test_pages_write_through_the_services_and_show_errors_on_the_field(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.users["clin_a"])
    url = reverse("barriers:barrier_new", kwargs={"patient_id": cast.patient_a.pk})
    refused = client.post(url, {"kind": "other", "raised_by": "patient", "words_of": "patient"})
    assert refused.status_code == 400
    assert "Describe the barrier when it is “Other”." in refused.content.decode()
    assert not Barrier.objects.exists()
    done = client.post(
        url,
        {
            "kind": "cost",
            "raised_by": "patient",
            "words_of": "patient",
            "description": "The charges add up.",
        },
    )
    barrier = Barrier.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("barriers:action_new", kwargs={"barrier_id": barrier.pk})
    form = client.get(done["Location"]).content.decode()
    # The usual actions for cost come first in the list, the first one chosen.
    assert form.index('value="cost_help" selected') < form.index('value="community_referral"')
    assert form.index('value="community_referral"') < form.index('value="reminder_plan"')
    supervisor = Client()
    supervisor.force_login(cast.users["sup_a"])
    assert supervisor.post(url, {"kind": "cost"}).status_code == 404
    assert Barrier.objects.count() == 1


# ---------------------------------------------------------------- suggested actions


def test_every_barrier_kind_has_usual_actions_with_sources() -> None:
    assert set(SUGGESTIONS) == set(BarrierKind.values)
    for kind, suggestion in SUGGESTIONS.items():
        assert suggestion.action_kinds and all(
            k in ActionKind.values for k in suggestion.action_kinds
        )
        assert all(s in SOURCES for s in suggestion.sources)
        if kind != BarrierKind.OTHER:
            assert "who2003" in suggestion.sources
    assert suggestion_for("cost").action_kinds == ("cost_help", "community_referral")
    assert suggestion_for("transport").action_kinds[0] == "telehealth"
    assert suggestion_for("language").action_kinds[0] == "interpreter_or_translation"
    assert suggestion_for("unknown") == SUGGESTIONS[BarrierKind.OTHER]


@pytest.mark.django_db
def test_follow_ups_of_my_own_and_of_my_teams(cast: Cast) -> None:
    barrier = report(cast)
    mine = open_action(cast, barrier, owner_clinician=str(cast.users["clin_a"].pk))
    theirs = open_action(cast, barrier, kind="information_discussion")  # colleague_a owns it
    everything = actions.follow_ups(web(cast, "clin_a"))
    assert [r.action.pk for r in everything] == [mine.pk, theirs.pk]
    assert [r.action.pk for r in actions.follow_ups(web(cast, "clin_a"), mine_only=True)] == [
        mine.pk
    ]
    client = Client()
    client.force_login(cast.users["clin_a"])
    page = client.get(reverse("barriers:follow_ups"), {"mine": "1"}).content.decode()
    assert page.count(">Follow up</a>") == 1
    listed = (
        AuditEvent.objects.filter(object_type="barrier_action", action="list").order_by("id").last()
    )
    assert listed is not None and listed.detail["action_ids"] == [mine.pk]


@pytest.mark.django_db
def test_a_referral_action_leads_on_to_the_referral_form(cast: Cast) -> None:
    barrier = report(cast, kind="cost")
    client = Client()
    client.force_login(cast.users["clin_a"])
    opened = client.post(
        reverse("barriers:action_new", kwargs={"barrier_id": barrier.pk}),
        {
            "kind": "community_referral",
            "description": "Money advice.",
            "owner_kind": "clinician",
            "owner_clinician": cast.users["clin_a"].pk,
            "follow_up_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
        },
    )
    action = BarrierAction.objects.get()
    url = reverse("barriers:referral_new", kwargs={"patient_id": cast.patient_a.pk})
    assert opened.status_code == 302 and opened["Location"] == f"{url}?action={action.pk}"
    form = client.get(opened["Location"]).content.decode()
    assert f'<option value="{action.pk}" selected>Cost: Community resource referral' in form

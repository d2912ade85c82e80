"""The community directory and referrals: validation with the field named, the clinic's scope,
archive instead of delete, the 12-month check, status history and audit rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concord.web.accounts.models import Role, User
from concord.web.audit.models import AuditEvent
from concord.web.barriers import actions, referrals, resources, services
from concord.web.barriers.languages import language_name, parse_language_list
from concord.web.barriers.models import CommunityResource, Referral, ReferralStatusChange
from concord.web.barriers.models.resources import twelve_months_before
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.models import CareEpisode, CareTeam, Clinic, Patient, TeamMembership
from concord.web.clinic.services import FormInvalid

from .conftest import Cast
from .test_barriers import open_action, report, web

VALID = {
    "name": "Riverside Money Advice Centre",
    "category": "financial",
    "description": "Free advice on benefits, debts and health costs.",
    "phone": "0113 496 0101",
    "email": "help@riverside-money.example",
    "website": "https://riverside-money.example/",
    "languages": "en, PL; ur",
    "last_verified_on": "",
}


@dataclass
class OtherClinic:
    clinic: Clinic
    clinician: User
    patient: Patient


@pytest.fixture
def other_clinic(cast: Cast) -> OtherClinic:
    """A second clinic of the organisation, with its own team, clinician and patient."""
    clinic = Clinic.objects.create(organisation=cast.team_a.clinic.organisation, name="Hillside")
    team = CareTeam.objects.create(clinic=clinic, name="Team C")
    clinician = User.objects.create_user(
        username="clin_c",
        password="a long test password",
        role=Role.CLINICIAN,
        discipline="pharmacy",
    )
    TeamMembership.objects.create(team=team, user=clinician)
    patient = Patient.objects.create(
        clinic=clinic, given_name="Cy", family_name="Gamma", date_of_birth=date(1990, 3, 4)
    )
    CareEpisode.objects.create(
        patient=patient, team=team, reason="Asthma", started_on=date(2026, 1, 1)
    )
    return OtherClinic(clinic, clinician, patient)


def add(cast: Cast, who: str = "clin_a", **values: Any) -> CommunityResource:
    return resources.create_resource(web(cast, who), {**VALID, **values})


def resource_audit() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="community_resource").order_by("id"))


# ---------------------------------------------------------------- the directory


@pytest.mark.django_db
def test_a_clinician_adds_an_entry_to_their_clinics_directory_audited_without_patients(
    cast: Cast,
) -> None:
    resource = add(cast)  # one clinic: it need not be named
    assert resource.clinic == cast.team_a.clinic
    assert resource.languages == ",en,pl,ur," and resource.language_codes == ["en", "pl", "ur"]
    assert resource.active and resource.created_by == cast.users["clin_a"]
    (row,) = resource_audit()
    assert (row.action, row.object_id, row.patient_refs) == ("create", str(resource.pk), "")
    assert row.detail == {
        "clinic_id": cast.team_a.clinic.pk,
        "name": "Riverside Money Advice Centre",
        "category": "financial",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"website": "not a web address"}, "website"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "ftp://files.example/"}, "website"),
        ({"email": "help@"}, "email"),
        ({"phone": "call us"}, "phone"),
        ({"phone": "123"}, "phone"),  # too few digits
        ({"phone": "", "email": "", "website": ""}, "phone"),  # no way to get in touch
        ({"languages": "english"}, "languages"),
        ({"category": "astrology"}, "category"),
        ({"name": "   "}, "name"),
        ({"last_verified_on": "2999-01-01"}, "last_verified_on"),
    ],
)
def test_bad_directory_input_is_refused_with_the_field_named_and_nothing_written(
    cast: Cast, values: dict[str, str], field: str
) -> None:
    with pytest.raises(FormInvalid) as refused:
        add(cast, **values)
    assert field in refused.value.errors
    assert not CommunityResource.objects.exists() and resource_audit() == []


@pytest.mark.django_db
def test_the_web_address_without_a_scheme_is_taken_as_https(cast: Cast) -> None:
    assert add(cast, website="riverside-money.example").website == "https://riverside-money.example"


@pytest.mark.django_db
def test_a_clinician_cannot_file_an_entry_in_another_clinic(
    cast: Cast, other_clinic: OtherClinic
) -> None:
    with pytest.raises(FormInvalid) as refused:
        add(cast, clinic=str(other_clinic.clinic.pk))
    assert refused.value.errors["clinic"] == ["Choose the clinic of one of your care teams."]
    assert not CommunityResource.objects.exists()


@pytest.mark.django_db
def test_directory_scope_supervisors_read_other_clinics_and_roles_see_nothing(
    cast: Cast, other_clinic: OtherClinic
) -> None:
    ours = add(cast)
    theirs = resources.create_resource(
        web_of(other_clinic.clinician), {**VALID, "name": "Hillside Advice"}
    )
    assert [r.pk for r in resources.directory(web(cast, "sup_b"))] == [ours.pk]
    assert [r.pk for r in resources.directory(web_of(other_clinic.clinician))] == [theirs.pk]
    with pytest.raises(NotFound):
        resources.get_resource(web(cast, "clin_a"), theirs.pk)
    with pytest.raises(NotFound):
        resources.update_resource(web(cast, "clin_a"), theirs.pk, VALID)
    with pytest.raises(NotAllowed):
        resources.update_resource(web(cast, "sup_a"), ours.pk, VALID)
    with pytest.raises(NotAllowed):
        resources.create_resource(web(cast, "sup_a"), VALID)
    for role in ("observer_a", "patient_a", "supporter", "admin"):
        with pytest.raises(NotFound):
            resources.directory(web(cast, role))
    assert CommunityResource.objects.count() == 2


def web_of(user: User) -> Any:
    from concord.web.audit.service import Actor

    return Actor(user, "web", "127.0.0.1")


@pytest.mark.django_db
def test_editing_records_who_and_what_changed(cast: Cast) -> None:
    resource = add(cast)
    resources.update_resource(
        web(cast, "colleague_a"), resource.pk, {**VALID, "opening_hours": "Mon–Fri 09:00–17:00"}
    )
    resource.refresh_from_db()
    assert resource.updated_by == cast.users["colleague_a"]
    assert resource.opening_hours == "Mon–Fri 09:00–17:00"
    # The languages were typed differently ("en, PL; ur") but mean the same: not a change.
    assert resource_audit()[-1].detail == {"changed": ["opening_hours"]}


@pytest.mark.django_db
def test_search_by_text_category_and_language(cast: Cast) -> None:
    advice = add(cast)
    transport = add(
        cast,
        name="Eastbank Community Transport",
        category="transport",
        description="Door-to-door minibus to appointments.",
        languages="en, es",
        website="",
    )
    add(cast, name="Old bus scheme", category="transport", languages="es", website="")
    old = CommunityResource.objects.get(name="Old bus scheme")
    resources.set_listed(web(cast, "clin_a"), old.pk, False)
    actor = web(cast, "sup_a")

    def names(**query: Any) -> list[str]:
        return [r.name for r in resources.directory(actor, resources.DirectoryQuery(**query))]

    assert names() == [transport.name, advice.name]  # archived left out, by name
    assert names(category="transport") == [transport.name]
    assert names(language="es") == [transport.name]
    assert names(language="ES", include_archived=True) == [transport.name, "Old bus scheme"]
    assert names(language="pl") == [advice.name]
    assert names(text="minibus DOOR") == [transport.name]  # every word, any case
    assert names(text="minibus benefits") == []
    assert resources.directory_languages(actor) == [
        ("en", "English"),
        ("pl", "Polish"),
        ("es", "Spanish"),
        ("ur", "Urdu"),
    ]


@pytest.mark.django_db
def test_directory_page_filters_and_flags_entries_not_checked_for_12_months(cast: Cast) -> None:
    today = timezone.localdate()
    add(cast, last_verified_on=(today - timedelta(days=400)).isoformat())
    add(cast, name="Fresh Peer Group", category="peer_support", last_verified_on=today.isoformat())
    client = Client()
    client.force_login(cast.users["sup_a"])
    page = client.get(reverse("barriers:directory")).content.decode()
    assert page.count("Not checked for over 12 months") == 1 and "2 resources" in page
    filtered = client.get(reverse("barriers:directory"), {"category": "peer_support"})
    html = filtered.content.decode()
    assert "1 resource" in html and "Fresh Peer Group" in html and "Money Advice" not in html


def test_twelve_months_and_the_verification_flag() -> None:
    assert twelve_months_before(date(2026, 5, 10)) == date(2025, 5, 10)
    assert twelve_months_before(date(2028, 2, 29)) == date(2027, 2, 28)
    today = date(2026, 5, 10)
    assert CommunityResource(last_verified_on=date(2025, 5, 10)).needs_verification(today) is False
    assert CommunityResource(last_verified_on=date(2025, 5, 9)).needs_verification(today) is True
    assert CommunityResource(last_verified_on=None).needs_verification(today) is True


def test_language_codes_are_checked_and_named() -> None:
    assert parse_language_list(" en, PT_BR;  bfi en ") == ["en", "pt-br", "bfi"]
    assert language_name("pt-br") == "Brazilian Portuguese"
    assert language_name("bfi") == "British Sign Language"
    assert language_name("so") == "Somali"
    assert language_name("xx") == "xx"


# ---------------------------------------------------------------- referrals


@pytest.mark.django_db
def test_a_referral_from_a_barrier_action_with_history_and_audit(cast: Cast) -> None:
    resource = add(cast)
    barrier = report(cast, kind="cost")
    action = open_action(cast, barrier, kind="community_referral")
    referral = referrals.create_referral(
        web(cast, "clin_a"),
        cast.patient_a.pk,
        {
            "resource": resource.pk,
            "action": action.pk,
            "status": "referred",
            "reason": "Help with prescription charges.",
        },
    )
    assert (referral.status, referral.action, referral.referred_by) == (
        "referred",
        action,
        cast.users["clin_a"],
    )
    referrals.change_referral_status(
        web(cast, "colleague_a"), referral.pk, {"status": "contacted", "note": "Called them."}
    )
    rows = list(
        ReferralStatusChange.objects.filter(referral=referral).values_list(
            "from_status", "to_status", "changed_by__username", "note"
        )
    )
    assert rows == [
        ("", "referred", "clin_a", ""),
        ("referred", "contacted", "colleague_a", "Called them."),
    ]
    audited = AuditEvent.objects.filter(object_type="referral").order_by("id")
    assert [(r.action, r.detail.get("to")) for r in audited] == [
        ("create", None),
        ("update", "contacted"),
    ]
    assert all(r.patient_refs == f",{cast.patient_a.pk}," for r in audited)
    # The clinician's page shows the referral under the action.
    client = Client()
    client.force_login(cast.users["sup_a"])
    page = client.get(
        reverse("barriers:patient_barriers", kwargs={"patient_id": cast.patient_a.pk})
    )
    assert "Referral: Riverside Money Advice Centre · Contacted" in page.content.decode()


@pytest.mark.django_db
def test_a_resource_of_another_clinic_or_archived_cannot_be_referred_to(
    cast: Cast, other_clinic: OtherClinic
) -> None:
    theirs = resources.create_resource(web_of(other_clinic.clinician), VALID)
    archived = add(cast, name="Closed scheme")
    resources.set_listed(web(cast, "clin_a"), archived.pk, False)
    for resource in (theirs, archived):
        with pytest.raises(FormInvalid) as refused:
            referrals.create_referral(
                web(cast, "clin_a"),
                cast.patient_a.pk,
                {"resource": resource.pk, "status": "suggested"},
            )
        assert refused.value.errors["resource"] == [
            "Choose a listed resource of this patient's clinic directory."
        ]
    assert not Referral.objects.exists()
    assert not AuditEvent.objects.filter(object_type="referral").exists()


@pytest.mark.django_db
def test_another_patients_action_cannot_be_named_and_supervisors_do_not_refer(cast: Cast) -> None:
    resource = add(cast)
    other = services.report_barrier(
        web(cast, "clin_b"), cast.patient_b.pk, {"kind": "cost", "raised_by": "patient"}
    )
    action_b = actions.open_action(
        web(cast, "clin_b"),
        other.pk,
        {
            "kind": "cost_help",
            "description": "Check exemptions.",
            "owner_kind": "patient",
            "follow_up_on": timezone.localdate().isoformat(),
        },
    )
    with pytest.raises(FormInvalid) as refused:
        referrals.create_referral(
            web(cast, "clin_a"),
            cast.patient_a.pk,
            {"resource": resource.pk, "action": action_b.pk, "status": "suggested"},
        )
    assert refused.value.errors["action"] == ["Choose a planned action of this patient."]
    with pytest.raises(NotAllowed):
        referrals.create_referral(
            web(cast, "sup_a"), cast.patient_a.pk, {"resource": resource.pk, "status": "suggested"}
        )
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_a_referenced_resource_is_archived_never_deleted(cast: Cast) -> None:
    resource = add(cast)
    referrals.create_referral(
        web(cast, "clin_a"), cast.patient_a.pk, {"resource": resource.pk, "status": "suggested"}
    )
    with pytest.raises(ProtectedError):
        resource.delete()
    archived = resources.set_listed(web(cast, "clin_a"), resource.pk, False)
    assert archived.active is False and archived.archived_at is not None
    assert resource_audit()[-1].detail == {"archived": True}
    listed = resources.set_listed(web(cast, "clin_a"), resource.pk, True)
    assert listed.active is True and listed.archived_at is None
    assert Referral.objects.get().resource == resource


@pytest.mark.django_db
def test_archive_and_list_again_from_the_page_clinicians_only(cast: Cast) -> None:
    resource = add(cast)
    url = reverse("barriers:resource_archive", kwargs={"resource_id": resource.pk})
    supervisor = Client()
    supervisor.force_login(cast.users["sup_a"])
    assert supervisor.post(url, {"listed": "0"}).status_code == 404
    clinician = Client()
    clinician.force_login(cast.users["clin_b"])  # team B works in the same clinic
    assert clinician.post(url, {"listed": "0"}).status_code == 302
    assert CommunityResource.objects.get().active is False
    page = clinician.get(reverse("barriers:resource", kwargs={"resource_id": resource.pk}))
    assert "List again" in page.content.decode()
    assert clinician.post(url, {"listed": "1"}).status_code == 302
    assert CommunityResource.objects.get().active is True
    assert [r.detail for r in resource_audit()[1:]] == [{"archived": True}, {"archived": False}]

"""The shared plan: consent records, supporters and what each consented scope lets them see."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from concord.web.audit.models import AuditEvent
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.services import FormInvalid, NotAllowed
from concord.web.consent import records, supporters
from concord.web.consent.channels import usable_channels
from concord.web.consent.models import ConsentRecord, HistoryIsAppendOnly, SupporterObservation
from concord.web.consent.policy import reconfirm_date
from concord.web.consent.states import states_of

from .access_tables import API_ANON, CLINICIANS_A, PATIENTS, STAFF_A, ApiTable, PageTable, statuses
from .conftest import Cast


def web(cast: Cast, name: str) -> Actor:
    return Actor(cast.users[name], "web", "127.0.0.1")


def _link(cast: Cast) -> dict[str, Any]:
    return {"link_id": cast.supporter_link.pk}


def _invitation_token(cast: Cast) -> dict[str, Any]:
    """A fresh invitation from patient A (a pending link sharing appointments)."""
    _link_row, raw = supporters.invite(
        web(cast, "patient_a"),
        {
            "name": "Kim",
            "relationship": "friend",
            "contact": "kim@example.org",
            "scopes": ["appointments"],
        },
    )
    return {"token": raw}


# Every page and API operation of this area, with the exact status for every person of the
# cast (collected by test_access_matrix). The cast's supporter is linked to patient A with
# no scope granted: every supporter page but their home is 404 for them.
CONSENT_PAGES: PageTable = {
    "consent:my_consents": (lambda c: {}, statuses(404, **PATIENTS)),
    # POST only: patients reach the method check (405), everyone else is refused first.
    "consent:my_consent_decide": (lambda c: {}, statuses(404, patient_a=405, patient_b=405)),
    "consent:my_supporters": (lambda c: {}, statuses(404, **PATIENTS)),
    "consent:my_supporter_new": (lambda c: {}, statuses(404, **PATIENTS)),
    "consent:my_supporter": (_link, statuses(404, patient_a=200)),
    "consent:my_supporter_invitation": (_link, statuses(404, patient_a=405, patient_b=405)),
    "consent:my_supporter_end": (_link, statuses(404, patient_a=200)),
    "consent:my_access_history": (lambda c: {}, statuses(404, **PATIENTS)),
    "consent:supporting": (lambda c: {}, statuses(404, supporter=200)),
    "consent:supported_patient": (_link, statuses(404)),
    "consent:observation_new": (_link, statuses(404, supporter=405)),
    # Public: the invited person (anonymous, or signed in as a supporter) sees it; people
    # signed in with other roles are told to sign out first (404, whether valid or not).
    "consent:join": (_invitation_token, statuses(404, anonymous=200, supporter=200)),
    "consent:patient_consents": (
        lambda c: {"patient_id": c.patient_a.pk},
        statuses(404, **STAFF_A),
    ),
    "consent:consent_record": (
        lambda c: {"patient_id": c.patient_a.pk},
        statuses(404, **CLINICIANS_A),
    ),
    "consent:link_end": (_link, statuses(404, **CLINICIANS_A)),
}
CONSENT_API: ApiTable = {
    ("GET", "/api/v1/patients/{p}/consents"): (None, statuses(404, anonymous=API_ANON, **STAFF_A)),
    ("POST", "/api/v1/patients/{p}/consents"): (
        {"kind": "research", "decision": "granted", "method": "in_writing"},
        statuses(404, anonymous=API_ANON, clin_a=201, colleague_a=201, sup_a=403),
    ),
    ("GET", "/api/v1/patients/{p}/supporters"): (
        None,
        statuses(404, anonymous=API_ANON, **STAFF_A),
    ),
}


# ---------------------------------------------------------------- helpers

ZONE = ZoneInfo("Europe/London")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=ZONE)


def client_for(cast: Cast, name: str) -> Client:
    client = Client()
    if name != "anonymous":
        client.force_login(cast.users[name])
    return client


def staff_record(
    cast: Cast, when: datetime | None = None, name: str = "clin_a", **data: Any
) -> Any:
    values = {"method": "in_writing", **data}
    return records.record_for_patient(web(cast, name), cast.patient_a.pk, values, now=when)


def portal(cast: Cast, when: datetime | None = None, name: str = "patient_a", **data: Any) -> Any:
    return records.decide_in_portal(web(cast, name), data, now=when)


def audit_rows(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("id"))


# ---------------------------------------------------------------- versioning


@pytest.mark.parametrize(
    ("recorded", "months", "expected"),
    [
        (date(2026, 11, 21), 12, date(2027, 11, 21)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # 2028 is a leap year
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 12, 15), 24, date(2028, 12, 15)),
        (date(2026, 12, 15), -24, date(2024, 12, 15)),
    ],
)
def test_reconfirmation_date_adds_calendar_months(
    recorded: date, months: int, expected: date
) -> None:
    assert reconfirm_date(recorded, months) == expected


@pytest.mark.django_db
def test_every_decision_is_a_new_record_and_the_current_state_is_the_latest(cast: Cast) -> None:
    first = staff_record(cast, at(date(2026, 1, 31)), consent="treatment", decision="granted")
    again = portal(
        cast, at(date(2026, 6, 1)), kind="treatment", topic="", decision="granted"
    )  # a re-confirmation in the portal
    ended = staff_record(
        cast,
        at(date(2026, 9, 2)),
        consent="treatment",
        decision="withdrawn",
        method="in_person_verbal",
        note="Wants to stop after talking it through.",
    )
    stored = list(ConsentRecord.objects.filter(patient=cast.patient_a).order_by("pk"))
    assert [r.pk for r in stored] == [first.pk, again.pk, ended.pk]  # nothing overwritten
    assert [(r.decision, r.method) for r in stored] == [
        ("granted", "in_writing"),
        ("granted", "portal"),
        ("withdrawn", "in_person_verbal"),
    ]
    # Treatment re-confirms after 12 months by default: 31 Jan 2026 -> 31 Jan 2027,
    # 1 Jun 2026 -> 1 Jun 2027; a withdrawal has no re-confirmation date.
    assert [r.reconfirm_by for r in stored] == [date(2027, 1, 31), date(2027, 6, 1), None]
    assert [r.recorded_by.username for r in stored] == ["clin_a", "patient_a", "clin_a"]
    assert stored[0].information_version == "treatment-2026.1"

    consents = records.patient_consents(web(cast, "clin_a"), cast.patient_a.pk)
    treatment = consents.of_kind("treatment")[0]
    assert treatment.current == ended and treatment.status == "withdrawn"
    assert [e.event for e in treatment.entries] == ["withdrawn", "reconfirmed", "granted"]
    assert records.event_of(again) == "reconfirmed" and records.event_of(first) == "granted"


@pytest.mark.django_db
def test_consent_records_and_observations_are_never_changed_or_deleted(cast: Cast) -> None:
    record = staff_record(cast, consent="research", decision="granted")
    record.note = "changed"
    with pytest.raises(HistoryIsAppendOnly):
        record.save()
    with pytest.raises(HistoryIsAppendOnly):
        record.delete()
    with pytest.raises(HistoryIsAppendOnly):
        ConsentRecord.objects.filter(pk=record.pk).update(decision="withdrawn")
    with pytest.raises(HistoryIsAppendOnly):
        ConsentRecord.objects.filter(pk=record.pk).delete()
    observation = SupporterObservation.objects.create(
        link=cast.supporter_link,
        patient=cast.patient_a,
        supporter=cast.users["supporter"],
        week_ending=date(2026, 11, 20),
        took_medicines="most",
    )
    with pytest.raises(HistoryIsAppendOnly):
        observation.save()
    with pytest.raises(HistoryIsAppendOnly):
        SupporterObservation.objects.all().delete()
    assert ConsentRecord.objects.get(pk=record.pk).decision == "granted"


@pytest.mark.django_db
def test_reconfirmation_due_and_overdue_on_the_patient_page(cast: Cast) -> None:
    today = date(2026, 11, 21)
    # Research, 24 months from 20 Nov 2024 -> 20 Nov 2026: one day overdue.
    staff_record(cast, at(date(2024, 11, 20)), consent="research", decision="granted")
    # Treatment, 12 months from 21 Dec 2025 -> 21 Dec 2026: 30 days ahead, so due.
    staff_record(cast, at(date(2025, 12, 21)), consent="treatment", decision="granted")
    # SMS, chosen 12 months from 22 Dec 2025 -> 22 Dec 2026: 31 days ahead, not yet due.
    staff_record(
        cast,
        at(date(2025, 12, 22)),
        consent="channel:sms",
        decision="granted",
        reconfirm_months="12",
    )
    consents = records.patient_consents(web(cast, "clin_a"), cast.patient_a.pk, today=today)
    statuses_now = {s.key: s.status for s in consents.states if s.current}
    assert statuses_now == {"research": "overdue", "treatment": "due", "channel:sms": "in_force"}
    assert [s.key for s in consents.due] == ["research", "treatment"]  # most overdue first

    page = client_for(cast, "clin_a").get(
        reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk})
    )
    html = page.content.decode()
    assert "Due for re-confirmation" in html
    assert "overdue since 20 Nov 2026" in html and "due by 21 Dec 2026" in html


@pytest.mark.django_db
def test_the_clinician_chooses_the_reconfirmation_period(cast: Cast) -> None:
    record = staff_record(
        cast, at(date(2026, 3, 10)), consent="research", decision="granted", reconfirm_months="3"
    )
    assert record.reconfirm_by == date(2026, 6, 10)  # 10 Mar + 3 months
    for bad in ("0", "37", "soon"):
        with pytest.raises(FormInvalid) as refused:
            staff_record(cast, consent="research", decision="granted", reconfirm_months=bad)
        assert list(refused.value.errors) == ["reconfirm_months"]
    assert ConsentRecord.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"decision": "granted"}, "kind"),  # which consent?
        ({"consent": "fax", "decision": "granted"}, "consent"),
        ({"consent": "channel:fax", "decision": "granted"}, "consent"),
        ({"kind": "channel", "topic": "pigeon", "decision": "granted"}, "topic"),
        ({"kind": "treatment", "topic": "sms", "decision": "granted"}, "topic"),
        ({"consent": "treatment", "decision": "maybe"}, "decision"),
        ({"consent": "treatment", "decision": "granted", "method": "portal"}, "method"),
        ({"consent": "treatment", "decision": "withdrawn"}, "decision"),  # nothing in force
        ({"consent": "supporter:999:appointments", "decision": "withdrawn"}, "consent"),
        ({"consent": "supporter:{link}:appointments", "decision": "granted"}, "decision"),
        ({"consent": "treatment", "decision": "granted", "note": "x" * 501}, "note"),
    ],
)
def test_bad_staff_input_names_the_field_and_writes_nothing(
    cast: Cast, data: dict[str, str], field: str
) -> None:
    if "consent" in data:
        data = {**data, "consent": data["consent"].format(link=cast.supporter_link.pk)}
    with pytest.raises(FormInvalid) as refused:
        staff_record(cast, **data)
    assert field in refused.value.errors
    assert ConsentRecord.objects.count() == 0 and audit_rows("consent_record") == []


@pytest.mark.django_db
def test_declining_what_is_in_force_must_be_a_withdrawal(cast: Cast) -> None:
    staff_record(cast, consent="research", decision="granted")
    with pytest.raises(FormInvalid) as refused:
        staff_record(cast, consent="research", decision="declined")
    assert refused.value.errors == {
        "decision": ["This consent is in force: record that it is withdrawn instead."]
    }


@pytest.mark.django_db
def test_only_clinicians_of_the_team_record_decisions(cast: Cast) -> None:
    with pytest.raises(NotAllowed):
        staff_record(cast, name="sup_a", consent="research", decision="granted")
    for outsider in ("clin_b", "sup_b", "patient_a", "supporter", "admin", "observer_a"):
        with pytest.raises(NotFound):
            staff_record(cast, name=outsider, consent="research", decision="granted")
    assert ConsentRecord.objects.count() == 0


@pytest.mark.django_db
def test_what_the_portal_allows_for_each_kind(cast: Cast) -> None:
    def refused(**data: str) -> dict[str, list[str]]:
        with pytest.raises(FormInvalid) as error:
            portal(cast, **data)
        return error.value.errors

    # Treatment: neither given nor withdrawn in the portal, only re-confirmed.
    talk = ["To start, change or stop your treatment, please talk to your care team."]
    assert refused(kind="treatment", decision="granted") == {"decision": talk}
    staff_record(cast, consent="treatment", decision="granted")
    assert refused(kind="treatment", decision="withdrawn") == {"decision": talk}
    assert portal(cast, kind="treatment", decision="granted").method == "portal"
    # Research and channels: the patient's own choice, either way.
    assert portal(cast, kind="research", decision="declined").decision == "declined"
    assert portal(cast, kind="research", decision="granted").decision == "granted"
    assert portal(cast, kind="research", decision="withdrawn").decision == "withdrawn"
    assert portal(cast, kind="channel", topic="email", decision="granted").topic == "email"
    assert refused(kind="channel", topic="fax", decision="granted") == {
        "topic": ["Choose one of the ways to contact you."]
    }
    # Another patient's supporter link is not theirs to change.
    with pytest.raises(NotFound):
        portal(
            cast,
            name="patient_b",
            kind="supporter",
            topic="appointments",
            supporter_link=str(cast.supporter_link.pk),
            decision="granted",
        )
    kinds = list(
        ConsentRecord.objects.order_by("pk").values_list(
            "kind", "decision", "recorded_by__username"
        )
    )
    assert kinds == [
        ("treatment", "granted", "clin_a"),
        ("treatment", "granted", "patient_a"),
        ("research", "declined", "patient_a"),
        ("research", "granted", "patient_a"),
        ("research", "withdrawn", "patient_a"),
        ("channel", "granted", "patient_a"),
    ]


@pytest.mark.django_db
def test_channel_consent_keeps_the_preferred_channels_consistent(cast: Cast) -> None:
    patient = cast.patient_a
    patient.channels = ["sms", "email"]
    patient.save()
    assert usable_channels(patient) == []  # preferred, but no consent recorded yet
    staff_record(cast, consent="channel:sms", decision="granted", method="in_person_verbal")
    staff_record(cast, consent="channel:email", decision="granted", method="in_person_verbal")
    patient.refresh_from_db()
    assert usable_channels(patient) == ["sms", "email"]

    portal(cast, kind="channel", topic="sms", decision="withdrawn")
    patient.refresh_from_db()
    assert patient.channels == ["email"] and usable_channels(patient) == ["email"]
    portal(cast, kind="channel", topic="phone", decision="granted")
    patient.refresh_from_db()
    assert patient.channels == ["email", "phone"]
    assert usable_channels(patient) == ["email", "phone"]
    # The change is in the audit row of the decision.
    withdrawal = audit_rows("consent_record")[2]
    assert withdrawal.role == "patient" and withdrawal.patient_ids == [patient.pk]
    assert withdrawal.detail["channels_before"] == ["sms", "email"]
    assert withdrawal.detail["channels_after"] == ["email"]


@pytest.mark.django_db
def test_portal_consent_page_and_decision(cast: Cast) -> None:
    staff_record(cast, consent="treatment", decision="granted")
    client = client_for(cast, "patient_a")
    page = client.get(reverse("consent:my_consents"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "You said yes" in html and "To change this, please talk to your care team." not in html
    answer = client.post(
        reverse("consent:my_consent_decide"),
        {"kind": "channel", "topic": "sms", "decision": "granted"},
    )
    assert answer.status_code == 302 and answer["Location"].endswith("#consent-channel")
    refused = client.post(
        reverse("consent:my_consent_decide"),
        {"kind": "treatment", "decision": "withdrawn"},
    )
    assert refused.status_code == 400
    assert "please talk to your care team" in refused.content.decode()
    assert list(ConsentRecord.objects.order_by("pk").values_list("kind", "decision")) == [
        ("treatment", "granted"),
        ("channel", "granted"),
    ]


@pytest.mark.django_db
def test_clinician_records_a_decision_through_the_page(cast: Cast) -> None:
    client = client_for(cast, "clin_a")
    url = reverse("consent:consent_record", kwargs={"patient_id": cast.patient_a.pk})
    bad = client.post(url, {"consent": "research", "decision": "granted", "method": "portal"})
    assert bad.status_code == 400 and ConsentRecord.objects.count() == 0
    assert "Select a valid choice" in bad.content.decode()
    good = client.post(
        url,
        {
            "consent": "research",
            "decision": "granted",
            "method": "in_writing",
            "information_version": "Research leaflet v3",
            "reconfirm_months": "18",
        },
    )
    assert good.status_code == 302
    record = ConsentRecord.objects.get()
    assert record.information_version == "Research leaflet v3"
    history = client.get(
        reverse("consent:patient_consents", kwargs={"patient_id": cast.patient_a.pk})
    )
    assert "Research leaflet v3" in history.content.decode()


# ---------------------------------------------------------------- the API


@pytest.mark.django_db
def test_api_lists_consents_with_history_and_records_decisions(cast: Cast) -> None:
    staff_record(cast, at(date(2026, 1, 5)), consent="research", decision="granted")
    client = Client()
    headers = {"Authorization": f"Bearer {cast.token('clin_a')}"}
    url = f"/api/v1/patients/{cast.patient_a.pk}/consents"
    created = client.post(
        url,
        data=json.dumps({"kind": "research", "decision": "granted", "method": "phone"}),
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201
    assert created.json()["event"] == "reconfirmed" and created.json()["method"] == "phone"
    listed = {(c["kind"], c["topic"]): c for c in client.get(url, headers=headers).json()}
    research = listed[("research", "")]
    assert research["status"] == "in_force" and research["in_force"] is True
    assert [h["event"] for h in research["history"]] == ["reconfirmed", "granted"]
    assert research["history"][1]["reconfirm_by"] == "2028-01-05"  # 24 months
    assert listed[("treatment", "")]["status"] == "not_recorded"
    invalid = client.post(
        url,
        data=json.dumps(
            {"kind": "channel", "topic": "fax", "decision": "granted", "method": "phone"}
        ),
        content_type="application/json",
        headers=headers,
    )
    assert invalid.status_code == 422
    assert list(invalid.json()["error"]["fields"]) == ["topic"]
    supporters_listed = client.get(
        f"/api/v1/patients/{cast.patient_a.pk}/supporters", headers=headers
    ).json()
    assert [(s["name"], s["status"], s["scopes"]) for s in supporters_listed] == [
        ("Sam Supporter", "active", [])
    ]


# ---------------------------------------------------------------- the demo clinic

DEMO_TODAY = date(2026, 11, 21)


@pytest.mark.django_db
def test_demo_consents_and_supporters() -> None:
    from concord.web.accounts.models import User
    from concord.web.clinic.models import Patient
    from concord.web.consent import access
    from concord.web.consent.models import SupporterInvitation, SupporterLink
    from concord.web.demo.build import build_demo_clinic, demo_people

    build_demo_clinic(DEMO_TODAY, check_mode=False)
    patients = list(Patient.objects.all())
    states = {
        p.pk: states_of(p, DEMO_TODAY, links=p.supporter_links.all(), all_channels=False)
        for p in patients
    }
    treatment = [next(s for s in states[p.pk] if s.kind == "treatment") for p in patients]
    assert all(s.in_force for s in treatment)  # every demo patient consented to treatment
    by_status = {s.status for s in treatment}
    assert {"in_force", "overdue"} <= by_status
    due_or_overdue = [s for ss in states.values() for s in ss if s.needs_reconfirmation]
    assert len(due_or_overdue) >= 5
    # Channels: every usable channel is preferred and consented; some withdrew SMS.
    for patient in patients:
        assert usable_channels(patient) == patient.channels
    assert ConsentRecord.objects.filter(kind="channel", topic="sms", decision="withdrawn").exists()
    research = set(ConsentRecord.objects.filter(kind="research").values_list("decision", flat=True))
    assert research == {"granted", "declined"}

    jo = User.objects.get(username="supporter1")
    amara = Patient.objects.get(account__username="patient1")
    (link,) = access.active_links_for(jo)
    assert link.patient == amara and link.relationship == "partner"
    assert access.current_scopes(link) == {
        "appointments",
        "reminders",
        "adherence_summary",
        "observations",
    }
    assert link.observations.count() == 4
    research_1 = next(s for s in states[amara.pk] if s.kind == "research")
    assert research_1.status == "due" and research_1.reconfirm_by == date(2026, 12, 11)
    pending = SupporterLink.objects.get(patient=amara, supporter__isnull=True)
    assert pending.status == "pending"
    assert SupporterInvitation.objects.get(link=pending).is_usable(at(DEMO_TODAY, 12))
    former = SupporterLink.objects.get(patient__account__username="patient2")
    assert former.status == "ended" and former.supporter == jo
    assert access.current_scopes(former) == frozenset()
    description = {p.username: p.description for p in demo_people()}["supporter1"]
    assert "supports patient1" in description and "patient2 stopped sharing" in description


def test_the_guide_documents_every_period_scope_and_audit_type() -> None:
    from pathlib import Path

    from concord.web.consent.models import Scope
    from concord.web.consent.policy import RECONFIRM_MONTHS

    guide = (Path(__file__).parents[2] / "docs" / "consent.md").read_text(encoding="utf-8")
    rows = {"treatment": "treatment", "supporter": "supporter scope"}
    for kind, months in RECONFIRM_MONTHS.items():
        assert f"| {rows.get(kind, kind)} | {months} months |" in guide, kind
    for scope in Scope.values:
        assert f"| `{scope}` |" in guide, scope
    audited = set(re.findall(r'audit\(\s*\w+,\s*Action\.\w+,\s*"(\w+)"', _consent_sources()))
    assert audited == {
        "consent_record",
        "supporter_link",
        "supporter_invitation",
        "supporter_view",
        "supporter_observation",
        "supporter_access_history",
    }
    for object_type in audited:
        assert f"`{object_type}`" in guide.split("## Audit object types")[1], object_type


def _consent_sources() -> str:
    from pathlib import Path

    import concord.web.consent as package

    return "\n".join(
        p.read_text(encoding="utf-8") for p in Path(package.__file__).parent.glob("*.py")
    )

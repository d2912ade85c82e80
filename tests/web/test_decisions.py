"""The shared plan: shared-decision records, versioned and printable."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from concord.web.audit.models import AuditEvent
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.services import FormInvalid
from concord.web.decisions import services
from concord.web.decisions.drafts import draft_of
from concord.web.decisions.history import changes_between
from concord.web.decisions.models import (
    DecisionOption,
    DecisionParticipant,
    DecisionVersion,
    SharedDecision,
    VersionChangeError,
)

from .access_tables import ALL_STAFF, API_ANON, CLINICIANS_A, STAFF_A, ApiTable, PageTable, statuses
from .conftest import Cast

TODAY = timezone.localdate


def web(cast: Cast, name: str) -> Actor:
    return Actor(cast.users[name], "web", "127.0.0.1")


def decision_data(cast: Cast, **overrides: str) -> dict[str, str]:
    """A valid new decision about starting an antidepressant, as the page's form sends it."""
    data = {
        "question": "Should I start an antidepressant now, or wait and try therapy alone first?",
        "context": "Low mood for three months; sleep and work affected.",
        "options-0-label": "Start sertraline",
        "options-0-benefits": "About half of people feel better within 6 to 8 weeks.",
        "options-0-risks": "Nausea or poor sleep in the first weeks.",
        "options-0-burdens": "A tablet every day; a review after 4 weeks.",
        "options-0-source": "Clinic leaflet 'Why you are taking sertraline'",
        "options-1-label": "Wait and review in 4 weeks",
        "options-1-benefits": "No side effects; time to see if therapy alone helps.",
        "options-1-risks": "Low mood may last longer.",
        "what_matters": "Being able to work and sleep again.",
        "preferred_option": "1",
        "preference_words": "I would like to try the tablet.",
        "status": "decided",
        "chosen_option": "1",
        "revisit_on": (TODAY() + timedelta(days=28)).isoformat(),
        "participants-0-name": "",
        "participants-0-role": "patient",
        "participants-0-user": str(cast.users["patient_a"].pk),
        "participants-1-name": "Dr Alpha",
        "participants-1-role": "clinician",
        "participants-1-user": str(cast.users["clin_a"].pk),
        "participants-2-name": "Sam Alpha",
        "participants-2-role": "supporter",
    }
    data.update(overrides)
    return data


def decision_a(cast: Cast) -> SharedDecision:
    """Patient A's decision (recorded by clin_a on first use)."""
    existing = SharedDecision.objects.filter(episode=cast.episode_a).first()
    if existing is not None:
        return existing
    return services.create_decision(
        web(cast, "clin_a"), cast.episode_a.pk, decision_data(cast)
    ).decision


def audit_rows(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("id"))


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


# Every page and API operation of this area, with the exact status for every person of the
# cast (collected by test_access_matrix).
DECISIONS_PAGES: PageTable = {
    "decisions:new": (lambda c: {"episode_id": c.episode_a.pk}, statuses(404, **CLINICIANS_A)),
    "decisions:detail": (lambda c: {"decision_id": decision_a(c).pk}, statuses(404, **STAFF_A)),
    # Every member of staff has a list (their own patients' decisions; tested below).
    "decisions:to_revisit": (lambda c: {}, statuses(404, **ALL_STAFF)),
    "decisions:revise": (
        lambda c: {"decision_id": decision_a(c).pk},
        statuses(404, **CLINICIANS_A),
    ),
    "decisions:history": (lambda c: {"decision_id": decision_a(c).pk}, statuses(404, **STAFF_A)),
    "decisions:pdf": (lambda c: {"decision_id": decision_a(c).pk}, statuses(404, **STAFF_A)),
    "decisions:portal_detail": (
        lambda c: {"decision_id": decision_a(c).pk},
        statuses(404, patient_a=200),
    ),
    "decisions:portal_edit": (
        lambda c: {"decision_id": decision_a(c).pk},
        statuses(404, patient_a=200),
    ),
    "decisions:portal_pdf": (
        lambda c: {"decision_id": decision_a(c).pk},
        statuses(404, patient_a=200),
    ),
}
API_DECISION = {
    "question": "Physiotherapy or an injection for my back?",
    "options": [
        {
            "label": "Physiotherapy",
            "benefits": "Less pain in 6 weeks.",
            "burdens": "Weekly visits.",
        },
        {"label": "Injection", "benefits": "Quick relief.", "risks": "Short-lived; small risks."},
    ],
    "status": "deferred",
    "revisit_on": (date.today() + timedelta(days=60)).isoformat(),
    "participants": [{"name": "Ada Alpha", "role": "patient"}],
}
DECISIONS_API: ApiTable = {
    ("GET", "/api/v1/patients/{p}/decisions"): (
        None,
        statuses(404, anonymous=API_ANON, **STAFF_A),
    ),
    ("POST", "/api/v1/episodes/{e}/decisions"): (
        API_DECISION,
        statuses(404, anonymous=API_ANON, clin_a=201, colleague_a=201, sup_a=403),
    ),
}


# ---------------------------------------------------------------- recording a decision


@pytest.mark.django_db
def test_create_records_version_1_with_options_participants_and_audit(cast: Cast) -> None:
    record = services.create_decision(web(cast, "clin_a"), cast.episode_a.pk, decision_data(cast))
    version = record.current
    assert [v.number for v in record.versions] == [1]
    assert (version.recorded_by, version.recorded_by_name, version.recorded_by_role) == (
        cast.users["clin_a"],
        "Clin A",
        "clinician",
    )
    assert version.question.startswith("Should I start an antidepressant")
    assert [(o.position, o.label, o.burdens) for o in version.options.all()] == [
        (1, "Start sertraline", "A tablet every day; a review after 4 weeks."),
        (2, "Wait and review in 4 weeks", ""),
    ]
    assert (version.status, version.chosen_option, version.chosen.label) == (  # type: ignore[union-attr]
        "decided",
        1,
        "Start sertraline",
    )
    assert version.preferred.label == "Start sertraline"  # type: ignore[union-attr]
    # The patient's row had no name: it takes the linked account's name and keeps the link.
    assert [(p.name, p.role, p.user_id) for p in version.participants.all()] == [
        ("Patient A", "patient", cast.users["patient_a"].pk),
        ("Dr Alpha", "clinician", cast.users["clin_a"].pk),
        ("Sam Alpha", "supporter", None),
    ]
    assert version.revisit_on == TODAY() + timedelta(days=28)
    [row] = audit_rows("decision")
    assert (row.action, row.object_id, row.patient_ids, row.actor_username) == (
        "create",
        str(record.decision.pk),
        [cast.patient_a.pk],
        "clin_a",
    )
    assert row.detail == {
        "episode_id": cast.episode_a.pk,
        "version_id": version.pk,
        "status": "decided",
    }


def _nothing_written(audit_before: int) -> None:
    assert not SharedDecision.objects.exists()
    assert not DecisionVersion.objects.exists()
    assert not DecisionOption.objects.exists()
    assert not DecisionParticipant.objects.exists()
    assert AuditEvent.objects.count() == audit_before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {f"options-1-{k}": "" for k in ("label", "benefits", "risks")},
            {
                "options": [
                    "Give at least two options (include “wait and review” or “do nothing” "
                    "where that is a real choice)."
                ],
                "chosen_option": [],
            },
        ),
        (
            {"revisit_on": "2020-01-01"},
            {"revisit_on": ["The revisit date cannot be in the past."]},
        ),
        (
            {"chosen_option": ""},
            {"chosen_option": ["Choose the option that was decided."]},
        ),
        (
            {"status": "deferred"},
            {"chosen_option": ["A decision not taken yet has no chosen option; leave this empty."]},
        ),
        (
            {"chosen_option": "3"},
            {"chosen_option": ["Option 3 is empty."]},
        ),
        (
            {"options-1-benefits": "", "options-1-risks": ""},
            {
                "options-1-benefits": ["Say what the patient was told it could do."],
                "options-1-risks": ["Say what the patient was told about its risks or burdens."],
            },
        ),
        (
            {"options-1-label": "start SERTRALINE"},
            {"options": ["Two options have the same name."]},
        ),
        (
            {"question": "", "status": "maybe"},
            {
                "question": ["This field is required."],
                "status": ["Select a valid choice. maybe is not one of the available choices."],
            },
        ),
        (
            {"participants-2-role": "", "participants-1-user": "999999"},
            {
                "participants-1-user": [
                    "Select a valid choice. 999999 is not one of the available choices."
                ],
                "participants-2-role": ["Choose the person's role."],
            },
        ),
        (
            {
                **{f"participants-{i}-{k}": "" for i in range(3) for k in ("name", "role", "user")},
            },
            {"participants": ["Name at least one person who took part."]},
        ),
    ],
    ids=[
        "one-option-only",
        "revisit-in-the-past",
        "decided-without-option",
        "deferred-with-option",
        "chosen-option-empty",
        "option-without-benefits-or-risks",
        "duplicate-option",
        "no-question-unknown-status",
        "participant-problems",
        "nobody-took-part",
    ],
)
def test_bad_decisions_are_refused_with_the_field_named_and_nothing_written(
    cast: Cast, overrides: dict[str, str], errors: dict[str, list[str]]
) -> None:
    audit_before = AuditEvent.objects.count()
    with pytest.raises(FormInvalid) as raised:
        services.create_decision(
            web(cast, "clin_a"), cast.episode_a.pk, decision_data(cast, **overrides)
        )
    expected = {k: v for k, v in errors.items() if v}
    assert raised.value.errors == expected
    _nothing_written(audit_before)


@pytest.mark.django_db
def test_one_option_only_also_names_the_chosen_option_that_is_gone(cast: Cast) -> None:
    with pytest.raises(FormInvalid) as raised:
        services.create_decision(
            web(cast, "clin_a"),
            cast.episode_a.pk,
            decision_data(
                cast,
                **{
                    f"options-0-{k}": ""
                    for k in ("label", "benefits", "risks", "burdens", "source")
                },
            ),
        )
    assert raised.value.errors["chosen_option"] == ["Option 1 is empty."]
    assert raised.value.errors["preferred_option"] == ["Option 1 is empty."]


@pytest.mark.django_db
def test_who_may_record_decisions(cast: Cast) -> None:
    data = decision_data(cast)
    with pytest.raises(NotAllowed):
        services.create_decision(web(cast, "sup_a"), cast.episode_a.pk, data)
    for outsider in ("clin_b", "sup_b", "patient_a", "observer_a", "admin"):
        with pytest.raises(NotFound):
            services.create_decision(web(cast, outsider), cast.episode_a.pk, data)
    assert not SharedDecision.objects.exists()
    # A colleague of the same team may.
    record = services.create_decision(web(cast, "colleague_a"), cast.episode_a.pk, data)
    assert record.current.recorded_by == cast.users["colleague_a"]


# ---------------------------------------------------------------- versions, never overwritten


def _snapshot(version: DecisionVersion) -> tuple[Any, ...]:
    fresh = DecisionVersion.objects.get(pk=version.pk)
    return (
        fresh.number,
        fresh.recorded_at,
        fresh.recorded_by_id,
        fresh.question,
        fresh.status,
        fresh.chosen_option,
        fresh.revisit_on,
        fresh.what_matters,
        [(o.position, o.label, o.benefits, o.risks) for o in fresh.options.all()],
        [(p.name, p.role) for p in fresh.participants.all()],
    )


@pytest.mark.django_db
def test_revisions_add_versions_and_never_change_earlier_ones(cast: Cast) -> None:
    record = services.create_decision(
        web(cast, "clin_a"),
        cast.episode_a.pk,
        decision_data(cast, status="deferred", chosen_option=""),
    )
    first = record.current
    before = _snapshot(first)
    second = services.revise_decision(
        web(cast, "colleague_a"),
        record.decision.pk,
        decision_data(
            cast,
            based_on="1",
            status="decided",
            chosen_option="1",
            **{"options-1-risks": "Low mood may last longer; sleep may stay poor."},
            change_note="Decided together after a week to think.",
        ),
    )
    assert second.number == 2
    assert _snapshot(first) == before  # version 1 exactly as it was
    assert DecisionVersion.objects.filter(decision=record.decision).count() == 2
    refreshed = services.get_decision(web(cast, "sup_a"), record.decision.pk)
    assert refreshed.current.pk == second.pk  # current = the latest
    assert [(v.number, v.recorded_by.username) for v in refreshed.versions] == [  # type: ignore[union-attr]
        (1, "clin_a"),
        (2, "colleague_a"),
    ]
    assert (second.status, second.chosen_option, second.change_note) == (
        "decided",
        1,
        "Decided together after a week to think.",
    )
    # Options and participants are copied into the new version, not shared with the old one.
    assert DecisionOption.objects.filter(version__decision=record.decision).count() == 4
    [row] = audit_rows("decision_version")
    assert (row.action, row.object_id, row.actor_username) == (
        "create",
        str(second.pk),
        "colleague_a",
    )
    assert row.detail == {
        "decision_id": record.decision.pk,
        "number": 2,
        "by_patient": False,
        "changed": ["decision", "option_risks"],
    }


@pytest.mark.django_db
def test_recorded_versions_refuse_changes(cast: Cast) -> None:
    version = decision_a(cast).versions.get()
    version.question = "Rewritten"
    with pytest.raises(VersionChangeError):
        version.save()
    with pytest.raises(VersionChangeError):
        DecisionVersion.objects.filter(pk=version.pk).update(question="Rewritten")
    option = version.options.first()
    assert option is not None
    option.label = "Rewritten"
    with pytest.raises(VersionChangeError):
        option.save()
    with pytest.raises(VersionChangeError):
        DecisionParticipant.objects.filter(version=version).update(name="Someone else")
    assert DecisionVersion.objects.get(pk=version.pk).question.startswith("Should I start")


@pytest.mark.django_db
def test_a_deleted_account_is_unlinked_and_its_name_kept(cast: Cast) -> None:
    data = decision_data(cast, **{"participants-1-user": str(cast.users["colleague_a"].pk)})
    decision = services.create_decision(web(cast, "colleague_a"), cast.episode_a.pk, data).decision
    cast.users["colleague_a"].delete()  # accounts are normally deactivated; deleting works too
    version = decision.versions.get()
    assert (version.recorded_by_id, version.recorded_by_name) == (None, "Colleague A")
    assert [(p.name, p.user_id) for p in version.participants.all()][1] == ("Dr Alpha", None)
    with pytest.raises(VersionChangeError):
        DecisionVersion.objects.filter(pk=version.pk).update(recorded_by=cast.users["sup_a"])


@pytest.mark.django_db
def test_a_stale_or_empty_revision_is_refused(cast: Cast) -> None:
    decision = decision_a(cast)
    clinician = web(cast, "clin_a")
    with pytest.raises(FormInvalid) as raised:
        services.revise_decision(clinician, decision.pk, decision_data(cast, based_on="1"))
    assert raised.value.errors == {
        "__all__": ["Nothing was changed, so no new version was recorded."]
    }
    services.revise_decision(
        web(cast, "colleague_a"), decision.pk, decision_data(cast, based_on="1", context="New.")
    )
    # clin_a's form was opened on version 1: saving it now would hide colleague_a's change.
    with pytest.raises(FormInvalid) as raised:
        services.revise_decision(
            clinician, decision.pk, decision_data(cast, based_on="1", context="Mine.")
        )
    assert raised.value.errors == {
        "based_on": [
            "This decision was changed (version 2, by Colleague A) while you were editing. "
            "Open it again to see the latest version before you change it."
        ]
    }
    assert decision.versions.count() == 2


@pytest.mark.django_db
def test_supervisors_and_other_teams_cannot_revise(cast: Cast) -> None:
    decision = decision_a(cast)
    data = decision_data(cast, based_on="1", context="Changed.")
    with pytest.raises(NotAllowed):
        services.revise_decision(web(cast, "sup_a"), decision.pk, data)
    for outsider in ("clin_b", "sup_b", "patient_a", "patient_b", "admin"):
        with pytest.raises(NotFound):
            services.revise_decision(web(cast, outsider), decision.pk, data)
    assert decision.versions.count() == 1


@pytest.mark.django_db
def test_the_patient_changes_what_matters_and_their_preference_as_a_new_version(
    cast: Cast,
) -> None:
    decision = decision_a(cast)
    first = decision.versions.get()
    version = services.record_patient_view(
        web(cast, "patient_a"),
        decision.pk,
        {
            "what_matters": "Sleeping through the night, and not feeling numb.",
            "preferred_option": "2",
            "preference_words": "I am worried about side effects now.",
            "based_on": "1",
        },
    )
    assert (version.number, version.recorded_by_role, version.recorded_by) == (
        2,
        "patient",
        cast.users["patient_a"],
    )
    assert (version.what_matters, version.preferred_option) == (
        "Sleeping through the night, and not feeling numb.",
        2,
    )
    # Everything else is the clinician's version 1, copied.
    assert draft_of(version).options == draft_of(first).options
    assert (version.question, version.status, version.chosen_option, version.revisit_on) == (
        first.question,
        first.status,
        first.chosen_option,
        first.revisit_on,
    )
    [row] = audit_rows("decision_version")
    assert row.detail["by_patient"] is True
    assert row.detail["changed"] == ["preference_words", "preferred_option", "what_matters"]
    assert row.patient_ids == [cast.patient_a.pk]


@pytest.mark.django_db
def test_the_patient_cannot_pick_an_option_that_is_not_there_or_touch_another_decision(
    cast: Cast,
) -> None:
    decision = decision_a(cast)
    with pytest.raises(FormInvalid) as raised:
        services.record_patient_view(
            web(cast, "patient_a"), decision.pk, {"preferred_option": "7", "based_on": "1"}
        )
    assert raised.value.errors == {
        "preferred_option": ["Select a valid choice. 7 is not one of the available choices."]
    }
    with pytest.raises(NotFound):
        services.record_patient_view(
            web(cast, "patient_b"), decision.pk, {"what_matters": "x", "based_on": "1"}
        )
    with pytest.raises(NotFound):
        services.record_patient_view(
            web(cast, "clin_a"), decision.pk, {"what_matters": "x", "based_on": "1"}
        )
    assert decision.versions.count() == 1


@pytest.mark.django_db
def test_changes_between_versions_name_each_field(cast: Cast) -> None:
    decision = decision_a(cast)
    services.revise_decision(
        web(cast, "clin_a"),
        decision.pk,
        decision_data(
            cast,
            based_on="1",
            status="deferred",
            chosen_option="",
            revisit_on=date(2030, 5, 4).isoformat(),
            **{
                "options-1-label": "Talking therapy first",
                "options-0-benefits": "Most people feel better within 6 to 8 weeks.",
                "participants-2-name": "",
                "participants-2-role": "",
            },
        ),
    )
    record = services.get_decision(web(cast, "clin_a"), decision.pk)
    old_revisit = TODAY() + timedelta(days=28)
    changes = changes_between(draft_of(record.versions[0]), draft_of(record.versions[1]))
    assert [(c.field, c.option, c.before, c.after) for c in changes] == [
        (
            "option_benefits",
            "Start sertraline",
            "About half of people feel better within 6 to 8 weeks.",
            "Most people feel better within 6 to 8 weeks.",
        ),
        ("option_added", "Talking therapy first", "", "Talking therapy first"),
        ("option_removed", "Wait and review in 4 weeks", "Wait and review in 4 weeks", ""),
        ("decision", "", "Start sertraline", "Not decided yet"),
        (
            "participants",
            "",
            "Patient A (Patient); Dr Alpha (Clinician); Sam Alpha (Family member or supporter)",
            "Patient A (Patient); Dr Alpha (Clinician)",
        ),
        ("revisit_on", "", f"{old_revisit.day} {old_revisit:%B %Y}", "4 May 2030"),
    ]


# ---------------------------------------------------------------- pages


def client_for(cast: Cast, name: str) -> Client:
    client = Client()
    client.force_login(cast.users[name])
    return client


@pytest.mark.django_db
def test_new_decision_page_records_it_and_shows_errors_next_to_the_fields(cast: Cast) -> None:
    client = client_for(cast, "clin_a")
    url = reverse("decisions:new", kwargs={"episode_id": cast.episode_a.pk})
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    # The patient and the clinician are listed as taking part already.
    assert 'name="participants-0-name" value="Ada Alpha"' in html
    assert 'name="participants-1-name" value="Clin A"' in html
    assert html.count('<fieldset class="option-row">') == 3
    bad = client.post(url, decision_data(cast, revisit_on="2001-02-03", **{"options-0-label": ""}))
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "The revisit date cannot be in the past." in text
    assert "Name this option." in text
    assert not SharedDecision.objects.exists()
    good = client.post(url, decision_data(cast))
    decision = SharedDecision.objects.get()
    assert good.status_code == 302
    assert good["Location"] == reverse("decisions:detail", kwargs={"decision_id": decision.pk})


@pytest.mark.django_db
def test_revise_page_starts_from_the_current_version_and_saves_a_new_one(cast: Cast) -> None:
    decision = decision_a(cast)
    client = client_for(cast, "colleague_a")
    url = reverse("decisions:revise", kwargs={"decision_id": decision.pk})
    html = client.get(url).content.decode()
    assert 'name="based_on" value="1"' in html
    assert 'value="Start sertraline"' in html
    response = client.post(url, decision_data(cast, based_on="1", what_matters="Work."))
    assert response.status_code == 302
    assert [v.number for v in decision.versions.all()] == [1, 2]
    unchanged = client.post(url, decision_data(cast, based_on="2", what_matters="Work."))
    assert unchanged.status_code == 400
    assert "Nothing was changed, so no new version was recorded." in unchanged.content.decode()


@pytest.mark.django_db
def test_history_page_shows_every_version_and_what_changed(cast: Cast) -> None:
    decision = decision_a(cast)
    services.record_patient_view(
        web(cast, "patient_a"),
        decision.pk,
        {"what_matters": "Sleep.", "preferred_option": "1", "based_on": "1"},
    )
    html = (
        client_for(cast, "sup_a")
        .get(reverse("decisions:history", kwargs={"decision_id": decision.pk}))
        .content.decode()
    )
    assert "2 versions, newest first." in html
    assert html.index('id="version-2"') < html.index('id="version-1"')
    assert "(the patient, in the portal)" in html
    assert "What matters most to the patient</strong>:" in html
    assert "“Being able to work and sleep again.”" in html and "“Sleep.”" in html
    assert "First recorded." in html
    rows = audit_rows("decision")
    assert (rows[-1].action, rows[-1].detail) == ("read", {"view": "history", "versions": 2})


@pytest.mark.django_db
def test_patient_page_lists_decisions_with_overdue_revisits_in_words(cast: Cast) -> None:
    overdue = services.create_decision(
        web(cast, "clin_a"),
        cast.episode_a.pk,
        decision_data(cast, revisit_on="2020-02-01"),
        today=date(2020, 1, 1),  # recorded back then, due a month later
    )
    due_soon = services.create_decision(
        web(cast, "clin_a"),
        cast.episode_a.pk,
        decision_data(
            cast,
            question="How often should we meet for therapy?",
            revisit_on=(TODAY() + timedelta(days=5)).isoformat(),
        ),
    )
    later = services.create_decision(
        web(cast, "clin_a"),
        cast.episode_a.pk,
        decision_data(cast, question="Physiotherapy or injection?"),
    )
    html = (
        client_for(cast, "sup_a")
        .get(reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk}))
        .content.decode()
    )
    section = html[html.index('id="decisions"') :]
    due_list = section[section.index("Due for revisit") : section.index("</ul>")]
    assert "Overdue: revisit was due on 1 Feb 2020" in due_list
    assert f"Due on {TODAY() + timedelta(days=5):%-d %b %Y}" in due_list
    assert "Physiotherapy or injection?" not in due_list  # in 28 days: not due yet
    assert due_list.index("Should I start") < due_list.index("How often should we meet")
    assert "Record a shared decision" not in section  # supervisors read only
    assert {overdue.decision.pk, due_soon.decision.pk, later.decision.pk} == set(
        audit_rows("decision")[-1].detail["decision_ids"]
    )
    clinician_html = (
        client_for(cast, "clin_a")
        .get(reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk}))
        .content.decode()
    )
    assert reverse("decisions:new", kwargs={"episode_id": cast.episode_a.pk}) in clinician_html


@pytest.mark.django_db
def test_decisions_to_revisit_list_and_caseload_line(cast: Cast) -> None:
    today = TODAY()
    clin_a = web(cast, "clin_a")
    overdue = services.create_decision(
        clin_a,
        cast.episode_a.pk,
        decision_data(cast, question="Start sertraline?", revisit_on="2020-02-01"),
        today=date(2020, 1, 1),  # recorded back then, due a month later
    )
    due_soon = services.create_decision(
        clin_a,
        cast.episode_a.pk,
        decision_data(
            cast,
            question="How often should we meet?",
            revisit_on=(today + timedelta(days=14)).isoformat(),  # the last day that is "due"
        ),
    )
    services.create_decision(  # 15 days away: not yet
        clin_a,
        cast.episode_a.pk,
        decision_data(
            cast,
            question="Physiotherapy or injection?",
            revisit_on=(today + timedelta(days=15)).isoformat(),
        ),
    )
    other_team = services.create_decision(
        web(cast, "clin_b"),
        cast.episode_b.pk,
        decision_data(
            cast,
            question="Team B's question",
            revisit_on="2020-03-01",
            **{"participants-0-user": "", "participants-0-name": "Bo Beta"},
            **{"participants-1-user": str(cast.users["clin_b"].pk)},
        ),
        today=date(2020, 1, 1),
    )

    records = services.decisions_to_revisit(web(cast, "sup_a"), today=today)
    assert [r.decision.pk for r in records] == [overdue.decision.pk, due_soon.decision.pk]
    row = audit_rows("decision")[-1]
    assert (row.action, row.patient_ids) == ("list", [cast.patient_a.pk])
    assert row.detail == {
        "decision_ids": [overdue.decision.pk, due_soon.decision.pk],
        "view": "to_revisit",
    }
    # Team B sees only its own; a patient is refused.
    assert [
        r.decision.pk for r in services.decisions_to_revisit(web(cast, "clin_b"), today=today)
    ] == [other_team.decision.pk]
    with pytest.raises(NotFound):
        services.decisions_to_revisit(web(cast, "patient_a"))

    # Revising with a later date takes it off the list.
    services.revise_decision(
        clin_a,
        due_soon.decision.pk,
        decision_data(
            cast,
            question="How often should we meet?",
            revisit_on=(today + timedelta(days=60)).isoformat(),
            based_on="1",
        ),
    )
    assert [r.decision.pk for r in services.decisions_to_revisit(clin_a, today=today)] == [
        overdue.decision.pk
    ]

    page = client_for(cast, "clin_a").get(reverse("decisions:to_revisit")).content.decode()
    table = page[page.index("<tbody>") : page.index("</tbody>")]
    assert "Start sertraline?" in table and "1 Feb 2020" in table and "Overdue" in table
    assert "How often should we meet?" not in table and "Team B" not in table
    assert reverse("decisions:revise", kwargs={"decision_id": overdue.decision.pk}) in table

    # The caseload says how many, in words: one overdue, none due soon.
    caseload = client_for(cast, "clin_a").get(reverse("clinic:caseload")).content.decode()
    line = caseload[caseload.index('class="caseload-revisits"') :].split("</p>")[0]
    assert "1 shared decision overdue for revisit" in line
    assert "0 due for revisit within 14 days" in line
    assert reverse("decisions:to_revisit") in line

    # An ended episode's decisions are not listed.
    cast.episode_a.status = "ended"
    cast.episode_a.ended_on = today
    cast.episode_a.save()
    assert services.decisions_to_revisit(clin_a, today=today) == []


@pytest.mark.django_db
def test_portal_shows_the_patients_own_decisions_with_every_version(cast: Cast) -> None:
    decision = decision_a(cast)
    services.revise_decision(
        web(cast, "clin_a"), decision.pk, decision_data(cast, based_on="1", context="Updated.")
    )
    client = client_for(cast, "patient_a")
    home = client.get(reverse("clinic:portal")).content.decode()
    assert "Decisions about your care" in home and "Decided: Start sertraline" in home
    html = client.get(
        reverse("decisions:portal_detail", kwargs={"decision_id": decision.pk})
    ).content.decode()
    assert "What matters most to you" in html and "What you prefer" in html
    assert "Version 2 · " in html and "Version 1 · " in html
    assert "Written by Clin A" in html
    assert (
        client_for(cast, "patient_b")
        .get(reverse("decisions:portal_detail", kwargs={"decision_id": decision.pk}))
        .status_code
        == 404
    )
    assert (
        "Decisions about your care"
        in client_for(cast, "patient_b").get(reverse("clinic:portal")).content.decode()
    )
    reads = [r for r in audit_rows("decision") if r.action == "read"]
    assert [(r.actor_username, r.detail) for r in reads] == [
        ("patient_a", {"view": "portal", "versions": 2}),
    ]
    lists = [r for r in audit_rows("decision") if r.action == "list"]
    assert [(r.actor_username, r.patient_ids, r.detail) for r in lists] == [
        ("patient_a", [cast.patient_a.pk], {"decision_ids": [decision.pk]}),
        ("patient_b", [cast.patient_b.pk], {"decision_ids": []}),
    ]


@pytest.mark.django_db
def test_portal_form_records_the_patients_words(cast: Cast) -> None:
    decision = decision_a(cast)
    client = client_for(cast, "patient_a")
    url = reverse("decisions:portal_edit", kwargs={"decision_id": decision.pk})
    form = client.get(url).content.decode()
    assert 'type="radio" name="preferred_option" value="2"' in form
    assert "I am not sure yet" in form
    response = client.post(
        url, {"what_matters": "Keeping my job.", "preferred_option": "", "based_on": "1"}
    )
    assert response.status_code == 302
    latest = decision.versions.order_by("-number").first()
    assert latest is not None
    assert (latest.number, latest.what_matters, latest.preferred_option) == (
        2,
        "Keeping my job.",
        None,
    )
    again = client.post(
        url, {"what_matters": "Keeping my job.", "preferred_option": "", "based_on": "2"}
    )
    assert again.status_code == 400
    assert "Nothing was changed" in again.content.decode()


# ---------------------------------------------------------------- PDF


@pytest.mark.django_db
def test_pdf_has_the_question_the_options_the_decision_and_the_history(cast: Cast) -> None:
    decision = decision_a(cast)
    services.record_patient_view(
        web(cast, "patient_a"),
        decision.pk,
        {"what_matters": "Sleep.", "preferred_option": "1", "based_on": "1"},
    )
    for who, name in (("clin_a", "decisions:pdf"), ("patient_a", "decisions:portal_pdf")):
        response = client_for(cast, who).get(reverse(name, kwargs={"decision_id": decision.pk}))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="shared-decision-{decision.pk}-v2.pdf"'
        )
        text = " ".join(pdf_text(response.content).split())
        assert "A decision we made together" in text
        assert "Should I start an antidepressant now, or wait and try therapy alone first?" in text
        assert "Start sertraline" in text and "Wait and review in 4 weeks" in text
        assert "Nausea or poor sleep in the first weeks." in text
        assert "Decided: Start sertraline" in text
        assert "What matters most to you" in text and "Sleep." in text
        assert "Version 2, written on" in text
        assert "How this record changed" in text and "First recorded" in text
    exports = [r for r in audit_rows("decision") if r.action == "export"]
    assert [r.actor_username for r in exports] == ["clin_a", "patient_a"]


# ---------------------------------------------------------------- API


def api(cast: Cast, who: str, method: str, path: str, body: Any = None) -> Any:
    return Client().generic(
        method,
        path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {cast.token(who)}"},
    )


@pytest.mark.django_db
def test_api_lists_decisions_with_every_version(cast: Cast) -> None:
    decision = decision_a(cast)
    services.record_patient_view(
        web(cast, "patient_a"), decision.pk, {"what_matters": "Sleep.", "based_on": "1"}
    )
    response = api(cast, "sup_a", "GET", f"/api/v1/patients/{cast.patient_a.pk}/decisions")
    assert response.status_code == 200
    [body] = response.json()
    assert (body["id"], body["episode_id"], body["current_version"], body["status"]) == (
        decision.pk,
        cast.episode_a.pk,
        2,
        "decided",
    )
    assert [(v["number"], v["recorded_by_role"], v["what_matters"]) for v in body["versions"]] == [
        (1, "clinician", "Being able to work and sleep again."),
        (2, "patient", "Sleep."),
    ]
    assert body["versions"][0]["options"][1] == {
        "position": 2,
        "label": "Wait and review in 4 weeks",
        "benefits": "No side effects; time to see if therapy alone helps.",
        "risks": "Low mood may last longer.",
        "burdens": "",
        "source": "",
    }
    assert body["versions"][1]["preferred_option"] is None
    assert audit_rows("decision")[-1].channel == "api"


@pytest.mark.django_db
def test_api_creates_a_decision_or_names_every_bad_field(cast: Cast) -> None:
    path = f"/api/v1/episodes/{cast.episode_a.pk}/decisions"
    bad = api(
        cast,
        "clin_a",
        "POST",
        path,
        {**API_DECISION, "options": API_DECISION["options"][:1], "revisit_on": "2020-01-01"},  # type: ignore[index]
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"] == {
        "options": [
            "Give at least two options (include “wait and review” or “do nothing” "
            "where that is a real choice)."
        ],
        "revisit_on": ["The revisit date cannot be in the past."],
    }
    assert not SharedDecision.objects.exists()
    good = api(cast, "clin_a", "POST", path, {**API_DECISION, "chosen_option": None})
    assert good.status_code == 201
    body = good.json()
    assert body["versions"][0]["status"] == "deferred"
    assert [o["label"] for o in body["versions"][0]["options"]] == ["Physiotherapy", "Injection"]
    assert body["versions"][0]["participants"] == [
        {"name": "Ada Alpha", "role": "patient", "user_id": None}
    ]


# ---------------------------------------------------------------- the demo clinic


@pytest.mark.django_db
def test_demo_clinic_has_shared_decisions_some_revised_one_overdue() -> None:
    from concord.web.decisions.submission import DecisionSubmission
    from concord.web.demo.build import build_demo_clinic
    from concord.web.demo.clock import demo_now

    demo_day = date(2026, 11, 21)
    build_demo_clinic(demo_day, check_mode=False)
    records = [
        services.DecisionRecord(d, list(d.versions.order_by("number")))
        for d in SharedDecision.objects.select_related("episode__patient__account")
    ]
    assert len(records) == 4
    by_question = {r.current.question: r for r in records}
    start = by_question[
        "Should I start a medicine for my anxiety now, or try talking therapy on its own first?"
    ]
    assert start.decision.episode.patient.account.username == "patient1"  # type: ignore[union-attr]
    assert [(v.number, v.recorded_by_role, v.status) for v in start.versions] == [
        (1, "clinician", "deferred"),
        (2, "clinician", "decided"),
        (3, "patient", "decided"),
    ]
    assert start.current.chosen.label == "Start sertraline"  # type: ignore[union-attr]
    assert [o.label for o in start.current.options.all()][-1] == "Wait and review in 4 weeks"
    states = sorted(r.revisit_state(demo_day) for r in records)
    assert states == ["due", "later", "later", "overdue"]
    overdue = next(r for r in records if r.revisit_state(demo_day) == "overdue")
    assert overdue.current.question == "How often should we meet for therapy?"
    assert overdue.decision.episode.patient.account.username == "patient1"  # type: ignore[union-attr]
    assert sum(len(r.versions) > 1 for r in records) == 2
    # Every demo version would pass the page's own checks on the day it was recorded.
    for record in records:
        for version in record.versions:
            data = _as_form_data(version)
            submission = DecisionSubmission(
                data,
                users=services.participant_users(record.decision.episode),
                today=version.recorded_at.astimezone(timezone.get_current_timezone()).date(),
            )
            assert submission.errors == {}, (version, submission.errors)
            assert version.recorded_at <= demo_now(demo_day)


def _as_form_data(version: DecisionVersion) -> dict[str, str]:
    data = {
        "question": version.question,
        "context": version.context,
        "what_matters": version.what_matters,
        "preferred_option": str(version.preferred_option or ""),
        "preference_words": version.preference_words,
        "status": version.status,
        "chosen_option": str(version.chosen_option or ""),
        "revisit_on": version.revisit_on.isoformat(),
    }
    for i, o in enumerate(version.options.all()):
        data.update(
            {
                f"options-{i}-label": o.label,
                f"options-{i}-benefits": o.benefits,
                f"options-{i}-risks": o.risks,
                f"options-{i}-burdens": o.burdens,
                f"options-{i}-source": o.source,
            }
        )
    for i, p in enumerate(version.participants.all()):
        data.update(
            {
                f"participants-{i}-name": p.name,
                f"participants-{i}-role": p.role,
                f"participants-{i}-user": str(p.user_id or ""),
            }
        )
    return data

"""After-visit summaries: who may do what, refusals, versions that never change, the audit.

The exact content of a summary is tested in ``test_summaries_content.py``; the portal, the
PDF and the API in ``test_summaries_portal.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from concord.web.audit.models import AuditEvent
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.models import SessionStatus
from concord.web.clinic.services import FormInvalid
from concord.web.materials import summaries, summary_sharing
from concord.web.materials.summary_content import summary_text
from concord.web.materials.summary_models import (
    SummaryChangeError,
    SummaryRevision,
    SummaryState,
    VisitSummary,
)
from concord.web.plans import goal_changes

from .access_tables import API_ANON, STAFF_A, ApiTable, PageTable, statuses
from .conftest import CAST_NAMES, Cast, make_session
from .summary_fixtures import record_visit, visit_session, web

NOTE = "Thank you for coming today. Keep your sleep diary."


def shared_summary_a(cast: Cast) -> SummaryRevision:
    """A summary of patient A's session_a, shared by clin_a with a note (on first use)."""
    existing = SummaryRevision.objects.filter(
        summary__session=cast.session_a, state=SummaryState.SHARED
    ).first()
    if existing is not None:
        return existing
    draft = summary_sharing.generate(web(cast, "clin_a"), cast.session_a.pk)
    return summary_sharing.share(web(cast, "clin_a"), draft.pk, {"note": NOTE})


# Every page and API operation of after-visit summaries, with the exact status for every person
# of the cast (collected by test_access_matrix).
SUMMARIES_PAGES: PageTable = {
    "materials:summary_session": (
        lambda c: {"session_id": c.session_a.pk},
        statuses(404, **STAFF_A),
    ),
    # POST only: clinicians reach the method check (405, whatever the record); everyone else
    # is refused first. The POSTs are tested person by person below.
    "materials:summary_generate": (
        lambda c: {"session_id": c.session_a.pk},
        statuses(404, clin_a=405, colleague_a=405, clin_b=405),
    ),
    "materials:summary_share": (
        lambda c: {"revision_id": shared_summary_a(c).pk},
        statuses(404, clin_a=405, colleague_a=405, clin_b=405),
    ),
    "materials:summary_revision": (
        lambda c: {"revision_id": shared_summary_a(c).pk},
        statuses(404, **STAFF_A),
    ),
    "materials:summary_pdf": (
        lambda c: {"revision_id": shared_summary_a(c).pk},
        statuses(404, **STAFF_A),
    ),
    "materials:portal_summaries": (lambda c: {}, statuses(404, patient_a=200, patient_b=200)),
    "materials:portal_summary": (
        lambda c: {"summary_id": shared_summary_a(c).summary_id},
        statuses(404, patient_a=200),
    ),
    "materials:portal_summary_version": (
        lambda c: {"summary_id": shared_summary_a(c).summary_id, "number": 1},
        statuses(404, patient_a=200),
    ),
    "materials:portal_summary_pdf": (
        lambda c: {"summary_id": shared_summary_a(c).summary_id, "number": 1},
        statuses(404, patient_a=200),
    ),
}
SUMMARIES_API: ApiTable = {
    ("GET", "/api/v1/patients/{p}/visit-summaries"): (
        None,
        statuses(404, anonymous=API_ANON, **STAFF_A),
    ),
}


def client_for(cast: Cast, name: str) -> Client:
    client = Client()
    if name != "anonymous":
        client.force_login(cast.users[name])
    return client


def counts() -> tuple[int, int, int]:
    return (
        VisitSummary.objects.count(),
        SummaryRevision.objects.count(),
        AuditEvent.objects.filter(object_type="visit_summary").count(),
    )


# ---------------------------------------------------------------- writing, person by person

GENERATE = statuses(404, clin_a=302, colleague_a=302)  # anonymous: 302 to sign in
WRITERS = ("clin_a", "colleague_a")


@pytest.mark.django_db
@pytest.mark.parametrize("name", CAST_NAMES)
def test_generating_through_the_page_for_every_person(cast: Cast, name: str) -> None:
    url = reverse("materials:summary_generate", kwargs={"session_id": cast.session_a.pk})
    before = counts()
    response = client_for(cast, name).post(url)
    assert response.status_code == GENERATE[name]
    if name in WRITERS:
        assert response["Location"] == reverse(
            "materials:summary_session", kwargs={"session_id": cast.session_a.pk}
        )
        revision = SummaryRevision.objects.get()
        assert (revision.state, revision.generated_by) == ("draft", cast.users[name])
    else:
        assert counts() == before  # nothing written, not even an audit row


@pytest.mark.django_db
@pytest.mark.parametrize("name", CAST_NAMES)
def test_sharing_through_the_page_for_every_person(cast: Cast, name: str) -> None:
    draft = summary_sharing.generate(web(cast, "clin_a"), cast.session_a.pk)
    url = reverse("materials:summary_share", kwargs={"revision_id": draft.pk})
    response = client_for(cast, name).post(url, {"note": NOTE})
    assert response.status_code == GENERATE[name]
    draft.refresh_from_db()
    if name in WRITERS:
        assert (draft.state, draft.shared_by, draft.note) == ("shared", cast.users[name], NOTE)
    else:
        assert draft.state == "draft" and draft.shared_at is None


# ---------------------------------------------------------------- the services' own refusals


@pytest.mark.django_db
def test_supervisors_read_but_never_generate_or_share(cast: Cast) -> None:
    draft = summary_sharing.generate(web(cast, "clin_a"), cast.session_a.pk)
    supervisor = web(cast, "sup_a")
    record = summaries.summary_of_session(supervisor, cast.session_a.pk)
    assert [r.number for r in record.revisions] == [1]  # the draft too
    with pytest.raises(NotAllowed):
        summary_sharing.generate(supervisor, cast.session_a.pk)
    with pytest.raises(NotAllowed):
        summary_sharing.share(supervisor, draft.pk, {"note": NOTE})
    assert SummaryRevision.objects.get().state == "draft"


@pytest.mark.django_db
def test_a_session_of_another_team_is_not_found_and_nothing_is_written(cast: Cast) -> None:
    before = counts()
    with pytest.raises(NotFound):
        summary_sharing.generate(web(cast, "clin_a"), cast.session_b.pk)
    with pytest.raises(NotFound):
        summaries.summary_of_session(web(cast, "clin_a"), cast.session_b.pk)
    response = client_for(cast, "clin_a").post(
        reverse("materials:summary_generate", kwargs={"session_id": cast.session_b.pk})
    )
    missing = client_for(cast, "clin_a").post(
        reverse("materials:summary_generate", kwargs={"session_id": 999999})
    )
    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content  # no hint that the session exists
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "label"),
    [
        (SessionStatus.SCHEDULED, "Scheduled"),
        (SessionStatus.NO_SHOW, "No-show"),
        (SessionStatus.CANCELLED_BY_PATIENT, "Cancelled by patient"),
    ],
)
def test_a_visit_that_did_not_take_place_has_no_summary(
    cast: Cast, status: str, label: str
) -> None:
    session = visit_session(cast, status=status)
    before = counts()
    with pytest.raises(FormInvalid) as refused:
        summary_sharing.generate(web(cast, "clin_a"), session.pk)
    assert refused.value.errors == {
        "session": [
            f"A summary is written after a visit that took place: this session is “{label}”. "
            "Mark it attended first."
        ]
    }
    assert counts() == before
    page = client_for(cast, "clin_a").post(
        reverse("materials:summary_generate", kwargs={"session_id": session.pk})
    )
    assert page.status_code == 400
    assert "Mark it attended first." in page.content.decode()
    assert VisitSummary.objects.count() == before[0]


@pytest.mark.django_db
def test_sharing_an_empty_summary_without_a_note_is_refused(cast: Cast) -> None:
    # session_a (a week ago) had nothing recorded at it: no goal, task, decision or barrier.
    draft = summary_sharing.generate(web(cast, "clin_a"), cast.session_a.pk)
    assert [s["key"] for s in draft.content["sections"]] == ["next", "contact", "worse"]
    before = counts()
    for note in ("", "   \n  "):
        with pytest.raises(FormInvalid) as refused:
            summary_sharing.share(web(cast, "clin_a"), draft.pk, {"note": note})
        assert list(refused.value.errors) == ["note"]
        assert refused.value.errors["note"][0].startswith(
            "There is nothing from this visit to share"
        )
    draft.refresh_from_db()
    assert (draft.state, draft.shared_at, draft.note, draft.text) == ("draft", None, "", "")
    assert counts() == before
    page = client_for(cast, "clin_a").post(
        reverse("materials:summary_share", kwargs={"revision_id": draft.pk}), {"note": ""}
    )
    assert page.status_code == 400
    assert "There is nothing from this visit to share" in page.content.decode()
    # With a note it is not empty any more.
    shared = summary_sharing.share(web(cast, "clin_a"), draft.pk, {"note": NOTE})
    assert shared.content["sections"][0] == {
        "key": "note",
        "heading": "A note from Clin A",
        "items": [{"text": NOTE, "details": []}],
    }


@pytest.mark.django_db
def test_a_note_over_1000_characters_is_refused(cast: Cast) -> None:
    draft = summary_sharing.generate(web(cast, "clin_a"), cast.session_a.pk)
    with pytest.raises(FormInvalid) as refused:
        summary_sharing.share(web(cast, "clin_a"), draft.pk, {"note": "x" * 1001})
    assert refused.value.errors == {
        "note": ["Ensure this value has at most 1000 characters (it has 1001)."]
    }
    draft.refresh_from_db()
    assert draft.state == "draft"


# ---------------------------------------------------------------- versions: nothing overwritten


@pytest.mark.django_db
def test_sharing_freezes_the_text_and_a_later_goal_change_does_not_touch_it(cast: Cast) -> None:
    visit = record_visit(cast)
    clinician = web(cast, "clin_a")
    shared = summary_sharing.share(
        clinician, summary_sharing.generate(clinician, visit.session.pk).pk, {"note": ""}
    )
    frozen = (shared.content, shared.text, shared.reading_ease, shared.grade_level)
    assert "Your goal: “Sleep through the night”" in shared.text
    # The goal is reworded afterwards (agreed in session): the shared text stays as it was.
    goal_changes.revise_goal(
        clinician,
        visit.goal.pk,
        {
            "patient_words": "Sleep six hours most nights",
            "proposer": "clinician",
            "agreement": "agreed_in_session",
            "session": str(visit.session.pk),
        },
    )
    shared.refresh_from_db()
    assert (shared.content, shared.text, shared.reading_ease, shared.grade_level) == frozen
    # The row itself refuses any change, through the model and through a queryset.
    shared.note = "Changed afterwards"
    with pytest.raises(SummaryChangeError):
        shared.save()
    with pytest.raises(SummaryChangeError):
        SummaryRevision.objects.filter(pk=shared.pk).update(note="Changed afterwards")
    # Generating again makes a new revision with the new words; version 1 is untouched.
    second = summary_sharing.generate(clinician, visit.session.pk)
    assert (second.number, second.state) == (2, "draft")
    assert "Your goal: “Sleep six hours most nights”" in summary_text(second.content)
    assert "Your goal: “Sleep through the night”" not in summary_text(second.content)
    again = summary_sharing.share(clinician, second.pk, {"note": ""})
    assert (again.shared_number, again.number) == (2, 2)
    shared.refresh_from_db()
    assert (shared.content, shared.text, shared.shared_number) == (*frozen[:2], 1)
    record = summaries.summary_of_session(clinician, visit.session.pk)
    assert [r.shared_number for r in record.shared] == [2, 1]  # newest first


@pytest.mark.django_db
def test_generating_again_replaces_a_waiting_draft_and_sharing_it_is_refused(cast: Cast) -> None:
    visit = record_visit(cast)
    first = summary_sharing.generate(web(cast, "clin_a"), visit.session.pk)
    second = summary_sharing.generate(web(cast, "colleague_a"), visit.session.pk)
    first.refresh_from_db()
    assert (first.state, second.state, second.number) == ("replaced", "draft", 2)
    with pytest.raises(FormInvalid) as refused:
        summary_sharing.share(web(cast, "clin_a"), first.pk, {"note": ""})
    assert refused.value.errors == {
        "draft": [
            "A newer draft was generated by Colleague A after this one. Review the newer draft."
        ]
    }
    first.refresh_from_db()
    assert first.state == "replaced"
    with pytest.raises(SummaryChangeError):  # a replaced draft never changes either
        first.save()
    shared = summary_sharing.share(web(cast, "clin_a"), second.pk, {"note": ""})
    with pytest.raises(FormInvalid) as twice:
        summary_sharing.share(web(cast, "colleague_a"), second.pk, {"note": "again"})
    assert twice.value.errors == {"draft": ["This draft was already shared by Clin A."]}
    shared.refresh_from_db()
    assert (shared.note, shared.shared_by) == ("", cast.users["clin_a"])


@pytest.mark.django_db
def test_sharing_the_same_text_again_is_refused(cast: Cast) -> None:
    visit = record_visit(cast)
    clinician = web(cast, "clin_a")
    first = summary_sharing.share(
        clinician, summary_sharing.generate(clinician, visit.session.pk).pk, {}
    )
    again = summary_sharing.generate(clinician, visit.session.pk)
    with pytest.raises(FormInvalid) as refused:
        summary_sharing.share(clinician, again.pk, {"note": ""})
    day = timezone.localtime(first.shared_at)
    assert refused.value.errors == {
        "__all__": [f"Nothing has changed since version 1 was shared on {day.day} {day:%b %Y}."]
    }
    again.refresh_from_db()
    assert again.state == "draft"
    # A note is a change.
    shared = summary_sharing.share(clinician, again.pk, {"note": "See you next week."})
    assert shared.shared_number == 2


@pytest.mark.django_db
def test_a_patient_never_sees_a_draft(cast: Cast) -> None:
    draft = summary_sharing.generate(web(cast, "clin_a"), cast.session_a.pk)
    patient = client_for(cast, "patient_a")
    page = patient.get(reverse("materials:portal_summary", kwargs={"summary_id": draft.summary_id}))
    assert page.status_code == 404
    listing = patient.get(reverse("materials:portal_summaries")).content.decode()
    assert "No summaries yet." in listing
    assert "Your visit on" not in patient.get(reverse("clinic:portal")).content.decode()


# ---------------------------------------------------------------- the audit trail


def summary_audit(since: int) -> list[tuple[str, str, str, Any]]:
    return [
        (e.actor_username, e.action, e.object_type, e.detail)
        for e in AuditEvent.objects.filter(
            id__gt=since, object_type__in=["visit_summary", "visit_summary_read"]
        ).order_by("id")
    ]


def last_audit_id() -> int:
    last = AuditEvent.objects.order_by("-id").first()
    return last.id if last else 0


@pytest.mark.django_db
def test_generating_reads_through_the_areas_services_and_everything_is_audited(
    cast: Cast,
) -> None:
    visit = record_visit(cast)
    since = last_audit_id()
    revision = summary_sharing.generate(web(cast, "clin_a"), visit.session.pk)
    types = list(
        AuditEvent.objects.filter(id__gt=since).order_by("id").values_list("object_type", "action")
    )
    # The records were read through the plan, decision, barrier and clinic services, each
    # auditing its own read, in the same transaction as the draft and its own row.
    assert types == [
        ("session", "list"),
        ("goal", "list"),
        ("task", "list"),
        ("decision", "list"),
        ("barrier", "list"),
        ("visit_summary", "create"),
    ]
    [(who, action, kind, detail)] = summary_audit(since)
    assert (who, action, kind) == ("clin_a", "create", "visit_summary")
    assert detail["session_id"] == visit.session.pk
    assert (detail["revision"], detail["new_summary"], detail["replaced_draft"]) == (1, True, None)
    assert detail["items"] == {
        "goals": 1,
        "tasks": 1,
        "decisions": 1,
        "barriers": 1,
        "next": 1,
        "contact": 1,
        "worse": 1,
    }
    since = last_audit_id()
    shared = summary_sharing.share(web(cast, "clin_a"), revision.pk, {"note": NOTE})
    summaries.summary_of_session(web(cast, "sup_a"), visit.session.pk)
    summaries.revision_for_staff(web(cast, "colleague_a"), shared.pk, export=True)
    rows = summary_audit(since)
    assert [(r[0], r[1]) for r in rows] == [
        ("clin_a", "update"),
        ("sup_a", "read"),
        ("colleague_a", "export"),
    ]
    assert rows[0][3] == {
        "revision": 1,
        "shared_number": 1,
        "language": "en",
        "reading_ease": shared.reading_ease,
        "grade_level": shared.grade_level,
        "note": True,
    }
    for event in AuditEvent.objects.filter(object_type="visit_summary"):
        assert event.patient_ids == [cast.patient_a.pk]


@pytest.mark.django_db
def test_the_patient_page_lists_recent_visits_with_the_state_of_each_summary(
    cast: Cast,
) -> None:
    shared = shared_summary_a(cast)
    newer = make_session(cast.episode_a, timezone.now() - timedelta(days=1))
    make_session(cast.episode_a, timezone.now() + timedelta(days=3), status="scheduled")
    summary_sharing.generate(web(cast, "clin_a"), newer.pk)
    found = summaries.summaries_of_patient(web(cast, "sup_a"), cast.patient_a.pk, recent_sessions=6)
    assert [(r.session.pk, bool(r.draft), r.latest_shared) for r in found.records] == [
        (newer.pk, True, None),
        (cast.session_a.pk, False, shared),
    ]
    page = client_for(cast, "clin_a").get(
        reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk})
    )
    section = page.content.decode().split('id="visit-summaries"')[1].split("</section>")[0]
    assert "draft waiting to be shared" in section
    assert "Version 1 shared on" in section and "Not opened yet" in section


@pytest.mark.django_db
def test_the_patient_page_section_takes_as_many_queries_for_many_summaries_as_for_two(
    cast: Cast,
) -> None:
    def generate_for(days: range) -> None:
        for day in days:
            session = make_session(cast.episode_a, timezone.now() - timedelta(days=day, hours=1))
            summary_sharing.generate(web(cast, "clin_a"), session.pk)

    def queries_for_listing() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            found = summaries.summaries_of_patient(
                web(cast, "clin_a"), cast.patient_a.pk, recent_sessions=6
            )
        return len(found.records), len(queries)

    generate_for(range(2, 4))
    few = queries_for_listing()
    generate_for(range(4, 9))
    many = queries_for_listing()
    assert (few[0], many[0]) == (3, 8)  # with session_a, which has none
    assert many[1] == few[1]


@pytest.mark.django_db
def test_checking_readability_with_a_note_saves_nothing(cast: Cast) -> None:
    visit = record_visit(cast)
    draft = summary_sharing.generate(web(cast, "clin_a"), visit.session.pk)
    before = (draft.content, SummaryRevision.objects.count())
    preview = summary_sharing.preview(web(cast, "clin_a"), draft.pk, {"note": NOTE})
    keys = [s["key"] for s in preview.content["sections"]]
    assert keys.index("note") == keys.index("next") - 1
    assert preview.check.result is not None
    assert preview.check.result.reading_ease == (
        summaries.check_of(preview.content, "en").result.reading_ease  # type: ignore[union-attr]
    )
    draft.refresh_from_db()
    assert (draft.content, SummaryRevision.objects.count()) == before
    assert draft.note == "" and draft.state == "draft"
    [row] = AuditEvent.objects.filter(object_type="visit_summary", action="read")
    assert row.detail == {"revision": 1, "view": "preview"}
    # A replaced draft is not previewed either.
    summary_sharing.generate(web(cast, "clin_a"), visit.session.pk)
    with pytest.raises(FormInvalid) as refused:
        summary_sharing.preview(web(cast, "clin_a"), draft.pk, {"note": NOTE})
    assert list(refused.value.errors) == ["draft"]
    with pytest.raises(NotAllowed):
        summary_sharing.preview(web(cast, "sup_a"), draft.pk, {"note": NOTE})

"""After-visit summaries for the patient (portal list, reading with read receipts, earlier
versions, the home page card), printing (PDF read back with pypdf) and the staff JSON API."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from concord.web.accounts.models import ApiToken
from concord.web.audit.models import AuditEvent
from concord.web.materials import summary_reading, summary_sharing
from concord.web.materials.summary_models import SummaryRead, SummaryRevision

from .conftest import Cast
from .summary_fixtures import Visit, record_visit, short_date, web


def client_for(cast: Cast, name: str) -> Client:
    client = Client()
    client.force_login(cast.users[name])
    return client


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def shared_visit(cast: Cast, note: str = "You did well today.") -> tuple[Visit, SummaryRevision]:
    visit = record_visit(cast)
    draft = summary_sharing.generate(web(cast, "clin_a"), visit.session.pk)
    return visit, summary_sharing.share(web(cast, "clin_a"), draft.pk, {"note": note})


@pytest.mark.django_db
def test_the_patient_reads_their_summary_and_the_receipt_is_counted(cast: Cast) -> None:
    _visit, shared = shared_visit(cast)
    patient = client_for(cast, "patient_a")
    home = patient.get(reverse("clinic:portal")).content.decode()
    card = home.split('id="my-visit-summaries"')[1].split("</section>")[0]
    assert "1 new" in card and shared.content["title"] in card
    listing = patient.get(reverse("materials:portal_summaries")).content.decode()
    assert "New" in listing and "from Clin A on" in listing
    url = reverse("materials:portal_summary", kwargs={"summary_id": shared.summary_id})
    page = patient.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<article class="visit-summary" lang="en" dir="ltr">' in html
    assert '<h1 class="summary-title">' + shared.content["title"] + "</h1>" in html
    assert "Your goal: “Sleep through the night”" in html
    assert "You did well today." in html
    assert "Version 1, from Clin A on" in html
    receipt = SummaryRead.objects.get(revision=shared)
    assert receipt.times_opened == 1
    patient.get(url)
    receipt.refresh_from_db()
    assert receipt.times_opened == 2 and receipt.last_opened_at >= receipt.first_opened_at
    views = summary_reading.my_summaries(web(cast, "patient_a"))
    assert [v.state for v in views] == ["read"]
    reads = AuditEvent.objects.filter(object_type="visit_summary_read").order_by("id")
    assert [e.detail["times_opened"] for e in reads] == [1, 2]
    assert all(e.patient_ids == [cast.patient_a.pk] for e in reads)
    # The care team sees the receipt.
    staff = client_for(cast, "sup_a").get(
        reverse("materials:summary_session", kwargs={"session_id": shared.summary.session_id})
    )
    assert "First opened" in staff.content.decode() and "2 times" in staff.content.decode()


@pytest.mark.django_db
def test_a_new_version_is_marked_updated_and_earlier_ones_stay_readable(cast: Cast) -> None:
    visit, first = shared_visit(cast)
    patient = client_for(cast, "patient_a")
    patient.get(reverse("materials:portal_summary", kwargs={"summary_id": first.summary_id}))
    draft = summary_sharing.generate(web(cast, "colleague_a"), visit.session.pk)
    second = summary_sharing.share(
        web(cast, "colleague_a"), draft.pk, {"note": "See you next week."}
    )
    [view] = summary_reading.my_summaries(web(cast, "patient_a"))
    assert (view.state, view.latest.pk, [r.shared_number for r in view.shared]) == (
        "updated",
        second.pk,
        [2, 1],
    )
    listing = patient.get(reverse("materials:portal_summaries")).content.decode()
    assert "Updated since you read it" in listing
    latest = patient.get(
        reverse("materials:portal_summary", kwargs={"summary_id": first.summary_id})
    ).content.decode()
    assert "See you next week." in latest and "You did well today." not in latest
    assert "Changes to this summary" in latest and "(you are reading it)" in latest
    earlier = patient.get(
        reverse(
            "materials:portal_summary_version",
            kwargs={"summary_id": first.summary_id, "number": 1},
        )
    ).content.decode()
    assert "This is an earlier version." in earlier and "You did well today." in earlier
    assert SummaryRead.objects.get(revision=first).times_opened == 2
    assert SummaryRead.objects.get(revision=second).times_opened == 1
    missing = patient.get(
        reverse(
            "materials:portal_summary_version",
            kwargs={"summary_id": first.summary_id, "number": 3},
        )
    )
    assert missing.status_code == 404


@pytest.mark.django_db
def test_the_patient_prints_the_summary_as_a_pdf_and_printing_is_not_a_read(cast: Cast) -> None:
    _visit, shared = shared_visit(cast)
    response = client_for(cast, "patient_a").get(
        reverse(
            "materials:portal_summary_pdf",
            kwargs={"summary_id": shared.summary_id, "number": 1},
        )
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    day = timezone.localdate(shared.summary.session.scheduled_at)
    assert response["Content-Disposition"] == (
        f'attachment; filename="visit-summary-{day:%Y-%m-%d}.pdf"'
    )
    text = pdf_text(response.content)
    for line in (
        shared.content["title"],
        "What we talked about",
        "Your goal: “Sleep through the night”",
        "Bridging: 3 sets of 10, once a day, 5 days a week.",
        "Plank: 2 sets, hold for 20 seconds, once a day, 3 days a week.",
        "We decided: Start sertraline.",
        "A note from Clin A",
        "You did well today.",
        "If you feel much worse, or you think about hurting yourself, get help now.",
        "Version 1, from Clin A on",
    ):
        assert line in text, line
    assert not SummaryRead.objects.exists()
    [export] = AuditEvent.objects.filter(object_type="visit_summary", action="export")
    assert (export.actor_username, export.detail) == (
        "patient_a",
        {"revision": 1, "shared_number": 1},
    )


@pytest.mark.django_db
def test_the_clinician_prints_a_draft_marked_as_such(cast: Cast) -> None:
    visit = record_visit(cast)
    draft = summary_sharing.generate(web(cast, "clin_a"), visit.session.pk)
    response = client_for(cast, "clin_a").get(
        reverse("materials:summary_pdf", kwargs={"revision_id": draft.pk})
    )
    text = pdf_text(response.content)
    assert "Draft: not shared with the patient." in text
    assert "Back programme" in text


@pytest.mark.django_db
def test_the_api_lists_every_revision_with_its_text_and_receipt(cast: Cast) -> None:
    visit, shared = shared_visit(cast)
    summary_reading.open_summary(web(cast, "patient_a"), shared.summary_id)
    draft = summary_sharing.generate(web(cast, "clin_a"), visit.session.pk)
    _token, secret = ApiToken.issue(cast.users["sup_a"], "test")
    response = Client().get(
        f"/api/v1/patients/{cast.patient_a.pk}/visit-summaries",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200
    [summary] = json.loads(response.content)
    assert (summary["id"], summary["session_id"], summary["episode_id"]) == (
        shared.summary_id,
        visit.session.pk,
        cast.episode_a.pk,
    )
    first, second = summary["revisions"]
    assert (first["number"], first["state"], first["shared_number"]) == (1, "shared", 1)
    assert (first["shared_by"], first["note"], first["language"]) == (
        "Clin A",
        "You did well today.",
        "en",
    )
    assert first["text"] == shared.text
    assert (first["reading_ease"], first["grade_level"]) == (
        shared.reading_ease,
        shared.grade_level,
    )
    assert first["read_receipt"]["times_opened"] == 1
    assert first["sections"][0]["items"][0] == {
        "text": "Your goal: “Sleep through the night”",
        "details": [
            "This is a new goal. We both agreed to it.",
            "You rated your progress 6 out of 10.",
            "Last time it was 4 out of 10.",
            f"Aim: 6 hours of sleep on 5 nights a week, by {short_date(visit.goal_target_date)}.",
        ],
    }
    assert (second["number"], second["state"], second["shared_number"]) == (
        draft.number,
        "draft",
        None,
    )
    assert second["shared_at"] is None and second["read_receipt"] is None

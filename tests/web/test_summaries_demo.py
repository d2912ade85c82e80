"""The demo clinic's after-visit summaries: who has them, in which language, read or not,
readable, shown in the portal, and the same on every build."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from concord.analytics.readability import assess_readability
from concord.web.accounts.models import User
from concord.web.audit.models import AuditEvent
from concord.web.audit.service import Actor
from concord.web.clinic.models import CareEpisode, CareSession, Patient
from concord.web.demo.build import build_demo_clinic
from concord.web.demo.clock import demo_now
from concord.web.materials import summary_reading
from concord.web.materials.summary_models import SummaryRevision, VisitSummary

TODAY = date(2026, 11, 21)


def snapshot() -> list[tuple[object, ...]]:
    return sorted(
        SummaryRevision.objects.values_list(
            "summary__session__episode__patient__given_name",
            "summary__session__scheduled_at",
            "number",
            "state",
            "shared_number",
            "language",
            "text",
            "generated_at",
            "shared_at",
            "reading_ease",
        ),
        key=repr,
    )


@pytest.mark.django_db
def test_demo_summaries_are_realistic_shown_and_deterministic() -> None:
    build_demo_clinic(TODAY, check_mode=False)
    now = demo_now(TODAY)
    revisions = list(
        SummaryRevision.objects.select_related("summary__session__episode__patient__account")
    )
    # Nothing was read through a person's account: the demo writes no audit rows for them.
    assert not AuditEvent.objects.filter(object_type__startswith="visit_summary").exists()
    for revision in revisions:
        session = revision.summary.session
        assert session.status == "attended"
        assert session.scheduled_at < revision.generated_at <= now
        if revision.shared_at is not None:
            assert revision.generated_at < revision.shared_at <= now
        by = revision.generated_by
        assert by is not None and by.memberships.filter(team=session.episode.team).exists()

    # patient1 (Spanish): the visit before last shared twice (read the first time, then a
    # note added: updated), the last visit new.
    patient1 = Patient.objects.get(account__username="patient1")
    views = summary_reading.my_summaries(Actor(patient1.account, "web", ""))
    assert [v.state for v in views] == ["new", "updated"]
    latest, earlier = views
    assert latest.summary.session.scheduled_at > earlier.summary.session.scheduled_at
    assert [r.shared_number for r in earlier.shared] == [2, 1]
    assert earlier.latest.note.startswith("Gracias por venir.")
    assert {r.language for v in views for r in v.shared} == {"es"}
    assert all(r.reading_ease is None for v in views for r in v.shared)  # no check for Spanish
    # The goals talked about at the visit, in Spanish ("Your goal: …" in the catalogue).
    assert "Su objetivo: “" in latest.latest.text
    assert "Your goal" not in latest.latest.text

    # Every English summary shared in the demo meets the plain-language targets, scored
    # exactly as the analytics core scores its text.
    english = [r for r in revisions if r.shared_at is not None and r.language == "en"]
    assert len(english) >= 3
    for revision in english:
        check = assess_readability(revision.text, "en")
        assert check.result is not None
        assert (revision.reading_ease, revision.grade_level) == (
            check.result.reading_ease,
            check.result.grade_level,
        )
        assert check.result.meets_targets, revision.text

    # patient2 read theirs twice; patient3 has a draft waiting, never shown to them.
    patient2 = User.objects.get(username="patient2")
    [second] = summary_reading.my_summaries(Actor(patient2, "web", ""))
    assert second.state == "read" and second.latest.read_receipt.times_opened == 2
    patient3 = User.objects.get(username="patient3")
    drafts = SummaryRevision.objects.filter(
        state="draft", summary__session__episode__patient__account=patient3
    )
    assert drafts.count() == 1
    [third] = summary_reading.my_summaries(Actor(patient3, "web", ""))
    assert third.summary.pk != drafts.get().summary_id

    # A patient whose language has no translation: English, with the note; printed for them
    # (no portal account).
    untranslated = [r for r in english if r.preferred_language not in ("en", "es")]
    assert len(untranslated) == 1
    assert untranslated[0].summary.session.episode.patient.account is None
    assert (
        untranslated[0]
        .content["language_note"]
        .startswith("This summary is in English because it is not available in")
    )

    # The portal shows them (new and updated both count as new); the clinician's patient page
    # lists the state of each.
    portal = Client()
    portal.force_login(patient1.account)
    home = portal.get(reverse("clinic:portal")).content.decode()
    # patient1's portal is in Spanish: "After your visits", "2 new".
    section = home.split('id="my-visit-summaries"')[1]
    assert "Después de sus visitas" in section and "2 nuevos" in section
    page = portal.get(
        reverse("materials:portal_summary", kwargs={"summary_id": earlier.summary.pk})
    )
    assert "Gracias por venir." in page.content.decode()
    clinician = Client()
    clinician.force_login(latest.latest.generated_by)
    patient_page = clinician.get(
        reverse("clinic:patient", kwargs={"patient_id": patient1.pk})
    ).content.decode()
    section = patient_page.split('id="visit-summaries"')[1].split("</section>")[0]
    assert "Version 2 shared on" in section and "Not opened yet" in section

    first = snapshot()
    assert len(first) == len(revisions) >= 7
    assert VisitSummary.objects.count() >= 5
    for model in (VisitSummary, CareSession, CareEpisode, Patient):
        model.objects.all().delete()
    from concord.web.clinic.models import CareTeam, Clinic, Organisation

    for model in (CareTeam, Clinic, Organisation, User):  # type: ignore[assignment]
        model.objects.all().delete()
    build_demo_clinic(TODAY, check_mode=False)
    assert snapshot() == first

"""End to end in a real headless browser: a patient reads a shared decision and a material in
the portal on a 360-pixel-wide screen, changes what matters to them, and the clinician then
sees the new version and the read receipt. axe-core checks every portal page on the way
against the WCAG 2.1 A and AA rules. Skipped without Chromium (failed in CI); see
docs/testing.md."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from concord.web.audit.service import Actor
from concord.web.decisions import services as decision_services
from concord.web.materials import assignments, library
from concord.web.materials.models import MaterialRead

from .browser_support import (
    CAST_PASSWORD,
    PHONE,
    assert_accessible,
    audit_trail_emptied_afterwards,
    launch_chromium,
    new_page,
    screenshot,
    sign_in,
)
from .conftest import Cast
from .test_decisions import decision_data
from .test_materials import SERTRALINE_EN, SERTRALINE_ES, material_data

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def audit_cleanup(live_server: Any, transactional_db: None) -> Iterator[None]:
    with audit_trail_emptied_afterwards(connection):
        yield


def test_patient_reads_a_decision_and_a_material_and_the_clinician_sees_it(
    browser: Any, live_server: Any, audit_cleanup: None, cast: Cast
) -> None:
    clinician = Actor(cast.users["clin_a"], "web", "127.0.0.1")
    decision = decision_services.create_decision(
        clinician, cast.episode_a.pk, decision_data(cast)
    ).decision
    material = library.create_material(clinician, material_data(cast))
    library.add_language(
        clinician,
        material.pk,
        {"language": "es", "title": "Por qué toma sertralina", "body": SERTRALINE_ES},
    )
    [assignment] = assignments.assign(
        clinician,
        cast.patient_a.pk,
        {
            "material": [str(material.pk)],
            "episode": str(cast.episode_a.pk),
            "note": "Please read this before our next session.",
        },
    )
    assert SERTRALINE_EN  # the English text is what patient A (language "en") reads

    with new_page(browser) as patient:
        page = patient.page
        page.set_viewport_size(PHONE)
        assert sign_in(page, live_server.url, "patient_a", CAST_PASSWORD) == 200
        assert page.get_by_role("heading", name="Decisions about your care").is_visible()
        assert page.locator("#my-materials h2 .status").inner_text() == "1 new"
        assert_accessible(page, "portal home")

        # The decision: read it, then say what matters in the patient's own words.
        with page.expect_navigation():
            page.get_by_role(
                "link", name=decision_services.get_decision(clinician, decision.pk).current.question
            ).click()
        assert page.get_by_role("heading", name="A decision about your care").is_visible()
        assert page.get_by_text("Decided: Start sertraline").is_visible()
        assert_accessible(page, "portal decision")
        screenshot(page, "portal-decision")
        with page.expect_navigation():
            page.get_by_role("link", name="Change what matters to me or my preference").click()
        assert_accessible(page, "portal decision form")
        page.get_by_label("What matters most to you").fill("Sleeping well and keeping my job.")
        page.get_by_label("Wait and review in 4 weeks").check()
        with page.expect_navigation() as saved:
            page.get_by_role("button", name="Save").click()
        assert saved.value is not None and saved.value.status == 200
        assert page.get_by_text("Thank you. Your care team will see what you wrote.").is_visible()
        assert page.get_by_text("Written by you").is_visible()
        assert_accessible(page, "portal decision after saving")

        # The material: the list marks it new; reading it records the receipt.
        page.goto(live_server.url + reverse("materials:portal_list"))
        assert page.get_by_text("New", exact=True).is_visible()
        assert_accessible(page, "portal materials list")
        with page.expect_navigation():
            page.get_by_role("link", name="Why you are taking sertraline").click()
        article = page.locator("article.material-text")
        assert article.get_attribute("lang") == "en"
        assert "Most people start to feel better after 2 to 6 weeks." in article.inner_text()
        assert page.get_by_text("Please read this before our next session.").is_visible()
        assert_accessible(page, "portal material")
        screenshot(page, "portal-material")
        assert patient.console_errors == [] and patient.failed_subresources == []

    receipt = MaterialRead.objects.get(assignment=assignment)
    assert (receipt.revision.number, receipt.times_opened) == (1, 1)
    version = decision.versions.order_by("-number").first()
    assert version is not None
    assert (version.number, version.recorded_by_role, version.preferred_option) == (
        2,
        "patient",
        2,
    )

    with new_page(browser) as staff:
        page = staff.page
        assert sign_in(page, live_server.url, "clin_a", CAST_PASSWORD) == 200
        page.goto(f"{live_server.url}/patients/{cast.patient_a.pk}/")
        receipt_cell = page.locator(f'tr[data-assignment="{assignment.pk}"] td.receipt')
        assert "First opened" in receipt_cell.inner_text()
        assert "opened 1 time" in receipt_cell.inner_text()
        assert "revision 1 (en) × 1" in receipt_cell.inner_text()
        decisions = page.locator("#decisions table.decisions")
        assert "(by the patient)" in decisions.inner_text()
        screenshot(page, "patient-page-decisions-materials")
        with page.expect_navigation():
            decisions.get_by_role("link").first.click()
        with page.expect_navigation():
            page.get_by_role("link", name="History of every version").click()
        history = page.locator("#version-2").inner_text()
        assert "What matters most to the patient" in history
        assert "Sleeping well and keeping my job." in history
        assert staff.console_errors == [] and staff.failed_subresources == []

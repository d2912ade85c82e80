"""End to end in a real headless browser: after a visit, the clinician generates the
after-visit summary, checks its readability, adds a note and shares it; the patient then reads
it in the portal on a 360-pixel-wide screen and prints it. axe-core checks the portal pages
(and the clinician's review page) against the WCAG 2.1 A and AA rules. Skipped without
Chromium (failed in CI); see docs/testing.md."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from concord.web.materials.summary_models import SummaryRead, SummaryRevision

from .browser_support import (
    PHONE,
    audit_trail_emptied_afterwards,
    launch_chromium,
    new_page,
    screenshot,
    sign_in,
)
from .conftest import Cast
from .summary_fixtures import record_visit

pytestmark = pytest.mark.browser

CAST_PASSWORD = "a long test password"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NOTE = "You worked hard today. Start the exercises slowly."


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def audit_cleanup(live_server: Any, transactional_db: None) -> Iterator[None]:
    with audit_trail_emptied_afterwards(connection):
        yield


def assert_accessible(page: Any, name: str) -> None:
    """No axe-core violation of the WCAG 2.1 A/AA rules on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]},
    )
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


def assert_fits_the_screen(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide"


def test_the_clinician_shares_a_summary_and_the_patient_reads_it_on_a_phone(
    browser: Any, live_server: Any, audit_cleanup: None, cast: Cast
) -> None:
    visit = record_visit(cast)

    with new_page(browser) as staff:
        page = staff.page
        assert sign_in(page, live_server.url, "clin_a", CAST_PASSWORD) == 200
        page.goto(f"{live_server.url}/patients/{cast.patient_a.pk}/")
        row = page.locator(f'#visit-summaries tr[data-session="{visit.session.pk}"]')
        assert "Write the summary" in row.inner_text()
        with page.expect_navigation():
            row.get_by_role("link").first.click()
        assert page.get_by_role("heading", name="After-visit summary", exact=True).is_visible()
        with page.expect_navigation():
            page.get_by_role("button", name="Generate the summary").click()
        draft = page.locator("#draft")
        assert draft.get_by_role("heading", name="Draft: not shared yet").is_visible()
        assert "Your goal: “Sleep through the night”" in draft.inner_text()
        assert draft.locator("#readability").inner_text().count("meets the target") == 2
        assert_accessible(page, "review page")
        page.get_by_label("A note for the patient (optional)").fill(NOTE)
        with page.expect_navigation():
            page.get_by_role("button", name="Check readability with my note").click()
        assert page.get_by_role("heading", name="Draft with your note (not saved)").is_visible()
        assert page.locator("article.visit-summary").get_by_text(NOTE).is_visible()
        assert not SummaryRevision.objects.filter(state="shared").exists()  # nothing saved
        screenshot(page, "summary-draft")
        with page.expect_navigation() as shared:
            page.get_by_role("button", name="Share with the patient").click()
        assert shared.value is not None and shared.value.status == 200
        assert page.get_by_text(
            "Version 1 of the summary is now in the patient's portal."
        ).is_visible()
        versions = page.locator("table.summary-versions").inner_text()
        assert "Not opened yet" in versions and "English" in versions
        screenshot(page, "summary-review")
        assert staff.console_errors == [] and staff.failed_subresources == []

    revision = SummaryRevision.objects.get(state="shared")
    assert (revision.note, revision.shared_by, revision.shared_number) == (
        NOTE,
        cast.users["clin_a"],
        1,
    )

    with new_page(browser) as patient:
        page = patient.page
        page.set_viewport_size(PHONE)
        assert sign_in(page, live_server.url, "patient_a", CAST_PASSWORD) == 200
        card = page.locator("#my-visit-summaries")
        assert card.locator("h2 .status").inner_text() == "1 new"
        assert_accessible(page, "portal home")
        page.goto(live_server.url + reverse("materials:portal_summaries"))
        assert page.get_by_text("New", exact=True).is_visible()
        assert_fits_the_screen(page)
        assert_accessible(page, "portal summaries list")
        with page.expect_navigation():
            page.get_by_role("link", name=revision.content["title"]).click()
        article = page.locator("article.visit-summary")
        assert article.get_attribute("lang") == "en"
        text = article.inner_text()
        for line in (
            "What we talked about",
            "Bridging: 3 sets of 10, once a day, 5 days a week.",
            "We decided: Start sertraline.",
            "A note from Clin A",
            NOTE,
            "If things get worse",
        ):
            assert line in text, line
        assert_fits_the_screen(page)
        assert_accessible(page, "portal summary")
        screenshot(page, "portal-summary")
        pdf = page.request.get(
            live_server.url
            + reverse(
                "materials:portal_summary_pdf",
                kwargs={"summary_id": revision.summary_id, "number": 1},
            )
        )
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body()[:5] == b"%PDF-"
        assert patient.console_errors == [] and patient.failed_subresources == []

    receipt = SummaryRead.objects.get(revision=revision)
    assert receipt.times_opened == 1

"""End to end in a real headless browser, at a phone's width (360 px): a patient invites a
supporter, who makes an account from the link and opens the patient's page; the patient then
revokes the supporter in the portal and the supporter's very next request is refused. Every
portal consent and supporter page, and every supporter page, passes axe-core's WCAG 2.1 A and
AA rules. Skipped without Chromium (failed in CI); see docs/testing.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from concord.web.consent.models import SupporterLink
from concord.web.medications.models import MedicationRegimen

from .browser_support import (
    CAST_PASSWORD,
    PHONE,
    assert_accessible,
    audit_trail_emptied_afterwards,
    launch_chromium,
    new_page,
    sign_in,
)
from .conftest import Cast, make_session

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def audit_cleanup(live_server: Any, transactional_db: None) -> Iterator[None]:
    with audit_trail_emptied_afterwards(connection):
        yield


def test_patient_invites_then_revokes_a_supporter_whose_next_request_is_refused(
    browser: Any, live_server: Any, audit_cleanup: None, cast: Cast
) -> None:
    make_session(cast.episode_a, timezone.now() + timedelta(days=2), status="scheduled")
    MedicationRegimen.objects.create(
        episode=cast.episode_a,
        medication_name="Sertraline",
        medication_class="SSRI",
        daily_dose=50,
        dose_times=["08:00", "20:00"],
        started_on=timezone.localdate() - timedelta(days=14),
    )
    base = live_server.url

    with new_page(browser) as patient:
        page = patient.page
        page.set_viewport_size(PHONE)
        assert sign_in(page, base, "patient_a", CAST_PASSWORD) == 200
        page.get_by_role("link", name="Your supporters").click()
        page.wait_for_url(f"{base}/me/supporters/")
        assert_accessible(page, "consent my-supporters")
        page.get_by_role("link", name="Invite someone").click()
        assert_accessible(page, "consent invite")
        page.get_by_label("Their name").fill("Kim Lee")
        page.get_by_label("Who they are to you").select_option("child")
        page.get_by_label("How to reach them").fill("kim@example.org")
        for scope in ("Appointments", "Medicine reminders", "How medicines are going", "Goals"):
            page.get_by_label(re.compile("^" + scope)).check()
        page.get_by_label(re.compile("^Telling the care team")).check()
        with page.expect_navigation() as made:
            page.get_by_role("button", name="Make the invitation link").click()
        assert made.value is not None and made.value.status == 201
        assert_accessible(page, "consent invitation-made")
        invitation_url = page.locator("#invitation-link").inner_text().strip()
        assert "/supporting/join/sup_" in invitation_url
        assert patient.console_errors == [] and patient.failed_subresources == []

    with new_page(browser) as supporter:
        page = supporter.page
        page.set_viewport_size(PHONE)
        page.goto(invitation_url)
        assert page.get_by_role("heading", name="Ada asks you to support them").is_visible()
        assert_accessible(page, "consent join")
        page.get_by_label("Your first name").fill("Kim")
        page.get_by_label("Choose a user name").fill("kim.lee")
        page.get_by_label("Choose a password").fill("blue kettle on the hill")
        page.get_by_label("The same password again").fill("blue kettle on the hill")
        page.get_by_role("button", name="Make my account and say yes").click()
        page.wait_for_url(f"{base}/supporting/")
        assert_accessible(page, "consent supporting")
        page.get_by_role("link", name="Open Ada Alpha").click()
        for heading in (
            "Next appointments",
            "Medicine times",
            "How medicines are going",
            "Goals",
            "Tell the care team what you notice",
        ):
            assert page.get_by_role("heading", name=heading, exact=True).is_visible(), heading
        assert "Talked about sleep." not in page.content()  # never session notes
        assert_accessible(page, "consent supported-patient")
        supported_url = page.url
        page.get_by_label("Most of them").check()
        page.get_by_label("Anything to add (optional)").fill("Forgot one evening dose.")
        page.get_by_role("button", name="Send to the care team").click()
        assert page.get_by_text("Thank you. The care team will see this.").is_visible()
        assert_accessible(page, "consent supported-patient-sent")

        with new_page(browser) as patient:
            page_p = patient.page
            page_p.set_viewport_size(PHONE)
            assert sign_in(page_p, base, "patient_a", CAST_PASSWORD) == 200
            page_p.goto(f"{base}/me/consents/")
            assert_accessible(page_p, "consent my-consents")
            page_p.goto(f"{base}/me/who-has-looked/")
            assert page_p.get_by_text("Kim Lee").first.is_visible()
            assert_accessible(page_p, "consent who-has-looked")
            page_p.goto(f"{base}/me/supporters/")
            page_p.get_by_role("link", name="See more about Kim Lee").click()
            assert_accessible(page_p, "consent my-supporter")
            page_p.get_by_role("link", name="Stop sharing with Kim Lee").click()
            assert_accessible(page_p, "consent stop-sharing")
            page_p.get_by_role("button", name="Yes, stop sharing now").click()
            page_p.wait_for_url(f"{base}/me/supporters/")
            assert page_p.get_by_text("Kim Lee can no longer see anything about you.").is_visible()
            assert patient.console_errors == [] and patient.failed_subresources == []

        # The supporter's very next request is refused.
        refused = page.goto(supported_url)
        assert refused is not None and refused.status == 404
        home = page.goto(f"{base}/supporting/")
        assert home is not None and home.status == 200
        assert page.get_by_text("Nobody has shared anything with you yet.").is_visible()
        assert supporter.console_errors == [] and supporter.failed_subresources == []

    link = SupporterLink.objects.get(name="Kim Lee")
    assert link.status == "ended" and link.end_method == "portal"

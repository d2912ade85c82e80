"""End to end in a real headless browser: a patient ticks barriers in the portal on a phone-
sized screen, the clinician sees them on the patient page and opens an action, and the
patient then sees who is doing what. axe-core (WCAG 2.1 A and AA rules) checks every portal
barrier page along the way. Skipped without Chromium (failed in CI); see docs/testing.md."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from concord.web.audit.models import AuditEvent
from concord.web.audit.service import Actor
from concord.web.barriers import referrals, resources
from concord.web.barriers.models import Barrier, BarrierAction

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

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def audit_cleanup(live_server: Any, transactional_db: None) -> Iterator[None]:
    with audit_trail_emptied_afterwards(connection):
        yield


def test_patient_ticks_barriers_clinician_opens_an_action_patient_sees_it(
    browser: Any, live_server: Any, audit_cleanup: None, cast: Cast
) -> None:
    clinician = Actor(cast.users["clin_a"], "web", "127.0.0.1")
    advice = resources.create_resource(
        clinician,
        {
            "name": "Riverside Money Advice Centre",
            "category": "financial",
            "description": "Free advice on benefits and health costs.",
            "phone": "0113 496 0101",
            "email": "help@riverside-money.example",
            "website": "https://riverside-money.example/",
            "languages": "en, es",
        },
    )
    referrals.create_referral(
        clinician,
        cast.patient_a.pk,
        {"resource": advice.pk, "status": "suggested", "reason": "Help with charges."},
    )
    base = live_server.url

    # The patient, on a phone-sized screen, ticks two barriers in their own words.
    with new_page(browser) as patient:
        page = patient.page
        page.set_viewport_size(PHONE)
        assert sign_in(page, base, "patient_a", CAST_PASSWORD) == 200
        with page.expect_navigation():
            page.get_by_role("link", name="Tell us what makes it hard").click()
        assert page.get_by_role("heading", name="What makes treatment hard for you?").is_visible()
        assert_accessible(page, "barriers checklist")
        page.get_by_label("It costs too much").check()
        page.get_by_label("I forget").check()
        page.get_by_label("Tell us more in your own words").fill("Payday is after the refill.")
        with page.expect_navigation() as sent:
            page.get_by_role("button", name="Send to my care team").click()
        assert sent.value is not None and sent.value.status == 200
        assert page.get_by_text("Thank you. Your care team will see these.").is_visible()
        assert page.get_by_role("heading", name="It costs too much").is_visible()
        assert_accessible(page, "barriers ticked")  # nothing wider than the 360 px screen
        screenshot(page, "barriers-portal-ticked")
        with page.expect_navigation():
            page.get_by_role("link", name="Local services for you").click()
        assert page.get_by_role("heading", name="Riverside Money Advice Centre").is_visible()
        assert page.get_by_role("link", name="0113 496 0101").get_attribute("href") == (
            "tel:01134960101"
        )
        assert_accessible(page, "barriers referrals")
        screenshot(page, "barriers-portal-referrals")
        assert patient.console_errors == [] and patient.failed_subresources == []

    cost = Barrier.objects.get(kind="cost")
    assert (cost.raised_by, cost.description) == ("patient", "Payday is after the refill.")

    # The clinician sees them on the patient page and opens an action on the cost barrier.
    follow_up = timezone.localdate() + timedelta(days=14)
    with new_page(browser) as staff:
        page = staff.page
        assert sign_in(page, base, "clin_a", CAST_PASSWORD) == 200
        page.goto(f"{base}/patients/{cast.patient_a.pk}/")
        section = page.locator("#barriers")
        assert section.get_by_role("link", name="Cost", exact=True).is_visible()
        assert section.get_by_role("link", name="Forgetfulness", exact=True).is_visible()
        assert "“Payday is after the refill.”" in section.inner_text()
        with page.expect_navigation():
            section.get_by_role("link", name="Open an action (Cost)").click()
        assert page.get_by_label("Action", exact=True).input_value() == "cost_help"
        assert_accessible(page, "barriers clinician form")  # the clinician's form too
        page.get_by_label("What will be done").fill("Check free prescriptions and prepayment.")
        page.get_by_label("Clinician", exact=True).select_option(str(cast.users["clin_a"].pk))
        page.get_by_label("Follow-up date").fill(follow_up.isoformat())
        with page.expect_navigation() as opened:
            page.get_by_role("button", name="Open the action").click()
        assert opened.value is not None and opened.value.status == 200
        assert page.get_by_text("Action opened.").is_visible()
        assert page.get_by_role("heading", name="Cost Being addressed").is_visible()
        screenshot(page, "barriers-action-opened")
        assert staff.console_errors == [] and staff.failed_subresources == []

    action = BarrierAction.objects.get()
    assert (action.barrier, action.kind, action.owner_clinician, action.follow_up_on) == (
        cost,
        "cost_help",
        cast.users["clin_a"],
        follow_up,
    )
    assert AuditEvent.objects.filter(object_type="barrier_action", action="create").count() == 1

    # The patient now sees what is being done, and by whom.
    with new_page(browser) as patient:
        page = patient.page
        page.set_viewport_size(PHONE)
        assert sign_in(page, base, "patient_a", CAST_PASSWORD) == 200
        page.goto(f"{base}/me/barriers/")
        item = page.locator(f"#my-barrier-{cost.pk}")
        text = item.inner_text()
        assert "We are working on it" in text and "Help with costs" in text
        assert f"Who: {cast.users['clin_a']}" in text
        assert_accessible(page, "barriers with the action")
        screenshot(page, "barriers-portal-action")
        assert patient.console_errors == [] and patient.failed_subresources == []

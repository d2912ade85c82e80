"""End to end in a real headless browser: the patient, on a phone-sized screen, opens their
plan in the portal, says they agree to a task and how sure they are, and the clinician sees it
on the patient page. axe-core (WCAG 2.1 A and AA rules) checks every portal plan page on the
way. Skipped without Chromium (failed in CI); see docs/testing.md."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from concord.web.plans import goal_ratings
from concord.web.plans.models import TaskAgreement

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
from .plan_fixtures import agreed_goal, goal_for, homework_for, programme_for, web

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def audit_cleanup(live_server: Any, transactional_db: None) -> Iterator[None]:
    with audit_trail_emptied_afterwards(connection):
        yield


def test_patient_agrees_to_a_task_in_the_portal_and_the_clinician_sees_it(
    browser: Any, live_server: Any, audit_cleanup: None, cast: Cast
) -> None:
    goal = agreed_goal(cast, "Get back to choir on Thursdays")
    goal_ratings.rate_own_goal(web(cast, "patient_a"), goal.pk, {"score": "3"})
    goal_for(cast, "Sleep six hours most nights")  # waiting for the patient's answer
    task = homework_for(cast, title="Evening breathing practice", goals=[str(goal.pk)])
    programme_for(cast)

    with new_page(browser) as patient:
        page = patient.page
        page.set_viewport_size(PHONE)
        assert sign_in(page, live_server.url, "patient_a", CAST_PASSWORD) == 200
        assert_accessible(page, "plans portal home")
        with page.expect_navigation():
            page.get_by_role("link", name="Open my plan").click()
        assert page.get_by_role("heading", name="My plan", level=1).is_visible()
        assert_accessible(page, "plans my plan")
        screenshot(page, "plan-portal")
        with page.expect_navigation():
            page.get_by_role("link", name="Sleep six hours most nights").click()
        assert page.get_by_role("heading", name="Your care team suggests").is_visible()
        assert_accessible(page, "plans goal waiting for an answer")
        page.go_back()
        with page.expect_navigation():
            page.get_by_role("link", name="Add a goal in my own words").click()
        assert_accessible(page, "plans new goal")
        page.go_back()
        with page.expect_navigation():
            page.get_by_role("link", name="Evening breathing practice").click()
        assert_accessible(page, "plans task before the answer")
        page.get_by_label("I agree").check()
        page.get_by_role("group", name="How sure are you").get_by_label("8", exact=True).check()
        page.get_by_label("In your own words").fill("After the kids are in bed.")
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Save my answer").click()
        assert navigation.value is not None and navigation.value.status == 200
        assert page.get_by_text("Thank you. Your answer is saved.").is_visible()
        assert page.get_by_text("You said: I agree. How sure you are: 8 out of 10.").is_visible()
        assert_accessible(page, "plans task after the answer")
        with page.expect_navigation():
            page.get_by_role("button", name="Done today", exact=True).click()
        assert page.get_by_text("Well done! Saved as done today.").is_visible()
        assert_accessible(page, "plans task after logging")
        screenshot(page, "plan-portal-task")
        assert patient.console_errors == [] and patient.failed_subresources == []

    answer = TaskAgreement.objects.get(version__task=task)
    assert (answer.response, answer.confidence, answer.words, answer.in_session) == (
        "agree",
        8,
        "After the kids are in bed.",
        False,
    )

    with new_page(browser) as staff:
        page = staff.page
        assert sign_in(page, live_server.url, "clin_a", CAST_PASSWORD) == 200
        page.goto(f"{live_server.url}/patients/{cast.patient_a.pk}/")
        row = page.locator(f'tr[data-task="{task.pk}"]')
        assert "I agree" in row.locator("td.agreement").inner_text()
        assert "After the kids are in bed." in row.locator("td.agreement").inner_text()
        assert row.locator("td.confidence").inner_text() == "8/10"
        assert page.locator("svg.adherence-alliance").is_visible()
        screenshot(page, "plan-patient-page")
        assert staff.console_errors == [] and staff.failed_subresources == []

"""End to end in a real headless browser: a patient completes a PHQ-9 from a signed link
(no password), the link then stops working, and the clinician sees the score on the
patient's outcome chart. Skipped without Chromium (failed in CI); see docs/testing.md."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from concord.web.audit.service import Actor
from concord.web.measures import services, submission
from concord.web.measures.models import Administration

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

# Items 1-9: 1 + 2 + 0 + 3 + 1 + 0 + 2 + 1 + 0 = 10 ("moderate")
ANSWERS = {
    "q1": "Several days",
    "q2": "More than half the days",
    "q3": "Not at all",
    "q4": "Nearly every day",
    "q5": "Several days",
    "q6": "Not at all",
    "q7": "More than half the days",
    "q8": "Several days",
    "q9": "Not at all",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def audit_cleanup(live_server: Any, transactional_db: None) -> Iterator[None]:
    with audit_trail_emptied_afterwards(connection):
        yield


def test_patient_completes_phq9_from_a_signed_link_and_clinician_sees_it_on_the_chart(
    browser: Any, live_server: Any, audit_cleanup: None, cast: Cast
) -> None:
    clinician = Actor(cast.users["clin_a"], "web", "127.0.0.1")
    plan = services.create_plan(
        clinician,
        cast.episode_a.pk,
        {
            "instrument_code": "phq9",
            "rater": "patient",
            "schedule": "every_n_days",
            "interval_days": "14",
            "starts_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
    )
    administration = plan.administrations.get()
    _link, raw = submission.issue_link(clinician, administration.pk)
    link_url = live_server.url + reverse("measures:signed", args=[raw])

    with new_page(browser) as patient:
        page = patient.page
        page.set_viewport_size(PHONE)  # the link is opened on a phone
        response = page.goto(link_url)
        assert response is not None and response.status == 200
        assert page.get_by_text("Little interest or pleasure in doing things").is_visible()
        assert_accessible(page, "signed questionnaire")
        for item, label in ANSWERS.items():
            page.locator(f"#question-{item}").get_by_label(label, exact=True).check()
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Submit answers").click()
        assert navigation.value is not None and navigation.value.status == 200
        assert page.get_by_role(
            "heading", name="Thank you: your answers are submitted"
        ).is_visible()
        screenshot(page, "measures-link-submitted")
        assert_accessible(page, "signed questionnaire submitted")
        # Single use: the same link now opens nothing.
        again = page.goto(link_url)
        assert again is not None and again.status == 404
        assert page.get_by_role("heading", name="This link is not valid any more").is_visible()
        assert_accessible(page, "signed link used up")
        assert patient.console_errors == [] and patient.failed_subresources == []

    stored = Administration.objects.get(pk=administration.pk)
    assert stored.status == "submitted" and stored.submitted_via == "signed_link"
    assert stored.scores["scales"]["total"]["value"] == 10

    with new_page(browser) as staff:
        page = staff.page
        assert sign_in(page, live_server.url, "clin_a", CAST_PASSWORD) == 200
        page.goto(f"{live_server.url}/patients/{cast.patient_a.pk}/")
        recent = page.locator("table.recent-scores")
        assert "PHQ-9" in recent.inner_text() and "10" in recent.inner_text()
        with page.expect_navigation():
            page.get_by_role("link", name="Alliance from three perspectives, with outcomes").click()
        chart = page.locator("svg.outcome")
        assert chart.is_visible()
        tips = chart.locator("g.point title").all_text_contents()
        assert len(tips) == 1 and tips[0].endswith("PHQ-9 10")
        assert "latest 10" in chart.locator("desc").text_content()
        screenshot(page, "measures-outcome-chart")
        assert staff.console_errors == [] and staff.failed_subresources == []

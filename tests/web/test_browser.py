"""End to end in a real headless browser (Debian's Chromium through Playwright).

A clinician signs in through the real form, reads the caseload, sorts it by attendance and
opens a patient's timeline; a wrong password is refused and five of them lock the account;
a patient sees only their own portal. Without Chromium the tests are skipped (failed in CI,
where ``CONCORD_REQUIRE_BROWSER=1``); see docs/testing.md.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.utils import timezone

from concord.analytics.engagement import attendance_rate
from concord.web.accounts.models import User
from concord.web.clinic.models import CareEpisode, CareSession, EpisodeStatus, SessionStatus
from concord.web.demo.build import DEMO_PASSWORD, build_demo_clinic

from .browser_support import (
    CAST_PASSWORD,
    BrowserPage,
    assert_accessible,
    audit_trail_emptied_afterwards,
    launch_chromium,
    new_page,
    screenshot,
    sign_in,
)
from .conftest import Cast

pytestmark = pytest.mark.browser

WRONG_LOGIN = "The user name or password is not right, or the code is wrong."
LOCKED_TITLE = "Too many failed sign-ins"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def tab(browser: Any, live_server: Any, transactional_db: None) -> Iterator[BrowserPage]:
    with audit_trail_emptied_afterwards(connection), new_page(browser) as opened:
        yield opened


def table_names(tab: BrowserPage) -> list[str]:
    return tab.page.locator("table.caseload tbody tr td:first-child a").all_inner_texts()


def expected_attendance_order(episodes: list[CareEpisode]) -> list[str]:
    """Patient names in the order the caseload should show when sorted by attendance
    (lowest first, no sessions due last, ties by patient id), counted here from the rows."""
    keyed = []
    for episode in episodes:
        counts = Counter(episode.sessions.values_list("status", flat=True))
        rate = attendance_rate(
            counts[SessionStatus.ATTENDED],
            counts[SessionStatus.NO_SHOW],
            counts[SessionStatus.CANCELLED_BY_PATIENT],
        )
        keyed.append(((rate is None, rate or 0.0, episode.patient_id), str(episode.patient)))
    return [name for _key, name in sorted(keyed)]


def test_clinician_signs_in_sorts_caseload_and_opens_a_patient(
    tab: BrowserPage, live_server: Any
) -> None:
    build_demo_clinic(timezone.localdate(), check_mode=False)
    okafor = User.objects.get(username="dr.okafor")
    episodes = list(
        CareEpisode.objects.filter(
            team__memberships__user=okafor, status=EpisodeStatus.ACTIVE
        ).select_related("patient")
    )
    assert len(episodes) >= 10  # the demo mood team has a real caseload
    page = tab.page

    status = sign_in(page, live_server.url, "dr.okafor", DEMO_PASSWORD)

    assert status == 200
    assert page.url == f"{live_server.url}/caseload/"
    assert page.get_by_role("heading", level=1).inner_text() == "Caseload"
    assert page.locator("p.count").inner_text() == f"{len(episodes)} episodes"
    assert page.locator("table.caseload tbody tr").count() == len(episodes)
    assert Counter(table_names(tab)) == Counter(str(e.patient) for e in episodes)
    screenshot(page, "caseload")

    order = expected_attendance_order(episodes)
    assert len(set(order)) == len(order)
    page.locator("table.caseload thead a", has_text="Attendance").click()
    page.wait_for_url(re.compile(r"sort=attendance$"))
    header = page.locator("table.caseload thead th", has_text="Attendance")
    assert header.get_attribute("aria-sort") == "ascending"
    assert table_names(tab) == order
    # Sorting must actually reorder: the demo's attendance varies from patient to patient.
    assert order != sorted(order)

    page.locator("table.caseload thead a", has_text="Attendance").click()
    page.wait_for_url(re.compile(r"sort=attendance&dir=desc$"))
    assert header.get_attribute("aria-sort") == "descending"
    assert table_names(tab) == order[::-1]

    # Open the patient with the lowest attendance, the one a clinician would look at first.
    page.locator("table.caseload tbody tr td:first-child a", has_text=order[-1]).first.click()
    page.wait_for_url(re.compile(r"/patients/\d+/$"))
    patient_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    sessions = CareSession.objects.filter(episode__patient_id=patient_id)
    assert page.get_by_role("heading", level=1).inner_text() == order[-1]
    chart = page.locator("figure.chart-figure svg.timeline")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300
    markers = chart.locator("g.marker")
    assert markers.count() == sessions.count() > 0
    shown_statuses = Counter(markers.evaluate_all("gs => gs.map(g => g.dataset.status)"))
    assert shown_statuses == Counter(sessions.values_list("status", flat=True))
    assert page.locator("table.sessions tbody tr").count() == sessions.count()
    screenshot(page, "patient")
    assert tab.console_errors == []
    assert tab.failed_subresources == []


def test_wrong_password_is_refused_and_five_lock_the_account(
    tab: BrowserPage, live_server: Any, cast: Cast
) -> None:
    page = tab.page
    for attempt in range(1, 5):
        status = sign_in(page, live_server.url, "clin_a", f"wrong password {attempt}")
        assert status == 400
        assert page.get_by_role("alert").inner_text() == WRONG_LOGIN
        assert page.get_by_label("User name").input_value() == "clin_a"
        assert page.get_by_label("Password").input_value() == ""  # never echoed back

    status = sign_in(page, live_server.url, "clin_a", "wrong password 5")

    assert status == 429
    assert page.get_by_role("heading", level=1).inner_text() == LOCKED_TITLE
    assert AccessAttempt.objects.get(username="clin_a").failures_since_start == 5
    screenshot(page, "locked")
    # Locked means locked: the right password does not get in either.
    status = sign_in(page, live_server.url, "clin_a", CAST_PASSWORD)
    assert status == 429
    assert page.get_by_role("heading", level=1).inner_text() == LOCKED_TITLE
    page.goto(f"{live_server.url}/caseload/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    # Another account is not affected by clin_a's lockout.
    assert sign_in(page, live_server.url, "colleague_a", CAST_PASSWORD) == 200
    assert page.url == f"{live_server.url}/caseload/"


def test_patient_sees_only_their_own_portal(tab: BrowserPage, live_server: Any, cast: Cast) -> None:
    page = tab.page

    status = sign_in(page, live_server.url, "patient_a", CAST_PASSWORD)

    assert status == 200
    assert page.url == f"{live_server.url}/me/"
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Ada"
    # The header has only the sign-out button; the portal's own menu has every portal page.
    assert page.get_by_role("navigation", name="Main").get_by_role("link").count() == 0
    menu = page.get_by_role("navigation", name="My care").locator("ul.portal-nav-list")
    assert menu.get_by_role("link").all_inner_texts() == [
        "Home",
        "My plan",
        "Things to read",
        "What makes it hard",
        "My supporters",
        "What I agree to",
        "Who has looked at my information",
    ]
    assert menu.locator("[aria-current=page]").inner_text() == "Home"
    assert_accessible(page, "portal home, wide screen")
    text = page.locator("main").inner_text()
    assert "Depression · Team A" in text
    assert "Back pain" not in text and "Beta" not in text  # patient B's care
    assert "Talked about sleep." not in text  # clinician notes stay with clinicians
    past = page.locator("section", has_text="Past sessions").locator("li")
    assert past.count() == CareSession.objects.filter(episode__patient=cast.patient_a).count() == 1
    screenshot(page, "portal")

    for path in (
        "/caseload/",
        f"/patients/{cast.patient_a.pk}/",
        f"/patients/{cast.patient_b.pk}/",
        f"/episodes/{cast.episode_a.pk}/sessions/new/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 404, path
    assert tab.console_errors == []
    assert tab.failed_subresources == []


def test_pages_load_their_stylesheet(tab: BrowserPage, live_server: Any, cast: Cast) -> None:
    page = tab.page
    page.goto(f"{live_server.url}/accounts/login/")
    styled = page.evaluate("() => getComputedStyle(document.querySelector('header.top')).display")
    assert tab.failed_subresources == []
    assert styled == "flex"
    assert sign_in(page, live_server.url, "clin_a", CAST_PASSWORD) == 200
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(246, 248, 250)"  # --bg in concord.css
    assert tab.failed_subresources == []

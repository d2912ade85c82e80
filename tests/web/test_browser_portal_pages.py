"""Every page a patient, a supporter or a person with a link can open, in Spanish and in
English, on a 360 px phone screen in a real browser: axe-core finds no WCAG 2.1 A or AA
violation, nothing is wider than the screen, the page is in the expected language, and
patients find the portal's menu with the current page marked.

The pages are not listed here: they come from the access matrix (``portal_fixtures``), so a
new portal page is checked as soon as its row says a patient, supporter or anonymous person
gets it; :func:`test_every_portal_address_is_visited_or_post_only` fails for a portal
address the matrix cannot open. Skipped without Chromium (failed in CI); docs/testing.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

from .browser_support import (
    CAST_PASSWORD,
    PHONE,
    assert_accessible,
    audit_trail_emptied_afterwards,
    launch_chromium,
    new_page,
)
from .conftest import Cast
from .portal_fixtures import NOT_PAGES, PORTAL_PEOPLE, PortalPage, fill_portal, portal_pages
from .test_access_matrix import PAGES

# Pages that are files to download, not pages to look at (their text is tested in
# test_translations_pages.py and test_summaries_portal.py): every PDF the portal offers.
DOWNLOADS = frozenset(
    {"decisions:portal_pdf", "materials:portal_pdf", "materials:portal_summary_pdf"}
)
# Pages outside the portal's menu: signing in, and the link opened without signing in.
OUTSIDE_THE_MENU = ("accounts:", "measures:signed")
PORTAL_PREFIXES = ("me/", "supporting/", "m/", "accounts/")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def audit_cleanup(live_server: Any, transactional_db: None) -> Iterator[None]:
    with audit_trail_emptied_afterwards(connection):
        yield


def _sign_in(page: Any, base: str, username: str) -> None:
    """The real sign-in form, filled by field name (its labels may be in Spanish)."""
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(CAST_PASSWORD)
    with page.expect_navigation() as navigation:
        page.locator("main form button[type=submit]").click()
    assert navigation.value is not None and navigation.value.status == 200


def _check_pages(browser: Any, base: str, person: str, language: str, pages: list[Any]) -> int:
    """Open each page as ``person`` with a browser asking for ``language``; return how
    many pages were checked."""
    checked = 0
    with new_page(browser, locale=language) as opened:
        page = opened.page
        page.set_viewport_size(PHONE)
        if person != "anonymous":
            _sign_in(page, base, person)
        for portal_page in pages:
            name = f"{portal_page.key} ({language})"
            response = page.goto(base + portal_page.url)
            assert response is not None and response.status == 200, name
            assert page.locator("html").get_attribute("lang") == language, name
            if person == "patient_a" and not portal_page.url_name.startswith(OUTSIDE_THE_MENU):
                menu = page.locator("nav.portal-nav details.portal-menu")
                assert menu.is_visible(), name  # the menu on the phone screen
                assert menu.locator("a[aria-current]").count() == 1, name
            assert_accessible(page, name)
            checked += 1
        if person == "patient_a":
            # An address that is not there: a page of Concord's, in the patient's language.
            missing = page.goto(base + "/me/no-such-page/")
            assert missing is not None and missing.status == 404
            assert page.locator("html").get_attribute("lang") == language
            assert_accessible(page, f"patient_a page not found ({language})")
            # The menu opened on the phone: every portal page one tap away.
            page.goto(base + "/me/plan/")
            page.locator("details.portal-menu > summary").click()
            links = page.locator("details.portal-menu a")
            assert links.count() == 7 and links.nth(1).get_attribute("aria-current") == "page"
            assert_accessible(page, f"patient_a the menu open ({language})")
        assert opened.console_errors == [] and opened.failed_subresources == []
    return checked


@pytest.mark.browser
@pytest.mark.parametrize("language", ["es", "en"])
def test_every_portal_page_passes_axe_core_on_a_phone(
    browser: Any, live_server: Any, audit_cleanup: None, cast: Cast, language: str
) -> None:
    fill_portal(cast)
    cast.patient_a.preferred_language = language  # the patient's pages follow the record
    cast.patient_a.save()
    pages = [p for p in portal_pages(cast) if p.url_name not in DOWNLOADS]
    by_person: dict[str, list[PortalPage]] = {}
    for portal_page in pages:
        by_person.setdefault(portal_page.person, []).append(portal_page)
    assert set(by_person) == set(PORTAL_PEOPLE)
    checked = sum(
        _check_pages(browser, live_server.url, person, language, by_person[person])
        for person in PORTAL_PEOPLE
    )
    assert checked == len(pages) >= 30


def _routes(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def test_every_portal_address_is_visited_or_post_only() -> None:
    """Each address of the portal (/me/…, /supporting/…, the signed link, signing in) is
    either opened by the test above (its matrix row gives a portal person 200) or answers
    portal people only to a POST (405 to a GET). A portal page the matrix cannot open
    (say, it needs a record the row does not build) fails here until it gets a row or an
    entry in ``portal_fixtures.EXTRA_PAGES``."""
    from .portal_fixtures import EXTRA_PAGES

    extra = {url_name for _person, url_name, _kwargs in EXTRA_PAGES}
    problems = []
    for url_name, route in _routes(get_resolver().url_patterns):
        if not route.startswith(PORTAL_PREFIXES) or url_name in NOT_PAGES:
            continue
        statuses = {PAGES[url_name][1][p] for p in PORTAL_PEOPLE} if url_name in PAGES else set()
        if 200 in statuses or url_name in extra:
            continue
        if 405 in statuses:
            continue  # a form's target (or signing out): the page with the form is checked
        problems.append(f"{url_name} ({route}) is opened by no portal test")
    assert problems == []

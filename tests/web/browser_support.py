"""Support for the end-to-end browser tests: Debian's Chromium driven by Playwright.

Playwright cannot download its own browser here, so the tests launch the system Chromium
at :data:`CHROMIUM`. When it is missing the tests are skipped with :data:`MISSING_REASON`,
unless ``CONCORD_REQUIRE_BROWSER=1`` (set by ``.ci/run``), in which case they fail.

:func:`assert_accessible` is the one accessibility check every browser test uses: axe-core
with the WCAG 2.1 A and AA rules, and, on a phone-sized screen, nothing wider than it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from concord.web.audit.triggers import clear_trail_for_tests

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Response

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHROMIUM_MISSING = "Chromium not found at /usr/bin/chromium"
CHROMIUM_HINT = "apt-get install chromium"
MISSING_REASON = f"{CHROMIUM_MISSING}: browser tests skipped ({CHROMIUM_HINT})"
REQUIRE_ENV = "CONCORD_REQUIRE_BROWSER"
VIEWPORT = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}  # the narrowest phone the portal is made for
TIMEOUT_MS = 15_000
CAST_PASSWORD = "a long test password"  # every account of the test cast (conftest.py)
# axe-core's rules for WCAG 2.0 and 2.1, levels A and AA (the bar for patient pages).
WCAG_21_AA_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def browser_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def skip_or_fail(problem: str, hint: str) -> None:
    """Skip the test, or fail it when the browser is required (CI)."""
    if browser_required():
        pytest.fail(
            f"{problem}, and {REQUIRE_ENV}=1 requires the browser tests ({hint})", pytrace=False
        )
    pytest.skip(f"{problem}: browser tests skipped ({hint})")


def require_chromium() -> None:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        skip_or_fail(CHROMIUM_MISSING, CHROMIUM_HINT)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("Playwright for Python is not installed", "pip install -e '.[dev]'")


@contextmanager
def allow_sync_orm_in_event_loop() -> Iterator[None]:
    """Playwright's sync API runs an asyncio loop in this thread; the tests still query the
    database directly from it, which Django refuses unless told it is safe here."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """The system Chromium, headless, or a skip (a failure in CI) when it is not there."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with allow_sync_orm_in_event_loop(), sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class BrowserPage:
    """A fresh browser context (no cookies) and its page, with what went wrong on it:
    script errors and policy violations from the console, and failed sub-resources
    (stylesheets, images) by status and address."""

    context: BrowserContext
    page: Page
    console_errors: list[str] = field(default_factory=list)
    failed_subresources: list[str] = field(default_factory=list)


NETWORK_ERROR_PREFIX = "Failed to load resource"


@contextmanager
def new_page(browser: Browser, locale: str = "en-GB") -> Iterator[BrowserPage]:
    """A fresh context whose browser asks for ``locale`` (its ``Accept-Language``)."""
    context = browser.new_context(viewport=VIEWPORT, locale=locale)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    opened = BrowserPage(context, page)

    def on_console(message: ConsoleMessage) -> None:
        # Failed loads are recorded from the responses instead, with their address.
        if message.type == "error" and not message.text.startswith(NETWORK_ERROR_PREFIX):
            opened.console_errors.append(message.text)

    def on_response(response: Response) -> None:
        # Pages are checked by the tests themselves; Chromium asks every site for a
        # /favicon.ico, which Concord does not have.
        if (
            response.status >= 400
            and response.request.resource_type != "document"
            and not response.url.endswith("/favicon.ico")
        ):
            opened.failed_subresources.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: opened.console_errors.append(str(error)))
    page.on("response", on_response)
    try:
        yield opened
    finally:
        context.close()


@contextmanager
def audit_trail_emptied_afterwards(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Empty the audit trail after a transactional test, so that its closing flush works.

    The trail refuses DELETE with triggers (audit migration 0002). pytest-django ends a
    ``live_server`` test by emptying every table; on SQLite with ``DELETE FROM``, which the
    trigger aborts. So the trail is emptied first, with the triggers briefly lifted and put
    back (:func:`concord.web.audit.triggers.clear_trail_for_tests`): they stay in force
    during every test and for the tests that follow.
    """
    yield
    clear_trail_for_tests(connection)


def sign_in(page: Page, base_url: str, username: str, password: str) -> int:
    """Fill in and submit the real sign-in form; return the HTTP status of the answer."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()
    response = navigation.value
    assert response is not None
    return response.status


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot in /tmp to look at (never committed)."""
    path = Path("/tmp") / f"concord-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now, one line each: the
    rule, what it asks and where (empty: none)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": list(WCAG_21_AA_TAGS)},
            "resultTypes": ["violations"],
        },
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(str(t) for t in node["target"]) for node in v["nodes"])
        for v in results.response["violations"]
    ]


WIDER_THAN_THE_SCREEN = """() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')].filter(e => {
        const box = e.getBoundingClientRect();
        if (box.width === 0 || box.right <= width + 0.5) return false;
        // Inside a box that scrolls sideways on purpose (a wide table or chart): fine.
        for (let p = e.parentElement; p; p = p.parentElement) {
            const overflow = getComputedStyle(p).overflowX;
            const scrolls = overflow === 'auto' || overflow === 'scroll';
            if (scrolls && p.getBoundingClientRect().right <= width + 0.5) return false;
        }
        return true;
    });
    const classes = e => (e.className ? '.' + String(e.className).replace(/ +/g, '.') : '');
    const text = e => (e.textContent || '').trim().slice(0, 40);
    return wide.map(e => e.tagName.toLowerCase() + classes(e) + ': ' + text(e));
}"""


def wider_than_the_screen(page: Page) -> list[str]:
    """Elements that stick out sideways (the page would scroll sideways); boxes made to
    scroll sideways (wide tables, charts) and what is inside them do not count."""
    found: list[str] = page.evaluate(WIDER_THAN_THE_SCREEN)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    client_width = page.evaluate("document.documentElement.clientWidth")
    if scroll_width > client_width:
        found.append(f"the page is {scroll_width} px wide on a {client_width} px screen")
    return found


def assert_accessible(page: Page, name: str) -> None:
    """No axe-core WCAG 2.1 A/AA violation; on a phone-sized screen, nothing wider than it.
    ``name`` says which page failed. A screenshot is saved either way (:func:`screenshot`)."""
    screenshot(page, "axe-" + "".join(c if c.isalnum() else "-" for c in name.lower()))
    problems = axe_violations(page)
    if page.viewport_size and page.viewport_size["width"] <= PHONE["width"]:
        problems += [f"wider than the phone: {w}" for w in wider_than_the_screen(page)]
    assert problems == [], f"{name} ({page.url}):\n" + "\n".join(problems)

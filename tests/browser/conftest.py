"""Browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's
live server, at a phone-sized viewport.

No Playwright-downloaded browser is needed: Playwright launches /usr/bin/chromium
(see /work/shared/research/stack-notes.md section 5).
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

# Playwright's sync API keeps an asyncio loop running in the main thread for as long as the
# browser lives, so Django takes every ORM call made by the test (and by later tests of the
# session) for a call from async code and raises SynchronousOnlyOperation.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 375, "height": 812}  # a small phone: the patient pages are mobile first
TIMEOUT_MS = 5_000  # everything is local: fail fast instead of waiting Playwright's 30 s

# <project root>/artifacts/screenshots (gitignored; CI keeps the folder as an artifact).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

# Chromium reports CSP violations in the console, but to be sure none goes unnoticed the page
# also logs every `securitypolicyviolation` event. The init script is injected by the browser
# (DevTools protocol), so the page's own CSP does not apply to it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ` +
                `${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from django.db import connections

    before = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        # From here on Playwright's event loop counts as running in this thread, and Django's
        # thread-critical connection storage switches to a per-context one holding fresh
        # connection objects. Keep the objects the test databases were set up with: they carry
        # the serialized data that serialized_rollback reloads before each test.
        for alias, connection in before.items():
            connections[alias] = connection
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="package", autouse=True)
def _restore_migration_data(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The browser tests are transactional with serialized_rollback: the data of the data
    migrations (groups, tier programs) is reloaded before each of them, but the flush after the
    last one leaves the database empty for whatever transactional test runs next. Reload it."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for alias in connections:
            connection = connections[alias]
            data = getattr(connection, "_test_serialized_contents", None)
            if data:
                connection.creation.deserialize_db_from_string(data)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context (no cookies) with a 375 × 812 viewport."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Console errors and uncaught page errors, as "text (url)"; favicon 404s left out."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        if message.type == "error" and not url.endswith("/favicon.ico"):
            errors.append(f"{message.text} ({url})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    return errors


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS

"""Browser-test fixtures and helpers: Debian's Chromium, signing in, and axe-core checks.

A pytest plugin (see the root conftest.py), so every app's browser tests share one ``browser``
and ``signed_in`` fixture without importing them.

Playwright drives the system Chromium (no browser download is possible, nor wanted in CI), and
axe-core comes bundled in the `axe-playwright-python` package; we inject its script ourselves so
the check and its failure report stay in our hands.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from mutua.members.models import Member

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The impacts that fail a test; "moderate" and "minor" findings are printed, not fatal.
FATAL_IMPACTS = frozenset({"serious", "critical"})

AXE_SCRIPT = (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now and return its violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    results: dict[str, Any] = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
    )
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
        lines.append(
            f"  {violation['id']} ({violation['impact']}): {violation['help']} -> {targets}"
        )
    return "\n".join(lines)


def assert_accessible(page: Page, where: str) -> None:
    """Fail, naming rule, impact and elements, on any serious or critical axe-core violation."""
    violations = axe_violations(page)
    fatal = [v for v in violations if v["impact"] in FATAL_IMPACTS]
    others = [v for v in violations if v["impact"] not in FATAL_IMPACTS]
    if others:
        print(f"axe, {where} ({page.url}), not fatal:\n{describe(others)}")
    if fatal:
        pytest.fail(
            f"axe-core found serious or critical violations on {where} ({page.url}):\n"
            + describe(fatal),
            pytrace=False,
        )


CODE = re.compile(r"\b(\d{6})\b")


def sign_in_code_for(email: str) -> str:
    """The six-digit code in the latest email sent to ``email`` (tasks run inline in tests)."""
    for message in reversed(mail.outbox):
        if email in message.to:
            found = CODE.search(str(message.body))
            if found:
                return found.group(1)
    raise AssertionError(f"no sign-in code was emailed to {email}; outbox: {mail.outbox!r}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright. Missing Chromium fails the test, never skips it.

    Module-scoped on purpose: Playwright's sync API keeps an asyncio loop running in this thread
    while it is started, and Django then refuses synchronous ORM calls "from an async context".
    We allow them only while this module's browser is up, so other tests keep the real guard.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: the browser tests need it. "
            "Install it with `apt-get install -y chromium` (.ci/run does this).",
            pytrace=False,
        )
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright: Playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


SignedIn = Callable[[Member], Page]


@pytest.fixture
def signed_in(browser: Browser, live_server: LiveServer) -> SignedIn:
    """A browser page signed in as the member (through a session made by the test client)."""

    def page_for(member: Member) -> Page:
        client = Client()
        client.force_login(member.user)
        context = browser.new_context()
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        return context.new_page()

    return page_for


def visit(page: Page, live_server: LiveServer, path: str) -> None:
    response = page.goto(live_server.url + path)
    assert response is not None and response.status < 400, path


@dataclass
class Person:
    """One member in their own browser context, reading pages in their own language."""

    member: Member
    page: Page
    base_url: str
    # Without JavaScript axe cannot run; those contexts check that the pages work, nothing more.
    javascript: bool = True
    language: str = "en"

    def t(self, text: str) -> str:
        """The words the member sees: Rosa reads Mutua in Spanish once she is signed in."""
        with translation.override(self.language):
            return translation.gettext(text)

    def go(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"

    def axe(self, where: str) -> None:
        if self.javascript:
            assert_accessible(self.page, f"{where}, as {self.member.display_name}")

    def field(self, label: str) -> Locator:
        """The input with this label; Django writes labels with a suffix ("Email:")."""
        return self.page.get_by_label(re.compile(rf"^\s*{re.escape(self.t(label))}\s*:?\s*$"))

    def press(self, label: str) -> None:
        self.page.get_by_role("button", name=self.t(label), exact=True).click()

    def sign_in(self) -> None:
        """Ask for a code on /sign-in/, read it from the email, type it on the code page."""
        self.go(reverse("members:sign_in"))
        self.axe("sign-in page")
        self.field("Email").fill(self.member.user.email)
        self.press("Email me a code")
        expect(self.page.get_by_role("heading", name=self.t("Enter your code"))).to_be_visible()
        self.axe("code page")
        code = sign_in_code_for(self.member.user.email)
        self.field("Code").fill(code)
        self.press("Sign in")
        # From here on the member's own language, set by the sign-in.
        self.language = self.member.preferred_language
        expect(self.page.get_by_role("heading", name=self.t("Requests for help"))).to_be_visible()

    def status_badge(self) -> str:
        return self.page.locator("h1 + p.meta").inner_text()


@pytest.fixture
def people(browser: Browser, live_server: LiveServer) -> Iterator[list[BrowserContext]]:
    """Browser contexts opened by a test, closed after it; a clean rate-limit cache per test."""
    cache.clear()  # the per-connection code limit counts every sign-in of the whole run
    contexts: list[BrowserContext] = []
    yield contexts
    for context in contexts:
        context.close()


def person(
    browser: Browser,
    live_server: LiveServer,
    contexts: list[BrowserContext],
    member: Member,
    *,
    javascript: bool = True,
) -> Person:
    context = browser.new_context(java_script_enabled=javascript, locale="en-GB")
    context.set_default_timeout(10_000)  # a local server answers at once: fail in 10 s, not 30
    contexts.append(context)
    return Person(member, context.new_page(), live_server.url, javascript=javascript)

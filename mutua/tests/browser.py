"""Helpers for the browser tests: launching Debian's Chromium, signing in, and axe-core checks.

Playwright drives the system Chromium (no browser download is possible, nor wanted in CI), and
axe-core comes bundled in the `axe-playwright-python` package; we inject its script ourselves so
the check and its failure report stay in our hands.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page

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

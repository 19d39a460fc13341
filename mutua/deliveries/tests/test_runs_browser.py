"""Delivery run pages in real Chromium, checked by axe-core, also on a small phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page
from pytest_django.live_server_helper import LiveServer

from mutua.deliveries import services
from mutua.deliveries.tests.test_runs import (
    SECONDS,
    add_driver,
    add_stop,
    claimed_request,
    near,
    plan,
)
from mutua.members.models import Member
from mutua.test import World
from mutua.tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADDRESS = "12 Elm Street, Apt 3"


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def signed_in_page(
    browser: Browser,
    live_server: LiveServer,
    contexts: list[BrowserContext],
    member: Member,
) -> Page:
    """A phone-sized page signed in as the member (the sign-in door has its own browser test)."""
    client = Client()
    client.force_login(member.user)
    context = browser.new_context(locale="en-GB", viewport={"width": 360, "height": 640})
    context.set_default_timeout(5_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    contexts.append(context)
    return context.new_page()


def visit(page: Page, live_server: LiveServer, path: str, where: str) -> str:
    response = page.goto(live_server.url + path)
    assert response is not None and response.ok, f"{where}: {response and response.status}"
    assert_accessible(page, where)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, where
    return page.content()


def test_run_pages_and_route_sheet_are_accessible_on_a_phone(
    browser: Browser,
    live_server: LiveServer,
    contexts: list[BrowserContext],
    world: World,
) -> None:
    # A run today, so Ben's sheet shows the address he needs.
    run = services.create_run(
        actor=world.olu,
        pod=world.maple,
        name="Today's groceries",
        day=timezone.localdate(),
        solve_seconds=SECONDS,
    )
    rosas = claimed_request(world, address=ADDRESS)
    add_stop(run, world, aid_request=rosas, point=near(300, 300), what_to_bring="Two bags")
    add_stop(run, world, label="Piano", point=near(0, 300), load=99)
    add_driver(run, world.ben, hours=(0, 23))
    plan(run, world)

    olu = signed_in_page(browser, live_server, contexts, world.olu)
    visit(olu, live_server, reverse("deliveries:run_list", args=[world.maple.pk]), "run list")
    visit(olu, live_server, reverse("deliveries:run_create", args=[world.maple.pk]), "new run")
    page = visit(olu, live_server, run.get_absolute_url(), "planned run, organizer")
    assert "could not place" in page and ADDRESS not in page
    # The form with a service error next to its field.
    olu.get_by_label("Label everyone sees").fill("Late stop")
    olu.get_by_label("Latitude for planning").fill("40.0")
    olu.get_by_label("Longitude for planning").fill("-75.0")
    olu.get_by_label("Load").fill("-2")
    olu.get_by_role("button", name="Add the stop").click()
    assert "The load cannot be negative." in olu.content()
    assert_accessible(olu, "stop form with an error")

    ben = signed_in_page(browser, live_server, contexts, world.ben)
    sheet = visit(ben, live_server, reverse("deliveries:route_sheet", args=[run.pk]), "sheet")
    assert ADDRESS in sheet
    printed = visit(
        ben, live_server, reverse("deliveries:route_sheet_print", args=[run.pk]), "print view"
    )
    assert ADDRESS in printed
    chloe = signed_in_page(browser, live_server, contexts, world.chloe)
    page = visit(chloe, live_server, run.get_absolute_url(), "run, a member who may drive")
    assert "Volunteer to drive" in page and ADDRESS not in page

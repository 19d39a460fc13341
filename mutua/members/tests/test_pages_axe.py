"""Sign-in, profile, network and pod pages, checked by axe-core in real Chromium.

Pages are shown in the states that matter: empty, with form errors (which must be tied to their
fields), with a token's secret, and a pod page with a size warning and a newcomer to welcome.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Browser
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from mutua.members import services
from mutua.test import World, make_member
from mutua.tests.browser import SignedIn, assert_accessible, sign_in_code_for, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_and_sign_up_pages_are_accessible(
    world: World,
    browser: Browser,
    live_server: LiveServer,
    settings: Settings,
) -> None:
    settings.DEMO_SIGN_IN = True
    page = browser.new_context().new_page()
    for where, path in [
        ("landing page", reverse("home")),
        ("sign-in", reverse("members:sign_in")),
        ("sign-up", reverse("members:sign_up")),
        ("demo sign-in", reverse("members:demo_sign_in")),
    ]:
        visit(page, live_server, path)
        assert_accessible(page, where)

    visit(page, live_server, reverse("members:sign_up"))
    page.fill("#id_email", "nia@example.org")
    page.fill("#id_display_name", "Nia")
    page.fill("#id_phone", "12ab")
    page.click("main button[type=submit]")
    assert page.locator("#id_phone_error").is_visible()
    assert "id_phone_error" in (page.get_attribute("#id_phone", "aria-describedby") or "").split()
    assert_accessible(page, "sign-up with errors")

    visit(page, live_server, reverse("members:sign_in"))
    page.fill("#id_email", "ben@example.org")
    page.click("main button[type=submit]")
    page.wait_for_url("**" + reverse("members:sign_in_code"))
    assert_accessible(page, "sign-in code")
    page.fill("#id_code", "abc")
    page.click("main button[type=submit]")
    assert page.locator("#id_code_error").is_visible()
    assert_accessible(page, "sign-in code with an error")

    page.fill("#id_code", sign_in_code_for("ben@example.org"))
    page.click("main button[type=submit]")
    page.wait_for_url("**" + reverse("exchange:request_list"))


def test_members_pages_are_accessible(
    world: World, signed_in: SignedIn, live_server: LiveServer
) -> None:
    nia = make_member("Nia", pod=None, network=world.network)
    services.ask_to_join_pod(member=nia, pod=world.maple, message="Hello from the corner")
    services.create_api_token(member=world.ben, name="pantry sheet")
    ben = signed_in(world.ben)
    for where, path in [
        ("profile", reverse("members:profile")),
        ("API tokens", reverse("members:api_tokens")),
        ("networks", reverse("members:network_list")),
        ("network detail", reverse("members:network_detail", args=["riverside"])),
        ("my pods", reverse("members:my_pods")),
        ("pod with a newcomer to welcome", reverse("members:pod_detail", args=[world.maple.pk])),
        ("small pod", reverse("members:pod_detail", args=[world.oak.pk])),
    ]:
        visit(ben, live_server, path)
        assert_accessible(ben, where)

    visit(ben, live_server, reverse("members:profile"))
    ben.fill("#id_phone", "5551234")
    ben.click("main form button[type=submit]")
    assert ben.locator("#id_phone_error").is_visible()
    assert_accessible(ben, "profile with an error")

    visit(ben, live_server, reverse("members:api_tokens"))
    ben.fill("#id_name", "new script")
    ben.click("main form button:has-text('Create token')")
    assert ben.locator("code").is_visible()
    assert_accessible(ben, "API tokens with a new secret")

    newcomer = signed_in(nia)
    for where, path in [
        ("my pods, waiting", reverse("members:my_pods")),
        ("pod, waiting", reverse("members:pod_detail", args=[world.maple.pk])),
        ("pod to ask to join", reverse("members:pod_detail", args=[world.oak.pk])),
    ]:
        visit(newcomer, live_server, path)
        assert_accessible(newcomer, where)

    outsider = signed_in(world.zed)
    visit(outsider, live_server, reverse("members:network_detail", args=["riverside"]))
    assert_accessible(outsider, "network detail, not a member")

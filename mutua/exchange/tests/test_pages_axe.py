"""Every exchange page, as the members see it, checked by axe-core in real Chromium.

Pages are shown in the states that matter: with the private box, with the message thread, and
with form errors (which must be tied to their fields).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.live_server_helper import LiveServer

from mutua.exchange import services
from mutua.exchange.tests.test_pages import ask, make_offer
from mutua.test import World
from mutua.tests.browser import SignedIn, assert_accessible, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_request_pages_are_accessible(
    world: World, signed_in: SignedIn, live_server: LiveServer
) -> None:
    aid_request = ask(world.rosa, world.maple)
    ask(world.dev, world.oak, scope="network", summary="Network-wide one")
    services.claim_request(aid_request=aid_request, actor=world.ben)
    services.post_message(aid_request=aid_request, actor=world.ben, body="On my way")
    rosa = signed_in(world.rosa)

    for where, path in [
        ("request list", reverse("exchange:request_list")),
        ("request detail with private box and thread", aid_request.get_absolute_url()),
        ("request form", reverse("exchange:request_create")),
        ("request edit form", reverse("exchange:request_edit", args=[aid_request.pk])),
        ("my activity", reverse("exchange:my_activity")),
    ]:
        visit(rosa, live_server, path)
        assert_accessible(rosa, where)

    chloe = signed_in(world.chloe)
    visit(chloe, live_server, aid_request.get_absolute_url())
    assert_accessible(chloe, "request detail as a neighbour")


def test_request_form_with_errors_is_accessible(
    world: World, signed_in: SignedIn, live_server: LiveServer
) -> None:
    rosa = signed_in(world.rosa)
    visit(rosa, live_server, reverse("exchange:request_create"))
    rosa.fill("#id_summary", " ")
    rosa.fill("#id_needed_by", "2001-01-01T10:00")
    rosa.click("button[type=submit] >> text=Post my request")

    assert rosa.locator("#id_summary_error").is_visible()
    assert rosa.get_attribute("#id_summary", "aria-describedby") is not None
    assert_accessible(rosa, "request form with errors")


def test_offer_pages_are_accessible(
    world: World, signed_in: SignedIn, live_server: LiveServer
) -> None:
    offer = make_offer(world.ben, world.maple)
    chloe = signed_in(world.chloe)

    for where, path in [
        ("offer list", reverse("exchange:offer_list")),
        ("offer detail", offer.get_absolute_url()),
        ("offer form", reverse("exchange:offer_create")),
        ("offer answer form", reverse("exchange:offer_answer", args=[offer.pk])),
    ]:
        visit(chloe, live_server, path)
        assert_accessible(chloe, where)

    ben = signed_in(world.ben)
    visit(ben, live_server, reverse("exchange:offer_edit", args=[offer.pk]))
    assert_accessible(ben, "offer edit form")

"""The matching pages in real Chromium, checked by axe-core: suggestions, invitations, forms."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.live_server_helper import LiveServer

from mutua.exchange import services
from mutua.exchange.tests.test_suggestions import helping, need
from mutua.test import World
from mutua.tests.browser import SignedIn, assert_accessible, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_matching_pages_are_accessible(
    world: World,
    signed_in: SignedIn,
    live_server: LiveServer,
) -> None:
    helping(world.rosa, 0, categories=())
    helping(world.ben, 0, skills=(services.SkillDraft("first aid"),))
    helping(world.chloe, 1, languages=("es",))
    invited = need(world.rosa, world.maple, summary="Invited one")
    need(world.rosa, world.maple, summary="Suggested one")
    need(world.rosa, world.maple, language="fr", summary="Unmatched one")
    services.propose_match(aid_request=invited, helper=world.chloe, actor=world.olu)

    olu = signed_in(world.olu)
    visit(olu, live_server, reverse("exchange:suggestions", args=[world.network.slug]))
    olu.click("summary")  # the cost breakdown, opened
    assert_accessible(olu, "suggestions page")

    chloe = signed_in(world.chloe)
    for where, path in [
        ("invitations", reverse("exchange:invitations")),
        ("you could help with", reverse("exchange:could_help")),
        ("how you can help", reverse("exchange:helping_profile")),
    ]:
        visit(chloe, live_server, path)
        assert_accessible(chloe, where)

    chloe.fill("#id_help_lat", "40.7")
    chloe.fill("#id_help_lng", "")
    chloe.click("button[type=submit] >> text=Save")
    assert_accessible(chloe, "how you can help, with errors")
